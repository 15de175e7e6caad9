"""The only code that writes clues (C1–C6, P6 second half).

Every transition follows docs/architecture.md: lock the row (select_for_update), check the state (can_proceed)
and the permission (has_transition_perm, answered by common.access), run the transition (fields only),
recompute the C3 ladder's next deadline, save, log_action — one transaction.atomic(); anything after the
commit is queued with transaction.on_commit. Every refusal is Chinese: a ValidationError at a field, or
PermissionDenied.
"""

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from common.access import may_dispatch_clue, may_register_clue, require_writer
from common.audit import log_action, log_actions
from common.documents import next_document_number
from common.models import Role, Unit, UnitType
from common.policy import policy_snapshot
from common.validators import validate_phone
from projects.models import Enterprise, Project, ProjectStatus

from . import ladder, signals
from .lookup import hash_query_code, new_query_code
from .models import (
    FUND_RESULTS,
    MAX_AMOUNT,
    MAX_WORKERS,
    PAYING_RESULTS,
    AccountabilityReason,
    Category,
    Channel,
    Clue,
    ClueProgress,
    ClueResult,
    ClueStatus,
    KeyMonitoring,
    Letter,
    LetterKind,
    LetterStatus,
    Nature,
    ResultType,
    UnitAccountability,
)
from .routing import route_facts_for, suggest_route

logger = logging.getLogger(__name__)

NUMBER_KIND = "clues.clue"
HRSS_ONLY_MESSAGE = "只有区人社局调度员可以办理此操作"
UNIT_ONLY_MESSAGE = "只有该线索的责任单位可以办理此操作"
CONCURRENT_MESSAGE = "该线索刚被他人办理，状态已变化，请刷新页面后重试"


def clue_number(*, year: int, n: int) -> str:
    """C1: QX{year}-{n:06d}, n from common.documents' row-locked sequence (never reused, never skipped)."""
    return f"QX{year}-{n:06d}"


def _hrss_unit() -> Unit:
    return Unit.objects.get(unit_type=UnitType.HRSS)


# --- intake (C1) ---------------------------------------------------------------------------------------------


def _clean_amount(value, errors: dict, field: str, label: str) -> Decimal | None:
    if value in (None, ""):
        errors[field] = f"请填写{label}"
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        errors[field] = f"{label}须为数字"
        return None
    if not amount.is_finite():
        errors[field] = f"{label}须为数字"
    elif amount <= 0:
        errors[field] = f"{label}须大于0"
    elif amount > MAX_AMOUNT:
        errors[field] = f"{label}不能超过1亿元，请核对"
    elif amount != amount.quantize(Decimal("0.01")):
        errors[field] = f"{label}最多保留两位小数（分）"
    else:
        return amount.quantize(Decimal("0.01"))
    return None


def _clean_count(value, errors: dict, field: str, label: str) -> int | None:
    try:
        count = int(value)
    except (TypeError, ValueError):
        errors[field] = f"请填写{label}（整数）"
        return None
    if count <= 0:
        errors[field] = f"{label}须大于0"
    elif count > MAX_WORKERS:
        errors[field] = f"{label}不能超过{MAX_WORKERS}人，请核对"
    else:
        return count
    return None


PHONE_LABELS = {"complainant_phone": "投诉人电话", "phone": "责任人电话"}


def _clean_phone(value, errors: dict, field: str) -> str:
    if not (value or "").strip():
        errors[field] = f"请填写{PHONE_LABELS.get(field, '联系电话')}"
        return ""
    try:
        return validate_phone(value or "")
    except ValidationError as e:
        errors[field] = e.messages[0]
        return ""


def _clean_id_number(value: str, errors: dict) -> str:
    """居民身份证号 (python-stdnum cn.ric: region, birth date, check digit). Optional: a caller may withhold it."""
    text = (value or "").strip().upper()
    if not text:
        return ""
    try:
        return ric.validate(text)
    except StdnumError:
        errors["complainant_id_number"] = "居民身份证号不正确，请核对（18位，含出生日期和校验位）"
        return ""


def _clean_received_at(value, errors: dict) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        errors["received_at"] = "请填写接收时间"
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_current_timezone())
    if value > timezone.now():
        errors["received_at"] = "接收时间不能晚于现在"
        return None
    return value


def _registering_unit(user) -> Unit:
    if user.role == Role.PETITION_CLERK:
        return user.unit
    return _hrss_unit()


def _unit_by_short_name(short_name: str | None) -> Unit | None:
    return Unit.objects.filter(short_name=short_name).first() if short_name else None


