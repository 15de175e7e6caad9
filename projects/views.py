"""Clerk-facing pages for the push ledger (P1–P6). Thin: forms parse, services decide, selectors read."""

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from common.access import can_act_for_unit, can_push_projects, require_writer, sees_personal_data
from common.audit import timeline
from common.formats import format_date
from common.forms import form_add_service_errors
from common.jobs import job_start
from common.panels import enterprise_flags
from common.policy import policy_value
from common.xlsx import XLSX
from projects import jobs as project_jobs
from projects import services
from projects.filters import ledger_filterset
from projects.forms import LedgerImportForm, ProjectForm
from projects.ledger_export import export_ledger
from projects.selectors import (
    enterprise_visible_to,
    enterprises_by_uscc,
    project_mark_overdue_working_days,
    project_visible_to,
)

PAGE_SIZE = 20


@login_required
def ledger(request):
    # A bad filter value is reported at its field and dropped; the others still apply (P5).
    filters = ledger_filterset(request.GET, user=request.user)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = project_mark_overdue_working_days(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/ledger.html",
        {"form": filters.form, "page": page, "query": query.urlencode(), "today": timezone.localdate()},
    )


@login_required
def ledger_export(request):
    filterset = ledger_filterset(request.GET, user=request.user)
    if not filterset.is_valid():
        messages.error(request, project_jobs.filter_refusal(filterset))
        return redirect(f"{reverse('projects:ledger')}?{request.GET.urlencode()}")
    projects = filterset.qs
    if projects.count() > project_jobs.EXPORT_DIRECT_MAX_ROWS:
        # Seconds of work: a worker writes the file while the job page shows progress, then downloads it.
        job = job_start(
            kind="projects.ledger_export", user=request.user, params={"query": request.GET.urlencode()}
        )
        return redirect(job)
    # Spooled to a temp file, not memory: the workbook streams rows from the database (memory flat in N).
    out = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    export_ledger(projects, out, viewer=request.user)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename=project_jobs.ledger_export_filename(), content_type=XLSX
    )


@login_required
def ledger_template(request):
    out = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    export_ledger(project_visible_to(request.user).none(), out, viewer=request.user)
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename="附件1_项目信息推送台账_导入模板.xlsx", content_type=XLSX
    )


@login_required
def ledger_import(request):
    require_writer(request.user)
    # Bound on every POST, even one without a file, so "no file chosen" is said at the field.
    form = LedgerImportForm(request.POST, request.FILES) if request.method == "POST" else LedgerImportForm()
    if form.is_bound and form.is_valid():
        # Every import is a job: rows are checked and pushed by a worker; its page shows progress, then the
        # outcome (the count pushed, or the table of row errors).
        job = job_start(kind="projects.ledger_import", user=request.user, upload=form.cleaned_data["file"])
        return redirect(job)
    limits = {
        "max_rows": settings.LEDGER_IMPORT_MAX_ROWS,
        "max_mb": settings.LEDGER_IMPORT_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "projects/import.html", {"form": form, **limits})


@login_required
def project_create(request):
    require_writer(request.user)
    if not can_push_projects(request.user):
        unit = request.user.unit
        raise PermissionDenied(
            f"{unit.name if unit else '您的账号'}无需向人社局推送项目（P1：行业主管部门、街道办事处、经开区管委会、中晟集团推送）。"
        )
    form = ProjectForm(request.POST or None, user=request.user)
    push = "push" in request.POST
    if request.method == "POST" and not form.is_valid():
        _add_rule_errors(form, unit=form.target_unit(), push=push)
    elif request.method == "POST":
        try:
            project = services.project_create(
                user=request.user, unit=form.target_unit(), data=form.to_data(), push=push
            )
        except ValidationError as e:
            form_add_service_errors(form, e)
        else:
            if push:
                _report_push(request, project)
            else:
                messages.info(
                    request,
                    f"已保存“{project.name}”，请最迟于 {format_date(project.push_deadline)}（含当日）推送。",
                )
            return redirect(project.get_absolute_url())
    return render(
        request,
        "projects/form.html",
        {"form": form, "creating": True, "push_working_days": policy_value("P1.push_working_days")},
    )


