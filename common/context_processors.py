import datetime as dt

from django.utils import timezone

from common.workdays import years_missing_calendar

# Deadlines reach about two months ahead, so warn while any day in that span lies in a year without a calendar.
BANNER_LOOKAHEAD = dt.timedelta(days=60)


def calendar_banner(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.is_admin_role):
        return {}
    today = timezone.localdate()
    years = sorted({today.year, (today + BANNER_LOOKAHEAD).year})
    return {"calendar_missing_years": years_missing_calendar(years)}
