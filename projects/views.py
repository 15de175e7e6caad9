"""Clerk-facing pages for the push ledger (P1–P6). Thin: forms parse, services decide, selectors read."""

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.history import history_entries
from common.masking import sees_personal_data
from projects import ledger_excel, services
from projects.forms import LedgerFilterForm, LedgerImportForm, ProjectForm
from projects.selectors import enterprise_visible_to, project_list_for_ledger, project_visible_to

PAGE_SIZE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_writer(user) -> None:
    if user.is_read_only:
        raise PermissionDenied("领导账号为只读")


@login_required
def ledger(request):
    form = LedgerFilterForm(request.GET or None, user=request.user)
    projects = project_list_for_ledger(user=request.user, filters=form.filters())
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/ledger.html",
        {"form": form, "page": page, "query": query.urlencode(), "today": timezone.localdate()},
    )


@login_required
def ledger_export(request):
    form = LedgerFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        # Never hand out a file that silently ignores a filter the clerk believes is applied.
        messages.error(
            request, "筛选条件有误，未导出：" + "；".join(e for errs in form.errors.values() for e in errs)
        )
        return redirect(f"{reverse('projects:ledger')}?{request.GET.urlencode()}")
    projects = project_list_for_ledger(user=request.user, filters=form.filters())
    # Spooled to a temp file, not memory: the workbook streams rows from the database (memory flat in N).
    out = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    ledger_excel.export_ledger(projects, out, viewer=request.user)
    out.seek(0)
    filename = f"中站区在建工程项目信息推送台账_{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX)


@login_required
def ledger_template(request):
    out = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    ledger_excel.export_ledger(project_visible_to(request.user).none(), out, viewer=request.user)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename="附件1_项目信息推送台账_导入模板.xlsx", content_type=XLSX
    )


@login_required
def ledger_import(request):
    _require_writer(request.user)
    form = LedgerImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = ledger_excel.import_ledger(user=request.user, upload=form.cleaned_data["file"])
        if result.ok:
            late = result.late_count
            text = f"导入成功：共 {len(result.projects)} 个项目已推送至人社局。"
            if late:
                messages.warning(
                    request,
                    text + f"其中 {late} 个项目超过推送截止日期，已按逾期推送记入单位推送时效（P6）。",
                )
            else:
                messages.success(request, text)
            return redirect("projects:ledger")
    limits = {
        "max_rows": settings.LEDGER_IMPORT_MAX_ROWS,
        "max_mb": settings.LEDGER_IMPORT_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "projects/import.html", {"form": form, "result": result, **limits})


@login_required
def project_create(request):
    _require_writer(request.user)
    unit = request.user.unit
    if not request.user.sees_all_units and not (unit and unit.pushes_projects):
        raise PermissionDenied(
            f"{unit.name if unit else '您的账号'}无需向人社局推送项目（P1：行业主管部门、街道办事处、经开区管委会、中晟集团推送）。"
        )
    form = ProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        push = "push" in request.POST
        try:
            project = services.project_create(
                user=request.user, unit=form.target_unit(), data=form.to_data(), push=push
            )
        except ValidationError as e:
            _add_service_errors(form, e)
        else:
            if push:
                _report_push(request, project)
            else:
                messages.info(
                    request,
                    f"已保存“{project.name}”，请最迟于 {_cn_date(project.push_deadline)}（含当日）推送。",
                )
            return redirect(project.get_absolute_url())
    return render(request, "projects/form.html", {"form": form, "creating": True})


@login_required
def project_detail(request, pk):
    project = get_object_or_404(
        project_visible_to(request.user).select_related(
            "unit", "street", "bidder_unit", "owner", "contractor", "pushed_by", "created_by"
        ),
        pk=pk,
    )
    show_personal = sees_personal_data(request.user, project.unit_id)
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "history": history_entries(project, masked_fields=() if show_personal else services.PHONE_FIELDS),
            "show_personal": show_personal,
            "can_edit": services.user_can_act_for_unit(request.user, project.unit),
            "missing_for_push": [] if project.is_pushed else services.project_missing_for_push(project),
            "today": timezone.localdate(),
        },
    )


@login_required
def project_edit(request, pk):
    _require_writer(request.user)
    project = get_object_or_404(project_visible_to(request.user).select_related("owner", "contractor"), pk=pk)
    initial = ProjectForm.initial_from(services.ProjectData.from_project(project), project.unit)
    form = ProjectForm(request.POST or None, user=request.user, initial=initial)
    # project_update never moves a project to another unit: show the unit, don't offer to change it.
    locked = ("trigger_type", "trigger_date", "unit") if project.is_pushed else ("unit",)
    for field in locked:
        if field in form.fields:
            form.fields[field].disabled = True
    if request.method == "POST" and form.is_valid():
        push = "push" in request.POST
        try:
            project = services.project_update(
                user=request.user, project=project, data=form.to_data(), push=push
            )
        except ValidationError as e:
            _add_service_errors(form, e)
        else:
            if push:
                _report_push(request, project)
            else:
                messages.success(request, "已保存修改。")
            return redirect(project.get_absolute_url())
    return render(request, "projects/form.html", {"form": form, "project": project, "creating": False})


@login_required
@require_POST
def project_push(request, pk):
    _require_writer(request.user)
    project = get_object_or_404(project_visible_to(request.user), pk=pk)
    try:
        project = services.project_push(user=request.user, project=project)
    except ValidationError as e:
        messages.error(request, "无法推送：" + "；".join(e.messages) + "。请先编辑补全。")
        return redirect("projects:edit", pk=project.pk)
    _report_push(request, project)
    return redirect(project.get_absolute_url())


@login_required
def enterprise_detail(request, pk):
    enterprise = get_object_or_404(enterprise_visible_to(request.user), pk=pk)
    projects = (
        project_visible_to(request.user)
        .filter(Q(owner=enterprise) | Q(contractor=enterprise))
        .select_related("unit", "street")
    )
    return render(
        request,
        "projects/enterprise_detail.html",
        {"enterprise": enterprise, "projects": projects, "history": history_entries(enterprise)},
    )


def _add_service_errors(form, error: ValidationError) -> None:
    """Show the service's errors at their fields; one about a field the form doesn't offer goes on top."""
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


def _cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _report_push(request, project) -> None:
    """A late push is recorded against the unit (P6): say so as a warning, not as a plain success."""
    if project.is_late:
        messages.warning(request, _push_message(project))
    else:
        messages.success(request, _push_message(project))


def _push_message(project) -> str:
    if project.is_late:
        return f"已推送至人社局。推送截止日期为 {_cn_date(project.push_deadline)}，本次逾期 {project.late_working_days} 个工作日，已记入单位推送时效（P6）。"
    return "已按时推送至人社局。"
