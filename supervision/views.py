"""Home (待办) per role and the P6 accountability board: these read every app below."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone

from clues import selectors as clue_selectors
from common.access import is_read_only, may_register_clue, sees_all_units
from common.policy import policy_value
from common.sweeps import sweep_health
from projects import selectors as project_selectors
from projects.services import project_missing_for_push
from supervision import meetings


@login_required
def home(request):
    user = request.user
    if is_read_only(user):  # a leader's home is the dashboard (issue 9 part 5); 待办 is for those who act
        return redirect("supervision:dashboard")
    today = timezone.localdate()
    context = {"today": today}
    if sees_all_units(user):
        context["totals"] = project_selectors.project_district_totals(today=today)
        overdue = list(project_selectors.project_overdue_unpushed(user=user, today=today)[:10])
        context["overdue"] = project_selectors.project_mark_overdue_working_days(overdue, today)
        context["clue_counts"] = clue_selectors.clue_open_counts_by_colour()
        context["letter_counts"] = clue_selectors.letter_counts_since(
            today - dt.timedelta(days=today.weekday())
        )
        context["sweeps"] = sweep_health()
    elif user.unit_id:
        context["meeting_tasks_todo"] = list(meetings.meeting_tasks_todo(user.unit_id)[:50])
        context["clue_todo"] = list(
            clue_selectors.clue_todo_for_unit(unit_id=user.unit_id).select_related("street", "project")[:50]
        )
        todo = list(
            project_selectors.project_todo_for_unit(unit_id=user.unit_id).select_related(
                "bidder_unit", "owner", "contractor"
            )[:50]
        )
        for p in todo:
            # A complete draft is pushed from here; an incomplete one is completed in the edit form first.
            p.missing_for_push = project_missing_for_push(p)
        context["todo"] = project_selectors.project_mark_overdue_working_days(todo, today)
        context["unit_totals"] = project_selectors.project_visible_to(user).count()
        if may_register_clue(user):  # 信访局: the petitions it registered, until HRSS has them done
            context["may_register_clue"] = True
            context["registered_open"] = list(
                clue_selectors.clue_registered_open_for_unit(unit_id=user.unit_id)[:20]
            )
        context["push_working_days"] = policy_value("P1.push_working_days")
    return render(request, "supervision/home.html", context)


OVERDUE_SHOWN = 50


@login_required
def accountability(request):
    """P6: per-unit push timeliness, for HRSS and leaders."""
    if not sees_all_units(request.user):
        raise PermissionDenied("推送时效统计仅对人社局和领导开放")
    today = timezone.localdate()
    rows = list(project_selectors.project_accountability_by_unit(today=today))
    # The board shows the first 50; the ledger filter lists them all (with paging and export).
    overdue = list(project_selectors.project_overdue_unpushed(user=request.user, today=today)[:OVERDUE_SHOWN])
    return render(
        request,
        "supervision/accountability.html",
        {
            "rows": rows,
            "today": today,
            "overdue": project_selectors.project_mark_overdue_working_days(overdue, today),
        },
    )


@login_required
def sweep_status(request):
    """Issue 8: when each deadline sweep last ran and how many due items wait — a stopped scheduler is visible."""
    if not sees_all_units(request.user):
        raise PermissionDenied("期限巡检状态仅对人社局、领导和管理员开放")
    from common.models import SweepRun
    from common.sweeps import counts_display

    sweeps = sweep_health()
    labels = {h.sweep.name: h.sweep.label for h in sweeps}
    recent = list(SweepRun.objects.order_by("-started_at", "-id")[:30])
    for run in recent:
        run.shown_counts = counts_display(run)
        run.label = labels.get(run.name, run.name)  # a sweep no longer registered keeps its stored name
    return render(request, "supervision/sweep_status.html", {"sweeps": sweeps, "recent": recent})
