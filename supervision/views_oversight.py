"""Pages of daily supervision (SPEC V1–V3): assignments, inspections, rectification orders, key monitoring and
delayed-payment reports. Thin: the forms parse, supervision.oversight's services decide (their Chinese messages
land at the form's fields), its selectors read and scope; who may do what is common.access."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from common.access import (
    can_act_for_unit,
    is_hrss,
    is_read_only,
    require_writer,
    sees_all_units,
    sees_personal_data,
)
from common.audit import timeline
from common.formats import format_date
from common.forms import form_add_service_errors, form_submit
from common.models import Unit, UnitType
from common.validators import normalize_uscc
from common.xlsx import write_table, xlsx_response
from projects.models import Enterprise

from . import oversight
from .models import INSPECTION_CHECKLIST, BlacklistEntry, InspectionKind, RectificationStatus

PAGE_SIZE = 20
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHECK_CHOICES = [("", "未检查"), ("1", "合格"), ("0", "不合格")]


# ----------------------------------------------------------------------------------------------- forms


class _Filters(forms.Form):
    def params(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def _unit_field(label: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=label, required=False, queryset=Unit.objects.none(), empty_label="全部"
    )


def _show_unit(form: forms.Form, user) -> None:
    """HRSS and leaders choose a unit; a clerk's list is their own unit's (a ?unit= link still filters)."""
    form.fields["unit"].queryset = Unit.objects.filter(is_active=True).order_by("sort_order", "id")
    if not sees_all_units(user):
        form.fields["unit"].widget = forms.HiddenInput()


class AssignmentFilterForm(_Filters):
    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "项目、施工单位、包保领导、责任人"}),
    )
    state = forms.ChoiceField(
        label="分派情况",
        required=False,
        choices=[("", "全部"), ("unassigned", "未分派"), ("assigned", "已分派"), ("overdue", "逾期未巡查")],
    )
    unit = _unit_field("所属行业部门")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _show_unit(self, user)


class AssignForm(forms.Form):
    leader_name = forms.CharField(
        label="包保领导", max_length=50, error_messages={"required": "请填写包保领导"}
    )
    leader_title = forms.CharField(label="领导职务", max_length=50, required=False)
    responsible_person = forms.CharField(
        label="责任人", max_length=50, error_messages={"required": "请填写责任人"}
    )
    responsible_phone = forms.CharField(
        label="责任人电话", max_length=30, error_messages={"required": "请填写责任人电话"}
    )


class InspectionForm(forms.Form):
    kind = forms.ChoiceField(label="巡查类型", choices=InspectionKind.choices, widget=forms.RadioSelect)
    inspected_on = forms.DateField(
        label="巡查日期", widget=DATE, error_messages={"required": "请填写巡查日期"}
    )
    inspectors = forms.CharField(
        label="巡查人员",
        max_length=200,
        error_messages={"required": "请填写巡查人员"},
        widget=forms.TextInput(attrs={"placeholder": "单位 姓名，如：区人社局 张华、区住建局 王建国"}),
    )
    units = forms.ModelMultipleChoiceField(
        label="参加单位",
        required=False,
        queryset=Unit.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="联合巡查：区人社局和行业主管部门等两个及以上单位；登记单位自动计入",
    )
    findings = forms.CharField(
        label="发现问题",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="有不合格项时必填",
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = Unit.objects.filter(
            Q(is_active=True, unit_type__in=[UnitType.HRSS, UnitType.INDUSTRY])
            | Q(pk__in=[project.unit_id, project.street_id])
        ).order_by("sort_order", "id")
        for field, label in INSPECTION_CHECKLIST:
            self.fields[field] = forms.ChoiceField(
                label=label, required=False, choices=CHECK_CHOICES, widget=forms.RadioSelect
            )

    def checklist_fields(self):
        return [self[field] for field, _label in INSPECTION_CHECKLIST]

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        checklist = {field: {"1": True, "0": False}.get(data.pop(field)) for field, _ in INSPECTION_CHECKLIST}
        return data | {"checklist": checklist}


class OrderIssueForm(forms.Form):
    enterprise = forms.ModelChoiceField(
        label="责任企业", queryset=Enterprise.objects.none(), error_messages={"required": "请选择责任企业"}
    )
    content = forms.CharField(
        label="整改内容",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写整改内容"},
    )
    deadline = forms.DateField(label="整改期限", widget=DATE, error_messages={"required": "请填写整改期限"})

    def __init__(self, *args, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        project = inspection.project
        ids = [pk for pk in (project.contractor_id, project.owner_id) if pk]
        self.fields["enterprise"].queryset = Enterprise.objects.filter(pk__in=ids)
        self.fields["enterprise"].empty_label = None
        self.fields["deadline"].widget.attrs["min"] = timezone.localdate().isoformat()
        if not self.is_bound:
            self.initial.setdefault("enterprise", project.contractor_id)
            failed = oversight.failed_items(inspection)
            if failed:
                self.initial.setdefault("content", "针对" + "、".join(failed) + "不合格：")


class OrderCloseForm(forms.Form):
    note = forms.CharField(
        label="整改情况",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写整改情况"},
        help_text="整改完成的情况及复查结论",
    )


class OrderRefuseForm(forms.Form):
    note = forms.CharField(
        label="拒不整改的情况",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写拒不整改的情况"},
    )
    measure = forms.CharField(
        label="行政处理或处罚措施",
        max_length=200,
        error_messages={"required": "请填写行政处理或处罚措施"},
        widget=forms.TextInput(attrs={"placeholder": "如：责令改正并处罚款、约谈、通报批评"}),
    )
    amount = forms.DecimalField(
        label="罚款金额（元）", required=False, max_digits=12, decimal_places=2, help_text="无罚款填0或留空"
    )
    basis = forms.CharField(
        label="依据",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：《保障农民工工资支付条例》第五十五条"}),
    )
    propose_blacklist = forms.BooleanField(
        label="同时建议列入失信联合惩戒名单（由区人社局审核）", required=False
    )
    blacklist_details = forms.CharField(
        label="建议列入的事实经过",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="留空则按整改单自动填写",
    )


class OrderFilterForm(_Filters):
    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "项目、企业名称或信用代码、整改内容"}),
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *RectificationStatus.choices]
    )
    overdue = forms.ChoiceField(label="逾期", required=False, choices=[("", "全部"), ("1", "已逾期")])
    unit = _unit_field("督办单位")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _show_unit(self, user)

    def params(self) -> dict:
        values = super().params()
        if "overdue" in values:
            values["overdue"] = values["overdue"] == "1"
        return values


class InspectionFilterForm(_Filters):
    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "项目、巡查人员、发现问题"}),
    )
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部"), *InspectionKind.choices])
    failed = forms.ChoiceField(label="结果", required=False, choices=[("", "全部"), ("1", "有不合格项")])
    unit = _unit_field("所属行业部门")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _show_unit(self, user)

    def params(self) -> dict:
        values = super().params()
        if "failed" in values:
            values["failed"] = values["failed"] == "1"
        return values


class MonitoringFilterForm(_Filters):
    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "企业名称、信用代码、线索编号"}),
    )
    active = forms.ChoiceField(
        label="监控状态", required=False, choices=[("1", "监控中"), ("0", "已解除"), ("all", "全部")]
    )
    overdue = forms.ChoiceField(label="申报", required=False, choices=[("", "全部"), ("1", "逾期未申报")])

    def params(self) -> dict:
        values = super().params()
        if "overdue" in values:
            values["overdue"] = values["overdue"] == "1"
        return values


class DeclarationForm(forms.Form):
    period = forms.DateField(
        label="申报月份",
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"required": "请选择申报月份", "invalid": "申报月份格式不正确"},
    )
    declared_on = forms.DateField(label="申报日期", widget=DATE, required=False, help_text="留空为今天")
    workers = forms.IntegerField(label="在岗农民工人数", error_messages={"required": "请填写在岗农民工人数"})
    wages_paid = forms.DecimalField(
        label="当期发放工资（元）",
        max_digits=14,
        decimal_places=2,
        error_messages={"required": "请填写当期发放工资"},
    )
    arrears = forms.DecimalField(label="当期欠薪（元）", max_digits=14, decimal_places=2, required=False)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RemovalForm(forms.Form):
    reason = forms.CharField(
        label="解除理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写解除重点监控的理由"},
        help_text="如：连续12个月按时申报且无欠薪，经核查同意解除",
    )


class DelayFilterForm(_Filters):
    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "企业名称或信用代码、项目"}),
    )


class DelayReportForm(forms.Form):
    project = forms.ModelChoiceField(
        label="项目", required=False, queryset=None, empty_label="（不涉及具体项目）"
    )
    enterprise_uscc = forms.CharField(
        label="企业统一社会信用代码",
        max_length=18,
        required=False,
        help_text="留空则为所选项目的施工总承包单位",
    )
    reason = forms.CharField(
        label="延期原因",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写延期支付的原因"},
    )
    workers = forms.IntegerField(label="涉及人数", error_messages={"required": "请填写涉及人数"})
    amount = forms.DecimalField(
        label="延期支付金额（元）",
        max_digits=14,
        decimal_places=2,
        error_messages={"required": "请填写延期支付金额"},
    )
    normal_pay_day = forms.DateField(
        label="原定支付日", widget=DATE, error_messages={"required": "请填写原定支付日"}
    )
    pay_by = forms.DateField(label="承诺支付日", widget=DATE, error_messages={"required": "请填写承诺支付日"})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        projects = oversight.construction_projects_visible_to(user).select_related("unit").order_by("name")
        if not is_hrss(user):
            projects = projects.filter(unit_id=user.unit_id)
        self.fields["project"].queryset = projects

    def clean(self):
        data = super().clean()
        uscc = (data.get("enterprise_uscc") or "").strip()
        project = data.get("project")
        data["enterprise"] = None
        if uscc:
            data["enterprise"] = Enterprise.objects.filter(uscc=normalize_uscc(uscc)).first()
            if data["enterprise"] is None:
                self.add_error("enterprise_uscc", "未找到该统一社会信用代码的企业，请核对")
        elif project is not None:
            data["enterprise"] = project.contractor
        else:
            self.add_error("enterprise_uscc", "请填写企业的统一社会信用代码，或选择项目")
        return data


# ------------------------------------------------------------------------------------------- helpers


def _page(request, qs):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _blacklist_entries(order) -> list:
    """The enterprise's live blacklist entries and this order's proposals (V4's page for each, when it exists)."""
    entries = list(
        BlacklistEntry.objects.filter(
            Q(proposed_by_order=order)
            | Q(enterprise_id=order.enterprise_id, status__in=["proposed", "listed"])
        )
        .distinct()
        .order_by("-id")
    )
    for entry in entries:
        try:
            entry.page_url = reverse("supervision:blacklist_detail", args=[entry.pk])
        except NoReverseMatch:  # V4's pages are another part's
            entry.page_url = ""
    return entries


# -------------------------------------------------------------------------------------- V1 assignments


@login_required
def index(request):
    return redirect("supervision:oversight_assignments")


@login_required
def assignments(request):
    user = request.user
    form = AssignmentFilterForm(request.GET or None, user=user)
    page, query = _page(request, oversight.assignment_search(user, **form.params()))
    for project in page.object_list:
        project.show_personal = sees_personal_data(user, project.unit_id)
        project.can_act = can_act_for_unit(user, project.unit_id)
    return render(
        request,
        "supervision/oversight/assignments.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "summary": oversight.assignment_unit_summary(user),
            "inspection_days": oversight.policy_value("V1.inspection_days"),
            "tab": "assignments",
        },
    )


