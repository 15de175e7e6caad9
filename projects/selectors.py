"""Read queries for projects. Every page, export and API endpoint starts from project_visible_to()."""

import datetime as dt

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from common.models import Unit, User
from projects.models import Enterprise, Project, ProjectStatus, Timeliness


def project_visible_to(user: User) -> QuerySet[Project]:
    """A clerk sees only their own unit's projects; HRSS, leaders and admins see the district."""
    qs = Project.objects.all()
    if user.sees_all_units:
        return qs
    if user.unit_id is None:
        return qs.none()
    return qs.filter(unit_id=user.unit_id)


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
    """P6: on time / late (pushed after the deadline) / overdue (unpushed past it) / pending (unpushed, in time)."""
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


def project_list_for_ledger(*, user: User, filters: dict) -> QuerySet[Project]:
    """The ledger (P5) with the filters of the list page, the export and the API."""
    qs = project_visible_to(user).select_related("unit", "street", "bidder_unit", "owner", "contractor")
    if unit := filters.get("unit"):
        qs = qs.filter(unit=unit)
    if street := filters.get("street"):
        qs = qs.filter(street=street)
    if category := filters.get("category"):
        qs = qs.filter(category=category)
    if funding_type := filters.get("funding_type"):
        qs = qs.filter(funding_type=funding_type)
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    if late := filters.get("late"):
        qs = project_filter_timeliness(qs, late)
    if date_from := filters.get("date_from"):
        qs = qs.filter(trigger_date__gte=date_from)
    if date_to := filters.get("date_to"):
        qs = qs.filter(trigger_date__lte=date_to)
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(owner__name__icontains=q)
            | Q(contractor__name__icontains=q)
            | Q(owner__uscc=q.upper())
            | Q(contractor__uscc=q.upper())
        )
    return qs.order_by(_ordering(filters.get("ordering") or "-created_at"), "-id")


def _ordering(key: str):
    """Empty values (unpushed, no amount yet) sort last on every database, as a clerk reads a list."""
    field = F(key.lstrip("-"))
    return field.desc(nulls_last=True) if key.startswith("-") else field.asc(nulls_last=True)


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
    overdue = _timeliness_conditions(today or timezone.localdate())[Timeliness.OVERDUE]
    return (
        project_visible_to(user)
        .filter(overdue)
        .select_related("unit", "street")
        .order_by("push_deadline", "id")
    )