@transaction.atomic
def clue_register(
    *,
    user,
    channel: str,
    received_at: dt.datetime,
    complainant_name: str,
    complainant_phone: str,
    complainant_id_number: str = "",
    workers_affected,
    amount_owed,
    street: Unit | None = None,
    employer: Enterprise | None = None,
    employer_name: str = "",
    project: Project | None = None,
    nature: str = Nature.WAGE_ARREARS,
    category: str = Category.CONSTRUCTION,
    description: str,
    is_petition: bool = False,
) -> Clue:
    """C1: register a clue from any channel (HRSS; 信访局 its petitions). C6: the registering unit holds it until a
    recorded hand-over. C2: the routing suggestion is stored with its reason. P6: a petition clue on a project
    pushed late or never pushed flags the project's unit."""
    require_writer(user)
    if not may_register_clue(user):
        raise PermissionDenied("只有区人社局调度员和区信访局经办人可以登记线索")
    errors: dict[str, str] = {}
    if channel not in Channel.values:
        errors["channel"] = "请选择线索来源"
    received_at = _clean_received_at(received_at, errors)
    complainant_name = (complainant_name or "").strip()
    if not complainant_name:
        errors["complainant_name"] = "请填写投诉人姓名"
    elif len(complainant_name) > 50:
        errors["complainant_name"] = "投诉人姓名不能超过50个字"
    complainant_phone = _clean_phone(complainant_phone, errors, "complainant_phone")
    complainant_id_number = _clean_id_number(complainant_id_number, errors)
    workers_affected = _clean_count(workers_affected, errors, "workers_affected", "涉及人数")
    amount_owed = _clean_amount(amount_owed, errors, "amount_owed", "欠薪金额")
    if street is None and project is not None:
        street = project.street
    if street is None or street.unit_type != UnitType.STREET:
        errors["street"] = "请选择属地街道"
    employer_name = employer.name if employer is not None else (employer_name or "").strip()
    if not employer_name:
        errors["employer_name"] = "请填写欠薪单位名称（或选择已登记的企业）"
    elif len(employer_name) > 200:
        errors["employer_name"] = "欠薪单位名称不能超过200个字"
    if nature not in Nature.values:
        errors["nature"] = "请选择纠纷性质"
    if category not in Category.values:
        errors["category"] = "请选择行业领域"
    description = (description or "").strip()
    if not description:
        errors["description"] = "请填写情况描述"
    if errors:
        raise ValidationError(errors)

    registering_unit = _registering_unit(user)
    year = timezone.localtime(received_at).year
    clue = Clue(
        number=clue_number(year=year, n=next_document_number(unit=_hrss_unit(), kind=NUMBER_KIND, year=year)),
        channel=channel,
        # P6: 信访局转办 is a petition by definition; any other channel may be marked as one.
        is_petition=bool(is_petition)
        or channel == Channel.PETITION_BUREAU
        or user.role == Role.PETITION_CLERK,
        received_at=received_at,
        complainant_name=complainant_name,
        complainant_phone=complainant_phone,
        complainant_id_number=complainant_id_number,
        workers_affected=workers_affected,
        amount_owed=amount_owed,
        employer=employer,
        employer_name=employer_name,
        project=project,
        street=street,
        nature=nature,
        category=category,
        description=description,
        registered_by=user,
        registering_unit=registering_unit,
        registered_at=timezone.now(),
        owner_unit=registering_unit,
    )
    _apply_route(clue)
    clue.next_deadline_at = ladder.next_deadline(clue)
    clue.sweep_at = ladder.next_sweep_at(clue, set())
    # Part 9: the receipt's query code; only its hash is kept, the plain code rides on the instance once.
    query_code = new_query_code()
    clue.query_code_hash = hash_query_code(query_code)
    clue.save()
    clue.query_code = query_code
    log_action(
        clue, action="clue.registered", actor=user, data={"channel": channel, "unit": registering_unit.pk}
    )
    if clue.is_petition and project is not None:
        _flag_petition_accountability(clue, actor=user)
    return clue


def _apply_route(clue: Clue, *, city_level_or_cross_border: bool = False) -> None:
    route = suggest_route(route_facts_for(clue, city_level_or_cross_border=city_level_or_cross_border))
    clue.suggested_unit = _unit_by_short_name(route.unit_short_name)
    clue.assisting_street = _unit_by_short_name(route.assisting_street)
    clue.route_reason = route.reason_text
    clue.outcome_path = route.outcome_path


def _flag_petition_accountability(clue: Clue, *, actor) -> UnitAccountability | None:
    """P6 second half: the project's unit pushed it late, or never pushed it by its deadline → 检讨 and 通报全区."""
    project = clue.project
    if project.status == ProjectStatus.PUSHED and project.is_late:
        reason = AccountabilityReason.PUSHED_LATE
    elif (
        project.status == ProjectStatus.DRAFT
        and project.push_deadline
        and project.push_deadline < timezone.localdate()
    ):
        reason = AccountabilityReason.NEVER_PUSHED
    else:
        return None
    record, created = UnitAccountability.objects.get_or_create(
        clue=clue,
        unit=project.unit,
        defaults={"project": project, "reason": reason, "late_working_days": project.late_working_days},
    )
    if created:
        log_action(
            clue,
            action="clue.accountability_flagged",
            actor=actor,
            note=f"{project.unit.name}：{record.get_reason_display()}，{record.measures}",
            data={"unit": project.unit_id, "project": project.pk, "reason": reason},
        )
    return record