@login_required
def project_detail(request, pk):
    project = get_object_or_404(
        project_visible_to(request.user).select_related(
            "unit", "street", "bidder_unit", "owner", "contractor", "pushed_by", "created_by"
        ),
        pk=pk,
    )
    show_personal = sees_personal_data(request.user, project.unit_id)
    today = timezone.localdate()
    project_mark_overdue_working_days([project], today)
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "timeline": timeline(project, masked_fields=() if show_personal else services.PHONE_FIELDS),
            "show_personal": show_personal,
            "can_edit": can_act_for_unit(request.user, project.unit),
            "missing_for_push": [] if project.is_pushed else services.project_missing_for_push(project),
            # P6: how late a push today would be (0 while in time), as 逾期N个工作日.
            "overdue_working_days": getattr(project, "overdue_working_days", 0),
            "push_working_days": policy_value("P1.push_working_days"),
            "today": today,
        },
    )


@login_required
def project_edit(request, pk):
    require_writer(request.user)
    project = get_object_or_404(project_visible_to(request.user).select_related("owner", "contractor"), pk=pk)
    initial = ProjectForm.initial_from(services.ProjectData.from_project(project), project.unit)
    form = ProjectForm(request.POST or None, user=request.user, initial=initial)
    # project_update never moves a project to another unit: show the unit, don't offer to change it.
    locked = ("trigger_type", "trigger_date", "unit") if project.is_pushed else ("unit",)
    for field in locked:
        if field in form.fields:
            form.fields[field].disabled = True
    push = "push" in request.POST
    if request.method == "POST" and not form.is_valid():
        _add_rule_errors(form, unit=project.unit, push=push or project.is_pushed, instance=project)
    elif request.method == "POST":
        try:
            project = services.project_update(
                user=request.user, project=project, data=form.to_data(), push=push
            )
        except ValidationError as e:
            form_add_service_errors(form, e)
        else:
            if push:
                _report_push(request, project)
            else:
                messages.success(request, "已保存修改。")
            return redirect(project.get_absolute_url())
    return render(
        request,
        "projects/form.html",
        {
            "form": form,
            "project": project,
            "creating": False,
            "push_working_days": policy_value("P1.push_working_days"),
        },
    )


@login_required
@require_POST
def project_push(request, pk):
    require_writer(request.user)
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
    # Paged like the ledger: a builder with 1,500 imported projects must not make a page 55,000 px tall.
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/enterprise_detail.html",
        # An enterprise's record holds no personal data: nothing to mask.
        {
            "enterprise": enterprise,
            "page": page,
            "projects": page.object_list,
            "timeline": timeline(enterprise),
        },
    )


@login_required
@require_GET
@never_cache
def enterprise_flags_lookup(request):
    """V4 on the push form: the flags (the blacklist's red mark) of the enterprise a typed USCC names, for
    static/js/enterprise_flags.js. Only the flags and that enterprise's name, nothing personal; an invalid, unknown
    or unflagged code has none (and no name). Flags come from common.panels, whichever app registered them."""
    uscc = request.GET.get("uscc", "")[:64]
    enterprise = enterprises_by_uscc([uscc]).get(uscc)
    flags = enterprise_flags(request, enterprise.pk) if enterprise else []
    body = {"flags": [{"class": css, "label": label, "title": title} for css, label, title in flags]}
    if flags:
        body["enterprise"] = enterprise.name
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def _add_rule_errors(form, *, unit, push: bool, instance=None) -> None:
    """The form found format errors: the service still names the rules the other fields break, so a clerk
    sees every problem in one round (P3), each at its field. Nothing is saved."""
    if unit is None:
        return
    try:
        services.project_validate(
            unit=unit, data=form.to_data(), push=push, instance=instance, actor=form.user
        )
    except ValidationError as e:
        for field, messages_ in e.message_dict.items():
            if field in form.fields and field not in form.errors:
                form.add_error(field, messages_)


def _report_push(request, project) -> None:
    """A late push is recorded against the unit (P6): say so as a warning, not as a plain success."""
    if project.is_late:
        messages.warning(request, _push_message(project))
    else:
        messages.success(request, _push_message(project))


def _push_message(project) -> str:
    if project.is_late:
        return f"已推送至人社局。推送截止日期为 {format_date(project.push_deadline)}，本次逾期 {project.late_working_days} 个工作日，已记入单位推送时效（P6）。"
    return "已按时推送至人社局。"
