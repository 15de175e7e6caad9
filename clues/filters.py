"""The clue list's one filter set — for the page and its Excel export (so both show the same clues)."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from common.access import is_read_only
from common.search import text_match
from common.workdays import local_midnight
from projects.models import Project

from .models import Clue, ClueStatus
from .selectors import clue_annotate_colour, clue_reached_q, clue_step_overdue_q, clue_visible_to


def clue_search(
    user,
    *,
    q="",
    status="",
    colour="",
    unit=None,
    street=None,
    channel="",
    received_from=None,
    received_to=None,
    overdue_step="",
    reached="",
    closed_from=None,
    closed_to=None,
    now: dt.datetime | None = None,
) -> QuerySet[Clue]:
    """The clues `user` may see (clue_visible_to), coloured once by clue_annotate_colour, filtered. Dates are
    Asia/Shanghai days, both ends included; `overdue_step` and `reached` are the dashboard's own conditions
    (clues.selectors), so its numbers and these lists agree."""
    now = now or timezone.now()
    qs = clue_annotate_colour(clue_visible_to(user), now=now).select_related(
        "responsible_unit", "street", "project", "owner_unit"
    )
    if q := (q or "").strip():
        # The project by its own query, not a join: the pager's COUNT reads only the clue table.
        projects = Project.objects.filter(text_match(q, "name")).values("pk")
        match = text_match(q, "number", "employer_name") | Q(project__in=projects)
        # The complainant's name is personal data: a reader who sees it masked (leaders) must not be able to
        # confirm a guessed name by searching for it.
        if not is_read_only(user):
            match |= text_match(q, "complainant_name")
        qs = qs.filter(match)
    if status == "open":
        qs = qs.exclude(status=ClueStatus.CLOSED)
    elif status:
        qs = qs.filter(status=status)
    if colour:
        qs = qs.filter(colour=colour)
    if unit is not None:
        qs = qs.filter(responsible_unit=unit)
    if street is not None:
        qs = qs.filter(street=street)
    if channel:
        qs = qs.filter(channel=channel)
    if received_from:
        qs = qs.filter(received_at__gte=local_midnight(received_from))
    if received_to:
        qs = qs.filter(received_at__lt=local_midnight(received_to + dt.timedelta(days=1)))
    if closed_from:
        qs = qs.filter(closed_at__gte=local_midnight(closed_from))
    if closed_to:
        qs = qs.filter(closed_at__lt=local_midnight(closed_to + dt.timedelta(days=1)))
    if overdue_step:
        qs = qs.filter(clue_step_overdue_q(overdue_step, now))
    if reached:
        qs = qs.filter(clue_reached_q(reached))
    return qs.order_by("-received_at", "-id")
