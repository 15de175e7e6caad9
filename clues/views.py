"""Clerk-facing pages of wage-arrears clues (C1–C6). Thin: forms parse, clues.services decides,
clues.selectors / clues.filters read; who may do what is common.access (through the transitions' permissions)."""

import contextlib
import re
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_fsm import can_proceed, has_transition_perm

from common.access import (
    is_read_only,
    may_dispatch_clue,
    may_print_clue_receipt,
    may_register_clue,
    require_writer,
)
from common.audit import timeline
from common.formats import format_date, format_datetime
from common.forms import form_add_service_errors, form_submit
from common.masking import mask_id_number, mask_name, mask_phone
from common.panels import enterprise_flags
from common.search import text_match
from common.validators import normalize_phone
from common.xlsx import write_table, xlsx_response
from projects.models import Enterprise, Project

from . import forms, ladder, selectors, services
from .filters import clue_search
from .models import AttachmentKind, Clue, ClueStatus

PAGE_SIZE = 20
COMPLAINANT_FIELDS = ("complainant_name", "complainant_phone", "complainant_id_number")

# Each action of the clue page: the transition that decides whether it is offered (its state and its permission,
# answered by common.access), its form, and the service that does it.
ACTIONS = {
    "dispatch": ("dispatch", forms.DispatchForm, "交办"),
    "acknowledge": ("acknowledge", forms.NoteForm, "签收"),
    "progress": ("note_progress", forms.ProgressForm, "记录办理进展"),
    "result": ("submit_result", forms.ResultForm, "提交办理结果"),
    "close": ("confirm_closure", forms.NoteForm, "确认办结"),
    "return": ("return_to_hrss", forms.ReturnForm, "退回人社局"),
    "reassign": ("reassign", forms.ReassignForm, "改派"),
}


def _filters(request):
    user = request.user
    form = forms.ClueFilterForm(request.GET or None, name_searchable=not is_read_only(user))
    return form, form.search_params()


def _with_complainant(user, clues):
    for c in clues:
        c.shown_complainant = selectors.clue_complainant(user, c)
    return clues


@login_required
def clue_list(request):
    form, params = _filters(request)
    page = Paginator(clue_search(request.user, **params), PAGE_SIZE).get_page(request.GET.get("page"))
    _with_complainant(request.user, page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clues/clue_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "colour_labels": selectors.Colour.LABELS,
            "may_register": may_register_clue(request.user),
        },
    )


@login_required
def clue_export(request):
    form, params = _filters(request)
    if form.is_bound and form.errors:  # not a workbook of something else than asked: back to the errors
        messages.error(request, "筛选条件有误，未导出。请按提示修改后再导出。")
        return redirect(reverse("clues:clue_list") + "?" + request.GET.urlencode())
    user, labels = request.user, selectors.Colour.LABELS
    rows = (
        (
            c.number,
            c.get_channel_display(),
            format_datetime(c.received_at),
            who["name"],
            who["phone"],
            c.workers_affected,
            c.amount_owed,
            c.employer_name,
            c.project.name if c.project_id else "",
            c.street.name,
            c.responsible_unit.name if c.responsible_unit_id else "",
            c.get_status_display(),
            labels.get(c.colour, ""),
            format_datetime(c.next_deadline_at),
        )
        for c in clue_search(user, **params).iterator(chunk_size=500)
        for who in [selectors.clue_complainant(user, c)]  # masked for other units and leaders (C1)
    )
    data = write_table(
        title="欠薪线索",
        headers=[
            "线索编号",
            "线索来源",
            "接收时间",
            "投诉人",
            "投诉人电话",
            "涉及人数",
            "欠薪金额（元）",
            "欠薪单位",
            "涉及项目",
            "属地街道",
            "责任单位",
            "办理状态",
            "时限",
            "下一期限",
        ],
        rows=rows,
    )
    return xlsx_response(data, f"欠薪线索_{format_date(timezone.localdate())}.xlsx")