# --- transitions (C4, C6) ------------------------------------------------------------------------------------


def _locked(clue: Clue) -> Clue:
    # of=("self",): lock the clue row only, not the joined units (PostgreSQL would lock them too).
    return Clue.objects.select_for_update(of=("self",)).get(pk=clue.pk)


def _refuse_state(clue: Clue, what: str) -> None:
    raise ValidationError({"__all__": f"线索当前状态为“{clue.get_status_display()}”，不能{what}"})


def _check(clue: Clue, transition, user, what: str, denied: str) -> None:
    if not can_proceed(transition):
        _refuse_state(clue, what)
    if not has_transition_perm(transition, user):
        raise PermissionDenied(denied)


def _save(clue: Clue) -> None:
    """C3: every transition recomputes the next deadline (the lists' colours) and when the letters sweep must
    next look at the clue (Clue.sweep_at, on its partial index)."""
    clue.next_deadline_at = ladder.next_deadline(clue)
    clue.sweep_at = ladder.next_sweep_at(clue, _letter_kinds_sent(clue))
    try:
        clue.save()
    except ConcurrentTransition as e:  # backstop behind the row lock: never write a stale state back
        raise ValidationError({"__all__": CONCURRENT_MESSAGE}) from e


def _responsible(unit, person: str, phone: str, errors: dict) -> tuple[str, str]:
    if unit is None or not getattr(unit, "is_active", False):
        errors["unit"] = "请选择责任单位"
    person = (person or "").strip()
    if not person:
        errors["person"] = "交办须明确具体责任人"
    elif len(person) > 50:
        errors["person"] = "责任人姓名不能超过50个字"
    phone = _clean_phone(phone, errors, "phone")
    return person, phone


@transaction.atomic
def clue_dispatch(
    *, user, clue: Clue, unit: Unit, person: str, phone: str, note: str = "", override_reason: str = ""
) -> Clue:
    """C3 step 1 / C4: HRSS dispatches to a unit and a named responsible person. C2: a unit other than the
    suggested one needs the dispatcher's reason (logged). C6: the clue passes to that unit."""
    require_writer(user)
    clue = _locked(clue)
    _check(clue, clue.dispatch, user, "交办", HRSS_ONLY_MESSAGE)
    errors: dict[str, str] = {}
    person, phone = _responsible(unit, person, phone, errors)
    override_reason = (override_reason or "").strip()
    overridden = unit is not None and clue.suggested_unit_id is not None and unit.pk != clue.suggested_unit_id
    if overridden and not override_reason:
        errors["override_reason"] = f"所选责任单位与建议的{clue.suggested_unit.name}不同，请填写调整理由"
    if errors:
        raise ValidationError(errors)
    clue.route_override_reason = override_reason if overridden else ""
    clue.dispatch(unit=unit, person=person, phone=phone, at=timezone.now())
    _save(clue)
    log_action(
        clue,
        action="clue.dispatched",
        actor=user,
        note=note,
        data={"unit": unit.pk, "person": person, "override_reason": clue.route_override_reason},
    )
    clue_id, unit_id = clue.pk, unit.pk
    transaction.on_commit(lambda: signals.clue_dispatched.send(sender=Clue, clue_id=clue_id, unit_id=unit_id))
    return clue


@transaction.atomic
def clue_acknowledge(*, user, clue: Clue, note: str = "") -> Clue:
    """C3 step 2: the responsible unit signs for the clue."""
    require_writer(user)
    clue = _locked(clue)
    _check(clue, clue.acknowledge, user, "签收", "只有该线索的责任单位可以签收")
    clue.acknowledge(at=timezone.now())
    _save(clue)
    log_action(clue, action="clue.acknowledged", actor=user, note=note)
    return clue


@transaction.atomic
def clue_note_progress(*, user, clue: Clue, note: str) -> ClueProgress:
    """C4: a progress note of the responsible unit (any number); the first one is the C3 step-4 progress."""
    require_writer(user)
    clue = _locked(clue)
    _check(clue, clue.note_progress, user, "记录进展", UNIT_ONLY_MESSAGE)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "请填写办理进展"})
    now = timezone.now()
    clue.note_progress(at=now)
    _save(clue)
    progress = ClueProgress.objects.create(
        clue=clue, unit=user.unit, note=note, recorded_by=user, recorded_at=now
    )
    log_action(clue, action="clue.progress_noted", actor=user, note=note, data={"progress": progress.pk})
    return progress


