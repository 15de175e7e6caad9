"""The C3 letters' pages: the list (filters, search, Excel), one letter with its PDF. Thin: the sweep writes
letters (clues.services), clues.selectors reads them, common.access (through the selector) scopes them."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from common.access import sees_all_units
from common.documents import document_response
from common.formats import format_datetime
from common.models import Notification, Unit
from common.sweeps import sweep
from common.xlsx import write_table, xlsx_response

from . import selectors
from .forms import DateRangeCheck
from .models import LetterKind, LetterStatus

PAGE_SIZE = 20
LETTERS_SWEEP = "clues.letters"  # registered in clues.apps


class LetterFilterForm(DateRangeCheck, forms.Form):
    DATE_RANGES = (("date_from", "date_to"),)

    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "发文字号、线索编号、欠薪单位"}),
    )
    kind = forms.ChoiceField(label="类型", required=False, choices=[("", "全部")] + LetterKind.choices)
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部")] + LetterStatus.choices)
    unit = forms.ModelChoiceField(
        label="责任单位", required=False, queryset=Unit.objects.none(), empty_label="全部"
    )
    date_from = forms.DateField(
        label="生成日期自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, show_unit: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if show_unit:
            self.fields["unit"].queryset = Unit.objects.filter(is_active=True).order_by("unit_type", "name")
        else:
            del self.fields["unit"]

    def search_params(self) -> dict:
        """The valid filters: one bad field (a malformed date typed into the URL) shows its error and is
        ignored, and the others still apply — not every filter dropped at once."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


def _filters(request):
    form = LetterFilterForm(request.GET or None, show_unit=sees_all_units(request.user))
    return form, form.search_params()


def _sweep_every() -> str:
    """ "5分钟": the letters sweep's registered interval, as the health page shows it (common.sweeps)."""
    try:
        return sweep(LETTERS_SWEEP).every_display
    except ValueError:
        return ""


@login_required
def letter_list(request):
    form, params = _filters(request)
    page = Paginator(selectors.letter_search(request.user, **params), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clues/letter_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "sweep_every": _sweep_every()},
    )


@login_required
def letter_export(request):
    _form, params = _filters(request)
    rows = (
        (
            x.number,
            x.get_kind_display(),
            x.clue.number,
            x.addressee,
            x.copy_to,
            x.responsible_unit.name if x.responsible_unit_id else "",
            x.clue.employer_name,
            x.facts.get("workers_affected"),
            x.clue.amount_owed,
            format_datetime(x.due_at),
            format_datetime(x.created_at),
            x.get_status_display(),
            format_datetime(x.sent_at),
        )
        for x in selectors.letter_search(request.user, **params).iterator(chunk_size=500)
    )
    data = write_table(
        title="提醒函与通报",
        headers=[
            "发文字号",
            "类型",
            "线索编号",
            "主送",
            "抄送",
            "责任单位",
            "欠薪单位",
            "涉及人数",
            "欠薪金额（元）",
            "应发时间",
            "生成时间",
            "状态",
            "发送时间",
        ],
        rows=rows,
    )
    return xlsx_response(data, "提醒函与通报.xlsx")


def _unit_not_reached(letter, told: list[Notification]) -> Unit | None:
    """The unit the letter is meant to reach in the system (a 提醒函's addressee, a 通报's copied unit — as
    clues.services.letter_send picks its clerks) when none of its clerks got the notice: a unit without a clerk's
    account must be sent the letter by hand. None when it was reached, or the letter is not sent yet."""
    if letter.status != LetterStatus.SENT:
        return None
    if letter.kind == LetterKind.REMINDER:
        unit = letter.addressee_unit
    else:
        unit = letter.responsible_unit or letter.clue.owner_unit
    if unit is None or any(n.recipient.unit_id == unit.pk for n in told):
        return None
    return unit


@login_required
def letter_detail(request, pk: int):
    letter = get_object_or_404(selectors.letter_visible_to(request.user), pk=pk)
    context = {"letter": letter, "facts": letter.facts, "notified": None, "unreached": None}
    if sees_all_units(request.user):
        told = list(
            Notification.objects.filter(event=f"clues.letter:{letter.pk}")
            .select_related("recipient__unit")
            .order_by("recipient__unit__sort_order", "recipient_id")
        )
        context.update(notified=told, unreached=_unit_not_reached(letter, told))
    return render(request, "clues/letter_detail.html", context)


@login_required
def letter_pdf(request, pk: int):
    letter = get_object_or_404(selectors.letter_visible_to(request.user), pk=pk)
    inline = request.GET.get("download") != "1"
    return document_response(
        letter.document, filename=f"{letter.get_kind_display()}-{letter.number}.pdf", inline=inline
    )
