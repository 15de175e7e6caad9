"""Pages for deposits, the overdue list and penalty decisions (D3, D4), payment guarantees and fund ledgers (D1).
Thin: forms parse, deposits.services decides, deposits.selectors reads; unit scoping through common.access."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.access import (
    can_act_as_unit_named,
    can_act_for_unit,
    is_hrss,
    is_read_only,
    require_writer,
    sees_all_units,
    visible_to,
)
from common.audit import timeline
from common.forms import form_submit
from common.models import Unit
from common.policy import policy_value
from common.search import text_match
from common.xlsx import write_table, xlsx_response
from deposits import forms, selectors, services
from deposits.models import (
    EMERGENCY_FUND_KINDS,
    DepositForm,
    DepositStatus,
    FundKind,
    MovementKind,
    Notice,
)
from projects.models import Project

PAGE_SIZE = 20


def _page(request, qs):
    query = request.GET.copy()
    query.pop("page", None)
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page")), query.urlencode()


def _units_for_filter(user):
    return Unit.objects.filter(pushes_projects=True).order_by("pk") if sees_all_units(user) else None


# ------------------------------------------------------------------------------------------------ deposits


@login_required
def deposit_list(request):
    g = request.GET
    qs = selectors.deposit_search(
        request.user,
        q=g.get("q", "").strip(),
        status=g.get("status", ""),
        unit=g.get("unit", ""),
        form=g.get("form", ""),
    )
    page, query = _page(request, qs)
    return render(
        request,
        "deposits/deposit_list.html",
        {
            "page": page,
            "query": query,
            "statuses": DepositStatus.choices,
            "forms": DepositForm.choices,
            "units": _units_for_filter(request.user),
            "g": g,
        },
    )


@login_required
def deposit_export(request):
    g = request.GET
    qs = selectors.deposit_search(
        request.user,
        q=g.get("q", "").strip(),
        status=g.get("status", ""),
        unit=g.get("unit", ""),
        form=g.get("form", ""),
    )
    rows = (
        (
            d.notice.number,
            d.project.name,
            d.project.unit.name,
            d.project.contractor.name if d.project.contractor else "",
            d.get_form_display(),
            d.institution.name,
            d.required_amount,
            d.amount,
            d.balance,
            d.shortfall or None,
            d.deposited_on,
            d.get_status_display(),
        )
        for d in qs.iterator(chunk_size=500)
    )
    headers = [
        "通知书编号",
        "项目名称",
        "所属单位",
        "施工总承包单位",
        "缴存形式",
        "经办机构",
        "应缴存额（元）",
        "缴存金额（元）",
        "当前余额（元）",
        "差额（元）",
        "缴存日期",
        "状态",
    ]
    return xlsx_response(
        write_table(title="农民工工资保证金缴存台账", headers=headers, rows=rows), "保证金缴存台账.xlsx"
    )


@login_required
def deposit_create(request, notice_pk):
    """D3: record the deposit for a notice — the project's unit or HRSS (another unit's notice is a 404)."""
    notice = get_object_or_404(
        visible_to(
            request.user, Notice.objects.select_related("project__contractor", "unit"), unit_field="unit"
        ),
        pk=notice_pk,
    )
    if not can_act_for_unit(request.user, notice.project.unit_id):
        raise PermissionDenied("只能登记本单位项目的保证金")
    if hasattr(notice, "deposit"):
        return redirect(notice.deposit)
    requirement = services.deposit_requirement(project=notice.project)
    form = forms.DepositRecordForm(request.POST or None, initial={"amount": requirement.amount})
    ok, deposit = form_submit(form, services.deposit_record, notice=notice, actor=request.user)
    if ok:
        messages.success(request, "保证金缴存已登记，通知书已标记为已缴存。")
        return redirect(deposit)
    return render(
        request, "deposits/deposit_form.html", {"form": form, "notice": notice, "requirement": requirement}
    )


_ACTIONS = {
    # action: (form, service, who may, success message)
    "use": (forms.DepositUseForm, services.deposit_use_for_arrears, "动用保证金支付欠薪已登记。"),
    "top_up": (forms.DepositTopUpForm, services.deposit_top_up, "保证金补足已登记。"),
    "request_return": (
        forms.DepositReturnRequestForm,
        services.deposit_request_return,
        "返还申请已登记，进入公示期。",
    ),
    "review": (forms.DepositReturnReviewForm, services.deposit_review_return, "返还审核已登记。"),
    "confirm": (
        forms.DepositReturnConfirmForm,
        services.deposit_confirm_return,
        "返还确认书已登记，保证金已返还。",
    ),
}


def _deposit_for(user, pk):
    return get_object_or_404(selectors.deposit_visible_to(user), pk=pk)


@login_required
def deposit_detail(request, pk, action=None, bound=None):
    deposit = _deposit_for(request.user, pk)
    user = request.user
    writer = not is_read_only(user)
    own = can_act_for_unit(user, deposit.project.unit_id)
    hrss = is_hrss(user)
    offered = {
        "use": hrss
        and deposit.status in (DepositStatus.DEPOSITED, DepositStatus.USED, DepositStatus.TOPPED_UP),
        "top_up": own and deposit.status == DepositStatus.USED,
        "request_return": own and deposit.status in (DepositStatus.DEPOSITED, DepositStatus.TOPPED_UP),
        "review": hrss and deposit.status == DepositStatus.RETURN_REQUESTED and deposit.reviewed_on is None,
        "confirm": hrss
        and deposit.status == DepositStatus.RETURN_REQUESTED
        and deposit.reviewed_on is not None,
    }
    action_forms = {
        name: (bound if name == action and bound is not None else _ACTIONS[name][0](prefix=name))
        for name, ok in offered.items()
        if ok and writer
    }
    shortfall = max(deposit.required_amount - deposit.balance, 0)
    return render(
        request,
        "deposits/deposit_detail.html",
        {
            "deposit": deposit,
            "shortfall": shortfall,
            "requirement": services.deposit_requirement(project=deposit.project),
            "action_forms": action_forms,
            "labels": {
                "use": "动用保证金支付欠薪",
                "top_up": "补足保证金",
                "request_return": "申请返还（书面承诺无拖欠）",
                "review": "返还审核",
                "confirm": "出具返还（销户）确认书",
            },
            "timeline": timeline(deposit),
        },
    )


@login_required
@require_POST
def deposit_action(request, pk, action):
    if action not in _ACTIONS:
        return redirect("deposits:deposit_detail", pk=pk)
    require_writer(request.user)
    deposit = _deposit_for(request.user, pk)
    form_class, service, done = _ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    ok, _ = form_submit(form, service, deposit=deposit, actor=request.user)
    if ok:
        messages.success(request, done)
        return redirect(deposit)
    return deposit_detail(request, pk, action=action, bound=form)


# ------------------------------------------------------------------------------------------- overdue (D4)


def _overdue_qs(request):
    g = request.GET
    return selectors.notice_overdue_search(
        request.user, q=g.get("q", "").strip(), unit=g.get("unit", ""), decided=g.get("decided", "")
    )


@login_required
def overdue_list(request):
    page, query = _page(request, _overdue_qs(request))
    return render(
        request,
        "deposits/overdue_list.html",
        {
            "page": page,
            "rows": selectors.overdue_rows(page.object_list),
            "query": query,
            "units": _units_for_filter(request.user),
            "g": request.GET,
            "fine_min": policy_value("D2.fine_min_yuan"),
            "fine_max": policy_value("D2.fine_max_yuan"),
            "may_decide": is_hrss(request.user),
            "today": timezone.localdate(),
        },
    )


@login_required
def overdue_export(request):
    low, high = policy_value("D2.fine_min_yuan"), policy_value("D2.fine_max_yuan")
    rows = (
        (
            r.notice.number,
            r.notice.unit.name,
            r.notice.project.name,
            r.notice.contractor.name,
            r.notice.deadline,
            r.days_overdue,
            low,
            high,
            "；".join(f"{d.decision_number}（{d.amount}元）" for d in r.decisions) or "未登记",
        )
        for r in selectors.overdue_rows(_overdue_qs(request))
    )
    headers = [
        "通知书编号",
        "下发单位",
        "项目名称",
        "施工总承包单位",
        "缴存期限",
        "逾期天数",
        "罚款下限（元）",
        "罚款上限（元）",
        "处罚决定",
    ]
    return xlsx_response(
        write_table(title="逾期未缴存保证金清单", headers=headers, rows=rows), "逾期未缴存保证金清单.xlsx"
    )


@login_required
def penalty_create(request, notice_pk):
    """D4: HRSS records the penalty decision for an overdue notice."""
    if not is_hrss(request.user):
        raise PermissionDenied("只有区人社局可以登记处罚决定")
    notice = get_object_or_404(Notice.objects.select_related("project", "contractor", "unit"), pk=notice_pk)
    form = forms.PenaltyDecisionForm(request.POST or None)
    ok, _ = form_submit(form, services.penalty_decide, notice=notice, actor=request.user)
    if ok:
        messages.success(request, "处罚决定已登记。")
        return redirect("deposits:overdue_list")
    return render(
        request,
        "deposits/overdue_penalty_form.html",
        {
            "form": form,
            "notice": notice,
            "fine_min": policy_value("D2.fine_min_yuan"),
            "fine_max": policy_value("D2.fine_max_yuan"),
            "decisions": notice.penalty_decisions.all(),
        },
    )


# ------------------------------------------------------------------------------------ guarantees (D1 1)


def _guarantees(request):
    g = request.GET
    qs = selectors.guarantee_visible_to(request.user)
    q = g.get("q", "").strip()
    if q:
        qs = qs.filter(text_match(q, "project__name", "guarantor", "document_number"))
    if g.get("expiring") == "1":
        today = timezone.localdate()
        days = int(policy_value("D1.guarantee_expiry_warning_days"))
        qs = qs.filter(valid_to__gte=today, valid_to__lte=today + dt.timedelta(days=days))
    return qs.order_by("valid_to", "pk")


@login_required
def guarantee_export(request):
    today = timezone.localdate()
    days = int(policy_value("D1.guarantee_expiry_warning_days"))
    rows = (
        (
            gu.project.name,
            gu.project.unit.name,
            gu.guarantor,
            gu.document_number,
            gu.amount,
            gu.valid_from,
            gu.valid_to,
            "已过期"
            if gu.valid_to < today
            else ("即将到期" if services.guarantee_expiring(gu, today, days=days) else "有效"),
        )
        for gu in _guarantees(request).iterator(chunk_size=500)
    )
    headers = [
        "项目名称",
        "所属单位",
        "担保机构",
        "保函编号",
        "担保金额（元）",
        "有效期自",
        "有效期至",
        "提醒",
    ]
    return xlsx_response(
        write_table(title="工程款支付担保台账", headers=headers, rows=rows), "工程款支付担保台账.xlsx"
    )


@login_required
def guarantee_list(request):
    g = request.GET
    page, query = _page(request, _guarantees(request))
    today = timezone.localdate()
    days = int(policy_value("D1.guarantee_expiry_warning_days"))
    rows = [
        (gu, services.guarantee_expiring(gu, today, days=days), gu.valid_to < today)
        for gu in page.object_list
    ]
    return render(
        request,
        "deposits/guarantee_list.html",
        {"page": page, "rows": rows, "query": query, "g": g, "may_record": not is_read_only(request.user)},
    )


@login_required
def guarantee_create(request):
    require_writer(request.user)
    projects = visible_to(request.user, Project.objects.all())
    if not is_hrss(request.user):
        projects = projects.filter(unit_id=request.user.unit_id)
    form = forms.GuaranteeForm(request.POST or None, projects=projects.order_by("name"))
    ok, _ = form_submit(form, services.guarantee_record, actor=request.user)
    if ok:
        messages.success(request, "工程款支付担保已登记。")
        return redirect("deposits:guarantee_list")
    return render(request, "deposits/guarantee_form.html", {"form": form})


# ------------------------------------------------------------------------------------- funds (D1 3, 4, 5)


@login_required
def fund_list(request):
    funds = list(selectors.fund_visible_to(request.user).order_by("kind", "pk"))
    targets = {
        FundKind.REVOLVING: policy_value("D1.emergency_revolving_yuan"),
        FundKind.RESERVE: policy_value("D1.emergency_reserve_yuan"),
    }
    emergency = [(f, targets[f.kind]) for f in funds if f.kind in EMERGENCY_FUND_KINDS]
    presale = [f for f in funds if f.kind == FundKind.PRESALE]
    user = request.user
    may_manage = can_act_as_unit_named(user, services.FUND_UNIT_SHORT_NAMES[FundKind.REVOLVING])
    may_presale = can_act_as_unit_named(user, services.FUND_UNIT_SHORT_NAMES[FundKind.PRESALE])
    return render(
        request,
        "deposits/fund_list.html",
        {
            "emergency": emergency,
            "presale": presale,
            "missing_emergency": may_manage and len(emergency) < len(EMERGENCY_FUND_KINDS),
            "may_presale": may_presale,
        },
    )


@login_required
@require_POST
def fund_open_emergency(request):
    services.fund_open_emergency(actor=request.user)
    messages.success(request, "应急周转金、应急储备金账户已建立。")
    return redirect("deposits:fund_list")


@login_required
def fund_presale_create(request):
    user = request.user
    if not can_act_as_unit_named(user, services.FUND_UNIT_SHORT_NAMES[FundKind.PRESALE]):
        raise PermissionDenied("只有区住房保障中心或区人社局可以建立预售监管资金账户")
    projects = (
        Project.objects.filter(category="housing").exclude(presale_funds__isnull=False).order_by("name")
    )
    form = forms.PresaleFundForm(request.POST or None, projects=projects)
    ok, fund = form_submit(form, services.fund_open_presale, actor=request.user)
    if ok:
        messages.success(request, "预售监管资金账户已建立。")
        return redirect(fund)
    return render(request, "deposits/fund_presale_form.html", {"form": form})


def _movement_projects(fund):
    if fund.project_id:
        return Project.objects.filter(pk=fund.project_id)
    return Project.objects.filter(status="pushed").order_by("name")


@login_required
def fund_detail(request, pk, bound=None):
    fund = get_object_or_404(selectors.fund_visible_to(request.user), pk=pk)
    user = request.user
    unit_ok = is_hrss(user) or getattr(user, "unit_id", None) == fund.unit_id
    form = None
    if unit_ok and not is_read_only(user):
        form = bound or forms.FundMovementForm(fund=fund, projects=_movement_projects(fund))
    series = selectors.fund_balance_series(fund)
    target = None
    if fund.kind == FundKind.REVOLVING:
        target = policy_value("D1.emergency_revolving_yuan")
    elif fund.kind == FundKind.RESERVE:
        target = policy_value("D1.emergency_reserve_yuan")
    return render(
        request,
        "deposits/fund_detail.html",
        {
            "fund": fund,
            "form": form,
            "series": series,
            "target": target,
            "inflow_kinds": [MovementKind.TOP_UP, MovementKind.RECOVERY],
            "timeline": timeline(fund),
        },
    )


@login_required
@require_POST
def fund_move(request, pk):
    fund = get_object_or_404(selectors.fund_visible_to(request.user), pk=pk)
    require_writer(request.user)
    if not (is_hrss(request.user) or request.user.unit_id == fund.unit_id):
        raise PermissionDenied("只有资金管理单位或区人社局可以办理")
    form = forms.FundMovementForm(request.POST, fund=fund, projects=_movement_projects(fund))
    ok, _ = form_submit(form, services.fund_move, fund=fund, actor=request.user)
    if ok:
        messages.success(request, "资金变动已登记。")
        return redirect(fund)
    return fund_detail(request, pk, bound=form)


@login_required
def fund_export(request, pk):
    fund = get_object_or_404(selectors.fund_visible_to(request.user), pk=pk)
    rows = (
        (
            m.occurred_on,
            m.get_kind_display(),
            m.amount if m.is_inflow else None,
            None if m.is_inflow else m.amount,
            m.balance_after,
            m.project.name if m.project else "",
            m.counterparty,
            m.note,
        )
        for m in fund.movements.select_related("project").order_by("recorded_at", "pk")
    )
    headers = ["发生日期", "类型", "收入（元）", "支出（元）", "余额（元）", "项目", "付款方/收款方", "摘要"]
    return xlsx_response(
        write_table(title=f"{fund.name}明细账", headers=headers, rows=rows), f"{fund.name}明细账.xlsx"
    )