@transaction.atomic
def clue_submit_result(
    *, user, clue: Clue, result_type: str, evidence: str, amount_paid=None, workers_paid=None, note: str = ""
) -> ClueResult:
    """C5: the responsible unit submits the result; the clue waits for HRSS's confirmation (待核实)."""
    require_writer(user)
    clue = _locked(clue)
    _check(clue, clue.submit_result, user, "提交办理结果", UNIT_ONLY_MESSAGE)
    errors: dict[str, str] = {}
    if result_type not in ResultType.values:
        errors["result_type"] = "请选择办理结果"
    amount = workers = None
    if result_type in PAYING_RESULTS:
        amount = _clean_amount(amount_paid, errors, "amount_paid", "支付金额")
        workers = _clean_count(workers_paid, errors, "workers_paid", "支付人数")
        if result_type in (*FUND_RESULTS, ResultType.ADVANCED_DEPOSIT) and clue.project_id is None:
            errors["result_type"] = "垫付或动用保证金须关联项目，请先补充涉及项目"
    evidence = (evidence or "").strip()
    if not evidence:
        errors["evidence"] = "请说明证明材料（如工资支付凭证、移送回执）"
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    clue.submit_result(at=now)
    _save(clue)
    result = ClueResult.objects.create(
        clue=clue,
        result_type=result_type,
        amount_paid=amount,
        workers_paid=workers,
        evidence=evidence,
        unit=user.unit,
        submitted_by=user,
        submitted_at=now,
    )
    log_action(
        clue,
        action="clue.result_submitted",
        actor=user,
        note=note,
        data={
            "result": result.pk,
            "result_type": result_type,
            "amount_paid": str(amount) if amount else None,
        },
    )
    return result


def _pay_advance(clue: Clue, result: ClueResult, *, actor) -> None:
    """C5 + D1: an advance is a movement in deposits' ledgers, in the closure's transaction (fails together)."""
    from deposits.models import Deposit, DepositStatus, Fund, FundKind, MovementKind
    from deposits.services import deposit_use_for_arrears, fund_move

    today = timezone.localdate()
    if result.result_type in FUND_RESULTS:
        kind = FundKind.REVOLVING if result.result_type == ResultType.ADVANCED_REVOLVING else FundKind.RESERVE
        fund = Fund.objects.filter(kind=kind, project=None).first()
        if fund is None:
            raise ValidationError({"result_type": f"{FundKind(kind).label}账户尚未建立，不能垫付"})
        result.fund_movement = fund_move(
            fund=fund,
            actor=actor,
            kind=MovementKind.ADVANCE,
            amount=result.amount_paid,
            occurred_on=today,
            project=clue.project,
            counterparty=clue.employer_name,
            note=f"线索{clue.number}垫付欠薪",
        )
    elif result.result_type == ResultType.ADVANCED_DEPOSIT:
        deposit = (
            Deposit.objects.filter(
                project_id=clue.project_id,
                status__in=[DepositStatus.DEPOSITED, DepositStatus.USED, DepositStatus.TOPPED_UP],
            )
            .order_by("id")
            .first()
        )
        if deposit is None:
            raise ValidationError({"result_type": "该项目没有可动用的农民工工资保证金"})
        deposit_use_for_arrears(
            deposit=deposit, actor=actor, amount=result.amount_paid, used_on=today, note=f"线索{clue.number}"
        )
        result.deposit = deposit


def _put_under_key_monitoring(clue: Clue) -> KeyMonitoring:
    """C5: a substantiated clue puts its employer under key monitoring (read by supervision)."""
    if clue.employer_id is not None:
        lookup = {"enterprise_id": clue.employer_id}
    else:
        lookup = {"enterprise": None, "employer_name": clue.employer_name}
    # One active monitoring per employer (a partial unique constraint; get_or_create re-reads when a concurrent
    # closure created it first). One that HRSS ended stays on record; a new substantiated clue starts a new one.
    record, _created = KeyMonitoring.objects.get_or_create(
        **lookup,
        is_active=True,
        defaults={"employer_name": clue.employer_name, "clue": clue, "since": timezone.localdate()},
    )
    return record


@transaction.atomic
def clue_confirm_closure(*, user, clue: Clue, note: str = "") -> Clue:
    """C5: HRSS confirms the submitted result and only then is the clue closed. An advance from 应急周转金 /
    应急储备金 or the project's deposit is paid in the same transaction; a substantiated clue puts the employer
    under key monitoring."""
    require_writer(user)
    clue = _locked(clue)
    _check(clue, clue.confirm_closure, user, "确认办结", HRSS_ONLY_MESSAGE)
    result = clue.results.select_for_update().order_by("-submitted_at", "-id").first()
    if result is None:  # a result_submitted clue always has one; refuse rather than close without a result
        _refuse_state(clue, "确认办结（尚无办理结果）")
    _pay_advance(clue, result, actor=user)
    now = timezone.now()
    result.confirmed_by, result.confirmed_at = user, now
    result.save()
    monitoring = _put_under_key_monitoring(clue) if result.is_substantiated else None
    clue.confirm_closure(at=now)
    _save(clue)
    log_action(
        clue,
        action="clue.closed",
        actor=user,
        note=note,
        data={
            "result": result.pk,
            "result_type": result.result_type,
            "fund_movement": result.fund_movement_id,
            "deposit": result.deposit_id,
            "key_monitoring": monitoring.pk if monitoring else None,
        },
    )
    return clue


