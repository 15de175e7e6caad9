"""The 五制 pages (S1–S6): the list of pushed projects with their state (filters, search, pages of 20, Excel) and a
project's 五制 page with every record and the forms to add them. Thin: supervision.five_systems decides and
writes; common.access (through its selectors and services) scopes."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.access import require_writer, sees_all_units
from common.audit import timeline
from common.forms import form_submit
from common.models import Unit
from common.policy import policy_snapshot
from common.xlsx import write_table, xlsx_response
from projects.models import Project

from . import five_systems as five
from .models import SubcontractorPayroll

PAGE_SIZE = 20
EXPORT_CHUNK = 500


def _date_widget(**attrs):
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


def _number_widget(minimum: int):
    return forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*", "data-min": minimum})


# ------------------------------------------------------------------------------------------------- forms
# Forms parse; the services decide (amounts and counts are text on purpose: the service gives the one Chinese
# message for "not a number", "≤ 0" or "negative", the same for the pages and the API).


class AllocationForm(forms.Form):
    allocated_on = forms.DateField(label="拨付日期", widget=_date_widget())
    amount = forms.CharField(label="拨付金额（元）", max_length=30)
    is_startup = forms.BooleanField(
        label="开工前首笔人工费", required=False, help_text="建设单位开工前按比例预拨至专用账户的人工费"
    )
    note = forms.CharField(label="说明", max_length=200, required=False)


class PayrollForm(forms.Form):
    month = forms.DateField(
        label="工资月份",
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    subcontractor_name = forms.CharField(
        label="分包单位", max_length=200, help_text="无分包的，填写施工总承包单位本单位"
    )
    workers = forms.CharField(label="人数", max_length=10, widget=_number_widget(1))
    amount = forms.CharField(label="代发金额（元）", max_length=30)
    paid_on = forms.DateField(
        label="代发日期", required=False, widget=_date_widget(), help_text="尚未代发的留空"
    )
    proof = forms.CharField(label="支付凭证", max_length=200, required=False, help_text="银行代发回单编号等")
    bank_confirmed_on = forms.DateField(
        label="银行代发确认日期",
        required=False,
        widget=_date_widget(),
        help_text="银行直接支付到农民工本人账户",
    )
    wage_cards_withheld = forms.BooleanField(label="存在扣押工资卡", required=False)


class PayrollUpdateForm(forms.Form):
    paid_on = forms.DateField(label="代发日期", required=False, widget=_date_widget())
    proof = forms.CharField(label="支付凭证", max_length=200, required=False)
    bank_confirmed_on = forms.DateField(label="银行代发确认日期", required=False, widget=_date_widget())
    wage_cards_withheld = forms.BooleanField(label="存在扣押工资卡", required=False)


class AccountForm(forms.Form):
    bank_name = forms.CharField(label="开户银行", max_length=100)
    account_number = forms.CharField(label="账号", max_length=40)
    opened_on = forms.DateField(label="开户日期", widget=_date_widget())
    filed_on = forms.DateField(
        label="向人社局备案日期", required=False, widget=_date_widget(), help_text="尚未备案的留空"
    )


class RealNameForm(forms.Form):
    labour_contracts = forms.CharField(label="签订劳动合同人数", max_length=10, widget=_number_widget(0))
    registered_workers = forms.CharField(label="实名登记人数", max_length=10, widget=_number_widget(0))
    labour_manager_name = forms.CharField(label="劳资专管员", max_length=50, required=False)
    labour_manager_phone = forms.CharField(label="劳资专管员电话", max_length=30, required=False)
    attendance_ledger = forms.BooleanField(label="已建立考勤台账", required=False)
    wage_ledger = forms.BooleanField(label="已建立工资台账", required=False)


class TrainingForm(forms.Form):
    held_on = forms.DateField(label="培训日期", widget=_date_widget())
    attendees = forms.CharField(label="参训人数", max_length=10, widget=_number_widget(1))
    trainer = forms.CharField(label="授课人/单位", max_length=100, required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)


# kind → (form, service, the project argument's name, success message, anchor, heading)
RECORDS = {
    "allocation": (AllocationForm, five.allocation_record, "已登记人工费拨付。", "s1", "登记人工费拨付"),
    "payroll": (PayrollForm, five.payroll_record, "已登记分包工资代发。", "s2", "登记分包工资代发"),
    "account": (AccountForm, five.wage_account_save, "已保存农民工工资专用账户。", "s3", "登记专用账户"),
    "real_name": (RealNameForm, five.real_name_save, "已更新实名制管理情况。", "s5", "更新实名制管理"),
    "training": (TrainingForm, five.training_record, "已登记岗位维权培训。", "s6", "登记岗位维权培训"),
}


def _required_messages(*form_classes) -> None:
    """A missing value is named at its field ("请填写拨付日期"), not Django's generic "该字段是必填项"."""
    for form_class in form_classes:
        for field in form_class.base_fields.values():
            if field.required:
                field.error_messages["required"] = f"请填写{str(field.label).split('（')[0]}"


