"""API for the leaders' dashboard and the V6 scorecards (issue 9 parts 5, 6, 8): read-only, scoped exactly like the
pages — HRSS, leaders and admins district-wide, a clerk their own unit (supervision.dashboard and
supervision.scorecards ask common.access through the clue, letter, project and deposit selectors).

GET /api/dashboard/?period=week|month|quarter|year — every figure as {"value": n, "url": "<the list behind it>"}
(the url is empty while that list is not routed; given for zeros too). GET /api/scorecards/?period=…&on=YYYY-MM-DD — one row per unit
with each measure's score, the total and the rank, and the formulas, from the stored table (202 while a period
not computed yet is being computed: see ScorecardViewSet).
"""

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from . import dashboard as selectors
from . import scorecards as cards

PERIOD = OpenApiParameter(
    "period",
    str,
    enum=list(selectors.PERIODS),
    description="统计期间：week 本周、month 本月、quarter 本季度、year 本年",
)
ON = OpenApiParameter(
    "on", OpenApiTypes.DATE, description="期间内任一日期（默认今日），如 period=year&on=2025-12-31"
)


def _fig(f: selectors.Figure) -> dict:
    return {"value": f.value, "url": f.list_url}


def _period(request, default: str) -> selectors.Period:
    code = request.query_params.get("period") or default
    if code not in selectors.PERIODS:
        raise ValidationError({"period": f"统计期间须为 {'、'.join(selectors.PERIODS)} 之一"})
    on = request.query_params.get("on")
    try:
        day = dt.date.fromisoformat(on) if on else None
    except ValueError:
        raise ValidationError({"on": "日期格式应为 YYYY-MM-DD"}) from None
    return selectors.period_for(code, day)


def dashboard_json(d: selectors.Dashboard) -> dict:
    def rank(rows):
        return [
            {
                "unit_id" if rows is d.by_unit else "street_id": r.key,
                "name": r.name,
                "red": _fig(r.red),
                "steps": {s: _fig(f) for s, f in r.steps.items()},
            }
            for r in rows
        ]

    return {
        "period": {
            "code": d.period.code,
            "label": d.period.label,
            "start": d.period.start,
            "end": d.period.end,
        },
        "now": d.now,
        "scope_unit": {"id": d.scope_unit.pk, "name": d.scope_unit.name} if d.scope_unit else None,
        "open_clues": {
            "total": _fig(d.open_total),
            "by_colour": {c: _fig(f) for c, f in d.colour_totals.items()},
            "by_stage": [
                {
                    "stage": s["code"],
                    "label": s["label"],
                    "total": _fig(s["total"]),
                    "by_colour": {c: _fig(f) for c, f in s["colours"].items()},
                }
                for s in d.stages
            ],
        },
        "overdue_steps": {s: _fig(f) for s, f in d.step_totals.items()},
        "overdue_by_unit": rank(d.by_unit),
        "overdue_by_street": rank(d.by_street),
        "period_figures": {
            "received": _fig(d.received),
            "closed": _fig(d.closed),
            "letters": {k: _fig(f) for k, f in d.letters.items()},
            "funnel": [
                {"stage": f["stage"], "label": f["label"], "count": _fig(f["figure"]), "share": f["share"]}
                for f in d.funnel
            ],
        },
        "weeks": [{"start": w["start"], "new": _fig(w["new"]), "closed": _fig(w["closed"])} for w in d.weeks],
        "units": [
            {
                "unit": {"id": r.unit.pk, "name": r.unit.name},
                "pushed_late": _fig(r.late),
                "overdue_unpushed": _fig(r.overdue_unpushed),
                "flagged": _fig(r.flags),
                "notices_overdue": _fig(r.notices_overdue),
                "five_red_projects": _fig(r.five_red),
                "rectifications_overdue": _fig(r.orders_overdue),
                "meeting_tasks_overdue": _fig(r.tasks_overdue),
            }
            for r in d.units
        ],
        "unit_totals": {k: _fig(f) for k, f in d.unit_totals.items()},
        "five_red_top": [
            {
                "project_id": c.project_id,
                "project": c.project.name,
                "unit": c.project.unit.name,
                "red_items": c.red_items,
            }
            for c in d.red_projects
        ],
        "funds": [{"id": f["pk"], "name": f["name"], "balance": f["balance"]} for f in d.funds],
        "presale_funds": {"accounts": _fig(d.presale["figure"]), "balance": d.presale["balance"]},
        "key_monitoring_overdue": _fig(d.monitoring_overdue) if d.monitoring_overdue else None,
        "blacklist_listed": _fig(d.blacklist_listed),
    }


