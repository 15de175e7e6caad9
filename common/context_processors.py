import datetime as dt
import functools

from django.utils import timezone

from common.access import can_push_projects, may_use_api_token
from common.notifications import inbox_unread_count
from common.workdays import calendar_years_status

# Deadlines reach about two months ahead, so warn while any day in that span lies in a year without a calendar.
BANNER_LOOKAHEAD = dt.timedelta(days=60)


def calendar_banner(request):
    """For admins: the years ahead whose holidays are not yet in the calendar, and what each still lacks."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.is_admin_role):
        return {}
    today = timezone.localdate()
    years = sorted({today.year, (today + BANNER_LOOKAHEAD).year})
    return {"calendar_year_status": calendar_years_status(years)}


def access(request):
    """What the navigation offers, decided by common.access (one rule for pages and templates alike).
    Callables: a template calls one only where it asks, so other pages pay no query.

    `inbox_unread` is the header's "收件箱 (N)": one COUNT over the partial index notification_unread, cached for
    the request (the inbox page shows the same number again without a second query)."""
    user = getattr(request, "user", None)
    return {
        "can_push_projects": functools.partial(can_push_projects, user),
        "may_use_api_token": functools.partial(may_use_api_token, user),
        "inbox_unread": functools.cache(functools.partial(inbox_unread_count, user)),
    }