_required_messages(*(spec[0] for spec in RECORDS.values()), PayrollUpdateForm)


def _initial(kind: str, facts: five.Facts) -> dict:
    if kind == "account" and facts.account:
        a = facts.account
        return {
            "bank_name": a.bank_name,
            "account_number": a.account_number,
            "opened_on": a.opened_on,
            "filed_on": a.filed_on,
        }
    if kind == "real_name" and facts.real_name:
        r = facts.real_name
        return {
            "labour_contracts": r.labour_contracts,
            "registered_workers": r.registered_workers,
            "labour_manager_name": r.labour_manager_name,
            "labour_manager_phone": r.labour_manager_phone,
            "attendance_ledger": r.attendance_ledger,
            "wage_ledger": r.wage_ledger,
        }
    return {}


def _project_for(user, pk: int) -> Project:
    return get_object_or_404(
        five.five_projects_visible_to(user).select_related("unit", "street", "contractor", "owner"), pk=pk
    )


# ------------------------------------------------------------------------------------------ project page


@login_required
def five_project(request, pk: int, *, bound: dict | None = None, status: int = 200):
    """A pushed project's 五制: the checklist, every record by rule, and (for writers) the forms."""
    project = _project_for(request.user, pk)
    today = timezone.localdate()
    may_write = five.may_write_five_systems(request.user, project)
    bound = bound or {}
    with policy_snapshot():
        rules = five.Rules.load()
        facts = five.load_facts([project.pk])[project.pk]
        items = five.checklist_from(project, facts, today, rules)
        filing_due = five.account_filing_due(facts.account.opened_on) if facts.account else None
        open_due = five.account_open_due(project)
        training_due = five.training_due(project)
        pay_dates = {p.pk: rules.pay_date(p.month) for p in facts.payrolls}
    record_forms = {}
    if may_write:
        for kind, (form_class, *_rest) in RECORDS.items():
            record_forms[kind] = bound.get(kind) or form_class(prefix=kind, initial=_initial(kind, facts))
    payrolls = list(reversed(facts.payrolls))
    for p in payrolls:
        p.pay_date = pay_dates[p.pk]
        p.late = p.paid_on is None and p.pay_date < today
        p.days_late = (p.paid_on - p.pay_date).days if p.paid_on and p.paid_on > p.pay_date else 0
        if may_write:
            p.update_form = bound.get(f"payroll-{p.pk}") or PayrollUpdateForm(
                prefix=f"p{p.pk}",
                initial={
                    "paid_on": p.paid_on,
                    "proof": p.proof,
                    "bank_confirmed_on": p.bank_confirmed_on,
                    "wage_cards_withheld": p.wage_cards_withheld,
                },
            )
            p.form_open = f"payroll-{p.pk}" in bound
    entries = [e for e in timeline(project, limit=200) if (e["code"] or "").startswith("five.")][:30]
    return render(
        request,
        "supervision/five_systems/project.html",
        {
            "project": project,
            "items": items,
            "red": sum(1 for i in items if i.state == five.RED),
            "yellow": sum(1 for i in items if i.state == five.YELLOW),
            "facts": facts,
            "allocations": list(reversed(facts.allocations)),
            "payrolls": payrolls,
            "trainings": list(reversed(facts.trainings)),
            "open_due": open_due,
            "filing_due": filing_due,
            "training_due": training_due,
            "may_write": may_write,
            "forms": record_forms,
            "headings": {kind: spec[4] for kind, spec in RECORDS.items()},
            "timeline": entries,
            "today": today,
        },
        status=status,
    )


def _writer_project(request, pk: int) -> Project:
    require_writer(request.user)
    project = _project_for(request.user, pk)
    if not five.may_write_five_systems(request.user, project):
        raise PermissionDenied(five.NOT_YOUR_UNIT)
    return project


@login_required
@require_POST
def five_record(request, pk: int, kind: str):
    if kind not in RECORDS:
        return redirect("supervision:five_project", pk=pk)
    project = _writer_project(request, pk)
    form_class, service, done, anchor, _heading = RECORDS[kind]
    form = form_class(request.POST, prefix=kind)
    ok, _ = form_submit(form, service, project=project, actor=request.user)
    if ok:
        messages.success(request, done)
        return redirect(f"{project_url(project)}#{anchor}")
    return five_project(request, pk, bound={kind: form}, status=400)


