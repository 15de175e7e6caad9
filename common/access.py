"""Who may do what, for which unit — the one module every page, export, API endpoint and service asks.

The roles (SPEC "roles"): a clerk (部门经办人, 信访局经办人) acts for their own unit only; HRSS dispatchers
keep the district ledger and act for any unit; admins act for any unit; leaders read everything and change
nothing. Personal data (contacts' phones; later complainants' names, phones and ID numbers) is whole for the
record's own unit, HRSS dispatchers and admins, masked for everyone else — leaders included.

Apps never import another app's services for a role rule: they ask here.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from common.models import Role, Unit, User

READ_ONLY_MESSAGE = "领导账号为只读，不能修改数据"


def is_admin(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and (user.is_superuser or user.role == Role.ADMIN))


def is_dispatcher(user: User | None) -> bool:
    """区人社局调度员: HRSS, which receives pushes, dispatches clues and keeps the district ledger."""
    return bool(user is not None and user.is_authenticated and user.role == Role.DISPATCHER)


def is_read_only(user: User | None) -> bool:
    """Leaders read everything and change nothing."""
    return bool(user is not None and user.role == Role.LEADER and not user.is_superuser)


def sees_all_units(user: User | None) -> bool:
    """HRSS keeps the district ledger; leaders and admins read everything."""
    if user is None or not user.is_authenticated:
        return False
    return is_admin(user) or user.role in (Role.DISPATCHER, Role.LEADER)


def is_hrss(user: User | None) -> bool:
    """区人社局 (its dispatchers) and admins: they act district-wide — dispatch, penalties, any unit's record."""
    return is_admin(user) or is_dispatcher(user)


def can_act_as_unit_named(user: User | None, short_name: str) -> bool:
    """A writer of the unit with this 简称 (e.g. 区财政局 "财政" keeps the emergency funds), or HRSS / an admin."""
    if user is None or not user.is_authenticated or is_read_only(user):
        return False
    if is_hrss(user):
        return True
    unit = getattr(user, "unit", None)
    return unit is not None and unit.short_name == short_name


def require_writer(user: User | None) -> None:
    """Raise PermissionDenied (403, Chinese) for a read-only account before any write."""
    if is_read_only(user):
        raise PermissionDenied(READ_ONLY_MESSAGE)


def can_act_for_unit(user: User | None, unit: Unit | int | None) -> bool:
    """A clerk acts for their own unit only; HRSS dispatchers and admins for any; leaders never."""
    if user is None or not user.is_authenticated or is_read_only(user) or unit is None:
        return False
    if is_admin(user) or is_dispatcher(user):
        return True
    unit_id = unit if isinstance(unit, int) else unit.pk
    return user.unit_id is not None and user.unit_id == unit_id


def can_push_projects(user: User | None) -> bool:
    """P1/P2: who is offered 登记并推送项目 and 批量导入 — a clerk of a unit the policy binds to push (industry
    authorities, streets, 经开区, 中晟集团), HRSS dispatchers and admins (for any unit). Not 区信访局, not
    leaders."""
    if user is None or not user.is_authenticated or is_read_only(user):
        return False
    if is_admin(user) or is_dispatcher(user):
        return True
    unit = user.unit
    return unit is not None and unit.pushes_projects and unit.is_active


def may_postpone_deadlines(user: User | None) -> bool:
    """P6: only HRSS dispatchers and admins may correct a record so that its deadline moves later."""
    return is_admin(user) or is_dispatcher(user)


def sees_personal_data(user: User | None, unit_id: int | None) -> bool:
    """True when `user` may see the personal data held on a record of unit `unit_id` unmasked."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if is_admin(user) or is_dispatcher(user):
        return True
    if is_read_only(user):
        return False
    return unit_id is not None and user.unit_id == unit_id


def visible_to(user: User | None, queryset: QuerySet, *, unit_field: str = "unit") -> QuerySet:
    """The rows of `queryset` (a model owned by a unit through `unit_field`, a path such as "project__unit")
    that `user` may see: all for HRSS, leaders and admins; the own unit's for a clerk; none otherwise."""
    if sees_all_units(user):
        return queryset
    if user is None or not user.is_authenticated or user.unit_id is None:
        return queryset.none()
    return queryset.filter(**{f"{unit_field}_id" if "__" not in unit_field else unit_field: user.unit_id})


def may_use_api_token(user: User | None) -> bool:
    """B4: leaders read through the pages; a token (and so the API docs) needs an admin's grant
    (User.api_token_allowed). Everyone else who is active may hold one."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.role != Role.LEADER or user.api_token_allowed


# --- clues (C1, C4, C6) ------------------------------------------------------------------------------------


def may_register_clue(user: User | None) -> bool:
    """C1: HRSS dispatchers (and admins) register clues from every channel; 信访局 clerks register petitions."""
    if user is None or not user.is_authenticated or is_read_only(user):
        return False
    return is_hrss(user) or (user.role == Role.PETITION_CLERK and user.unit_id is not None)


def may_dispatch_clue(user: User | None, clue=None) -> bool:
    """C4: dispatching, reassigning and confirming a clue's closure are HRSS's (dispatchers, admins)."""
    return not is_read_only(user) and is_hrss(user)


def may_act_as_responsible_unit(user: User | None, clue) -> bool:
    """C4/C6: signing for, progress on, the result of and returning a clue are its responsible unit's own
    writers' — not HRSS's on the unit's behalf, not another unit's, not leaders'."""
    if user is None or not user.is_authenticated or is_read_only(user):
        return False
    return clue.responsible_unit_id is not None and user.unit_id == clue.responsible_unit_id


def may_print_clue_receipt(user: User | None, clue) -> bool:
    """Part 9 (C1 receipt): the receipt with the query code is for the clerk who took the clue in — HRSS or the
    registering unit (信访局) — never for the unit it is dispatched to, nor leaders."""
    if user is None or not user.is_authenticated or is_read_only(user):
        return False
    return is_hrss(user) or (user.unit_id is not None and user.unit_id == clue.registering_unit_id)
