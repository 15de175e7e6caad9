"""V4 pages: the list (every unit; filters status, reason, q by name or USCC; Excel), an entry's page with HRSS's
decisions, and HRSS's listing form (find the enterprise by USCC, tick its clues). Thin: supervision.blacklist
writes and reads; common.access (through it) decides who may."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.access import is_hrss, is_read_only, require_writer
from common.audit import timeline
from common.forms import form_add_service_errors, form_submit
from common.xlsx import write_table, xlsx_response
from projects.models import Enterprise

from . import blacklist
from .models import BlacklistReason, BlacklistStatus, Restriction

PAGE_SIZE = 20
REASON_CHOICES = [("", "请选择列入事由")] + BlacklistReason.choices


class BlacklistFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "企业名称或统一社会信用代码"}),
    )
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + BlacklistStatus.choices)
    reason = forms.ChoiceField(
        label="列入事由", required=False, choices=[("", "全部")] + BlacklistReason.choices
    )

    def search_params(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ListingFields(forms.Form):
    """V4: what a listing states (reason, facts, restrictions, persons, date, linked clues)."""

    reason = forms.ChoiceField(
        label="列入事由",
        choices=REASON_CHOICES,
        error_messages={"required": "请选择列入事由：列入失信联合惩戒名单须有事由（V4）"},
    )
    details = forms.CharField(
        label="事实经过",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写事实经过"},
    )
    restrictions = forms.MultipleChoiceField(
        label="惩戒措施",
        choices=Restriction.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一项惩戒措施"},
        help_text="V4：政府资金支持、政府采购、招投标、融资贷款、市场准入、税收优惠、评优评先、交通出行等方面依法限制",
    )
    responsible_persons = forms.CharField(
        label="相关责任人",
        required=False,
        max_length=200,
        help_text="法定代表人、主要负责人、直接责任人等",
    )
    listed_on = forms.DateField(label="列入日期", widget=_date_widget())
    clues = forms.ModelMultipleChoiceField(
        label="关联线索",
        required=False,
        queryset=Enterprise.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="该企业的欠薪线索（按企业关联或按欠薪单位名称）",
    )

    def __init__(self, *args, enterprise=None, **kwargs):
        super().__init__(*args, **kwargs)
        if enterprise is not None:
            self.fields["clues"].queryset = blacklist.enterprise_clues(enterprise)
            self.fields["clues"].label_from_instance = lambda c: (
                f"{c.number}｜{timezone.localtime(c.received_at):%Y-%m-%d}｜{c.workers_affected}人"
                f"｜{c.amount_owed:,.2f}元｜{c.get_status_display()}"
            )
        else:
            del self.fields["clues"]


class ListingForm(ListingFields):
    uscc = forms.CharField(
        label="统一社会信用代码",
        max_length=18,
        error_messages={"required": "请填写企业的统一社会信用代码"},
        help_text="输入后点“查找企业”，核对企业名称并勾选关联线索",
    )
    field_order = ["uscc"]


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="不予列入理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写不予列入的理由"},
    )


class RemoveForm(forms.Form):
    removed_on = forms.DateField(
        label="移出日期", widget=_date_widget(), error_messages={"required": "请填写移出日期"}
    )
    reason = forms.CharField(
        label="移出理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写移出理由"},
    )


# --- the list ----------------------------------------------------------------------------------------------


def _filters(request):
    form = BlacklistFilterForm(request.GET or None)
    return form, form.search_params()


@login_required
def blacklist_list(request):
    form, params = _filters(request)
    qs = blacklist.blacklist_search(request.user, **params).prefetch_related("clues")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.restriction_labels = blacklist.restriction_labels(entry.restrictions)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/blacklist/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_list": is_hrss(request.user) and not is_read_only(request.user),
        },
    )


@login_required
def blacklist_export(request):
    _form, params = _filters(request)
    qs = blacklist.blacklist_search(request.user, **params).prefetch_related("clues")
    rows = (
        (
            e.enterprise.name,
            e.enterprise.uscc,
            e.get_status_display(),
            e.get_reason_display() or "（待审核）",
            "、".join(blacklist.restriction_labels(e.restrictions)),
            e.details,
            e.responsible_persons,
            "、".join(c.number for c in e.clues.all()),
            e.listed_on,
            e.removed_on,
            e.removal_reason,
        )
        for e in qs.iterator(chunk_size=500)
    )
    data = write_table(
        title="失信联合惩戒名单",
        headers=[
            "企业名称",
            "统一社会信用代码",
            "状态",
            "列入事由",
            "惩戒措施",
            "事实经过",
            "相关责任人",
            "关联线索",
            "列入日期",
            "移出日期",
            "移出理由",
        ],
        rows=rows,
    )
    return xlsx_response(data, "失信联合惩戒名单.xlsx")


# --- one entry ---------------------------------------------------------------------------------------------


def _get_entry(request, pk):
    return get_object_or_404(blacklist.blacklist_visible_to(request.user), pk=pk)


def _render_detail(request, entry, bound=None, status=200):
    from clues.selectors import clue_visible_to

    user = request.user
    entries = timeline(entry)
    clues = list(entry.clues.select_related("street").order_by("-received_at"))
    readable = set(clue_visible_to(user).filter(pk__in=[c.pk for c in clues]).values_list("pk", flat=True))
    for clue in clues:
        clue.readable = clue.pk in readable
    decides = is_hrss(user) and not is_read_only(user)
    bound = bound or {}
    forms_ = {}
    if decides and entry.status == BlacklistStatus.PROPOSED:
        forms_["accept"] = bound.get("accept") or ListingFields(
            prefix="accept",
            enterprise=entry.enterprise,
            initial={
                "details": entry.details,
                "responsible_persons": entry.responsible_persons,
                "listed_on": timezone.localdate(),
                "clues": [c.pk for c in clues],
            },
        )
        forms_["reject"] = bound.get("reject") or RejectForm(prefix="reject")
    if decides and entry.status == BlacklistStatus.LISTED:
        forms_["remove"] = bound.get("remove") or RemoveForm(
            prefix="remove", initial={"removed_on": timezone.localdate()}
        )
    rejected = next((e for e in entries if e["code"] == "blacklist.rejected"), None)
    return render(
        request,
        "supervision/blacklist/detail.html",
        {
            "entry": entry,
            "restriction_labels": blacklist.restriction_labels(entry.restrictions),
            "clues": clues,
            "forms": forms_,
            "rejected": rejected,
            "timeline": entries,
            "failed": status == 400,
        },
        status=status,
    )


@login_required
def blacklist_detail(request, pk):
    return _render_detail(request, _get_entry(request, pk))


@login_required
@require_POST
def blacklist_act(request, pk, action):
    require_writer(request.user)
    entry = _get_entry(request, pk)
    # HRSS decides (V4): another unit's POST is refused outright (403), not shown as a form error.
    if not is_hrss(request.user):
        raise PermissionDenied(blacklist.HRSS_ONLY_MESSAGE)
    if action == "accept":
        form = ListingFields(request.POST, prefix="accept", enterprise=entry.enterprise)
        service, done = blacklist.blacklist_accept, "已列入失信联合惩戒名单"
    elif action == "reject":
        form = RejectForm(request.POST, prefix="reject")
        service, done = blacklist.blacklist_reject, "已决定不予列入"
    elif action == "remove":
        form = RemoveForm(request.POST, prefix="remove")
        service, done = blacklist.blacklist_remove, "已移出失信联合惩戒名单"
    else:
        raise Http404
    ok, _ = form_submit(form, service, user=request.user, entry=entry, denied_on_form=True)
    if ok:
        messages.success(request, f"{done}：{entry.enterprise.name}")
        return redirect("supervision:blacklist_detail", pk=entry.pk)
    return _render_detail(request, _get_entry(request, pk), bound={action: form}, status=400)


# --- listing -----------------------------------------------------------------------------------------------


@login_required
def blacklist_create(request):
    """V4: HRSS lists an employer. Step one finds the enterprise by its USCC (and shows its clues to tick); the
    same page then saves — nothing is saved when a reason, the facts or a restriction is missing."""
    user = request.user
    require_writer(user)
    if not is_hrss(user):
        raise PermissionDenied(blacklist.HRSS_ONLY_MESSAGE)
    enterprise = None
    if request.method == "POST":
        uscc = (request.POST.get("uscc") or "").strip().upper()
        enterprise = Enterprise.objects.filter(uscc=uscc).first() if uscc else None
        finding = "find" in request.POST
        if finding:
            form = ListingForm(
                initial={
                    **request.POST.dict(),
                    "uscc": uscc,
                    "restrictions": request.POST.getlist("restrictions"),
                    "clues": request.POST.getlist("clues"),
                },
                enterprise=enterprise,
            )
            if uscc and enterprise is None:
                form.lookup_error = "未找到该统一社会信用代码的企业（企业在项目推送或线索登记时登记）"
        else:
            form = ListingForm(request.POST, enterprise=enterprise)
            if form.is_valid() and enterprise is None:
                form.add_error("uscc", "未找到该统一社会信用代码的企业，请核对后点“查找企业”")
            if form.is_valid():
                data = dict(form.cleaned_data)
                data.pop("uscc")
                try:
                    entry = blacklist.blacklist_add(user=user, enterprise=enterprise, **data)
                except ValidationError as error:
                    form_add_service_errors(form, error, aliases={"enterprise": "uscc"})
                else:
                    messages.success(request, f"已列入失信联合惩戒名单：{entry.enterprise.name}")
                    return redirect("supervision:blacklist_detail", pk=entry.pk)
    else:
        pk = request.GET.get("enterprise") or ""
        enterprise = Enterprise.objects.filter(pk=pk).first() if pk.isdigit() else None
        initial = {"listed_on": timezone.localdate()}
        if enterprise is not None:
            initial["uscc"] = enterprise.uscc
        form = ListingForm(initial=initial, enterprise=enterprise)
    live = None
    if enterprise is not None:
        live = (
            blacklist.blacklist_visible_to(user)
            .filter(enterprise=enterprise, status__in=blacklist.LIVE)
            .first()
        )
    return render(
        request,
        "supervision/blacklist/form.html",
        {"form": form, "enterprise": enterprise, "live": live},
        status=400 if form.errors else 200,
    )
