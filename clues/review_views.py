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
from common.xlsx import write_table, xlsx_response

from . import review as reviews
from . import selectors
from .models import Letter, WeeklyReview

PAGE_SIZE = 20


def _get_review(request, pk) -> WeeklyReview:
    user = request.user
    if not sees_all_units(user) and user.unit_id is None:
        raise Http404("未找到该周调度")
    return get_object_or_404(WeeklyReview, pk=pk)


def _attach_letters(user, review: WeeklyReview, groups: list) -> None:
    """Each item's `letters`: the clue's 提醒函/通报 written by the time the review was built, with their status
    now (one query; a clerk's links only to the letters they may open: a second one), and `letters_text`
    ("提醒函、通报（待发送）") from them.

    The item's stored letters_sent is the text at build time: a letter written by the same sweep run is still
    待发送 then and is sent (its PDF rendered) moments later, so the stored text would call it 待发送 for good —
    the demo's first review did. Which letters existed is the snapshot; whether they have gone out is read now."""
    items = [item for g in groups for item in g.items]
    found: dict[int, list[Letter]] = {}
    if items:
        for letter in (
            Letter.objects.filter(clue_id__in={i.clue_id for i in items}, created_at__lte=review.built_at)
            .only("pk", "clue_id", "kind", "number", "status")
            .order_by("due_at", "pk")
        ):
            found.setdefault(letter.clue_id, []).append(letter)
    openable = None  # None: every letter (HRSS, leaders, admins)
    if found and not sees_all_units(user):
        pks = [x.pk for letters in found.values() for x in letters]
        openable = set(selectors.letter_visible_to(user).filter(pk__in=pks).values_list("pk", flat=True))
    for item in items:
        item.letters = found.get(item.clue_id, [])
        for letter in item.letters:
            letter.openable = openable is None or letter.pk in openable
        item.letters_text = (
            reviews._letters_text([(x.kind, x.status) for x in item.letters])  # the build's own wording
            if item.letters
            else item.letters_sent
        )


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
    _attach_letters(user, review, groups)
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
    _attach_letters(request.user, review, groups)
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
            item.letters_text,
            format_datetime(item.last_progress_at),
            item.last_progress_note,
            # No review the week before: nothing to compare with (the page shows "—" too).
            "" if g.last_count is None else "是" if item.on_previous_review else "否",
        )
        for g in groups
        for item in g.items
    )
    day = format_date(review.review_date)
    data = write_table(title=f"{day} 周调度（未落实交办线索）", headers=EXPORT_HEADERS, rows=rows)
    return xlsx_response(data, f"周调度_{day}.xlsx")