@login_required
def assign(request, pk: int):
    user = request.user
    project = get_object_or_404(
        oversight.construction_projects_visible_to(user).select_related("unit"), pk=pk
    )
    require_writer(user)
    if not can_act_for_unit(user, project.unit_id):
        raise PermissionDenied(oversight.ASSIGN_OTHER_UNIT)
    supervisor = oversight.ProjectSupervisor.objects.filter(project=project).first()
    initial = {}
    if supervisor is not None:
        initial = {
            k: getattr(supervisor, k)
            for k in ("leader_name", "leader_title", "responsible_person", "responsible_phone")
        }
    form = AssignForm(request.POST or None, initial=initial)
    ok, _ = form_submit(form, oversight.supervisor_assign, user=user, project=project)
    if ok:
        messages.success(request, f"已分派“{project.name}”的包保领导和责任人")
        return redirect(_next_url(request, reverse("supervision:oversight_assignments")))
    return render(
        request,
        "supervision/oversight/assign.html",
        {
            "project": project,
            "supervisor": supervisor,
            "form": form,
            "next": _next_url(request, ""),
            "inspection_days": oversight.policy_value("V1.inspection_days"),
            "tab": "assignments",
        },
        status=400 if form.errors else 200,
    )


# ------------------------------------------------------------------------------------ V1/V2 inspections