@extend_schema(tags=["督办看板与考核"])
class DashboardViewSet(viewsets.ViewSet):
    """The leaders' dashboard figures (督办看板)."""

    @extend_schema(
        summary="督办看板数据",
        description="人社局、领导、管理员为全区数据，经办人为本单位数据。每个数字附其清单链接（url）。",
        parameters=[PERIOD],
        responses=OpenApiTypes.OBJECT,
    )
    def list(self, request):
        d = selectors.dashboard_figures(request.user, period=_period(request, selectors.DEFAULT_PERIOD))
        return Response(dashboard_json(d))


RETRY_SECONDS = 5  # a client polling a period being computed (a refresh takes 1–10 s)


@extend_schema(tags=["督办看板与考核"])
class ScorecardViewSet(viewsets.ViewSet):
    """V6: per-unit scorecards, read from the stored table (supervision.scorecards.scorecard_snapshot; refreshed
    every 15 minutes for the current week, month, quarter and year). The request never computes:

    - 200: the table; `computed_at` (also `now`, as before) is the time of the data.
    - 202: no table for that period yet — its refresh job has been started (or was under way): the body says so in
      Chinese (`detail`) with the job's progress; retry after the `Retry-After` header's seconds.
    - 503: the period's last refresh failed less than 15 minutes ago (`detail` says why); retry later, or press
      重新计算 on the page.
    """

    @extend_schema(
        summary="各单位考核评分（V6）",
        description="每个单位一行：各项得分、总分、排名；附各项计分公式。经办人只返回本单位一行（含全区排名）。"
        "数据为后台定时计算的结果（computed_at 为数据时间）；该期间尚未计算时返回 202 并开始计算，请按 "
        "Retry-After 秒数后重试。",
        parameters=[PERIOD, ON],
        responses={200: OpenApiTypes.OBJECT, 202: OpenApiTypes.OBJECT, 503: OpenApiTypes.OBJECT},
    )
    def list(self, request):
        period = _period(request, "year")
        state = cards.scorecard_ensure(request.user, period)
        if state.snapshot is None:
            job = state.job_status()
            retry = str(RETRY_SECONDS)
            if state.refreshing:
                return Response(
                    {
                        "detail": f"{period.dated_name}的考核评分正在计算，请 {retry} 秒后重试。",
                        "status": "computing",
                        "job": {k: job[k] for k in ("id", "status", "done", "total", "percent")},
                    },
                    status=202,
                    headers={"Retry-After": retry},
                )
            return Response(
                {"detail": f"{period.dated_name}的考核评分计算未完成：{job['message']}", "status": "failed"},
                status=503,
                headers={"Retry-After": str(int(cards.RETRY_AFTER_FAILURE.total_seconds()))},
            )
        table = state.table(request.user)
        return Response(
            {
                "period": {"code": table.period.code, "start": table.period.start, "end": table.period.end},
                "now": table.now,
                "computed_at": table.now,
                "ranked_units": table.ranked,
                "measures": [
                    {
                        "code": m.code,
                        "label": m.label,
                        "rule": m.rule,
                        "weight": m.weight,
                        "formula": m.formula,
                    }
                    for m in table.measures
                ],
                "total_formula": table.total_formula,
                "rows": cards.scorecard_rows_json(table),
            }
        )
