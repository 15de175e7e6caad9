from django.contrib import admin

from common.admin import ReadOnlyAdminMixin
from deposits.models import (
    Deposit,
    Fund,
    FundMovement,
    Institution,
    Notice,
    PaymentGuarantee,
    PenaltyDecision,
)


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    """附件3: an admin pauses an institution (受理新业务 off) — hidden for new deposits, kept on old ones."""

    list_display = ["name", "kind", "accepts_new", "note", "sort"]
    list_filter = ["kind", "accepts_new"]
    list_editable = ["accepts_new", "sort"]
    search_fields = ["name"]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only here: notices are issued by the push (P4) and change through deposits.services only."""

    list_display = ["number", "unit", "project", "contractor", "issued_at", "deadline", "status"]
    list_filter = ["status", "unit"]
    search_fields = ["number", "project__name", "contractor__name"]


# Deposits, penalties, guarantees and fund ledgers (D1, D3, D4): read-only here — every write goes through
# deposits.services (balances under a row lock, every change in the action log).


@admin.register(Deposit)
class DepositAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["project", "form", "institution", "amount", "required_amount", "status", "deposited_on"]
    list_filter = ["status", "form"]
    search_fields = ["project__name", "notice__number", "document_number"]


@admin.register(PenaltyDecision)
class PenaltyDecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["decision_number", "notice", "amount", "decided_on"]
    search_fields = ["decision_number", "notice__number"]


@admin.register(PaymentGuarantee)
class PaymentGuaranteeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["project", "guarantor", "document_number", "amount", "valid_from", "valid_to"]
    search_fields = ["project__name", "guarantor", "document_number"]


@admin.register(Fund)
class FundAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "unit", "project", "balance"]
    list_filter = ["kind"]


@admin.register(FundMovement)
class FundMovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["fund", "kind", "amount", "balance_after", "project", "occurred_on", "recorded_by"]
    list_filter = ["fund", "kind"]
