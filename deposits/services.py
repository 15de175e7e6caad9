"""The only code that writes deposits' records (SPEC P4, D1–D4).

Top part: the 附件2 deposit notice (P4/D2). Below: deposits, guarantees and fund ledgers (D1, D3, D4)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from common.access import can_act_as_unit_named, can_act_for_unit, is_hrss, require_writer
from common.audit import log_action
from common.documents import document_issue, document_rerender, document_set_status, next_document_number
from common.formats import format_date, format_datetime, format_money
from common.models import Unit
from common.policy import policy_parameter, policy_value
from common.validators import money_yuan, validate_phone
from common.workdays import add_working_days
from deposits.models import (
    INFLOW_KINDS,
    KINDS_BY_FUND,
    Deposit,
    DepositForm,
    DepositStatus,
    Fund,
    FundKind,
    FundMovement,
    Institution,
    MovementKind,
    Notice,
    NoticeStatus,
    PaymentGuarantee,
    PenaltyDecision,
    RatioBasis,
)
from deposits.selectors import notice_filter_overdue_open  # the one definition of "overdue" (D4)
from projects.models import Project, ProjectStatus

NOTICE_KIND = "deposits.notice"


# ------------------------------------------------------------------------------------ institutions (D3)


def institution_validate_for_new_deposit(institution: Institution | None) -> Institution:
    """D3: a new deposit goes to one institution of 附件3 that still accepts new business. For forms, the API
    and the import; an existing deposit at a paused institution keeps it (this is not called on those)."""
    if institution is None:
        raise ValidationError({"institution": "请选择保证金经办机构（附件3名录）"})
    if not institution.accepts_new:
        raise ValidationError({"institution": f"{institution.name}已暂停新业务，请选择名录中的其他经办机构"})
    return institution


# ---------------------------------------------------------------------------------------- notice (D2)


def notice_number(*, short_name: str, year: int, n: int) -> str:
    """D2: 中区{简称}农保通字〔{year}〕第{n}号."""
    return f"中区{short_name}农保通字〔{year}〕第{n}号"


def notice_deadline(start: dt.date, days: int) -> dt.date:
    """D2: calendar days (not working days) from the day of issue, or of receipt once it is recorded."""
    return start + dt.timedelta(days=days)


def _check_actor(actor, unit) -> None:
    require_writer(actor)
    if not can_act_for_unit(actor, unit):
        raise PermissionDenied("只能办理本单位项目的缴纳通知书")


@transaction.atomic
def notice_issue(*, project: Project, actor) -> Notice:
    """P4/D2: the pushing unit issues the 附件2 notice to the project's general contractor — in the push's own
    transaction (projects.signals.project_pushed), or later from the project page for a project pushed before
    notices existed. Numbered 1, 2, 3 … per unit and year without gaps (common.documents.next_document_number);
    one notice per project (unique constraint; the project row lock makes a second issue wait, then refuse)."""
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("unit", "contractor")
        .get(pk=project.pk)
    )
    if actor is not None:  # None: a system run (seed_demo); a person must act for the project's unit
        _check_actor(actor, project.unit)
    if project.status != ProjectStatus.PUSHED:
        raise ValidationError({"__all__": "项目推送后才能下发缴纳通知书"})
    if Notice.objects.filter(project_id=project.pk).exists():
        raise ValidationError({"__all__": "该项目已下发缴纳通知书，不能重复下发"})
    if project.contractor_id is None:
        raise ValidationError({"contractor": "项目未填写施工总承包单位，不能下发缴纳通知书"})
    unit = project.unit
    now = timezone.now()
    year = timezone.localdate(now).year
    n = next_document_number(unit=unit, kind=NOTICE_KIND, year=year)
    days = int(policy_value("D2.deposit_deadline_days"))
    notice = Notice.objects.create(
        project=project,
        unit=unit,
        contractor=project.contractor,
        number=notice_number(short_name=unit.short_name, year=year, n=n),
        year=year,
        sequence_number=n,
        issued_at=now,
        issued_by=actor if getattr(actor, "pk", None) else None,
        deadline=notice_deadline(timezone.localdate(now), days),
        deadline_days=days,
        status=NoticeStatus.ISSUED,
    )
    log_action(notice, action="notice.issued", actor=actor, data={"number": notice.number})
    document = document_issue(
        kind=NOTICE_KIND,
        unit=unit,
        number=notice.number,
        n=n,
        year=year,
        addressee=project.contractor.name,
        target=notice,
        actor=actor,
    )
    # update(), not save(): the link is bookkeeping, not a change worth a second history row. The creation
    # history row gets it too, or the next change (the receipt) would show 文书 (空) → … in the timeline.
    Notice.objects.filter(pk=notice.pk).update(document=document)
    Notice.history.filter(id=notice.pk).update(document=document)
    notice.document = document
    return notice


@transaction.atomic
def notice_pdf_rerender(*, notice: Notice, actor, reason: str) -> Notice:
    """D2: print the notice again from today's template (a wording corrected, a receipt-based deadline), as a
    new version of its issued document with the reason; the earlier PDF stays on record with its SHA-256."""
    require_writer(actor)
    if not can_act_for_unit(actor, notice.unit_id):
        raise PermissionDenied("只能重新生成本单位的通知书")
    if notice.document_id is None:
        raise ValidationError({"reason": "该通知书尚无 PDF 文书"})
    version = document_rerender(document=notice.document, actor=actor, reason=reason)
    log_action(
        notice,
        action="notice.pdf_rerendered",
        actor=actor,
        note=reason.strip(),
        data={"version": version.version, "sha256": version.sha256},
    )
    return notice


@transaction.atomic
def notice_record_receipt(
    *, notice: Notice, actor, received_at: dt.datetime, signer: str, position: str = "", phone: str = ""
) -> Notice:
    """D2: the contractor signed the notice's receipt section; from now the deadline counts from that day.
    A receipt before the issue or in the future is refused at its field, nothing saved."""
    notice = (
        Notice.objects.select_for_update(of=("self",)).select_related("unit", "document").get(pk=notice.pk)
    )
    _check_actor(actor, notice.unit)
    errors = {}
    if notice.status != NoticeStatus.ISSUED:
        errors["__all__"] = f"该通知书当前状态为“{notice.get_status_display()}”，不能登记签收"
    if received_at is None:
        errors["received_at"] = "请填写签收时间"
    elif timezone.is_naive(received_at):
        raise ValueError("received_at must be an aware datetime")
    elif received_at < notice.issued_at.replace(second=0, microsecond=0):
        errors["received_at"] = f"签收时间不能早于通知书下发时间（{format_datetime(notice.issued_at)}）"
    elif received_at > timezone.now():
        errors["received_at"] = "签收时间不能晚于当前时间"
    signer = (signer or "").strip()
    if not signer:
        errors["signer"] = "请填写签收人（或盖章单位）"
    phone = (phone or "").strip()
    if phone:
        try:
            phone = validate_phone(phone)
        except ValidationError as error:
            errors["phone"] = error.messages[0]
    if errors:
        raise ValidationError(errors)
    notice.received_at = received_at
    notice.receipt_signer = signer[:50]
    notice.receipt_position = (position or "").strip()[:50]
    notice.receipt_phone = phone
    notice.deadline = notice_deadline(timezone.localdate(received_at), notice.deadline_days)
    notice.status = NoticeStatus.RECEIVED
    notice.save()
    log_action(
        notice,
        action="notice.receipt_recorded",
        actor=actor,
        data={"received_at": received_at.isoformat(), "deadline": notice.deadline.isoformat()},
    )
    if notice.document_id:
        document_set_status(document=notice.document, status="received", actor=actor)
    return notice


@transaction.atomic
def notice_mark_deposited(*, notice: Notice, actor, at: dt.datetime | None = None) -> Notice:
    """D3: the contractor has deposited (called by the deposit flow, in its transaction). Idempotent: a
    second deposit for the same notice leaves it deposited at the first time."""
    notice = Notice.objects.select_for_update(of=("self",)).select_related("document").get(pk=notice.pk)
    if notice.status == NoticeStatus.DEPOSITED:
        return notice
    notice.status = NoticeStatus.DEPOSITED
    notice.deposited_at = at or timezone.now()
    notice.save()
    log_action(notice, action="notice.deposited", actor=actor)
    if notice.document_id:
        document_set_status(document=notice.document, status="deposited", actor=actor)
    return notice


# =====================================================================================================
# Deposits (D3, D4), penalty decisions (D4), payment guarantees and fund ledgers (D1).
# =====================================================================================================


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f}%"


def _after_days(start: dt.date, code: str) -> dt.date:
    """A stored deadline: `code`'s number of days after `start`, calendar or working days as the admin set it."""
    value, kind = policy_parameter(code)
    if kind == "working_days":
        return add_working_days(start, int(value))
    return start + dt.timedelta(days=int(value))