@login_required
def inspection_list(request):
    user = request.user
    form = InspectionFilterForm(request.GET or None, user=user)
    page, query = _page(request, oversight.inspection_search(user, **form.params()))
    return render(
        request,
        "supervision/oversight/inspection_list.html",
        {"form": form, "page": page, "query": query, "tab": "inspections"},
    )


@login_required
def inspection_new(request, pk: int):
    user = request.user
    project = get_object_or_404(
        oversight.construction_projects_visible_to(user).select_related("unit"), pk=pk
    )
    require_writer(user)
    if not can_act_for_unit(user, project.unit_id):
        raise PermissionDenied(oversight.INSPECT_OTHER_UNIT)
    kind = (
        request.GET.get("kind")
        if request.GET.get("kind") in InspectionKind.values
        else InspectionKind.ROUTINE
    )
    hrss = Unit.objects.filter(unit_type=UnitType.HRSS).first()
    initial = {
        "kind": kind,
        "inspected_on": timezone.localdate(),
        "units": [u.pk for u in (hrss, project.unit) if u is not None],
    }
    form = InspectionForm(request.POST or None, project=project, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            inspection = oversight.inspection_record(user=user, project=project, **form.service_values())
        except ValidationError as e:
            form_add_service_errors(form, e)
        else:
            failed = oversight.failed_items(inspection)
            messages.success(
                request,
                f"已登记{inspection.get_kind_display()}"
                + (f"，不合格：{'、'.join(failed)}。请下达整改。" if failed else "。"),
            )
            return redirect("supervision:oversight_inspection_detail", pk=inspection.pk)
    return render(
        request,
        "supervision/oversight/inspection_form.html",
        {"project": project, "form": form, "tab": "inspections"},
        status=400 if form.errors else 200,
    )


def _inspection_page(request, inspection, order_form=None, status=200):
    user = request.user
    project = inspection.project
    failed = oversight.failed_items(inspection)
    may_order = bool(failed) and can_act_for_unit(user, project.unit_id)
    return render(
        request,
        "supervision/oversight/inspection_detail.html",
        {
            "inspection": inspection,
            "project": project,
            "items": oversight.checklist_items(inspection),
            "failed": failed,
            "units": inspection.units.order_by("sort_order", "id"),
            "orders": oversight.order_search(user).filter(inspection=inspection),
            "order_form": (order_form or OrderIssueForm(inspection=inspection)) if may_order else None,
            "timeline": timeline(inspection),
            "tab": "inspections",
        },
        status=status,
    )


def _get_inspection(request, pk):
    return get_object_or_404(
        oversight.inspection_visible_to(request.user).select_related(
            "project__unit", "project__contractor", "project__owner", "recorded_unit", "recorded_by"
        ),
        pk=pk,
    )


@login_required
def inspection_detail(request, pk: int):
    return _inspection_page(request, _get_inspection(request, pk))


@login_required
@require_POST
def order_issue(request, pk: int):
    require_writer(request.user)
    inspection = _get_inspection(request, pk)
    form = OrderIssueForm(request.POST, inspection=inspection)
    ok, order = form_submit(
        form, oversight.rectification_order_issue, user=request.user, inspection=inspection
    )
    if ok:
        messages.success(
            request, f"已责令{order.enterprise.name}限期整改，期限 {format_date(order.deadline)}"
        )
        return redirect("supervision:oversight_order_detail", pk=order.pk)
    return _inspection_page(request, inspection, order_form=form, status=400)


# ---------------------------------------------------------------------------------- V2 rectification orders


def _order_filters(request):
    form = OrderFilterForm(request.GET or None, user=request.user)
    return form, form.params()


@login_required
def order_list(request):
    form, params = _order_filters(request)
    page, query = _page(request, oversight.order_search(request.user, **params))
    return render(
        request,
        "supervision/oversight/order_list.html",
        {"form": form, "page": page, "query": query, "tab": "orders"},
    )


@login_required
def order_export(request):
    _form, params = _order_filters(request)
    rows = (
        (
            o.project.name,
            o.unit.name,
            o.enterprise.name,
            o.enterprise.uscc,
            o.content,
            o.issued_on,
            o.deadline,
            o.get_status_display(),
            "是" if o.is_overdue else "",
            o.closed_on,
            o.closed_note,
        )
        for o in oversight.order_search(request.user, **params).iterator(chunk_size=500)
    )
    data = write_table(
        title="限期整改",
        headers=[
            "项目",
            "督办单位",
            "责任企业",
            "统一社会信用代码",
            "整改内容",
            "下达日期",
            "整改期限",
            "状态",
            "已逾期",
            "办结日期",
            "整改情况",
        ],
        rows=rows,
    )
    return xlsx_response(data, f"限期整改_{timezone.localdate():%Y%m%d}.xlsx")


def _get_order(request, pk):
    return get_object_or_404(
        oversight.order_search(request.user).select_related("issued_by", "inspection__project"), pk=pk
    )


def _order_page(request, order, close_form=None, refuse_form=None, status=200):
    user = request.user
    may_act = order.status == RectificationStatus.OPEN and can_act_for_unit(user, order.unit_id)
    return render(
        request,
        "supervision/oversight/order_detail.html",
        {
            "order": order,
            "penalties": order.penalties.select_related("recorded_by"),
            "blacklist_entries": _blacklist_entries(order),
            "close_form": (close_form or OrderCloseForm(prefix="close")) if may_act else None,
            "refuse_form": (refuse_form or OrderRefuseForm(prefix="refuse")) if may_act else None,
            "read_only": is_read_only(user),
            "timeline": timeline(order),
            "tab": "orders",
        },
        status=status,
    )


@login_required
def order_detail(request, pk: int):
    return _order_page(request, _get_order(request, pk))


@login_required
@require_POST
def order_close(request, pk: int):
    require_writer(request.user)
    order = _get_order(request, pk)
    form = OrderCloseForm(request.POST, prefix="close")
    ok, _ = form_submit(form, oversight.rectification_order_close, user=request.user, order=order)
    if ok:
        messages.success(request, "已办结：整改完成")
        return redirect("supervision:oversight_order_detail", pk=order.pk)
    return _order_page(request, order, close_form=form, status=400)


@login_required
@require_POST
def order_refuse(request, pk: int):
    require_writer(request.user)
    order = _get_order(request, pk)
    form = OrderRefuseForm(request.POST, prefix="refuse")
    ok, outcome = form_submit(form, oversight.rectification_order_refuse, user=request.user, order=order)
    if ok:
        messages.success(request, f"已登记拒不整改及行政处理处罚：{outcome.penalty.measure}")
        if outcome.blacklist_entry is not None:
            if outcome.blacklist_new:
                messages.info(request, "已建议将该企业列入失信联合惩戒名单，等待区人社局审核。")
            else:
                messages.info(
                    request,
                    f"该企业已在失信联合惩戒名单中（{outcome.blacklist_entry.get_status_display()}），"
                    "本次建议已记入该条目。",
                )
        return redirect("supervision:oversight_order_detail", pk=order.pk)
    return _order_page(request, order, refuse_form=form, status=400)


# -------------------------------------------------------------------------------------- V3 key monitoring


@login_required
def monitoring_list(request):
    form = MonitoringFilterForm(request.GET or None)
    page, query = _page(request, oversight.monitoring_search(request.user, **form.params()))
    return render(
        request,
        "supervision/oversight/monitoring_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "declaration_months": oversight.policy_value("V3.declaration_months"),
            "tab": "monitoring",
        },
    )


