"""C3 step 5: the Friday review's pages — the list of reviews, one review grouped by unit, its Excel export.

Thin: clues.review reads (scoped by common.access: a clerk sees their own unit's items only, HRSS, leaders and
admins every unit's). A clerk of a unit not on a review sees the review with an empty list, and an export with
headers only — the same answer whether other units are on it or not.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from common.access import sees_all_units
from common.formats import format_date, format_datetime
from common.policy import policy_value
from common.xlsx import xlsx_response
from deposits.exports import write_table

from . import review as reviews
from .models import WeeklyReview

PAGE_SIZE = 20


def _get_review(request, pk) -> WeeklyReview:
    user = request.user
    if not sees_all_units(user) and user.unit_id is None:
        raise Http404("未找到该周调度")
    return get_object_or_404(WeeklyReview, pk=pk)


def _unit_param(request) -> int | None:
    """?unit=<id>: one unit's list (the link in each unit's notification). Anything else shows every unit."""
    value = (request.GET.get("unit") or "").strip()
    return int(value) if value.isdigit() else None


@login_required
def review_list(request):
    page = Paginator(reviews.review_list_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "clues/review_list.html",
        {
            "page": page,
            "sees_all": sees_all_units(request.user),
            "weekday": reviews.WEEKDAY_NAMES.get(int(policy_value(reviews.REVIEW_WEEKDAY)), "周五"),
            "query": "",
        },
    )


@login_required
def review_detail(request, pk):
    review = _get_review(request, pk)
    user, unit_id = request.user, _unit_param(request)
    groups = reviews.review_unit_groups(user, review, unit_id=unit_id)
    return render(
        request,
        "clues/review_detail.html",
        {
            "review": review,
            "groups": groups,
            "shown_count": sum(g.count for g in groups),
            "units": reviews.review_units(user, review) if sees_all_units(user) else [],
            "unit_id": unit_id,
            "sees_all": sees_all_units(user),
            "has_previous": reviews.previous_review(review) is not None,
            "weekday_names": reviews.WEEKDAY_NAMES,
        },
    )


EXPORT_HEADERS = [
    "责任单位",
    "本单位件数",
    "上周件数",
    "较上周",
    "线索编号",
    "欠薪单位",
    "办理状态",
    "已历时（天）",
    "已发函件",
    "最近进展时间",
    "最近进展",
    "上周已在列",
]


@login_required
def review_export(request, pk):
    review = _get_review(request, pk)
    groups = reviews.review_unit_groups(request.user, review, unit_id=_unit_param(request))
    rows = (
        (
            g.unit.name,
            g.count,
            g.last_count,
            g.change_text,
            item.clue.number,
            item.clue.employer_name,
            item.get_status_display(),
            item.days_open,
            item.letters_sent,
            format_datetime(item.last_progress_at),
            item.last_progress_note,
            "是" if item.on_previous_review else "否",
        )
        for g in groups
        for item in g.items
    )
    day = format_date(review.review_date)
    data = write_table(title=f"{day} 周调度（未落实交办线索）", headers=EXPORT_HEADERS, rows=rows)
    return xlsx_response(data, f"周调度_{day}.xlsx")