def _months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return dt.date(year, month + 1, min(day.day, 28))


def _require_hrss(actor, message: str) -> None:
    require_writer(actor)
    if not is_hrss(actor):
        raise PermissionDenied(message)


@dataclasses.dataclass(frozen=True)
class DepositRequirement:
    """D3: what a project's contractor must deposit, and why."""

    contract_yuan: Decimal | None
    ratio: Decimal
    basis: str
    reason: str
    amount: Decimal | None

    @property
    def basis_label(self) -> str:
        return RatioBasis(self.basis).label

    @property
    def ratio_percent(self) -> str:
        return _percent(self.ratio)


def deposit_requirement(*, project: Project, today: dt.date | None = None) -> DepositRequirement:
    """D3 (人社部发〔2021〕65号 第十一条): contract total (万元 × 10,000 = 元) × ratio. The ratio is the policy's
    base (1% until HRSS confirms), raised after arrears (a deposit of the same contractor used to pay wages within
    the lookback), else lowered for a clean record (an earlier deposit returned, never used), then kept within
    [D3.deposit_ratio_min, D3.deposit_ratio_max] (never below 0.5%)."""
    today = today or timezone.localdate()
    base = policy_value("D3.deposit_ratio")
    low, high = policy_value("D3.deposit_ratio_min"), policy_value("D3.deposit_ratio_max")
    others = Deposit.objects.filter(project__contractor_id=project.contractor_id).exclude(
        project_id=project.pk
    )
    months = int(policy_value("D3.arrears_lookback_months"))
    base_text = f"基准比例{_percent(base)}（政策参数“保证金缴存比例”，默认值待人社局确认）"
    if project.contractor_id and others.filter(last_used_on__gte=_months_before(today, months)).exists():
        step = policy_value("D3.ratio_after_arrears_increase")
        basis, ratio = RatioBasis.AFTER_ARREARS, base + step
        reason = f"施工总承包单位近{months}个月内有保证金被动用支付欠薪：{base_text}提高{_percent(step)}"
    elif (
        project.contractor_id
        and others.filter(status=DepositStatus.RETURNED).exists()
        and not others.filter(used_amount__gt=0).exists()
    ):
        step = policy_value("D3.ratio_clean_record_reduction")
        basis, ratio = RatioBasis.CLEAN_RECORD, base - step
        reason = f"施工总承包单位已有项目保证金返还且从未动用支付欠薪：{base_text}降低{_percent(step)}"
    else:
        basis, ratio, reason = RatioBasis.DEFAULT, base, base_text
    if ratio < low:
        ratio, reason = low, f"{reason}，不低于下限{_percent(low)}"
    elif ratio > high:
        ratio, reason = high, f"{reason}，不超过上限{_percent(high)}"
    reason = f"{reason}，适用{_percent(ratio)}"
    contract = project.contract_total_wan * 10000 if project.contract_total_wan is not None else None
    amount = (
        (contract * ratio).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if contract is not None else None
    )
    return DepositRequirement(contract_yuan=contract, ratio=ratio, basis=basis, reason=reason, amount=amount)


