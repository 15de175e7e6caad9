"""Read queries for projects. Every page, export and API endpoint starts from project_visible_to()."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from common.access import visible_to
from common.models import Unit, User
from common.validators import validate_uscc
from common.workdays import working_days_late_many
from projects.models import Enterprise, Project, ProjectStatus, Timeliness


def project_visible_to(user: User, *, today: dt.date | None = None) -> QuerySet[Project]:
    """A clerk sees only their own unit's projects; HRSS, leaders and admins see the district.

    Every row carries its P6 `timeliness` (with_timeliness), so pages, exports and the API show the one
    decision instead of deciding again."""
    return with_timeliness(visible_to(user, Project.objects.all()), today)


def with_timeliness(qs: QuerySet[Project], today: dt.date | None = None) -> QuerySet[Project]:
    """P6, decided once: annotate each project's `timeliness` (a projects.models.Timeliness value) from
    _timeliness_conditions. A queryset already annotated is returned as it is."""
    if "timeliness" in qs.query.annotations:
        return qs
    conditions = _timeliness_conditions(today or timezone.localdate())
    return qs.annotate(
        timeliness=Case(
            *(When(condition, then=Value(str(value))) for value, condition in conditions.items()),
            output_field=CharField(),
        )
    )


def enterprise_visible_to(user: User) -> QuerySet[Enterprise]:
    """Enterprises named by a project the user can see (a clerk doesn't browse other units' partners)."""
    qs = Enterprise.objects.all()
    if user.sees_all_units:
        return qs
    # Two subqueries, not a join across both reverse relations: no N×M rows to de-duplicate.
    own = Project.objects.filter(unit_id=user.unit_id)
    return qs.filter(Q(pk__in=own.values("owner_id")) | Q(pk__in=own.values("contractor_id")))


def project_filter_timeliness(
    qs: QuerySet[Project], value: str, today: dt.date | None = None
) -> QuerySet[Project]:
    """P6: on time / late (pushed after the deadline) / overdue (unpushed past it) / pending (unpushed, in time).
    Filters by the conditions the annotation is made of (they can use the status/deadline index)."""
    conditions = _timeliness_conditions(today or timezone.localdate())
    return qs.filter(conditions[value]) if value in conditions else qs


def _timeliness_conditions(today: dt.date, prefix: str = "") -> dict[str, Q]:
    """The one definition of P6 timeliness; `prefix` reaches projects through a relation ("projects__")."""
    status, is_late, deadline = f"{prefix}status", f"{prefix}is_late", f"{prefix}push_deadline"
    return {
        Timeliness.ON_TIME: Q(**{status: ProjectStatus.PUSHED, is_late: False}),
        Timeliness.LATE: Q(**{status: ProjectStatus.PUSHED, is_late: True}),
        Timeliness.OVERDUE: Q(**{status: ProjectStatus.DRAFT, f"{deadline}__lt": today}),
        Timeliness.PENDING: Q(**{status: ProjectStatus.DRAFT, f"{deadline}__gte": today}),
    }


LEDGER_RELATED = ("unit", "street", "bidder_unit", "owner", "contractor")


def project_ledger_base(user: User) -> QuerySet[Project]:
    """The ledger (P5) before its filters: what the user may see, with what a row shows. The filters of the
    list page, the export and the API are projects.filters.ledger_filterset, applied to this."""
    return project_visible_to(user).select_related(*LEDGER_RELATED)


def project_ordered(qs: QuerySet[Project], key: str | None) -> QuerySet[Project]:
    """Ledger order; empty values (unpushed, no amount yet) sort last on every database, as a clerk reads a
    list. The newest registration breaks ties, so pages never overlap."""
    key = key or "-created_at"
    field = F(key.lstrip("-"))
    return qs.order_by(
        field.desc(nulls_last=True) if key.startswith("-") else field.asc(nulls_last=True), "-id"
    )


def project_todo_for_unit(*, unit_id: int) -> QuerySet[Project]:
    """A clerk's 待办: the unit's unpushed projects, soonest deadline (and anything overdue) first."""
    return (
        Project.objects.filter(unit_id=unit_id, status=ProjectStatus.DRAFT)
        .select_related("street")
        .order_by("push_deadline", "id")
    )


def project_accountability_by_unit(*, today: dt.date | None = None) -> QuerySet[Unit]:
    """P6: per unit, pushed on time, pushed late and overdue-unpushed, in one grouped query."""
    when = _timeliness_conditions(today or timezone.localdate(), prefix="projects__")
    return (
        Unit.objects.annotate(
            total=Count("projects"),
            on_time=Count("projects", filter=when[Timeliness.ON_TIME]),
            late=Count("projects", filter=when[Timeliness.LATE]),
            overdue_unpushed=Count("projects", filter=when[Timeliness.OVERDUE]),
            pending=Count("projects", filter=when[Timeliness.PENDING]),
        )
        # Active units bound by P1/P2, plus any unit with a project on its record — also one deactivated
        # since: its late and unpushed projects still count against it, and the rows add up to the totals.
        .filter(Q(pushes_projects=True, is_active=True) | Q(total__gt=0))
        .order_by("-overdue_unpushed", "-late", "sort_order")
    )


def project_district_totals(*, today: dt.date | None = None) -> dict[str, int]:
    """HRSS's and leaders' home figures, one aggregate query."""
    when = _timeliness_conditions(today or timezone.localdate())
    week_ago = timezone.now() - dt.timedelta(days=7)
    return Project.objects.aggregate(
        total=Count("id"),
        pushed=Count("id", filter=Q(status=ProjectStatus.PUSHED)),
        late=Count("id", filter=when[Timeliness.LATE]),
        overdue_unpushed=Count("id", filter=when[Timeliness.OVERDUE]),
        pending=Count("id", filter=when[Timeliness.PENDING]),
        pushed_this_week=Count("id", filter=Q(pushed_at__gte=week_ago)),
    )


def project_overdue_unpushed(*, user: User, today: dt.date | None = None) -> QuerySet[Project]:
    """P6: projects whose push deadline has passed while still unpushed."""
    return (
        project_filter_timeliness(project_visible_to(user, today=today), Timeliness.OVERDUE, today)
        .select_related("unit", "street")
        .order_by("push_deadline", "id")
    )


def project_mark_overdue_working_days(projects, today: dt.date | None = None) -> list:
    """P6 (B1): set `overdue_working_days` on each unpushed project of `projects` (a page's worth) — 逾期N个工作日,
    counted as a push today would be — in one calendar computation for the whole list."""
    projects = list(projects)
    today = today or timezone.localdate()
    drafts = [p for p in projects if p.status == ProjectStatus.DRAFT]
    late = working_days_late_many({p.push_deadline for p in drafts}, today)
    for p in drafts:
        p.overdue_working_days = late[p.push_deadline]
    return projects


def enterprises_by_uscc(values: Iterable[str]) -> dict[str, Enterprise]:
    """The enterprise record each typed 统一社会信用代码 names, keyed by the value as typed: normalised and checked
    as P3 does (validate_uscc), then the one record of that code. An invalid or unknown code names none. One
    query, none when no code is valid."""
    codes = {}
    for value in values:
        if not value:
            continue
        try:
            codes[value] = validate_uscc(value)
        except ValidationError:
            continue
    if not codes:
        return {}
    found = {
        e.uscc: e for e in Enterprise.objects.filter(uscc__in=set(codes.values())).only("pk", "uscc", "name")
    }
    return {value: found[code] for value, code in codes.items() if code in found}
