"""Forms of the notice pages (P4/D2): the list's filters and the receipt. Formats only; rules in services."""

from django import forms

from common.models import Unit
from deposits.models import NoticeStatus


class NoticeFilterForm(forms.Form):
    q = forms.CharField(
        label="搜索", required=False, widget=forms.TextInput(attrs={"placeholder": "编号、项目或施工单位"})
    )
    unit = forms.ModelChoiceField(
        label="下发单位", required=False, queryset=Unit.objects.none(), empty_label="全部单位"
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), *NoticeStatus.choices]
    )
    overdue = forms.ChoiceField(
        label="是否逾期", required=False, choices=[("", "全部"), ("1", "已逾期未缴存"), ("0", "未逾期")]
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is None:
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = units

    def search_params(self) -> dict:
        """The valid filters as deposits.selectors.notice_search arguments (a bad value is dropped)."""
        data = self.cleaned_data if self.is_valid() else {}
        unit = data.get("unit")
        return {
            "q": data.get("q") or "",
            "unit": str(unit.pk) if unit else "",
            "status": data.get("status") or "",
            "overdue": data.get("overdue") or "",
        }


class NoticeReceiptForm(forms.Form):
    received_at = forms.DateTimeField(
        label="签收时间",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": "请填写签收时间", "invalid": "签收时间格式不正确，如 2026-12-01 16:28"},
    )
    signer = forms.CharField(
        label="签收人或盖章", max_length=50, error_messages={"required": "请填写签收人（或盖章单位）"}
    )
    position = forms.CharField(label="职务", max_length=50, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
