"""Home (待办) per role and the P6 accountability board: these read every app below."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from projects import selectors as project_selectors


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    context = {"today": today}
    if user.sees_all_units:
        context["totals"] = project_selectors.project_district_totals(today=today)
        context["overdue"] = project_selectors.project_overdue_unpushed(user=user, today=today)[:10]
    elif user.unit_id:
        context["todo"] = list(project_selectors.project_todo_for_unit(unit_id=user.unit_id)[:50])
        context["unit_totals"] = project_selectors.project_visible_to(user).count()
    return render(request, "supervision/home.html", context)


OVERDUE_SHOWN = 50


@login_required
def accountability(request):
    """P6: per-unit push timeliness, for HRSS and leaders."""
    if not request.user.sees_all_units:
        raise PermissionDenied("推送时效统计仅对人社局和领导开放")
    today = timezone.localdate()
    rows = list(project_selectors.project_accountability_by_unit(today=today))
    return render(
        request,
        "supervision/accountability.html",
        {
            "rows": rows,
            "today": today,
            # The board shows the first 50; the ledger filter lists them all (with paging and export).
            "overdue": project_selectors.project_overdue_unpushed(user=request.user, today=today)[
                :OVERDUE_SHOWN
            ],
        },
    )
