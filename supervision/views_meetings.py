"""V5 pages: the meetings (list, request form, a meeting's page with HRSS's schedule / held / decline and the
tasks) and the task list (filters overdue=1, unit, done=0|1 as the dashboard links them; Excel). Thin:
supervision.meetings writes and reads; common.access (through it) decides who may."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.access import is_hrss, is_read_only, require_writer, sees_all_units
from common.audit import timeline
from common.forms import form_add_service_errors, form_submit
from common.models import Unit
from common.xlsx import write_table, xlsx_response

from . import meetings
from .models import MeetingStatus

PAGE_SIZE = 20


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _units():
    return Unit.objects.filter(is_active=True)


# --- forms -------------------------------------------------------------------------------------------------


class MeetingFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "议题、会议决定"})
    )
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + MeetingStatus.choices)
    unit = forms.ModelChoiceField(
        label="提请单位", required=False, queryset=Unit.objects.none(), empty_label="全部"
    )

    def __init__(self, *args, show_unit: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()
        if (
            not show_unit
        ):  # a clerk's list is their unit's; a ?unit= link still filters (another unit's: none)
            self.fields["unit"].widget = forms.HiddenInput()

    def search_params(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class TaskFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "任务内容、会议议题"})
    )
    overdue = forms.ChoiceField(label="期限", required=False, choices=[("", "全部"), ("1", "已逾期")])
    done = forms.ChoiceField(
        label="完成情况", required=False, choices=[("", "全部"), ("0", "未完成"), ("1", "已完成")]
    )
    unit = forms.ModelChoiceField(
        label="承办单位", required=False, queryset=Unit.objects.none(), empty_label="全部"
    )

    def __init__(self, *args, show_unit: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()
        if (
            not show_unit
        ):  # a clerk's list is their unit's; a ?unit= link still filters (another unit's: none)
            self.fields["unit"].widget = forms.HiddenInput()

    def search_params(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        params = {"q": data.get("q", ""), "overdue": data.get("overdue") == "1", "unit": data.get("unit")}
        if data.get("done") in ("0", "1"):
            params["done"] = data["done"] == "1"
        return params


class RequestForm(forms.Form):
    subject = forms.CharField(label="议题", max_length=200, error_messages={"required": "请填写议题"})
    reason = forms.CharField(
        label="提请事由",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "请填写提请事由"},
        help_text="需要联席会议研究解决的问题、涉及的单位、企业和人数等",
    )
    unit = forms.ModelChoiceField(
        label="提请单位", queryset=Unit.objects.none(), error_messages={"required": "请选择提请单位"}
    )

    def __init__(self, *args, choose_unit: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if choose_unit:
            self.fields["unit"].queryset = _units()
        else:
            del self.fields["unit"]


class ScheduleForm(forms.Form):
    meeting_date = forms.DateField(
        label="会议日期", widget=_date_widget(), error_messages={"required": "请填写会议日期"}
    )
    attendees = forms.CharField(
        label="参会单位及人员",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写参会单位及人员"},
    )


class HeldForm(ScheduleForm):
    decisions = forms.CharField(
        label="会议决定",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写会议决定"},
    )


class TaskRowForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="承办单位", required=False, queryset=Unit.objects.none(), empty_label="请选择"
    )
    content = forms.CharField(label="任务内容", required=False)
    deadline = forms.DateField(label="完成期限", required=False, widget=_date_widget())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()


TaskRows = forms.formset_factory(TaskRowForm, extra=4, max_num=20)


class TaskAddForm(TaskRowForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, message in (
            ("unit", "请选择承办单位"),
            ("content", "请填写任务内容"),
            ("deadline", "请填写完成期限"),
        ):
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = message


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="不予召开理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写不予召开的理由"},
    )


class TaskDoneForm(forms.Form):
    note = forms.CharField(
        label="完成情况",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写完成情况"},
    )
    done_on = forms.DateField(
        label="完成日期", widget=_date_widget(), error_messages={"required": "请填写完成日期"}
    )


# --- meetings ----------------------------------------------------------------------------------------------


def _meeting_filters(request):
    form = MeetingFilterForm(request.GET or None, show_unit=sees_all_units(request.user))
    return form, form.search_params()


@login_required
def meeting_list(request):
    form, params = _meeting_filters(request)
    page = Paginator(meetings.meeting_search(request.user, **params), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/meetings/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_request": not is_read_only(request.user) and (request.user.unit_id or is_hrss(request.user)),
        },
    )


@login_required
def meeting_export(request):
    _form, params = _meeting_filters(request)
    rows = (
        (
            m.subject,
            m.requested_by_unit.name,
            timezone.localtime(m.requested_at).date(),
            m.get_status_display(),
            m.meeting_date,
            m.attendees,
            m.decisions,
            m.task_count,
            m.open_tasks,
            m.overdue_tasks,
        )
        for m in meetings.meeting_search(request.user, **params).iterator(chunk_size=500)
    )
    data = write_table(
        title="联席会议",
        headers=[
            "议题",
            "提请单位",
            "提请日期",
            "状态",
            "会议日期",
            "参会单位及人员",
            "会议决定",
            "任务数",
            "未完成",
            "已逾期",
        ],
        rows=rows,
    )
    return xlsx_response(data, "联席会议.xlsx")


@login_required
def meeting_create(request):
    user = request.user
    require_writer(user)
    choose_unit = user.unit_id is None
    form = RequestForm(request.POST or None, choose_unit=choose_unit)
    ok, meeting = form_submit(form, meetings.meeting_request, user=user, denied_on_form=True)
    if ok:
        messages.success(request, "已提请召开联席会议，等待区人社局安排")
        return redirect("supervision:meeting_detail", pk=meeting.pk)
    return render(
        request, "supervision/meetings/form.html", {"form": form}, status=400 if form.errors else 200
    )


def _get_meeting(request, pk):
    return get_object_or_404(meetings.meeting_visible_to(request.user), pk=pk)


def _render_detail(request, meeting, bound=None, status=200):
    user = request.user
    bound = bound or {}
    today = timezone.localdate()
    # Whoever sees the meeting sees all its tasks (a joint meeting's decisions are shared by its units).
    tasks = list(meetings.meeting_tasks_of(meeting, today=today))
    for task in tasks:
        task.may_complete = task.done_on is None and meetings.may_complete_task(user, task)
        if task.may_complete:
            task.form = bound.get(f"done-{task.pk}") or TaskDoneForm(
                prefix=f"done-{task.pk}", initial={"done_on": today}
            )
    decides = is_hrss(user) and not is_read_only(user)
    forms_ = {}
    open_ = meeting.status in (MeetingStatus.REQUESTED, MeetingStatus.SCHEDULED)
    if decides and open_:
        forms_["schedule"] = bound.get("schedule") or ScheduleForm(
            prefix="schedule", initial={"meeting_date": meeting.meeting_date, "attendees": meeting.attendees}
        )
        forms_["held"] = bound.get("held") or HeldForm(
            prefix="held",
            initial={"meeting_date": meeting.meeting_date or today, "attendees": meeting.attendees},
        )
        forms_["tasks"] = bound.get("tasks") or TaskRows(prefix="tasks")
        forms_["decline"] = bound.get("decline") or DeclineForm(prefix="decline")
    if decides and meeting.status == MeetingStatus.HELD:
        forms_["task"] = bound.get("task") or TaskAddForm(prefix="task")
    entries = timeline(meeting)
    declined = next((e for e in entries if e["code"] == "meeting.declined"), None)
    return render(
        request,
        "supervision/meetings/detail.html",
        {
            "meeting": meeting,
            "tasks": tasks,
            "task_errors": bound.get("task_errors", []),
            "forms": forms_,
            "declined": declined,
            "today": today,
            "timeline": entries,
            "failed": status == 400,
        },
        status=status,
    )


@login_required
def meeting_detail(request, pk):
    return _render_detail(request, _get_meeting(request, pk))


def _filled_rows(formset) -> list[forms.Form]:
    """The task rows handed to the service, in its order (its messages number them from 1)."""
    return [f for f in formset.forms if f.cleaned_data]


def _tasks_from(formset) -> list[meetings.TaskData]:
    return [
        meetings.TaskData(
            unit=f.cleaned_data.get("unit"),
            content=f.cleaned_data.get("content") or "",
            deadline=f.cleaned_data.get("deadline"),
        )
        for f in _filled_rows(formset)
    ]


TASK_MESSAGE = re.compile(r"^第(\d+)项任务：(.+)$")


def _row_errors(formset, problems: list[str]) -> list[str]:
    """The service's "第N项任务：…" messages at the N-th filled row's own field (unit, content or deadline);
    what cannot be placed stays above the table."""
    rows = _filled_rows(formset)
    rest = []
    for message in problems:
        found = TASK_MESSAGE.match(message)
        n = int(found.group(1)) if found else 0
        if not found or not 1 <= n <= len(rows):
            rest.append(message)
            continue
        text = found.group(2)
        field = "unit" if "单位" in text else "deadline" if "期限" in text else "content"
        rows[n - 1].add_error(field, text)
    return rest


@login_required
@require_POST
def meeting_act(request, pk, action):
    require_writer(request.user)
    meeting = _get_meeting(request, pk)
    user = request.user
    if not is_hrss(user):  # V5: HRSS convenes; another unit's POST is refused outright, not a form error
        raise PermissionDenied(meetings.HRSS_ONLY_MESSAGE)
    bound = {}
    try:
        if action == "schedule":
            form = bound["schedule"] = ScheduleForm(request.POST, prefix="schedule")
            if form.is_valid():
                meetings.meeting_schedule(user=user, meeting=meeting, **form.cleaned_data)
                messages.success(request, f"已安排会议：{form.cleaned_data['meeting_date']:%Y年%m月%d日}")
                return redirect("supervision:meeting_detail", pk=meeting.pk)
        elif action == "held":
            form = bound["held"] = HeldForm(request.POST, prefix="held")
            rows = bound["tasks"] = TaskRows(request.POST, prefix="tasks")
            if form.is_valid() and rows.is_valid():
                meetings.meeting_record_held(
                    user=user, meeting=meeting, tasks=_tasks_from(rows), **form.cleaned_data
                )
                messages.success(request, "已记录会议召开情况和会议任务")
                return redirect("supervision:meeting_detail", pk=meeting.pk)
        elif action == "decline":
            form = bound["decline"] = DeclineForm(request.POST, prefix="decline")
            if form.is_valid():
                meetings.meeting_decline(user=user, meeting=meeting, reason=form.cleaned_data["reason"])
                messages.success(request, "已决定不予召开")
                return redirect("supervision:meeting_detail", pk=meeting.pk)
        elif action == "task":
            form = bound["task"] = TaskAddForm(request.POST, prefix="task")
            if form.is_valid():
                meetings.meeting_task_add(user=user, meeting=meeting, **form.cleaned_data)
                messages.success(request, "已分派会议任务")
                return redirect("supervision:meeting_detail", pk=meeting.pk)
        else:
            raise Http404
    except ValidationError as error:
        found = dict(error.message_dict)
        problems = found.pop("tasks", [])
        bound["task_errors"] = _row_errors(bound["tasks"], problems) if "tasks" in bound else problems
        if found:
            form_add_service_errors(form, ValidationError(found))
    except PermissionDenied as error:
        form.add_error(None, str(error) or "您无权办理此操作")
    return _render_detail(request, _get_meeting(request, pk), bound=bound, status=400)


# --- tasks -------------------------------------------------------------------------------------------------


def _task_filters(request):
    form = TaskFilterForm(request.GET or None, show_unit=sees_all_units(request.user))
    return form, form.search_params()


@login_required
def meeting_task_list(request):
    form, params = _task_filters(request)
    page = Paginator(meetings.meeting_task_search(request.user, **params), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/meetings/task_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "today": timezone.localdate()},
    )


@login_required
def meeting_task_export(request):
    _form, params = _task_filters(request)
    rows = (
        (
            t.meeting.subject,
            t.meeting.meeting_date,
            t.unit.name,
            t.content,
            t.deadline,
            "已完成" if t.done_on else ("已逾期" if t.is_overdue else "办理中"),
            t.done_on,
            t.done_note,
        )
        for t in meetings.meeting_task_search(request.user, **params).iterator(chunk_size=500)
    )
    data = write_table(
        title="联席会议任务",
        headers=["会议议题", "会议日期", "承办单位", "任务内容", "完成期限", "状态", "完成日期", "完成情况"],
        rows=rows,
    )
    return xlsx_response(data, "联席会议任务.xlsx")


@login_required
@require_POST
def meeting_task_done(request, pk):
    require_writer(request.user)
    task = get_object_or_404(meetings.meeting_task_visible_to(request.user), pk=pk)
    prefix = f"done-{task.pk}"
    form = TaskDoneForm(request.POST, prefix=prefix)
    ok, _ = form_submit(form, meetings.meeting_task_done, user=request.user, task=task, denied_on_form=True)
    if ok:
        messages.success(request, "已办结会议任务")
        return redirect("supervision:meeting_detail", pk=task.meeting_id)
    return _render_detail(request, task.meeting, bound={prefix: form}, status=400)
