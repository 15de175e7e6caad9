"""Pages of the 附件2 notices (P4/D2): list, detail, PDF, receipt, batch print. Thin: services decide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.access import can_act_for_unit, is_hrss, require_writer, sees_all_units, sees_personal_data
from common.audit import timeline
from common.documents import PRINT_MAX_DOCUMENTS, document_response, documents_print_start
from common.formats import format_date, format_datetime
from common.forms import form_submit
from common.models import Unit
from common.xlsx import write_table, xlsx_response
from deposits import selectors, services
from deposits.notice_forms import NoticeFilterForm, NoticeReceiptForm
from projects.selectors import project_visible_to

PAGE_SIZE = 20


def _filters(request) -> tuple[NoticeFilterForm, dict]:
    # A clerk sees only the own unit's notices: no unit filter to offer (the ledger does the same).
    units = (
        Unit.objects.filter(is_active=True).order_by("sort_order", "pk")
        if sees_all_units(request.user)
        else None
    )
    form = NoticeFilterForm(request.GET or None, units=units)
    return form, form.search_params()


@login_required
def notice_list(request):
    form, params = _filters(request)
    notices = selectors.notice_search(request.user, **params)
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "deposits/notice_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "status_labels": selectors.NOTICE_STATUS_LABELS,
            "print_max": PRINT_MAX_DOCUMENTS,
        },
    )


@login_required
def notice_export(request):
    _form, params = _filters(request)
    notices = selectors.notice_search(request.user, **params)
    labels = selectors.NOTICE_STATUS_LABELS
    rows = (
        (
            n.number,
            n.unit.name,
            n.project.name,
            n.contractor.name,
            format_datetime(n.issued_at),
            n.deadline,
            "签收日" if n.received_at else "下发日",
            format_datetime(n.received_at),
            labels.get(n.shown_status, n.shown_status),
        )
        for n in notices.iterator(chunk_size=500)
    )
    data = write_table(
        title="农民工工资保证金缴纳通知书",
        headers=[
            "通知书编号",
            "下发单位",
            "项目名称",
            "施工总承包单位",
            "下发时间",
            "缴存期限",
            "期限起算",
            "签收时间",
            "状态",
        ],
        rows=rows,
    )
    return xlsx_response(data, f"保证金缴纳通知书_{format_date(timezone.localdate())}.xlsx")


@login_required
def notice_detail(request, pk):
    notice = get_object_or_404(selectors.with_overdue(selectors.notice_visible_to(request.user)), pk=pk)
    show_personal = sees_personal_data(request.user, notice.unit_id)
    can_act = can_act_for_unit(request.user, notice.unit)
    form = None
    if can_act and notice.status == "issued":
        form = NoticeReceiptForm(
            initial={"received_at": timezone.localtime().replace(second=0, microsecond=0)}
        )
    return render(
        request,
        "deposits/notice_detail.html",
        {
            "notice": notice,
            "status_label": selectors.NOTICE_STATUS_LABELS.get(notice.shown_status),
            "form": form,
            "can_act": can_act,
            "may_decide_penalty": is_hrss(request.user),
            "show_personal": show_personal,
            "timeline": timeline(notice, masked_fields=() if show_personal else ("receipt_phone",)),
        },
    )


@login_required
@require_POST
def notice_rerender(request, pk):
    """D2: a new version of the notice's PDF, with the reason (the stored one stays on record)."""
    notice = get_object_or_404(selectors.notice_visible_to(request.user), pk=pk)
    try:
        services.notice_pdf_rerender(notice=notice, actor=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, "未重新生成：" + "；".join(error.messages))
    else:
        messages.success(
            request, f"已重新生成通知书 PDF（第{notice.document.current_version}版），原版本留档。"
        )
    return redirect("deposits:notice_detail", pk=notice.pk)


@login_required
def notice_pdf(request, pk):
    notice = get_object_or_404(selectors.notice_visible_to(request.user).exclude(document=None), pk=pk)
    return document_response(notice.document, filename=f"{notice.number}.pdf", inline="inline" in request.GET)


@login_required
def notice_receipt(request, pk):
    notice = get_object_or_404(selectors.with_overdue(selectors.notice_visible_to(request.user)), pk=pk)
    require_writer(request.user)
    if not can_act_for_unit(request.user, notice.unit):
        raise PermissionDenied("只能登记本单位通知书的签收")
    form = NoticeReceiptForm(request.POST or None)
    ok, _ = form_submit(form, services.notice_record_receipt, notice=notice, actor=request.user)
    if ok:
        messages.success(request, "已登记签收，缴存期限自签收之日起计算。")
        return redirect("deposits:notice_detail", pk=notice.pk)
    return render(
        request,
        "deposits/notice_detail.html",
        {
            "notice": notice,
            "status_label": selectors.NOTICE_STATUS_LABELS.get(notice.shown_status),
            "form": form,
            "can_act": True,
            "show_personal": True,
            "timeline": timeline(notice),
        },
    )


@login_required
@require_POST
def notice_issue_for_project(request, project_pk):
    """P4 for a project pushed before notices existed: the 补发缴纳通知书 button on the project page."""
    project = get_object_or_404(project_visible_to(request.user), pk=project_pk)
    try:
        notice = services.notice_issue(project=project, actor=request.user)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
        return redirect(project)
    messages.success(request, f"已下发缴纳通知书 {notice.number}。")
    return redirect("deposits:notice_detail", pk=notice.pk)


@login_required
@require_POST
def notice_print(request):
    """Many notices as one PDF, by a background job (common.documents print job) with a progress page."""
    ids = list(dict.fromkeys(int(i) for i in request.POST.getlist("notice") if i.isdigit()))
    if not ids:
        messages.error(request, "请先勾选要打印的通知书。")
        return redirect(f"{_list_url()}?{request.POST.get('query', '')}")
    if len(ids) > PRINT_MAX_DOCUMENTS:
        messages.error(request, f"一次最多合并打印 {PRINT_MAX_DOCUMENTS} 份，请分批选择。")
        return redirect(f"{_list_url()}?{request.POST.get('query', '')}")
    notices = {
        n.pk: n for n in selectors.notice_visible_to(request.user).filter(pk__in=ids).exclude(document=None)
    }
    documents = [notices[i].document for i in ids if i in notices]
    if len(documents) != len(set(ids)):
        raise PermissionDenied("所选通知书中有不存在或无权查看的通知书")
    job = documents_print_start(
        user=request.user,
        documents=documents,
        filename=f"保证金缴纳通知书_{len(documents)}份_{format_date(timezone.localdate())}.pdf",
    )
    return redirect(job)


def _list_url() -> str:
    from django.urls import reverse

    return reverse("deposits:notice_list")
