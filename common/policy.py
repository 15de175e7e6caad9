"""The policy's numbers (5 working days, 15 days, 1%…): one admin-edited table, read through one accessor.

Each app declares its parameters in its AppConfig.ready with `register_parameters(...)` (rule, default, unit of
measure); `sync_parameters` (run after every `migrate`) creates the rows that are missing and never touches a
value an admin has set. Code reads a number only through `policy_value(code)` — never a literal — so HRSS can
change a deadline without a release, and every change is in the action log (`policy.changed`).
"""

import contextlib
import contextvars
import dataclasses
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from common.audit import log_action, register_actions
from common.models import PolicyKind, PolicyParameter, User

logger = logging.getLogger(__name__)

register_actions({"policy.changed": "修改政策参数"})

# A day count may be switched between calendar and working days by the admin (C3 allows both); other kinds
# are fixed by what the number means.
DAY_KINDS = (PolicyKind.DAYS, PolicyKind.WORKING_DAYS)


@dataclasses.dataclass(frozen=True)
class Parameter:
    code: str  # "<rule>.<name>", e.g. "P1.push_working_days"
    name: str
    rule: str
    kind: str
    default: Decimal
    description: str = ""


_REGISTRY: dict[str, Parameter] = {}


def register_parameters(parameters: list[Parameter]) -> None:
    for parameter in parameters:
        _REGISTRY[parameter.code] = parameter


def registered_parameters() -> dict[str, Parameter]:
    return dict(_REGISTRY)


def sync_parameters(**kwargs) -> int:
    """post_migrate: create the registered parameters that have no row yet (values set by an admin stay)."""
    created = 0
    for p in _REGISTRY.values():
        _, was_created = PolicyParameter.objects.get_or_create(
            code=p.code,
            defaults={
                "name": p.name,
                "rule": p.rule,
                "kind": p.kind,
                "value": p.default,
                "default": p.default,
                "description": p.description,
            },
        )
        created += was_created
    return created


def _typed(kind: str, value: Decimal) -> int | Decimal:
    return int(value) if kind in (*DAY_KINDS, PolicyKind.MONTHS, PolicyKind.WEEKDAY) else value


# Inside policy_snapshot(): each parameter read once and kept for the block (a sweep over 1,000 clues asks for the
# same four C3 counts thousands of times; one run should also see one consistent set of values).
_snapshot: contextvars.ContextVar[dict | None] = contextvars.ContextVar("policy_snapshot", default=None)


@contextlib.contextmanager
def policy_snapshot():
    """Read each policy parameter at most once within the block (for batch work such as the deadline sweeps)."""
    token = _snapshot.set({})
    try:
        yield
    finally:
        _snapshot.reset(token)


def policy_prefetch(*codes: str) -> None:
    """Inside policy_snapshot: read the parameters not read yet in one query (a page needing several)."""
    cache = _snapshot.get()
    if cache is None:
        return
    missing = [c for c in codes if c not in cache]
    if not missing:
        return
    rows = PolicyParameter.objects.filter(code__in=missing).values_list("code", "value", "kind")
    for code, value, kind in rows:
        cache[code] = (_typed(kind, value), kind)


def policy_parameter(code: str) -> tuple[int | Decimal, str]:
    """(value, kind) of a parameter: kind tells a day count whether it counts calendar or working days."""
    cache = _snapshot.get()
    if cache is not None:
        if code not in cache:
            cache[code] = _policy_parameter_read(code)
        return cache[code]
    return _policy_parameter_read(code)


def _policy_parameter_read(code: str) -> tuple[int | Decimal, str]:
    row = PolicyParameter.objects.filter(code=code).values_list("value", "kind").first()
    if row is None:
        if code not in _REGISTRY:
            raise KeyError(f"unknown policy parameter {code!r}")
        # Before the first migrate finished (or a row deleted by hand): the declared default, loudly.
        logger.warning("政策参数 %s 未在数据库中，使用默认值", code)
        p = _REGISTRY[code]
        return _typed(p.kind, p.default), p.kind
    value, kind = row
    return _typed(kind, value), kind


def policy_value(code: str) -> int | Decimal:
    """The value of a policy parameter: int for day and month counts, Decimal for ratios and amounts."""
    return policy_parameter(code)[0]


def policy_parameter_validate(*, parameter: PolicyParameter, value: Decimal, kind: str) -> None:
    errors = {}
    declared = _REGISTRY.get(parameter.code)
    if kind != parameter.kind and not (kind in DAY_KINDS and parameter.kind in DAY_KINDS):
        errors["kind"] = "该参数的计量方式不能修改（只有天数可在自然日和工作日之间切换）"
    if value is None or value < 0:
        errors["value"] = "取值不能为负数"
    elif kind in (*DAY_KINDS, PolicyKind.MONTHS) and value != value.to_integral_value():
        errors["value"] = "天数、月数须为整数"
    elif kind in (*DAY_KINDS, PolicyKind.MONTHS) and value < 1:
        errors["value"] = "天数、月数至少为1"
    elif kind == PolicyKind.WEEKDAY and (value != value.to_integral_value() or not 1 <= value <= 7):
        errors["value"] = "星期须为1至7的整数（1=周一，5=周五，7=周日）"
    elif kind == PolicyKind.RATIO and value > 1:
        errors["value"] = "比例应填写小数，如 1% 填 0.01"
    if declared is None:
        errors["code"] = "未登记的政策参数"
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def policy_parameter_update(
    *, parameter: PolicyParameter, value: Decimal, kind: str | None = None, actor: User | None, note: str = ""
) -> PolicyParameter:
    """An admin changes a policy number; the old and new values go to the action log with the reason."""
    current = PolicyParameter.objects.select_for_update().get(pk=parameter.pk)
    kind = kind or current.kind
    value = Decimal(value)
    policy_parameter_validate(parameter=current, value=value, kind=kind)
    old = {"value": str(current.value.normalize()), "kind": current.kind}
    current.value, current.kind = value, kind
    current.save()
    log_action(
        current,
        action="policy.changed",
        actor=actor,
        note=note,
        data={"old": old, "new": {"value": str(value.normalize()), "kind": kind}},
    )
    return current
