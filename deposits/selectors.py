"""Read queries of the deposits app (SPEC D1–D4). Views, exports and the API read through here."""

import dataclasses
import datetime as dt
from decimal import Decimal

from django.db.models import BooleanField, Case, CharField, F, Q, QuerySet, Value, When
from django.utils import timezone

from common.access import visible_to
from common.search import text_match
from deposits.models import Deposit, Fund, Notice, NoticeStatus, PaymentGuarantee

# ------------------------------------------------------------------------------------ notices (P4, D2)


def notice_visible_to(user) -> QuerySet:
    """Notices of the units `user` may see (common.access.visible_to on the issuing unit)."""
    qs = Notice.objects.select_related("unit", "project", "contractor", "document")
    return visible_to(user, qs, unit_field="unit")


def notice_overdue_condition(today: dt.date | None = None) -> Q:
    """D4, the one definition: a notice still waiting for its deposit after its deadline day (Asia/Shanghai)
    is overdue — on the deadline day itself, up to 23:59, it is not; from 00:00 the next day it is."""
    return Q(
        status__in=(NoticeStatus.ISSUED, NoticeStatus.RECEIVED), deadline__lt=today or timezone.localdate()
    )


def with_overdue(qs: QuerySet, today: dt.date | None = None) -> QuerySet:
    """`is_overdue` (notice_overdue_condition) and the status to show, `shown_status` (逾期未缴存 instead of
    已下发/已签收 once the deadline has passed)."""
    overdue = notice_overdue_condition(today)
    return qs.annotate(
        is_overdue=Case(When(overdue, then=Value(True)), default=Value(False), output_field=BooleanField()),
        shown_status=Case(
            When(overdue, then=Value(NoticeStatus.OVERDUE.value)),
            default=F("status"),
            output_field=CharField(),
        ),
    )


NOTICE_STATUS_LABELS = dict(NoticeStatus.choices)


def notice_search(
    user, *, q: str = "", unit: str = "", status: str = "", overdue: str = "", today: dt.date | None = None
) -> QuerySet:
    """The notice list's filters (the page, its Excel export, the batch print and the API): unit, status
    (逾期未缴存 included), overdue yes/no, and a search over number, project and contractor."""
    qs = with_overdue(notice_visible_to(user), today)
    q = (q or "").strip()
    if q:
        qs = qs.filter(text_match(q, "number", "project__name", "contractor__name"))
    if str(unit).isdigit():
        qs = qs.filter(unit_id=int(unit))
    if status in NOTICE_STATUS_LABELS:
        qs = qs.filter(shown_status=status)
    if overdue in ("1", "0"):
        qs = qs.filter(is_overdue=overdue == "1")
    return qs.order_by("-issued_at", "-pk")


def notice_for_project(project) -> Notice | None:
    return Notice.objects.select_related("document").filter(project_id=project.pk).first()


# ---------------------------------------------------------------- deposits, overdue notices, funds (D1, D3, D4)


def deposit_visible_to(user) -> QuerySet:
    """Deposits of the projects `user` may see (common.access.visible_to through the project's unit)."""
    qs = Deposit.objects.select_related("project__unit", "project__contractor", "institution", "notice")
    return visible_to(user, qs, unit_field="project__unit")


def deposit_search(user, *, q: str = "", status: str = "", unit: str = "", form: str = "") -> QuerySet:
    qs = deposit_visible_to(user)
    if q:
        qs = qs.filter(
            text_match(q, "project__name", "project__contractor__name", "notice__number", "document_number")
        )
    if status:
        qs = qs.filter(status=status)
    if form:
        qs = qs.filter(form=form)
    if unit.isdigit():
        qs = qs.filter(project__unit_id=int(unit))
    return qs.order_by("-recorded_at", "-pk")


def notice_filter_overdue_open(qs: QuerySet, today: dt.date | None = None) -> QuerySet:
    """D4: the notices of `qs` that are overdue (notice_overdue_condition)."""
    return qs.filter(notice_overdue_condition(today))


@dataclasses.dataclass
class OverdueRow:
    notice: Notice
    days_overdue: int
    decisions: list


def notice_overdue_search(user, *, q: str = "", unit: str = "", decided: str = "") -> QuerySet:
    """HRSS's overdue list (D4), unit-scoped: the filters of the page, the export and the API."""
    qs = visible_to(user, Notice.objects.all(), unit_field="unit")
    qs = notice_filter_overdue_open(qs).select_related("project", "unit", "contractor")
    if q:
        qs = qs.filter(text_match(q, "number", "project__name", "contractor__name"))
    if unit.isdigit():
        qs = qs.filter(unit_id=int(unit))
    if decided == "yes":
        qs = qs.filter(penalty_decisions__isnull=False).distinct()
    elif decided == "no":
        qs = qs.filter(penalty_decisions__isnull=True)
    return qs.prefetch_related("penalty_decisions").order_by("deadline", "pk")


def overdue_rows(notices, today: dt.date | None = None) -> list[OverdueRow]:
    today = today or timezone.localdate()
    return [
        OverdueRow(
            notice=n, days_overdue=(today - n.deadline).days, decisions=list(n.penalty_decisions.all())
        )
        for n in notices
    ]


def guarantee_visible_to(user) -> QuerySet:
    qs = PaymentGuarantee.objects.select_related("project__unit", "project__contractor")
    return visible_to(user, qs, unit_field="project__unit")


def fund_visible_to(user) -> QuerySet:
    """Funds of the unit that keeps them (区财政局, 区住房保障中心); HRSS, leaders and admins see all."""
    return visible_to(user, Fund.objects.select_related("unit", "project"), unit_field="unit")


def fund_balance_series(fund: Fund, *, limit: int = 60) -> list[dict]:
    """The balance after each of the last `limit` movements, oldest first, with a bar height in percent."""
    movements = list(
        fund.movements.select_related("project", "recorded_by").order_by("-recorded_at", "-pk")[:limit]
    )
    movements.reverse()
    top = max([m.balance_after for m in movements] + [Decimal(1)])
    return [{"movement": m, "percent": float(m.balance_after / top * 100)} for m in movements]