def _get_clue(request, pk) -> Clue:
    qs = selectors.clue_annotate_colour(selectors.clue_visible_to(request.user)).select_related(
        "responsible_unit",
        "street",
        "project",
        "owner_unit",
        "suggested_unit",
        "assisting_street",
        "registering_unit",
        "registered_by",
        "employer",
        "repeat_of",
    )
    return get_object_or_404(qs, pk=pk)


def _allowed_actions(user, clue) -> list[str]:
    allowed = []
    for code, (method, _form, _label) in ACTIONS.items():
        transition = getattr(clue, method)
        if can_proceed(transition) and has_transition_perm(transition, user):
            allowed.append(code)
    return allowed


def _action_forms(clue, allowed, bound: dict | None = None) -> list[dict]:
    bound = bound or {}
    out = []
    for code in allowed:
        _method, form_class, label = ACTIONS[code]
        form = bound.get(code)
        if form is None:
            initial = {"unit": clue.suggested_unit_id} if code == "dispatch" else {}
            form = form_class(initial=initial, prefix=code)
        out.append({"code": code, "label": label, "form": form})
    return out


# The diff rows of the clue's history a reader never needs: the query code's keyed hash (part 9) is a secret
# of the lookup, not a fact of the case.
HIDDEN_HISTORY_FIELDS = {Clue._meta.get_field("query_code_hash").verbose_name}
_ID_NUMBER_RE = re.compile(r"^\d{17}[\dX]$")
_PHONE_RE = re.compile(r"^[\d\s+\-]+$")


def _mask_personal(value) -> str:
    """common.audit.timeline takes one mask for every masked field: pick the one for this value's kind, so the
    timeline masks a name, a phone and an ID number as the page's facts do (王*国, 139****1234, 410803…1234)."""
    text = "" if value is None else str(value).strip()
    if _ID_NUMBER_RE.match(text.upper()):
        return mask_id_number(text)
    if _PHONE_RE.match(text):
        return mask_phone(text)
    return mask_name(text)


def _clue_timeline(clue, show_personal: bool) -> list[dict]:
    entries = timeline(clue, masked_fields=() if show_personal else COMPLAINANT_FIELDS, mask=_mask_personal)
    for entry in entries:
        entry["changes"] = [c for c in entry["changes"] if c[0] not in HIDDEN_HISTORY_FIELDS]
    return entries


def _last_return(clue, entries) -> dict | None:
    """退回 leads back to 已登记: show HRSS which unit clerk returned it and why, unless it was dispatched since."""
    if clue.status != ClueStatus.REGISTERED:
        return None
    for entry in entries:  # newest first
        if entry["code"] in ("clue.dispatched", "clue.reassigned"):
            return None
        if entry["code"] == "clue.returned":
            return entry
    return None