def _get_monitoring(request, pk):
    return get_object_or_404(
        oversight.monitoring_search(request.user, active="all").select_related("clue__owner_unit"), pk=pk
    )


def _monitoring_page(request, monitoring, declare_form=None, removal_form=None, status=200):
    user = request.user
    may_declare = monitoring.is_active and oversight.may_act_for_monitoring(user, monitoring)
    may_remove = monitoring.is_active and is_hrss(user) and not is_read_only(user)
    return render(
        request,
        "supervision/oversight/monitoring_detail.html",
        {
            "m": monitoring,
            "declarations": monitoring.declarations.select_related("recorded_by").order_by("-period"),
            "declare_form": (declare_form or DeclarationForm(prefix="declare")) if may_declare else None,
            "removal_form": (removal_form or RemovalForm(prefix="remove")) if may_remove else None,
            "declaration_months": oversight.policy_value("V3.declaration_months"),
            "timeline": timeline(monitoring),
            "tab": "monitoring",
        },
        status=status,
    )


@login_required
def monitoring_detail(request, pk: int):
    return _monitoring_page(request, _get_monitoring(request, pk))


@login_required
@require_POST
def monitoring_declare(request, pk: int):
    require_writer(request.user)
    monitoring = _get_monitoring(request, pk)
    form = DeclarationForm(request.POST, prefix="declare")
    ok, declaration = form_submit(
        form, oversight.monitoring_declare, user=request.user, monitoring=monitoring
    )
    if ok:
        messages.success(request, f"已登记{declaration.period:%Y年%m月}的申报")
        return redirect("supervision:oversight_monitoring_detail", pk=monitoring.pk)
    return _monitoring_page(request, monitoring, declare_form=form, status=400)


