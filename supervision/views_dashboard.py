"""Issue 9 parts 5 and 6: the leaders' dashboard, the 检讨 list behind its numbers, and the V6 scorecards (page,
Excel, PDF). Thin: supervision.dashboard and supervision.scorecards read; the charts below only place what they
computed on an SVG canvas (server-rendered, no script, legible in black and white: every bar carries its number
and the two series of the trend differ by pattern, not colour)."""

import datetime as dt
import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from common.access import sees_all_units
from common.jobs import job_start
from common.models import Unit
from common.sweeps import sweep_alarms_cached
from common.xlsx import xlsx_response

from . import dashboard as selectors
from . import scorecards as cards

PAGE_SIZE = 20


# -------------------------------------------------------------------------------------------------- charts


def _nice_max(value: int) -> int:
    """The axis' top: the smallest of 1, 2, 4, 5, 6, 8, 10, 12, 16, 20 × 10^k at or above the value that four
    divides (the four ticks stay whole numbers): 5 → 8, 9 → 12, 21 → 40, 41 → 60, 450 → 500; at least 4."""
    if value <= 4:
        return 4
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 4, 5, 6, 8, 10, 12, 16, 20):
        top = step * power
        if top >= value and top % 4 == 0:
            return top
    return value


def trend_chart(weeks: list[dict]) -> dict:
    """New vs closed clues per week (12 weeks): two bars per week, solid and hatched, each labelled."""
    width, height, left, right, top, bottom = 660, 250, 40, 10, 26, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max([int(w["new"]) for w in weeks] + [int(w["closed"]) for w in weeks] + [1]))
    group = plot_w / len(weeks)
    bar = group * 0.34
    bars = []
    for i, w in enumerate(weeks):
        x0 = left + i * group + group * 0.14
        for j, key in enumerate(("new", "closed")):
            fig = w[key]
            h = plot_h * int(fig) / top_value
            bars.append(
                {
                    "x": round(x0 + j * (bar + 2), 1),
                    "y": round(top + plot_h - h, 1),
                    "w": round(bar, 1),
                    "h": round(h, 1),
                    "label_x": round(x0 + j * (bar + 2) + bar / 2, 1),
                    "label_y": round(top + plot_h - h - 3, 1),
                    "series": key,
                    "figure": fig,
                    "title": f"{w['start']:%m-%d}至{w['end']:%m-%d} {'新收' if key == 'new' else '办结'} {fig.value} 件",
                }
            )
    ticks = [{"y": round(top + plot_h - plot_h * k / 4, 1), "value": top_value * k // 4} for k in range(5)]
    labels = [
        {"x": round(left + i * group + group / 2, 1), "text": f"{w['start']:%m-%d}"}
        for i, w in enumerate(weeks)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right_x": width - right,
        "base_y": top + plot_h,
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
        "label_y": top + plot_h + 16,
    }


def units_chart(rows: list, limit: int = 10) -> dict:
    """Overdue (red) clues by unit, the worst `limit`: one hatched bar each with its number."""
    rows = [r for r in rows if int(r.red)][:limit]
    row_h, label_w, bar_w, width = 24, 200, 270, 520
    top_value = max([int(r.red) for r in rows] + [1])
    items = []
    for i, r in enumerate(rows):
        w = bar_w * int(r.red) / top_value
        items.append(
            {
                "y": i * row_h + 4,
                "text_y": i * row_h + 17,
                "name": r.name if len(r.name) <= 13 else r.name[:12] + "…",
                "full_name": r.name,
                "w": round(max(w, 1.5), 1),
                "value_x": round(label_w + w + 6, 1),
                "figure": r.red,
            }
        )
    return {"width": width, "height": len(rows) * row_h + 8, "label_w": label_w, "items": items}


def funnel_chart(funnel: list[dict]) -> dict:
    """The C3 ladder as a funnel: the period's clues, and how many reached each stage (centred bars)."""
    row_h, label_w, area_w, width = 34, 130, 250, 520
    centre = label_w + area_w / 2
    items = []
    for i, f in enumerate(funnel):
        w = area_w * f["share"] / 100 if int(f["figure"]) else 0
        items.append(
            {
                "y": i * row_h + 4,
                "text_y": i * row_h + 22,
                "x": round(centre - w / 2, 1),
                "w": round(max(w, 1.5), 1),
                "label": f["label"],
                "figure": f["figure"],
                "share": f["share"],
                "value_x": label_w + area_w + 12,
            }
        )
    return {"width": width, "height": len(funnel) * row_h + 8, "items": items}


# -------------------------------------------------------------------------------------------------- pages


@login_required
def dashboard(request):
    """The leaders' dashboard (督办看板): district-wide for HRSS, leaders and admins, the own unit for a clerk."""
    period = selectors.period_for(request.GET.get("period"))
    figures = selectors.dashboard_figures(request.user, period=period)
    return render(
        request,
        "supervision/dashboard/dashboard.html",
        {
            "d": figures,
            "periods": list(selectors.PERIODS.items()),
            "trend": trend_chart(figures.weeks),
            "units_chart": units_chart(figures.by_unit),
            "funnel_chart": funnel_chart(figures.funnel),
            # Issue 8: a leader must never see a silent scheduler (common.sweeps.sweep_alarms, cached a minute).
            "sweep_alarms": sweep_alarms_cached(),
        },
    )


@login_required
def flag_list(request):
    """P6: the units flagged for 检讨 (a petition clue on a project pushed late or never pushed)."""
    unit = request.GET.get("unit", "")
    qs = selectors.flag_search(request.user, unit=unit)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    units = (
        Unit.objects.filter(is_active=True).order_by("sort_order", "pk")
        if sees_all_units(request.user)
        else None
    )
    return render(
        request,
        "supervision/dashboard/flag_list.html",
        {"page": page, "query": query.urlencode(), "units": units, "unit": unit},
    )


def _scorecard_period(request) -> selectors.Period:
    on = request.GET.get("on") or request.POST.get("on")
    try:
        day = dt.date.fromisoformat(on) if on else None
    except ValueError:
        day = None
    return selectors.period_for(request.GET.get("period") or request.POST.get("period") or "year", day)


REFRESH_SECONDS = 3  # the page reloads itself while its period is being computed


@login_required
@require_http_methods(["GET", "POST"])
def scorecard_list(request):
    """V6: each unit's scorecard for the period, with the formula of every score; a clerk's own unit only.

    Reads the stored table (supervision.scorecards.scorecard_snapshot), never computes: a period without one gets
    its refresh job started (common.jobs; one per period, whoever asks) and the page shows the job's progress,
    reloading itself until the table is there. POST (重新计算) starts the refresh of a period shown."""
    period = _scorecard_period(request)
    if request.method == "POST":
        cards.scorecard_refresh_start(request.user, cards.scorecard_state(period))
        return redirect(cards.scorecard_page_url(period))
    state = cards.scorecard_ensure(request.user, period)
    table = state.table(request.user)
    return render(
        request,
        "supervision/dashboard/scorecards.html",
        {
            "state": state,
            "table": table,
            "period": period,
            "job": state.job_status() if state.refreshing or state.failed else None,
            "refresh_seconds": REFRESH_SECONDS if state.refreshing else None,
            "periods": list(selectors.PERIODS.items()),
            "steps": [(s, cards.STEP_LABELS[s]) for s in selectors.STEPS],
            "query": f"period={period.code}&on={period.end:%Y-%m-%d}",
            "measures": cards.MEASURES,
            "total_formula": cards.TOTAL_FORMULA,
        },
    )


def _not_computed_yet(request, period: selectors.Period):
    """An export asked for a period without a stored table: start its refresh and show the page's progress."""
    cards.scorecard_ensure(request.user, period)
    messages.warning(request, "该期间的考核评分正在计算，完成后请再导出或打印。")
    return redirect(cards.scorecard_page_url(period))


@login_required
def scorecard_export(request):
    """The annual-assessment workbook, written from the stored table (35 rows: fast at any data size)."""
    period = _scorecard_period(request)
    snapshot = cards.scorecard_snapshot(period)
    if snapshot is None:
        return _not_computed_yet(request, period)
    table = cards.visible_table(request.user, cards.snapshot_table(snapshot))
    return xlsx_response(cards.scorecard_xlsx(table), cards.scorecard_xlsx_filename(table))


@login_required
@require_POST
def scorecard_print(request):
    """The PDF takes 1–2 s to render: a background job, whose page offers the file (common.jobs)."""
    period = _scorecard_period(request)
    if cards.scorecard_snapshot(period) is None:
        return _not_computed_yet(request, period)
    job = job_start(
        kind=cards.PDF_JOB_KIND,
        user=request.user,
        params={"period": period.code, "on": period.end.isoformat()},
    )
    return redirect(job)