def _render_detail(request, clue, bound=None, status=200, attachment_form=None):
    user = request.user
    show_personal = selectors.clue_sees_personal_data(user, clue)
    allowed = _allowed_actions(user, clue)
    # An action no longer (or never) offered to this user: its refusal is shown above the page.
    refusals = [
        e for code, form in (bound or {}).items() if code not in allowed for e in form.non_field_errors()
    ]
    entries = _clue_timeline(clue, show_personal)
    return render(
        request,
        "clues/clue_detail.html",
        {
            "clue": clue,
            "complainant": selectors.clue_complainant(user, clue),
            "colour_label": selectors.Colour.LABELS.get(clue.colour, ""),
            "actions": _action_forms(clue, allowed, bound),
            "refusals": refusals,
            "progress_notes": clue.progress_notes.select_related("unit", "recorded_by"),
            "results": clue.results.select_related("unit", "submitted_by", "confirmed_by"),
            "repeats": clue.repeats.all(),
            "attachments": clue.attachments.select_related("uploaded_by"),
            "attachment_form": attachment_form or forms.AttachmentForm(),
            "may_attach": services.may_add_clue_attachment(user, clue),
            "may_print_receipt": may_print_clue_receipt(user, clue),
            "read_only": is_read_only(user),
            "returned": _last_return(clue, entries),
            "timeline": entries,
            "ladder": ladder.ladder_steps(clue),
            "letters": selectors.letter_visible_to(user).filter(clue=clue).order_by("created_at", "pk"),
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
def clue_detail(request, pk):
    return _render_detail(request, _get_clue(request, pk))


def _call(*, code: str, user, clue, **data):
    if code == "dispatch":
        return services.clue_dispatch(user=user, clue=clue, **data)
    if code == "acknowledge":
        return services.clue_acknowledge(user=user, clue=clue, note=data["note"])
    if code == "progress":
        return services.clue_note_progress(user=user, clue=clue, note=data["note"])
    if code == "result":
        return services.clue_submit_result(user=user, clue=clue, **data)
    if code == "close":
        return services.clue_confirm_closure(user=user, clue=clue, note=data["note"])
    if code == "return":
        return services.clue_return(user=user, clue=clue, reason=data["reason"])
    if code == "reassign":
        return services.clue_reassign(user=user, clue=clue, **data)
    raise Http404


@login_required
@require_POST
def clue_act(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    require_writer(request.user)
    clue = _get_clue(request, pk)
    _method, form_class, label = ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    # A refusal wrote nothing (one transaction) and is shown on the form.
    ok, _ = form_submit(form, _call, code=action, user=request.user, clue=clue, denied_on_form=True)
    if ok:
        messages.success(request, f"已{label}：{clue.number}")
        if not selectors.clue_visible_to(request.user).filter(pk=clue.pk).exists():
            # 退回 / 改派 hand the clue away (C6): the unit no longer sees it, so its page would be a 404.
            messages.info(request, f"{clue.number} 已不由本单位办理，不再显示在本单位的线索中。")
            return redirect("clues:clue_list")
        return redirect("clues:clue_detail", pk=clue.pk)
    clue = _get_clue(request, pk)
    return _render_detail(request, clue, bound={action: form}, status=400)


@login_required
def clue_create(request):
    """C1 intake, in two steps: the first POST shows the clues of the last 30 days with the same employer,
    project or complainant phone (part 2); the second (confirm) registers, optionally linked as a repeat.
    Without duplicates the first POST registers at once.

    The complaint material is chosen on the same page and saved with the clue in one transaction, through
    clue_attachment_add (its checks: type by content, size): a refused file saves nothing. A browser cannot
    keep chosen files across a round trip, so whenever the page comes back (the duplicate step, an error, a
    project search) it names the files that were not saved and asks for them again; the duplicate step only
    appears when there are duplicates, so most clues are registered with their files in one submit."""
    user = request.user
    require_writer(user)
    if not may_register_clue(user):
        raise PermissionDenied("只有区人社局调度员和区信访局经办人可以登记线索")
    # Any project can be the subject of a complaint, whoever takes it in: 信访局 owns no project, and a petition
    # on a late-pushed project is exactly what P6 needs linked. Only names and streets are shown.
    projects = Project.objects.select_related("street").order_by("-id")
    pq = (request.GET.get("project_q") or request.POST.get("project_q") or "").strip()
    if pq:
        projects = projects.filter(text_match(pq, "name"))
    searching = request.method == "POST" and "find_project" in request.POST
    chosen = [f.name for f in request.FILES.getlist("attachments")]
    if request.method == "POST" and not searching:
        form = forms.ClueIntakeForm(request.POST, request.FILES, projects=projects)
    else:
        # A project search keeps what was typed (shown again, not checked yet).
        initial = _typed(request.POST) if searching else None
        form = forms.ClueIntakeForm(initial=initial, projects=projects[:200])
    duplicates = employer = None
    flagged = False
    if form.is_bound and form.is_valid():
        data = dict(form.cleaned_data)
        files = data.pop("attachments")
        uscc = (data.pop("employer_uscc") or "").strip().upper()
        employer = Enterprise.objects.filter(uscc=uscc).first() if uscc else None
        if uscc and employer is None:
            form.add_error("employer_uscc", "未找到该统一社会信用代码的企业，请核对或只填写单位名称")
        elif employer is None and not data["employer_name"].strip():
            form.add_error("employer_name", "请填写欠薪单位名称（或填写已登记企业的统一社会信用代码）")
        else:
            duplicates = _duplicates(user, employer, data)
            # A flagged employer (V4 blacklist) stops at the confirm step too, where its mark shows.
            flagged = employer is not None and bool(enterprise_flags(request, employer.pk))
            if "confirm" in request.POST or not (duplicates or flagged):
                clue = _register(request, form, data, employer, duplicates, files)
                if clue is not None:
                    _remember_query_code(request, clue)
                    return redirect("clues:clue_receipt", pk=clue.pk)
    limits = {"file": services.ATTACHMENT_MAX_BYTES, "request": settings.UPLOAD_MAX_BYTES}
    return render(
        request,
        "clues/clue_form.html",
        {
            "form": form,
            "duplicates": duplicates,
            "employer": employer,  # its marks (V4 blacklist) on the confirm step
            "employer_flagged": flagged,
            "project_q": pq,
            "may_link": may_dispatch_clue(user),
            "unsaved_files": chosen,
            "limits": limits,
        },
    )


def _typed(post) -> dict:
    return {
        name: post.get(name)
        for name in forms.ClueIntakeForm.base_fields
        if name != "attachments" and post.get(name) not in (None, "")
    }


def _duplicates(user, employer, data) -> list[Clue]:
    """Part 2, among the clues this user may see. A call taken this morning and entered now (received_at
    earlier than clues registered since) must still meet them: the window runs from 30 days before the received
    time up to now, i.e. the selector's window ending at the received time joined with the one ending now."""
    same = dict(
        employer=employer,
        employer_name=employer.name if employer else data["employer_name"],
        project=data["project"],
        # As clue_register stores it: "137 0391 2201" is the same phone as 13703912201.
        complainant_phone=normalize_phone(data["complainant_phone"]),
    )
    found = selectors.clue_duplicates(**same, received_at=data["received_at"]) | selectors.clue_duplicates(
        **same, received_at=timezone.now()
    )
    return list(found.filter(pk__in=selectors.clue_visible_to(user).values("pk"))[:20])


# A refusal of clue_attachment_add names its own fields; on the intake form they are the attachments field.
_ATTACHMENT_ERROR_FIELDS = {"file": "attachments", "kind": "attachments"}


def _register(request, form, data, employer, duplicates, files=()):
    original_id = request.POST.get("repeat_of") or ""
    original = next((d for d in duplicates if str(d.pk) == original_id), None)
    if original_id and original is None:
        form.add_error(None, "所选原线索不在近30日的疑似重复线索中")
        return None
    saved = []
    try:
        # Registering, linking as a repeat and every attachment succeed or fail together: nothing half-saved.
        with transaction.atomic():
            clue = services.clue_register(user=request.user, employer=employer, **data)
            if original is not None:
                services.clue_link_repeat(user=request.user, clue=clue, original=original)
            for upload in files:
                saved.append(
                    services.clue_attachment_add(
                        clue=clue, user=request.user, upload=upload, kind=AttachmentKind.COMPLAINT
                    )
                )
    except ValidationError as error:
        _discard_files(saved)
        form_add_service_errors(form, error, aliases=_ATTACHMENT_ERROR_FIELDS)
        return None
    except PermissionDenied as error:
        _discard_files(saved)
        form.add_error(None, str(error))
        return None
    except Exception:
        _discard_files(saved)
        raise
    note = f"，已关联为 {original.number} 的重复线索" if original else ""
    if saved:
        note += f"，附件 {len(saved)} 个"
    messages.success(request, f"已登记线索 {clue.number}{note}。")
    return clue


def _discard_files(attachments) -> None:
    """The rolled-back rows' files: clue_attachment_add writes each file before its row, and the rollback of
    the whole intake cannot take the file back, so it is removed here (no orphan outside every record)."""
    for attachment in attachments:
        path = Path(settings.CLUE_FILES_ROOT) / attachment.stored_path
        path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # the clue's folder, when it is now empty


@login_required
@require_POST
def attachment_upload(request, pk):
    """C1/C5: a file for a clue this user may see and act on; a refusal is Chinese, at the field."""
    require_writer(request.user)
    clue = _get_clue(request, pk)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.clue_attachment_add(
                clue=clue, user=request.user, upload=form.cleaned_data["file"], kind=form.cleaned_data["kind"]
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已上传附件：{attachment.original_name}")
            return redirect("clues:clue_detail", pk=clue.pk)
    return _render_detail(request, clue, status=400, attachment_form=form)


@login_required
def attachment_download(request, pk, attachment_pk):
    """Served only here, to users who may see the clue (another unit's clue is a 404), always as a download
    under its original name — never rendered inline."""
    from django.http import FileResponse

    clue = _get_clue(request, pk)
    attachment = get_object_or_404(clue.attachments, pk=attachment_pk)
    path = Path(settings.CLUE_FILES_ROOT) / attachment.stored_path
    if not path.is_file():
        raise Http404("附件文件不存在")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Part 9 (C1 receipt): the receipt and the public progress lookup ---------------------------------------------

PUBLIC_LOOKUP_RATE_PER_MINUTE = 30
_RECEIPT_CODES = "clues.receipt_query_codes"


def _remember_query_code(request, clue) -> None:
    """The plain query code lives only in the registering clerk's session (the database holds its hash), so the
    receipt can be reloaded or printed again in that session and is gone when the clerk logs out."""
    codes = request.session.get(_RECEIPT_CODES, {})
    codes[str(clue.pk)] = clue.query_code
    request.session[_RECEIPT_CODES] = dict(list(codes.items())[-50:])


def _day_text(code: str) -> str:
    from common.policy import policy_parameter

    days, kind = policy_parameter(code)
    return f"{int(days)}个工作日" if kind == "working_days" else f"{int(days)}日"


@login_required
def clue_receipt(request, pk: int):
    """The printable receipt handed to the complainant right after intake: number, query code, where to look it
    up, the received date and the C3 steps — no other personal data."""
    clue = get_object_or_404(Clue.objects.only("pk", "number", "received_at", "registering_unit_id"), pk=pk)
    if not may_print_clue_receipt(request.user, clue):
        raise Http404("未找到该线索")
    context = {
        "clue": clue,
        "query_code": request.session.get(_RECEIPT_CODES, {}).get(str(clue.pk)),
        "lookup_url": request.build_absolute_uri(reverse("clues:public_lookup")),
        "steps": [
            ("交办", _day_text("C3.dispatch_days") + "内", "区人社局将线索交办到具体责任单位和责任人"),
            ("签收反馈", _day_text("C3.feedback_days") + "内", "责任单位签收并向您反馈"),
            (
                "提醒督办",
                _day_text("C3.reminder_days") + "内",
                "仍未落实责任单位和责任人的，区人社局发出提醒函",
            ),
            ("上报", _day_text("C3.escalation_days") + "内", "仍无进展的，上报区政府主要领导"),
            ("周调度", "每周五", "未落实的单位每周五跟踪调度，直至问题解决"),
        ],
    }
    return render(request, "clues/clue_receipt.html", context)


@never_cache
def public_lookup(request):
    """/chaxun/ without login: number + query code → the stage and the date of each step, nothing else."""
    from common.ratelimit import rate_limited

    from .lookup import public_progress

    if rate_limited(request, scope="clues.lookup", per_minute=PUBLIC_LOOKUP_RATE_PER_MINUTE):
        response = render(request, "clues/public_lookup_limited.html", status=429)
        response["Retry-After"] = "60"
        return _public(response)
    number = "".join((request.POST.get("number") or "").split()).upper()[:30]  # as printed: QX2026-000123
    code = (request.POST.get("code") or "").strip()[:20]
    result, status = None, 200
    if request.method == "POST":
        result = public_progress(number, code)
        status = 200 if result["found"] else 404
    return _public(
        render(request, "clues/public_lookup.html", {"result": result, "number": number}, status=status)
    )


def _public(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    # Not "no-referrer": with it the browser posts the lookup form with `Origin: null`, which Django's CSRF check
    # refuses (403 for every complainant). The code travels in the POST body, never in a URL, and same-origin
    # still gives other sites no referrer.
    response["Referrer-Policy"] = "same-origin"
    return response
