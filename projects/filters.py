"""P5: the ledger's filters, one set for the list page, the Excel export and the API.

`ledger_filterset(data, user=…)` starts from projects.selectors.project_ledger_base (the user's projects,
each with its P6 timeliness) and applies the query's filters and order; `.qs` is the result. A bad value is
reported at its field (`.errors`, in Chinese) and only that filter is dropped: the page shows the rest,
the export refuses rather than hand out a wider file, the API answers 400.
"""

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from common.models import Unit, UnitType, User
from common.search import text_match
from projects.models import Category, FundingType, Project, ProjectStatus, Timeliness
from projects.selectors import project_filter_timeliness, project_ledger_base, project_ordered

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Django's zh-hans translation of "Null characters are not allowed." reads "不允许是用空字符串。".
NO_NUL = {"null_characters_not_allowed": "搜索内容含有不允许的字符（空字符），请删除后重新搜索"}

ORDERING_CHOICES = [
    ("-created_at", "登记时间（新→旧）"),
    ("created_at", "登记时间（旧→新）"),
    ("push_deadline", "推送截止日期（早→晚）"),
    ("-push_deadline", "推送截止日期（晚→早）"),
    ("-pushed_at", "推送时间（新→旧）"),
    ("pushed_at", "推送时间（旧→新）"),
    ("-trigger_date", "依据发生日期（新→旧）"),
    ("trigger_date", "依据发生日期（旧→新）"),
    ("-contract_total_wan", "合同总额（高→低）"),
    ("contract_total_wan", "合同总额（低→高）"),
    ("name", "项目名称"),
    ("-name", "项目名称（倒序）"),
]


class LedgerFilterForm(forms.Form):
    def clean(self):
        cd = super().clean()
        if cd.get("date_from") and cd.get("date_to") and cd["date_from"] > cd["date_to"]:
            self.add_error("date_to", "结束日期不能早于开始日期")
        return cd


class LedgerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label="搜索",
        max_length=100,
        error_messages=NO_NUL,
        help_text="项目名称、企业名称包含的文字，或完整的统一社会信用代码",
        widget=forms.TextInput(attrs={"placeholder": "项目名称、企业名称或信用代码"}),
    )
    unit = django_filters.ModelChoiceFilter(
        label="所属单位", queryset=Unit.objects.exclude(unit_type=UnitType.HRSS), empty_label="全部"
    )
    street = django_filters.ModelChoiceFilter(
        label="所在街道", queryset=Unit.objects.filter(unit_type=UnitType.STREET), empty_label="全部"
    )
    category = django_filters.ChoiceFilter(label="类别", choices=Category.choices, empty_label="全部")
    funding_type = django_filters.ChoiceFilter(
        label="资金类型", choices=FundingType.choices, empty_label="全部"
    )
    status = django_filters.ChoiceFilter(label="状态", choices=ProjectStatus.choices, empty_label="全部")
    timeliness = django_filters.ChoiceFilter(
        label="时效",
        choices=Timeliness.choices,
        empty_label="全部",
        method="filter_timeliness",
        help_text="P6：on_time 按时推送，late 逾期推送，overdue 逾期未推送，pending 期限内待推送",
    )
    date_from = django_filters.DateFilter(
        label="依据日期自",
        field_name="trigger_date",
        lookup_expr="gte",
        widget=DATE_WIDGET,
        help_text="依据发生日期自（含）",
    )
    date_to = django_filters.DateFilter(
        label="至",
        field_name="trigger_date",
        lookup_expr="lte",
        widget=DATE_WIDGET,
        help_text="依据发生日期至（含）",
    )
    ordering = django_filters.ChoiceFilter(
        label="排序", choices=ORDERING_CHOICES, empty_label=None, method="filter_ordering"
    )

    class Meta:
        model = Project
        fields: list[str] = []
        form = LedgerFilterForm

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, user: User | None = None):
        user = user or request.user
        if queryset is None:
            queryset = project_ledger_base(user)
        super().__init__(data, queryset, request=request, prefix=prefix)
        if not user.sees_all_units:
            # A clerk sees their own unit only: the filter isn't offered, and a forged one is ignored.
            del self.filters["unit"]

    def filter_search(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        q = value.strip()
        if not q:
            return qs
        return qs.filter(
            text_match(q, "name", "owner__name", "contractor__name")
            | Q(owner__uscc=q.upper())
            | Q(contractor__uscc=q.upper())
        )

    def filter_timeliness(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        return project_filter_timeliness(qs, value)

    def filter_ordering(self, qs: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        return qs  # applied last, in filter_queryset, also when the parameter is absent or bad

    def filter_queryset(self, queryset: QuerySet[Project]) -> QuerySet[Project]:
        return project_ordered(super().filter_queryset(queryset), self.form.cleaned_data.get("ordering"))


def ledger_filterset(data, *, user: User) -> LedgerFilterSet:
    """The ledger filtered by `data` (a QueryDict or dict; None or empty: everything the user may see),
    newest registration first unless `ordering` says otherwise."""
    return LedgerFilterSet(data if data is not None else {}, user=user)