@login_required
@require_POST
def five_payroll_update(request, pk: int, payroll_pk: int):
    project = _writer_project(request, pk)
    payroll = get_object_or_404(SubcontractorPayroll, pk=payroll_pk, project=project)
    form = PayrollUpdateForm(request.POST, prefix=f"p{payroll.pk}")
    ok, _ = form_submit(form, five.payroll_update, payroll=payroll, actor=request.user)
    if ok:
        messages.success(request, f"已更新 {payroll.subcontractor_name} {payroll.month:%Y-%m} 的代发情况。")
        return redirect(f"{project_url(project)}#s2")
    return five_project(request, pk, bound={f"payroll-{payroll.pk}": form}, status=400)


def project_url(project: Project) -> str:
    return reverse("supervision:five_project", args=[project.pk])


# ---------------------------------------------------------------------------------------------------- list


class FiveFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "项目名称、施工总承包单位"}),
    )
    state = forms.ChoiceField(
        label="五制状态",
        required=False,
        choices=[
            ("", "全部"),
            ("red", "红色（逾期或缺失）"),
            ("yellow", "黄色（3日内到期）"),
            ("green", "绿色"),
        ],
    )
    unit = forms.ModelChoiceField(
        label="所属行业部门", required=False, queryset=Unit.objects.none(), empty_label="全部"
    )

    def __init__(self, *args, show_unit: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(pushes_projects=True).order_by("sort_order", "pk")
        if not show_unit:
            # A clerk's list is their own unit's; a ?unit= link still filters (another unit's: nothing), as on
            # the other supervision lists, so the count matches the link's.
            self.fields["unit"].widget = forms.HiddenInput()

    def params(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "state": data.get("state") or "",
            "unit": data["unit"].pk if data.get("unit") else None,
        }


def _filters(request):
    form = FiveFilterForm(request.GET or None, show_unit=sees_all_units(request.user))
    return form, form.params()


@login_required
def five_list(request):
    """supervision:five_list ?state=red|yellow|green &unit=<id> &q=: pushed projects with their stored 五制 state
    (the dashboard links here with these parameters; the count shown is the dashboard's)."""
    form, params = _filters(request)
    qs = five.five_project_search(request.user, **params)
    unfiltered_state = five.five_project_search(request.user, **{**params, "state": ""})
    counts = five.five_state_counts(unfiltered_state)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    today = timezone.localdate()
    checklists = five.checklists_for(rows, today)
    for p in rows:
        p.items = checklists[p.pk]
        p.five_state = five.compliance_state(getattr(p, "compliance", None))
        p.next_deadline = min((i.due_on for i in p.items if i.due_on and i.due_on >= today), default=None)
    query = request.GET.copy()
    query.pop("page", None)
    base = request.GET.copy()
    for key in ("page", "state"):
        base.pop(key, None)
    return render(
        request,
        "supervision/five_systems/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "counts": counts,
            "state": params.get("state", ""),
            "query": query.urlencode(),
            "base_query": base.urlencode(),
            "codes": [(code, label) for code, label, _ in five.ITEMS],
            "today": today,
        },
    )


def _cell(item: five.ChecklistItem) -> str:
    return f"{item.state_label}：{item.reason}"


@login_required
def five_export(request):
    _form, params = _filters(request)
    qs = five.five_project_search(request.user, **params)
    today = timezone.localdate()

    def rows():
        chunk: list[Project] = []
        for project in qs.iterator(chunk_size=EXPORT_CHUNK):
            chunk.append(project)
            if len(chunk) == EXPORT_CHUNK:
                yield from _export_rows(chunk, today)
                chunk = []
        yield from _export_rows(chunk, today)

    data = write_table(
        title=f"五制落实情况（{today:%Y-%m-%d}）",
        headers=[
            "项目名称",
            "所属行业部门",
            "施工总承包单位",
            "合同签订日期",
            "计划开工日期",
            "五制状态",
            "红色项",
            "黄色项",
            *[f"{code} {label}" for code, label, _ in five.ITEMS],
        ],
        rows=rows(),
    )
    return xlsx_response(data, f"五制落实情况-{today:%Y%m%d}.xlsx")


def _export_rows(projects: list[Project], today):
    if not projects:
        return
    checklists = five.checklists_for(projects, today)
    for p in projects:
        state = five.compliance_state(getattr(p, "compliance", None))
        compliance = getattr(p, "compliance", None)
        yield (
            p.name,
            p.unit.name,
            p.contractor.name if p.contractor_id else "",
            p.contract_signed_on,
            p.planned_start_on,
            five.STATE_LABELS.get(state, "待计算"),
            compliance.red_items if compliance else None,
            compliance.yellow_items if compliance else None,
            *[_cell(item) for item in checklists[p.pk]],
        )
