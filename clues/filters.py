"""The clue list's one filter set — for the page and its Excel export (so both show the same clues)."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from common.access import is_read_only

from .models import Clue, ClueStatus
from .selectors import clue_annotate_colour, clue_visible_to


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
) -> QuerySet[Clue]:
    """The clues `user` may see (clue_visible_to), coloured once by clue_annotate_colour, filtered."""
    qs = clue_annotate_colour(clue_visible_to(user)).select_related(
        "responsible_unit", "street", "project", "owner_unit"
    )
    if q := (q or "").strip():
        match = Q(number__icontains=q) | Q(employer_name__icontains=q) | Q(project__name__icontains=q)
        # The complainant's name is personal data: a reader who sees it masked (leaders) must not be able to
        # confirm a guessed name by searching for it.
        if not is_read_only(user):
            match |= Q(complainant_name__icontains=q)
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
    tz = timezone.get_current_timezone()
    if received_from:
        qs = qs.filter(received_at__gte=dt.datetime.combine(received_from, dt.time.min, tzinfo=tz))
    if received_to:
        qs = qs.filter(
            received_at__lt=dt.datetime.combine(received_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        )
    return qs.order_by("-received_at", "-id")
