"""V4 失信联合惩戒名单: HRSS lists an employer whose arrears led to petitions to Beijing or the province, a mass or
extreme incident, or a major public-opinion event, with the restrictions that apply; every unit sees the list, and
a listed enterprise carries a red mark wherever it is named (common.panels' enterprise flags).

Services (the only writers, each one transaction.atomic with log_action):
- blacklist_add      HRSS lists an employer directly (reason, details, restrictions, linked clues, persons, date);
- blacklist_propose  a proposal (status 建议列入), e.g. from a refused rectification order (V2, oversight.py);
- blacklist_accept / blacklist_reject   HRSS's decision on a proposal;
- blacklist_remove   HRSS takes a listed employer off the list, with a date and a reason.

"One live entry per enterprise" is the partial unique constraint blacklist_one_live_entry_per_enterprise: the
services check first for a readable message, and the constraint (caught in a savepoint) is the guard when two
requests race.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from common.access import can_act_for_unit, is_hrss, require_writer, sees_all_units
from common.audit import log_action
from common.models import User
from common.search import text_match

from .models import BlacklistEntry, BlacklistReason, BlacklistStatus, RectificationOrder, Restriction

LIVE = (BlacklistStatus.PROPOSED, BlacklistStatus.LISTED)
HRSS_ONLY_MESSAGE = "只有区人社局可以办理失信联合惩戒名单的列入、移出和审核"
ACTIONS = {
    "blacklist.listed": "列入失信联合惩戒名单（V4）",
    "blacklist.proposed": "建议列入失信联合惩戒名单（V4）",
    "blacklist.proposal_repeated": "再次建议列入（已有名单记录）",
    "blacklist.accepted": "审核同意，列入失信联合惩戒名单（V4）",
    "blacklist.rejected": "审核不予列入",
    "blacklist.removed": "移出失信联合惩戒名单",
}
NOTIFICATION_KINDS = {
    "supervision.blacklist_proposed": "失信名单列入建议",
    "supervision.blacklist_decided": "失信名单审核结果",
}


def restriction_labels(codes: Iterable[str]) -> list[str]:
    labels = dict(Restriction.choices)
    return [labels.get(code, code) for code in codes]


# --- checks -----------------------------------------------------------------------------------------------


def _require_hrss(user: User) -> None:
    require_writer(user)
    if not is_hrss(user):
        raise PermissionDenied(HRSS_ONLY_MESSAGE)


def _clean_listing(
    errors: dict, *, reason: str, details: str, restrictions: Iterable[str], listed_on: dt.date | None
) -> tuple[list[str], dt.date]:
    """V4: a listing names its reason (one of V4's), the facts and at least one restriction."""
    if not reason:
        errors["reason"] = "请选择列入事由：列入失信联合惩戒名单须有事由（V4）"
    elif reason not in BlacklistReason.values:
        errors["reason"] = "列入事由须为赴京上访、赴省上访、群体性事件、极端事件或重大负面舆情之一（V4）"
    if not (details or "").strip():
        errors["details"] = "请填写事实经过"
    codes = list(dict.fromkeys(restrictions or ()))
    if not codes:
        errors["restrictions"] = "请至少选择一项惩戒措施"
    elif unknown := [c for c in codes if c not in Restriction.values]:
        errors["restrictions"] = f"无效的惩戒措施：{'、'.join(unknown)}"
    today = timezone.localdate()
    listed_on = listed_on or today
    if listed_on > today:
        errors["listed_on"] = "列入日期不能晚于今天"
    # Keep the order of the Restriction choices, whatever order they were ticked in.
    return [c for c in Restriction.values if c in codes], listed_on


def enterprise_clues(enterprise) -> QuerySet:
    """The clues against an enterprise: linked to it, or naming it (clues registered before it was known)."""
    from clues.models import Clue

    return (
        Clue.objects.filter(Q(employer=enterprise) | Q(employer__isnull=True, employer_name=enterprise.name))
        .select_related("street", "responsible_unit")
        .order_by("-received_at", "-id")
    )


def _clean_clues(errors: dict, enterprise, clues) -> list:
    clues = list(clues or ())
    if not clues:
        return []
    allowed = set(
        enterprise_clues(enterprise).filter(pk__in=[c.pk for c in clues]).values_list("pk", flat=True)
    )
    if stray := [c for c in clues if c.pk not in allowed]:
        errors["clues"] = f"线索 {'、'.join(c.number for c in stray)} 不是该企业的欠薪线索"
    return clues


def _live_entry_message(entry: BlacklistEntry) -> str:
    if entry.status == BlacklistStatus.LISTED:
        return f"该企业已于 {entry.listed_on:%Y年%m月%d日} 列入失信联合惩戒名单，不能重复列入"
    return "该企业已有待审核的列入建议，请在该建议上审核列入"


def _save_new(entry: BlacklistEntry) -> BlacklistEntry:
    """Insert in a savepoint: a concurrent listing of the same enterprise loses at the unique constraint."""
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        live = BlacklistEntry.objects.filter(enterprise_id=entry.enterprise_id, status__in=LIVE).first()
        message = _live_entry_message(live) if live else "该企业已在失信联合惩戒名单中，不能重复列入"
        raise ValidationError({"enterprise": message}) from None
    return entry


def _notify_proposer(entry: BlacklistEntry, title: str) -> None:
    from common.notifications import notify, unit_recipients

    order = entry.proposed_by_order
    if order is None:
        return
    notify(
        event=f"supervision.blacklist_decided:{entry.pk}",
        kind="supervision.blacklist_decided",
        recipients=unit_recipients(order.unit),
        title=title,
        url=reverse("supervision:blacklist_detail", args=[entry.pk]),
    )


# --- services ----------------------------------------------------------------------------------------------


def blacklist_add(
    *,
    user: User,
    enterprise,
    reason: str,
    details: str,
    restrictions: Iterable[str],
    responsible_persons: str = "",
    clues: Iterable = (),
    listed_on: dt.date | None = None,
) -> BlacklistEntry:
    """V4: HRSS lists an employer. Without a reason (or details, or a restriction) nothing is saved and the
    message is at its field; a second live listing of the same enterprise is refused at `enterprise`."""
    _require_hrss(user)
    errors: dict = {}
    if enterprise is None:
        errors["enterprise"] = "请选择企业（按统一社会信用代码查找）"
    codes, listed_on = _clean_listing(
        errors, reason=reason, details=details, restrictions=restrictions, listed_on=listed_on
    )
    linked = _clean_clues(errors, enterprise, clues) if enterprise is not None else []
    if len((responsible_persons or "").strip()) > 200:
        errors["responsible_persons"] = "相关责任人不能超过200个字"
    if enterprise is not None and "enterprise" not in errors:
        live = BlacklistEntry.objects.filter(enterprise=enterprise, status__in=LIVE).first()
        if live is not None:
            errors["enterprise"] = _live_entry_message(live)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = _save_new(
            BlacklistEntry(
                enterprise=enterprise,
                status=BlacklistStatus.LISTED,
                reason=reason,
                details=details.strip(),
                restrictions=codes,
                responsible_persons=(responsible_persons or "").strip(),
                listed_on=listed_on,
                created_by=user,
            )
        )
        entry.clues.set(linked)
        log_action(
            entry,
            action="blacklist.listed",
            actor=user,
            note=f"{entry.get_reason_display()}；惩戒措施：{'、'.join(restriction_labels(codes))}",
            data={"reason": reason, "restrictions": codes, "clues": [c.pk for c in linked]},
        )
    return entry


def blacklist_propose(
    *, user: User, enterprise, order: RectificationOrder | None = None, details: str
) -> BlacklistEntry:
    """V2 → V4: propose an employer for the list (status 建议列入), e.g. when it refused a rectification order;
    HRSS then decides (blacklist_accept / blacklist_reject). Called inside the caller's transaction is fine.

    The proposer is HRSS, or a writer of the order's supervising unit. When the enterprise already has a live
    entry (listed, or a proposal waiting), no second one is made: the existing entry is returned and the new
    proposal is noted on it, so a refusal never fails because the employer is already listed."""
    require_writer(user)
    if not (is_hrss(user) or (order is not None and can_act_for_unit(user, order.unit_id))):
        raise PermissionDenied("只有区人社局或下达整改的督办单位可以建议列入失信联合惩戒名单")
    if not (details or "").strip():
        raise ValidationError({"details": "请填写建议列入的事实经过"})
    with transaction.atomic():
        live = (
            BlacklistEntry.objects.select_for_update().filter(enterprise=enterprise, status__in=LIVE).first()
        )
        if live is None:
            try:
                live = _save_new(
                    BlacklistEntry(
                        enterprise=enterprise,
                        status=BlacklistStatus.PROPOSED,
                        reason="",  # HRSS names V4's reason when it decides
                        details=details.strip(),
                        proposed_by_order=order,
                        created_by=user,
                    )
                )
            except ValidationError:
                live = BlacklistEntry.objects.get(enterprise=enterprise, status__in=LIVE)
            else:
                clue_ids = list(enterprise_clues(enterprise).values_list("pk", flat=True)[:50])
                live.clues.set(clue_ids)
                log_action(
                    live,
                    action="blacklist.proposed",
                    actor=user,
                    note=details.strip(),
                    data={"order": getattr(order, "pk", None)},
                )
                _notify_hrss_of_proposal(live)
                return live
        log_action(
            live,
            action="blacklist.proposal_repeated",
            actor=user,
            note=details.strip(),
            data={"order": getattr(order, "pk", None)},
        )
    return live


def _notify_hrss_of_proposal(entry: BlacklistEntry) -> None:
    from common.notifications import hrss_recipients, notify

    notify(
        event=f"supervision.blacklist_proposed:{entry.pk}",
        kind="supervision.blacklist_proposed",
        recipients=hrss_recipients(),
        title=f"建议将 {entry.enterprise.name} 列入失信联合惩戒名单，请审核",
        body=entry.details[:500],
        url=reverse("supervision:blacklist_detail", args=[entry.pk]),
    )


def _lock(entry: BlacklistEntry, status: str, verb: str) -> BlacklistEntry:
    locked = BlacklistEntry.objects.select_for_update().select_related("enterprise").get(pk=entry.pk)
    if locked.status != status:
        raise ValidationError(
            {"__all__": f"该记录当前为“{locked.get_status_display()}”，不能{verb}；请刷新页面后重试"}
        )
    return locked


def blacklist_accept(
    *,
    user: User,
    entry: BlacklistEntry,
    reason: str,
    restrictions: Iterable[str],
    details: str | None = None,
    responsible_persons: str | None = None,
    clues: Iterable | None = None,
    listed_on: dt.date | None = None,
) -> BlacklistEntry:
    """V4: HRSS lists a proposed employer, naming the reason and the restrictions (the proposal's facts stay
    unless HRSS rewrites them)."""
    _require_hrss(user)
    errors: dict = {}
    codes, listed_on = _clean_listing(
        errors,
        reason=reason,
        details=entry.details if details is None else details,
        restrictions=restrictions,
        listed_on=listed_on,
    )
    linked = _clean_clues(errors, entry.enterprise, clues) if clues is not None else None
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = _lock(entry, BlacklistStatus.PROPOSED, "审核列入")
        entry.status = BlacklistStatus.LISTED
        entry.reason = reason
        entry.restrictions = codes
        entry.listed_on = listed_on
        if details is not None:
            entry.details = details.strip()
        if responsible_persons is not None:
            entry.responsible_persons = responsible_persons.strip()
        entry.save()
        if linked is not None:
            entry.clues.set(linked)
        log_action(
            entry,
            action="blacklist.accepted",
            actor=user,
            note=f"{entry.get_reason_display()}；惩戒措施：{'、'.join(restriction_labels(codes))}",
            data={"reason": reason, "restrictions": codes},
        )
        _notify_proposer(entry, f"{entry.enterprise.name} 已列入失信联合惩戒名单")
    return entry


def blacklist_reject(*, user: User, entry: BlacklistEntry, reason: str) -> BlacklistEntry:
    """HRSS declines a proposal, with a reason (kept in the action log and shown on the entry's page)."""
    _require_hrss(user)
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写不予列入的理由"})
    with transaction.atomic():
        entry = _lock(entry, BlacklistStatus.PROPOSED, "审核")
        entry.status = BlacklistStatus.REJECTED
        entry.save(update_fields=["status"])
        log_action(entry, action="blacklist.rejected", actor=user, note=reason.strip())
        _notify_proposer(entry, f"{entry.enterprise.name} 不予列入失信联合惩戒名单：{reason.strip()[:80]}")
    return entry


def blacklist_remove(
    *, user: User, entry: BlacklistEntry, reason: str, removed_on: dt.date | None = None
) -> BlacklistEntry:
    """V4: HRSS takes a listed employer off the list, with the date and the reason."""
    _require_hrss(user)
    errors = {}
    today = timezone.localdate()
    removed_on = removed_on or today
    if not (reason or "").strip():
        errors["reason"] = "请填写移出理由"
    if removed_on > today:
        errors["removed_on"] = "移出日期不能晚于今天"
    elif entry.listed_on and removed_on < entry.listed_on:
        errors["removed_on"] = f"移出日期不能早于列入日期（{entry.listed_on:%Y年%m月%d日}）"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = _lock(entry, BlacklistStatus.LISTED, "移出")
        entry.status = BlacklistStatus.REMOVED
        entry.removed_on = removed_on
        entry.removal_reason = reason.strip()
        entry.save(update_fields=["status", "removed_on", "removal_reason"])
        log_action(entry, action="blacklist.removed", actor=user, note=reason.strip())
    return entry


# --- selectors ---------------------------------------------------------------------------------------------


def blacklist_visible_to(user: User) -> QuerySet:
    """Every logged-in unit sees the list (listed and removed, V4); proposals and rejections are HRSS's, the
    leaders' and the proposing unit's."""
    qs = BlacklistEntry.objects.select_related("enterprise", "created_by", "proposed_by_order__unit")
    if user is None or not user.is_authenticated:
        return qs.none()
    if sees_all_units(user):
        return qs
    public = Q(status__in=[BlacklistStatus.LISTED, BlacklistStatus.REMOVED])
    if user.unit_id is None:
        return qs.filter(public)
    return qs.filter(public | Q(proposed_by_order__unit_id=user.unit_id))


def blacklist_search(user: User, *, status: str = "", q: str = "", reason: str = "") -> QuerySet:
    """The list page's, the export's and the API's one filter: status, reason, name or USCC (q)."""
    qs = blacklist_visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if reason:
        qs = qs.filter(reason=reason)
    if q := (q or "").strip():
        qs = qs.filter(text_match(q, "enterprise__name") | Q(enterprise__uscc__iexact=q.upper()))
    return qs.order_by("-listed_on", "-created_at", "-id")


def blacklist_for_enterprise(user: User, enterprise) -> list[BlacklistEntry]:
    return list(blacklist_visible_to(user).filter(enterprise=enterprise).order_by("-created_at", "-id"))


def blacklist_enterprise_flags() -> dict[int, list[tuple[str, str, str]]]:
    """The red mark (common.panels.register_enterprise_flags): every listed enterprise, one query."""
    labels = dict(BlacklistReason.choices)
    return {
        enterprise_id: [("danger", "失信", f"已列入失信联合惩戒名单：{labels.get(reason, reason)}")]
        for enterprise_id, reason in BlacklistEntry.objects.filter(status=BlacklistStatus.LISTED).values_list(
            "enterprise_id", "reason"
        )
    }


# --- panel, registration, demo ---------------------------------------------------------------------------------


def _enterprise_panel(request, enterprise) -> str:
    user = getattr(request, "user", None)
    entries = blacklist_for_enterprise(user, enterprise)
    may_list = is_hrss(user) and not getattr(user, "is_read_only", False)
    if not entries and not may_list:
        return ""
    for entry in entries:
        entry.restriction_labels = restriction_labels(entry.restrictions)
    live = next((e for e in entries if e.status in LIVE), None)
    return render_to_string(
        "supervision/blacklist/_enterprise_panel.html",
        {"enterprise": enterprise, "entries": entries, "live": live, "may_list": may_list and live is None},
        request=request,
    )


def register() -> None:
    from common.audit import register_actions
    from common.notifications import register_notification_kinds
    from common.panels import register_enterprise_flags, register_panel

    register_actions(ACTIONS)
    register_notification_kinds(NOTIFICATION_KINDS)
    register_enterprise_flags(blacklist_enterprise_flags)
    register_panel("projects.Enterprise", render=_enterprise_panel, order=10)


# Two listed employers (one the contractor of a demo project, one with the demo's clues against it), a proposal,
# one removed.
DEMO_ENTRIES = [
    # name, serial (demo USCC), status, reason, restrictions, days ago listed, details
    (
        "河南宏达市政工程有限公司",
        13,
        "listed",
        BlacklistReason.MASS_INCIDENT,
        ["government_funds", "procurement", "bidding", "honours"],
        45,
        "拖欠王封片区雨污分流管网工程农民工工资两个月，引发四十余人聚集讨薪的群体性事件。",
    ),
    (
        "河南豫北建工集团有限公司",
        901,
        "listed",
        BlacklistReason.PETITION_PROVINCE,
        ["government_funds", "bidding", "loans", "market_access", "travel"],
        20,
        "安置房项目欠薪经网络发酵，农民工赴省上访；经查实拖欠工资并已由应急周转金垫付。",
    ),
    (
        "焦作市宏图建筑劳务有限公司",
        902,
        "proposed",
        "",
        [],
        0,
        "三十二名农民工集体讨薪，责令限期整改后拒不整改，建议列入失信联合惩戒名单。",
    ),
    (
        "焦作市鑫盛劳务有限公司",
        903,
        "removed",
        BlacklistReason.PUBLIC_OPINION,
        ["honours", "procurement"],
        400,
        "拖欠钢筋工工资引发重大负面舆情。",
    ),
]


def seed_demo_records() -> None:
    """Idempotent: an employer that already has an entry (from an earlier run, or another part's demo) is
    skipped."""
    from clues.models import Clue, KeyMonitoring
    from common.models import ActionLog
    from projects.demo import demo_uscc
    from projects.models import Enterprise

    hrss = User.objects.filter(username="renshe").first()
    if hrss is None:
        return
    today = timezone.localdate()
    for name, serial, status, reason, codes, days, details in DEMO_ENTRIES:
        enterprise = Enterprise.objects.filter(name=name).first()
        if enterprise is None:
            enterprise, _ = Enterprise.objects.get_or_create(uscc=demo_uscc(serial), defaults={"name": name})
        if BlacklistEntry.objects.filter(enterprise=enterprise).exists():
            continue
        # The demo clues named this employer before it was registered: link them, so the clue page marks it.
        Clue.objects.filter(employer__isnull=True, employer_name=name).update(employer=enterprise)
        KeyMonitoring.objects.filter(enterprise__isnull=True, employer_name=name).update(
            enterprise=enterprise
        )
        linked = list(enterprise_clues(enterprise))
        listed_on = today - dt.timedelta(days=days)
        mark = ActionLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        if status == "proposed":
            blacklist_propose(user=hrss, enterprise=enterprise, details=details)
            continue
        entry = blacklist_add(
            user=hrss,
            enterprise=enterprise,
            reason=reason,
            details=details,
            restrictions=codes,
            responsible_persons="法定代表人 张某某；项目负责人 李某某",
            clues=linked,
            listed_on=listed_on,
        )
        # The demo's story happened earlier: date the log rows and the entry as it was told.
        listed_at = timezone.make_aware(dt.datetime.combine(listed_on, dt.time(10)))
        ActionLog.objects.filter(pk__gt=mark).update(created_at=listed_at)
        BlacklistEntry.objects.filter(pk=entry.pk).update(created_at=listed_at)
        if status == "removed":
            mark = ActionLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            removed_on = listed_on + dt.timedelta(days=365)
            blacklist_remove(
                user=hrss,
                entry=entry,
                removed_on=removed_on,
                reason="已全额支付拖欠工资，信用修复期满，经区人社局审核移出。",
            )
            removed_at = timezone.make_aware(dt.datetime.combine(removed_on, dt.time(10)))
            ActionLog.objects.filter(pk__gt=mark).update(created_at=removed_at)