NEEDS_VALIDITY = (DepositForm.BANK_GUARANTEE, DepositForm.INSURANCE, DepositForm.GUARANTEE_COMPANY)


@transaction.atomic
def deposit_record(
    *,
    notice: Notice,
    actor,
    form: str,
    institution: Institution | None,
    amount,
    document_number: str,
    deposited_on: dt.date | None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> Deposit:
    """D3: the contractor deposited for the notice at one institution of 附件3 (not a paused one). The project's
    unit or HRSS records it; the notice becomes deposited (notice_mark_deposited) in the same transaction.
    Bad input is refused at its field, nothing saved."""
    require_writer(actor)
    notice = (
        # Lock the notice row only: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
        Notice.objects.select_for_update(of=("self",))
        .select_related("project__contractor", "unit")
        .get(pk=notice.pk)
    )
    project = notice.project
    if not can_act_for_unit(actor, project.unit_id):
        raise PermissionDenied("只能登记本单位项目的保证金")
    errors: dict[str, str] = {}
    if Deposit.objects.filter(notice_id=notice.pk).exists():
        errors["__all__"] = "该通知书已登记保证金，不能重复登记"
    if form not in DepositForm.values:
        errors["form"] = "请选择缴存形式"
    try:
        institution_validate_for_new_deposit(institution)
    except ValidationError as error:
        errors["institution"] = error.message_dict["institution"][0]
    amount = money_yuan(amount, field="amount", errors=errors, label="缴存金额")
    document_number = (document_number or "").strip()
    if not document_number:
        errors["document_number"] = "请填写存单、保函或保单编号"
    today = timezone.localdate()
    if deposited_on is None:
        errors["deposited_on"] = "请填写缴存日期"
    elif deposited_on > today:
        errors["deposited_on"] = "缴存日期不能晚于今天"
    elif deposited_on < timezone.localdate(notice.issued_at):
        errors["deposited_on"] = "缴存日期不能早于通知书下发日期"
    if form in NEEDS_VALIDITY:
        if valid_from is None:
            errors["valid_from"] = "保函、保单须填写有效期开始日期"
        if valid_to is None:
            errors["valid_to"] = "保函、保单须填写有效期结束日期"
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = "有效期结束日期不能早于开始日期"
    if errors:
        raise ValidationError(errors)
    requirement = deposit_requirement(project=project)
    deposit = Deposit(
        notice=notice,
        project=project,
        form=form,
        institution=institution,
        amount=amount,
        document_number=document_number[:60],
        valid_from=valid_from,
        valid_to=valid_to,
        deposited_on=deposited_on,
        required_amount=requirement.amount or Decimal(0),
        required_ratio=requirement.ratio,
        ratio_basis=requirement.basis,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    deposit.record()
    deposit.save()
    log_action(
        deposit,
        action="deposit.recorded",
        actor=actor,
        note=requirement.reason,
        data={"amount": str(amount), "required": str(deposit.required_amount), "notice": notice.number},
    )
    notice_mark_deposited(notice=notice, actor=actor)
    return deposit


def _locked_deposit(deposit: Deposit) -> Deposit:
    return Deposit.objects.select_for_update(of=("self",)).select_related("project").get(pk=deposit.pk)


def _refuse_transition(deposit: Deposit, what: str) -> None:
    raise ValidationError({"__all__": f"保证金当前状态为“{deposit.get_status_display()}”，不能{what}"})


@transaction.atomic
def deposit_use_for_arrears(*, deposit: Deposit, actor, amount, used_on: dt.date, note: str = "") -> Deposit:
    """D4: HRSS pays wages in arrears out of the deposit (at most its balance)."""
    _require_hrss(actor, "只有区人社局可以动用保证金支付欠薪")
    deposit = _locked_deposit(deposit)
    if not can_proceed(deposit.use_for_arrears):
        _refuse_transition(deposit, "动用")
    errors: dict[str, str] = {}
    amount = money_yuan(amount, field="amount", errors=errors, label="动用金额")
    if amount is not None and amount > deposit.balance:
        errors["amount"] = f"动用金额不能超过保证金余额（{format_money(deposit.balance)}元）"
    if used_on is None or used_on > timezone.localdate():
        errors["used_on"] = "请填写动用日期（不能晚于今天）"
    if errors:
        raise ValidationError(errors)
    deposit.use_for_arrears(amount, used_on)
    deposit.save()
    log_action(deposit, action="deposit.used", actor=actor, note=note, data={"amount": str(amount)})
    return deposit


@transaction.atomic
def deposit_top_up(*, deposit: Deposit, actor, amount, note: str = "") -> Deposit:
    """D4: the contractor restores a deposit used to pay arrears."""
    require_writer(actor)
    deposit = _locked_deposit(deposit)
    if not can_act_for_unit(actor, deposit.project.unit_id):
        raise PermissionDenied("只能办理本单位项目的保证金")
    if not can_proceed(deposit.top_up):
        _refuse_transition(deposit, "补足")
    errors: dict[str, str] = {}
    amount = money_yuan(amount, field="amount", errors=errors, label="补足金额")
    if errors:
        raise ValidationError(errors)
    deposit.top_up(amount)
    deposit.save()
    log_action(deposit, action="deposit.topped_up", actor=actor, note=note, data={"amount": str(amount)})
    return deposit


@transaction.atomic
def deposit_request_return(*, deposit: Deposit, actor, pledge: str, requested_on: dt.date) -> Deposit:
    """D4 (第二十二条): a written no-arrears pledge starts 30 days' public notice (D4.return_public_notice_days);
    HRSS then reviews within 5 working days (D4.return_review_working_days) — both deadlines stored now."""
    require_writer(actor)
    deposit = _locked_deposit(deposit)
    if not can_act_for_unit(actor, deposit.project.unit_id):
        raise PermissionDenied("只能办理本单位项目的保证金")
    if not can_proceed(deposit.request_return):
        _refuse_transition(deposit, "申请返还")
    errors: dict[str, str] = {}
    pledge = (pledge or "").strip()
    if not pledge:
        errors["pledge"] = "请填写施工总承包单位无拖欠农民工工资的书面承诺"
    if requested_on is None or requested_on > timezone.localdate():
        errors["requested_on"] = "请填写申请日期（不能晚于今天）"
    if errors:
        raise ValidationError(errors)
    ends = _after_days(requested_on, "D4.return_public_notice_days")
    deposit.request_return(
        pledge=pledge,
        on=requested_on,
        public_notice_ends_on=ends,
        review_due_on=_after_days(ends, "D4.return_review_working_days"),
    )
    deposit.save()
    log_action(deposit, action="deposit.return_requested", actor=actor)
    return deposit


@transaction.atomic
def deposit_review_return(*, deposit: Deposit, actor, reviewed_on: dt.date, note: str = "") -> Deposit:
    """D4: HRSS's review after the public notice; the 返还确认书 is then due within 3 working days
    (D4.return_confirmation_working_days). The state stays return_requested until the confirmation."""
    _require_hrss(actor, "只有区人社局可以审核保证金返还")
    deposit = _locked_deposit(deposit)
    if deposit.status != DepositStatus.RETURN_REQUESTED:
        _refuse_transition(deposit, "审核返还")
    if deposit.reviewed_on is not None:
        raise ValidationError({"__all__": "该保证金返还已审核"})
    if reviewed_on is None or reviewed_on > timezone.localdate():
        raise ValidationError({"reviewed_on": "请填写审核日期（不能晚于今天）"})
    if reviewed_on < deposit.public_notice_ends_on:
        raise ValidationError(
            {"reviewed_on": f"公示期至{format_date(deposit.public_notice_ends_on)}，期满后方可审核"}
        )
    deposit.reviewed_on = reviewed_on
    deposit.confirmation_due_on = _after_days(reviewed_on, "D4.return_confirmation_working_days")
    deposit.save()
    log_action(deposit, action="deposit.return_reviewed", actor=actor, note=note)
    return deposit


@transaction.atomic
def deposit_confirm_return(*, deposit: Deposit, actor, number: str, returned_on: dt.date) -> Deposit:
    """D4: HRSS issues the 返还（销户）确认书; the deposit is returned."""
    _require_hrss(actor, "只有区人社局可以出具返还确认书")
    deposit = _locked_deposit(deposit)
    if not can_proceed(deposit.confirm_return):
        if deposit.status == DepositStatus.RETURN_REQUESTED:
            raise ValidationError({"__all__": "须先完成返还审核，才能出具返还确认书"})
        _refuse_transition(deposit, "出具返还确认书")
    errors: dict[str, str] = {}
    number = (number or "").strip()
    if not number:
        errors["number"] = "请填写返还（销户）确认书编号"
    if returned_on is None or returned_on > timezone.localdate():
        errors["returned_on"] = "请填写返还日期（不能晚于今天）"
    elif returned_on < deposit.reviewed_on:
        errors["returned_on"] = "返还日期不能早于审核日期"
    if errors:
        raise ValidationError(errors)
    deposit.confirm_return(number=number[:60], on=returned_on)
    deposit.save()
    log_action(deposit, action="deposit.returned", actor=actor, data={"number": deposit.confirmation_number})
    return deposit


@transaction.atomic
def penalty_decide(
    *, notice: Notice, actor, amount, decision_number: str, decided_on: dt.date, note: str = ""
) -> PenaltyDecision:
    """D4: HRSS records its penalty decision on an overdue notice, within D2.fine_min_yuan–D2.fine_max_yuan
    (《保障农民工工资支付条例》第五十五条, 5万–10万元)."""
    _require_hrss(actor, "只有区人社局可以登记处罚决定")
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    errors: dict[str, str] = {}
    if not notice_filter_overdue_open(Notice.objects.filter(pk=notice.pk)).exists():
        errors["__all__"] = "该通知书未逾期未缴存，不能登记处罚决定"
    amount = money_yuan(amount, field="amount", errors=errors, label="罚款金额")
    low, high = policy_value("D2.fine_min_yuan"), policy_value("D2.fine_max_yuan")
    if amount is not None and not (low <= amount <= high):
        errors["amount"] = (
            f"罚款金额应在{format_money(low)}元至{format_money(high)}元之间（《保障农民工工资支付条例》第五十五条）"
        )
    decision_number = (decision_number or "").strip()
    if not decision_number:
        errors["decision_number"] = "请填写处罚决定书文号"
    elif PenaltyDecision.objects.filter(decision_number=decision_number).exists():
        errors["decision_number"] = "该文号已登记，请核对"
    if decided_on is None or decided_on > timezone.localdate():
        errors["decided_on"] = "请填写决定日期（不能晚于今天）"
    elif decided_on <= notice.deadline:
        errors["decided_on"] = "决定日期应在缴存期限之后"
    if errors:
        raise ValidationError(errors)
    decision = PenaltyDecision.objects.create(
        notice=notice,
        amount=amount,
        decision_number=decision_number[:60],
        decided_on=decided_on,
        note=(note or "").strip(),
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    log_action(
        decision,
        action="penalty.decided",
        actor=actor,
        data={"notice": notice.number, "amount": str(amount)},
    )
    return decision


@transaction.atomic
def guarantee_record(
    *,
    project: Project,
    actor,
    guarantor: str,
    document_number: str,
    amount,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
    note: str = "",
) -> PaymentGuarantee:
    """D1 (1): the builder's 工程款支付担保, recorded by the supervising industry authority (the project's unit)."""
    require_writer(actor)
    if not can_act_for_unit(actor, project.unit_id):
        raise PermissionDenied("只能登记本单位项目的工程款支付担保")
    errors: dict[str, str] = {}
    guarantor = (guarantor or "").strip()
    if not guarantor:
        errors["guarantor"] = "请填写担保机构"
    document_number = (document_number or "").strip()
    if not document_number:
        errors["document_number"] = "请填写保函编号"
    amount = money_yuan(amount, field="amount", errors=errors, label="担保金额")
    if valid_from is None:
        errors["valid_from"] = "请填写有效期开始日期"
    if valid_to is None:
        errors["valid_to"] = "请填写有效期结束日期"
    elif valid_from and valid_to < valid_from:
        errors["valid_to"] = "有效期结束日期不能早于开始日期"
    if errors:
        raise ValidationError(errors)
    guarantee = PaymentGuarantee.objects.create(
        project=project,
        guarantor=guarantor[:100],
        document_number=document_number[:60],
        amount=amount,
        valid_from=valid_from,
        valid_to=valid_to,
        note=(note or "").strip()[:200],
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    log_action(guarantee, action="guarantee.recorded", actor=actor)
    return guarantee


def guarantee_expiring(
    guarantee: PaymentGuarantee, today: dt.date | None = None, *, days: int | None = None
) -> bool:
    """D1: a guarantee that ends within D1.guarantee_expiry_warning_days (30) shows yellow. A list passes
    `days`, read once, rather than one policy query per row."""
    today = today or timezone.localdate()
    days = int(policy_value("D1.guarantee_expiry_warning_days")) if days is None else days
    return today <= guarantee.valid_to <= today + dt.timedelta(days=days)


# The unit that keeps each fund (fixtures/units.json 简称): 区财政局 raises the emergency funds (D1 3, 4);
# 区住房保障中心 supervises presale funds (D1 5).
FUND_UNIT_SHORT_NAMES = {FundKind.REVOLVING: "财政", FundKind.RESERVE: "财政", FundKind.PRESALE: "住保"}
EMERGENCY_FUND_NAMES = {FundKind.REVOLVING: "应急周转金", FundKind.RESERVE: "应急储备金"}


@transaction.atomic
def fund_open_emergency(*, actor) -> list[Fund]:
    """D1 (3)(4): open the district's two emergency fund ledgers (balance 0; 区财政局 then tops them up to the
    policy's 100万 / 400万). Idempotent."""
    _require_hrss_or_unit(actor, FundKind.REVOLVING)
    unit = Unit.objects.get(short_name=FUND_UNIT_SHORT_NAMES[FundKind.REVOLVING])
    funds = []
    for kind, name in EMERGENCY_FUND_NAMES.items():
        fund, created = Fund.objects.get_or_create(
            kind=kind, project=None, defaults={"name": name, "unit": unit}
        )
        if created:
            log_action(fund, action="fund.created", actor=actor)
        funds.append(fund)
    return funds


def _require_hrss_or_unit(actor, kind: str) -> None:
    require_writer(actor)
    if not can_act_as_unit_named(actor, FUND_UNIT_SHORT_NAMES[kind]):
        raise PermissionDenied("只有资金管理单位或区人社局可以办理")


@transaction.atomic
def fund_open_presale(*, project: Project, actor, bank: str, account_number: str) -> Fund:
    """D1 (5): a housing project's 商品房预售监管资金 account, supervised by 区住房保障中心."""
    _require_hrss_or_unit(actor, FundKind.PRESALE)
    errors: dict[str, str] = {}
    if project.category != "housing":
        errors["project"] = "商品房预售监管资金只适用于房屋建筑项目"
    elif Fund.objects.filter(kind=FundKind.PRESALE, project=project).exists():
        errors["project"] = "该项目已建立预售监管资金账户"
    bank, account_number = (bank or "").strip(), (account_number or "").strip()
    if not bank:
        errors["bank"] = "请填写开户银行"
    if not account_number:
        errors["account_number"] = "请填写监管账号"
    if errors:
        raise ValidationError(errors)
    fund = Fund.objects.create(
        kind=FundKind.PRESALE,
        name=f"{project.name} 预售监管资金",
        unit=Unit.objects.get(short_name=FUND_UNIT_SHORT_NAMES[FundKind.PRESALE]),
        project=project,
        bank=bank[:100],
        account_number=account_number[:40],
    )
    log_action(fund, action="fund.created", actor=actor)
    return fund


@transaction.atomic
def fund_move(
    *,
    fund: Fund,
    actor,
    kind: str,
    amount,
    occurred_on: dt.date | None,
    project: Project | None = None,
    counterparty: str = "",
    note: str = "",
) -> FundMovement:
    """D1: one movement of a fund (top-up by 区财政局, advance to a project, recovery; for presale funds money
    in, releases and labour costs paid first). The balance never goes negative: the fund row is locked
    (select_for_update) so a concurrent advance waits and then sees the new balance; the database
    CheckConstraint fund_balance_non_negative is the backstop."""
    _require_hrss_or_unit(actor, fund.kind)
    errors: dict[str, str] = {}
    if kind not in KINDS_BY_FUND[fund.kind]:
        errors["kind"] = f"{fund.get_kind_display()}不能办理该类型的变动"
    amount = money_yuan(amount, field="amount", errors=errors)
    if occurred_on is None or occurred_on > timezone.localdate():
        errors["occurred_on"] = "请填写发生日期（不能晚于今天）"
    if kind == MovementKind.ADVANCE and project is None:
        errors["project"] = "垫付须选择项目"
    if errors:
        raise ValidationError(errors)
    # Lock first, then read the balance: reading before the lock is exactly the race this prevents.
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    delta = amount if kind in INFLOW_KINDS else -amount
    if fund.balance + delta < 0:
        raise ValidationError(
            {"amount": f"金额超过可用余额（当前余额{format_money(fund.balance)}元），不能办理"}
        )
    fund.balance += delta
    fund.save(update_fields=["balance"])
    movement = FundMovement.objects.create(
        fund=fund,
        kind=kind,
        amount=amount,
        balance_after=fund.balance,
        project=project,
        counterparty=(counterparty or "").strip()[:100],
        occurred_on=occurred_on,
        note=(note or "").strip()[:200],
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    log_action(
        fund,
        action="fund.moved",
        actor=actor,
        note=movement.note,
        data={
            "movement": movement.pk,
            "kind": kind,
            "amount": str(amount),
            "balance_after": str(fund.balance),
            "project": project.pk if project else None,
        },
    )
    return movement