@transaction.atomic
def clue_return(*, user, clue: Clue, reason: str) -> Clue:
    """退回 (C4/C6): the responsible unit hands the clue back to HRSS with a reason; HRSS holds it again and
    dispatches anew (C3 counts on from the receipt)."""
    require_writer(user)
    clue = _locked(clue)
    _check(clue, clue.return_to_hrss, user, "退回", "只有该线索的责任单位可以退回")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写退回理由"})
    unit_id = clue.responsible_unit_id
    clue.return_to_hrss(hrss=_hrss_unit())
    _save(clue)
    log_action(clue, action="clue.returned", actor=user, note=reason, data={"from_unit": unit_id})
    return clue


@transaction.atomic
def clue_reassign(*, user, clue: Clue, unit: Unit, person: str, phone: str, reason: str) -> Clue:
    """改派 (C4/C6): HRSS hands the clue to another unit and person, with a reason; the new unit signs anew."""
    require_writer(user)
    clue = _locked(clue)
    _check(clue, clue.reassign, user, "改派", HRSS_ONLY_MESSAGE)
    errors: dict[str, str] = {}
    person, phone = _responsible(unit, person, phone, errors)
    if unit is not None and unit.pk == clue.responsible_unit_id:
        errors["unit"] = "改派须选择另一个责任单位"
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = "请填写改派理由"
    if errors:
        raise ValidationError(errors)
    from_unit = clue.responsible_unit_id
    clue.route_override_reason = ""  # the earlier dispatch's reason; this hand-over's is the log entry's note
    clue.reassign(unit=unit, person=person, phone=phone, at=timezone.now())
    _save(clue)
    log_action(
        clue,
        action="clue.reassigned",
        actor=user,
        note=reason,
        data={"from_unit": from_unit, "unit": unit.pk},
    )
    clue_id, unit_id = clue.pk, unit.pk
    transaction.on_commit(lambda: signals.clue_dispatched.send(sender=Clue, clue_id=clue_id, unit_id=unit_id))
    return clue


@transaction.atomic
def clue_link_repeat(*, user, clue: Clue, original: Clue, note: str = "") -> Clue:
    """Part 2: HRSS links a new clue to an earlier one about the same dispute, so it is not dispatched twice.
    Both stay, each with its own timeline; the count is kept on the first clue of the chain."""
    require_writer(user)
    if not may_dispatch_clue(user, clue):
        raise PermissionDenied(HRSS_ONLY_MESSAGE)
    # Lock both rows in id order: two dispatchers linking crosswise wait instead of deadlocking.
    locked = {
        c.pk: c
        for c in Clue.objects.select_for_update(of=("self",))
        .filter(pk__in=[clue.pk, original.pk])
        .order_by("pk")
    }
    clue, original = locked[clue.pk], locked.get(original.pk)
    if original is None or original.pk == clue.pk:
        raise ValidationError({"original": "不能将线索关联为其自身的重复线索"})
    if original.repeat_of_id is not None:  # keep one level: count on the first
        original = Clue.objects.select_for_update(of=("self",)).get(pk=original.repeat_of_id)
    errors = {}
    if clue.repeat_of_id is not None:
        errors["original"] = "该线索已关联为重复线索"
    elif clue.repeats.exists():
        errors["original"] = "该线索已有关联的重复线索，不能再关联到其他线索"
    elif original.pk == clue.pk:
        errors["original"] = "不能将线索关联为其自身的重复线索"
    elif original.received_at > clue.received_at:
        errors["original"] = "只能关联到更早接收的线索"
    if errors:
        raise ValidationError(errors)
    clue.repeat_of = original
    clue.save(update_fields=["repeat_of"])
    log_action(clue, action="clue.linked_as_repeat", actor=user, note=note, data={"original": original.pk})
    original.repeat_count = original.repeats.count()
    original.save(update_fields=["repeat_count"])
    return clue


# --- attachments (C1 complaint material, C5 evidence) ---------------------------------------------------------

ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024  # 10 MB per file
ATTACHMENT_ALLOWED_TEXT = "图片（JPG、PNG）、PDF、Word（DOC、DOCX）或 Excel（XLS、XLSX）"
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office 97–2003 (compound file): .doc and .xls
# Office Open XML: a zip whose [Content_Types].xml names the main part of the document kind.
_OOXML_MAIN_PARTS = {
    "docx": b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
}
_CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
}
# Executables and scripts are named outright: a program renamed .pdf is the case clerks must recognise.
_EXECUTABLE_MIMES = {
    "application/x-msdownload",
    "application/x-executable",
    "application/x-elf",
    "application/x-mach-binary",
    "application/x-sh",
    "application/vnd.microsoft.portable-executable",
}