@login_required
@require_POST
def monitoring_remove(request, pk: int):
    require_writer(request.user)
    monitoring = _get_monitoring(request, pk)
    form = RemovalForm(request.POST, prefix="remove")
    ok, _ = form_submit(form, oversight.monitoring_remove, user=request.user, monitoring=monitoring)
    if ok:
        messages.success(request, f"已解除对{monitoring.employer_name}的重点监控")
        return redirect("supervision:oversight_monitoring_detail", pk=monitoring.pk)
    return _monitoring_page(request, monitoring, removal_form=form, status=400)


# ----------------------------------------------------------------------------- V3 delayed-payment reports


@login_required
def delay_list(request):
    form = DelayFilterForm(request.GET or None)
    page, query = _page(request, oversight.delay_report_search(request.user, **form.params()))
    return render(
        request,
        "supervision/oversight/delay_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "may_file": oversight.may_file_delay_report(request.user),
            "tab": "delays",
        },
    )


@login_required
def delay_new(request):
    user = request.user
    require_writer(user)
    if not oversight.may_file_delay_report(user):
        raise PermissionDenied(oversight.DELAY_WHO)
    initial = {}
    if request.GET.get("project", "").isdigit():
        initial["project"] = int(request.GET["project"])
    form = DelayReportForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        values.pop("enterprise_uscc")
        try:
            oversight.delay_report_file(user=user, **values)
        except ValidationError as e:
            form_add_service_errors(form, e)
        except PermissionDenied as e:
            form.add_error("project", str(e))
        else:
            messages.success(request, "已登记延期支付报告")
            return redirect("supervision:oversight_delay_list")
    return render(
        request,
        "supervision/oversight/delay_form.html",
        {"form": form, "tab": "delays"},
        status=400 if form.errors else 200,
    )