def _sniff_attachment(upload) -> tuple[str, str | None]:
    """The file's kind by its content (filetype for images, PDF and executables; the zip's [Content_Types].xml
    for docx/xlsx; the compound-file signature for doc/xls). Returns (detected extension group, mime)."""
    import zipfile

    import filetype

    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if head.startswith(b"MZ") or head.startswith(b"\x7fELF") or head.startswith(b"#!"):
        return "exe", None
    guessed = filetype.guess(head)
    if guessed is not None and guessed.mime in _EXECUTABLE_MIMES:
        return "exe", None
    if head.startswith(_OLE_SIGNATURE):
        return "ole", None
    if guessed is not None and guessed.mime in ("image/jpeg", "image/png", "application/pdf"):
        return guessed.extension, guessed.mime
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                info = archive.getinfo("[Content_Types].xml")
                # A content-types part is a few KB; a huge one is a zip bomb, not a document.
                types = archive.read(info) if info.file_size < 1024 * 1024 else b""
        except (zipfile.BadZipFile, KeyError, OSError):
            types = b""
        finally:
            upload.seek(0)
        for ext, main_part in _OOXML_MAIN_PARTS.items():
            if main_part in types:
                return ext, _CONTENT_TYPES[ext]
    return "", None


def _attachment_errors(upload) -> tuple[str, str]:
    """C1 bad input: size first (without reading the file), then the content must be an allowed kind and the
    extension must agree with it. Returns (extension, content type) or raises a Chinese ValidationError."""
    import os

    name = os.path.basename(getattr(upload, "name", "") or "")
    if not name:
        raise ValidationError({"file": "请选择要上传的文件"})
    if upload.size > ATTACHMENT_MAX_BYTES:
        limit = ATTACHMENT_MAX_BYTES / (1024 * 1024)
        raise ValidationError({"file": f"文件“{name}”超过{limit:g} MB，请压缩或拆分后再上传"})
    if upload.size == 0:
        raise ValidationError({"file": f"文件“{name}”是空文件"})
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    detected, mime = _sniff_attachment(upload)
    if detected == "exe":
        raise ValidationError(
            {
                "file": f"文件“{name}”实际是可执行程序，不是所示类型的文件，已拒绝上传。只能上传{ATTACHMENT_ALLOWED_TEXT}"
            }
        )
    if ext not in _CONTENT_TYPES:
        raise ValidationError({"file": f"不支持的文件类型“.{ext}”，只能上传{ATTACHMENT_ALLOWED_TEXT}"})
    agrees = (
        (detected == "ole" and ext in ("doc", "xls"))
        or (detected == "jpg" and ext in ("jpg", "jpeg"))
        or detected == ext
    )
    if not agrees:
        raise ValidationError(
            {"file": f"文件“{name}”的内容与扩展名“.{ext}”不符，只能上传{ATTACHMENT_ALLOWED_TEXT}"}
        )
    return ext, mime or _CONTENT_TYPES[ext]


def may_add_clue_attachment(user, clue: Clue) -> bool:
    """Who may see and act on the clue: HRSS and admins, or a writer of a unit holding, given or registering it
    (the same units clues.selectors.clue_visible_to shows it to); never leaders."""
    from common.access import can_act_for_unit

    return any(
        can_act_for_unit(user, unit_id)
        for unit_id in {clue.owner_unit_id, clue.responsible_unit_id, clue.registering_unit_id}
        if unit_id is not None
    )


@transaction.atomic
def clue_attachment_add(*, clue: Clue, user, upload, kind: str):
    """C1/C5: attach complaint material or result evidence. The type is checked by content, the size before the
    file is read; the file goes to the private CLUE_FILES_ROOT (no URL), named by a random id."""
    import hashlib
    import uuid
    from pathlib import Path

    from django.conf import settings

    from .models import AttachmentKind, ClueAttachment

    require_writer(user)
    if not may_add_clue_attachment(user, clue):
        raise PermissionDenied("只有该线索的登记单位、责任单位或区人社局可以上传附件")
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": "请选择附件类别"})
    if upload is None:
        raise ValidationError({"file": "请选择要上传的文件"})
    ext, content_type = _attachment_errors(upload)

    relative = Path(str(clue.pk)) / f"{uuid.uuid4().hex}.{ext}"
    target = Path(settings.CLUE_FILES_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    upload.seek(0)
    with open(target, "xb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    try:
        attachment = ClueAttachment.objects.create(
            clue=clue,
            kind=kind,
            original_name=Path(upload.name).name[:255],
            content_type=content_type,
            size=size,
            sha256=digest.hexdigest(),
            stored_path=str(relative),
            uploaded_by=user,
            uploaded_at=timezone.now(),
        )
        log_action(
            clue,
            action="clue.attachment_added",
            actor=user,
            note=attachment.original_name,
            data={"attachment": attachment.pk, "kind": kind, "sha256": attachment.sha256, "size": size},
        )
    except Exception:
        target.unlink(missing_ok=True)  # no row, no orphan file
        raise
    return attachment


# --- the C3 letters sweep (issue 8) --------------------------------------------------------------------------

LETTER_CLOSED_MESSAGE = "线索已办结，不再发提醒函或通报"
# A letter still 待发送 this long after it was written lost its send task (worker killed after the commit): the
# sweep queues it again. Longer than a PDF takes to render, so a busy worker is not sent the same letter twice
# (and if it were, the send is idempotent).
LETTER_RESEND_AFTER = dt.timedelta(minutes=10)


def _letter_kinds_sent(clue: Clue) -> set[str]:
    if clue.pk is None:
        return set()
    return set(Letter.objects.filter(clue_id=clue.pk).values_list("kind", flat=True))


def _letter_parties(clue: Clue, kind: str, hrss: Unit) -> tuple[str, Unit | None, str]:
    """(addressee, addressee unit, 抄送) of a letter. The 提醒函 reminds the unit that should take the clue on: the
    responsible unit; before any dispatch (or after a return) the unit C2 suggests; failing that the holder (C6).
    The 通报 goes to the district's principal leaders, 抄送 that unit."""
    from .documents import LEADERS

    suggested = clue.suggested_unit if clue.suggested_unit_id and clue.suggested_unit_id != hrss.pk else None
    holder = clue.responsible_unit or suggested or clue.owner_unit
    if kind == LetterKind.REMINDER:
        return holder.name, holder, ""
    return LEADERS, None, holder.name


def _write_letters(
    plans: list[tuple[Clue, str, dt.datetime]], *, now: dt.datetime, hrss: Unit
) -> list[Letter]:
    """Write the letters of `plans` — (clue, kind, due_at), the clues locked by the caller — inside the caller's
    transaction, in a few statements whatever their number: one reservation of consecutive numbers from the 函
    sequence, the IssuedDocuments, the Letter rows, the action log. Each letter is once (C4) because Letter is
    unique on (clue, kind): a second writer's insert fails and the caller's transaction — numbers included —
    rolls back. The PDFs render and the recipients are told after commit (letter_send)."""
    from common.documents import DocumentSpec, documents_issue_many, reserve_document_numbers

    from . import documents

    if not plans:
        return []
    year = timezone.localtime(now).year
    numbers = reserve_document_numbers(unit=hrss, kind=documents.LETTER_SEQUENCE, year=year, count=len(plans))
    letters, specs = [], []
    for (clue, kind, due_at), n in zip(plans, numbers, strict=True):
        number = documents.letter_number(year=year, n=n)
        addressee, addressee_unit, copy_to = _letter_parties(clue, kind, hrss)
        specs.append(
            DocumentSpec(
                kind=documents.DOCUMENT_KINDS[kind], number=number, n=n, addressee=addressee, target=clue
            )
        )
        letters.append(
            Letter(
                clue=clue,
                kind=kind,
                number=number,
                addressee=addressee,
                addressee_unit=addressee_unit,
                copy_to=copy_to,
                responsible_unit=clue.responsible_unit,
                due_at=due_at,
                facts=documents.letter_facts(
                    clue, kind=kind, number=number, addressee=addressee, copy_to=copy_to, now=now
                ),
                created_at=now,
            )
        )
    # render=False: letter_send renders each PDF itself, then tells the recipients.
    issued = documents_issue_many(unit=hrss, year=year, specs=specs, render=False)
    for letter, document in zip(letters, issued, strict=True):
        letter.document = document
    Letter.objects.bulk_create(letters)
    log_actions(
        [
            (x.clue, f"clue.letter_{x.kind}", x.number, {"letter": x.pk, "due_at": x.due_at.isoformat()})
            for x in letters
        ]
    )
    ids = [x.pk for x in letters]
    transaction.on_commit(lambda: [_enqueue_letter_send(pk) for pk in ids])
    return letters


def clue_letter_write(*, clue: Clue, kind: str, due_at: dt.datetime, now: dt.datetime) -> Letter:
    """Write one C3 letter of a clue (the clue row locked by the caller's transaction). A closed clue gets none."""
    if clue.status == ClueStatus.CLOSED:
        raise ValidationError({"__all__": LETTER_CLOSED_MESSAGE})
    with transaction.atomic():
        return _write_letters([(clue, kind, due_at)], now=now, hrss=_hrss_unit())[0]


def _enqueue_letter_send(letter_id: int) -> None:
    from .tasks import letter_send

    try:
        letter_send.delay(letter_id)
    except Exception:
        # Written and committed: the sweep queues it again after LETTER_RESEND_AFTER.
        logger.exception("could not queue the sending of letter %s", letter_id)


# Clues claimed per transaction. A worker dying mid-batch loses (rolls back) at most this many clues' letters,
# which the next run writes; larger batches only save statements.
SWEEP_BATCH = 100


def _sweep_batch(clue_ids: list[int], now: dt.datetime, hrss: Unit) -> list[Letter]:
    """Claim a batch of due clues and write the letters they owe at `now`, in order, in one transaction. A clue
    another sweep holds (PostgreSQL: SKIP LOCKED) or no longer due (taken on meanwhile) is left alone."""
    with transaction.atomic():
        clues = list(
            Clue.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("street", "project", "responsible_unit", "owner_unit", "suggested_unit")
            .filter(pk__in=clue_ids, sweep_at__lte=now)
            .order_by("sweep_at", "pk")
        )
        if not clues:
            return []
        sent: dict[int, set[str]] = {c.pk: set() for c in clues}
        for clue_id, kind in Letter.objects.filter(clue__in=clues).order_by().values_list("clue_id", "kind"):
            sent[clue_id].add(kind)
        plans = []
        for clue in clues:
            for kind, due_at in ladder.letters_due(clue, sent[clue.pk], now):
                plans.append((clue, kind, due_at))
        letters = _write_letters(plans, now=now, hrss=hrss)
        for letter in letters:
            sent[letter.clue_id].add(letter.kind)
        for clue in clues:
            clue.sweep_at = ladder.next_sweep_at(clue, sent[clue.pk])
        # One UPDATE for the batch's sweep_at: no transition, no history row; the rows are locked (or, on SQLite,
        # this transaction is the only writer).
        Clue.objects.bulk_update(clues, ["sweep_at"])
    return letters


def clue_process_deadlines(now: dt.datetime | None = None) -> dict[str, int]:
    """C3 steps 3 and 4, C4: write every letter due at `now` exactly once, and never miss one.

    Due: a 提醒函 when C3.reminder_days have passed since receipt and the clue is not *taken on* — the
    responsible unit has not signed for it (ladder.taken_on: 已签收; HRSS's dispatch alone is not enough); a
    通报 to the district's principal leaders when C3.escalation_days have passed and there is no *progress* —
    no progress note, no submitted result (ladder.has_progress). Neither for a clue with a result or closed.

    One query on the partial index clue_sweep_due finds the due clues (sweep_at <= now); they are then claimed
    and handled SWEEP_BATCH at a time, each batch one transaction (_sweep_batch), so a worker dying mid-way
    loses only the batch in hand, which rolls back and is found again by the next run. A clue whose day 3 and
    day 4 both passed while the scheduler was down gets both letters, the 提醒函 first. The letters' PDFs render
    and their recipients are told by a task after commit (clues.tasks.letter_send), never in here; letters
    whose task was lost are queued again. Returns what this run created, by kind."""
    now = now or timezone.now()
    with policy_snapshot():
        return _process_deadlines(now)


def _process_deadlines(now: dt.datetime) -> dict[str, int]:
    counts = {kind: 0 for kind in LetterKind.values}
    due = list(Clue.objects.filter(sweep_at__lte=now).order_by("sweep_at", "pk").values_list("pk", flat=True))
    hrss = _hrss_unit() if due else None
    for start in range(0, len(due), SWEEP_BATCH):
        for letter in _sweep_batch(due[start : start + SWEEP_BATCH], now, hrss):
            counts[letter.kind] += 1
    stale = Letter.objects.filter(status=LetterStatus.CREATED, created_at__lt=now - LETTER_RESEND_AFTER)
    counts["requeued"] = 0
    for letter_id in stale.order_by().values_list("pk", flat=True):
        _enqueue_letter_send(letter_id)
        counts["requeued"] += 1
    return counts


def clue_letters_waiting(now: dt.datetime | None = None) -> int:
    """Due and not yet handled: clues owing a letter at `now`, plus letters written but not sent."""
    now = now or timezone.now()
    return (
        Clue.objects.filter(sweep_at__lte=now).count()
        + Letter.objects.filter(status=LetterStatus.CREATED, created_at__lt=now - LETTER_RESEND_AFTER).count()
    )


def letter_send(letter_id: int) -> Letter:
    """After the letter's commit (clues.tasks.letter_send): render its PDF, tell its recipients (inbox, e-mail),
    mark it sent. Idempotent: the PDF renders once (common.documents), each recipient is told once per letter
    (common.notifications' unique key), and a sent letter is left as it is."""
    from django.urls import reverse

    from common.documents import document_render_version
    from common.notifications import hrss_recipients, leader_recipients, notify, unit_recipients

    letter = Letter.objects.select_related("clue", "addressee_unit", "responsible_unit", "document").get(
        pk=letter_id
    )
    if letter.status == LetterStatus.SENT:
        return letter
    document_render_version(document_id=letter.document_id, version=1)
    with transaction.atomic():
        letter = Letter.objects.select_for_update(of=("self",)).select_related("clue").get(pk=letter_id)
        if letter.status == LetterStatus.SENT:
            return letter
        clue = letter.clue
        recipients = hrss_recipients()
        if letter.kind == LetterKind.REMINDER:
            recipients += unit_recipients(letter.addressee_unit)
            title = f"提醒函 {letter.number}：线索 {clue.number} 仍未明确承办单位和人员"
        else:
            recipients += leader_recipients() + unit_recipients(letter.responsible_unit or clue.owner_unit)
            title = (
                f"通报 {letter.number}：线索 {clue.number} 逾期无进展（{letter.facts.get('amount_owed')}元）"
            )
        notify(
            event=f"clues.letter:{letter.pk}",
            kind=f"clues.letter_{letter.kind}",
            recipients=recipients,
            title=title,
            body=f"{clue.employer_name}，涉及{clue.workers_affected}人，欠薪{letter.facts.get('amount_owed')}元。",
            url=reverse("clues:letter_detail", args=[letter.pk]),
        )
        letter.status = LetterStatus.SENT
        letter.sent_at = timezone.now()
        letter.save(update_fields=["status", "sent_at"])
    return letter
