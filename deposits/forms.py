"""Clerk-facing forms of the deposits app: they parse; deposits.services decides."""

from django import forms

from deposits.models import KINDS_BY_FUND, DepositForm, Institution, MovementKind

# ------------------------------------------------- deposits, penalties, guarantees, fund movements (D1, D3, D4)
# Amounts are text fields on purpose: the services parse them and give the one Chinese message for "not a
# number", "≤ 0" or "more than two decimals", the same for the pages and the API.


class DepositRecordForm(forms.Form):
    form = forms.ChoiceField(label="缴存形式", choices=[("", "请选择")] + DepositForm.choices)
    institution = forms.ModelChoiceField(
        label="经办机构（附件3）", queryset=Institution.objects.all(), empty_label="请选择"
    )
    amount = forms.CharField(label="缴存金额（元）", max_length=30)
    document_number = forms.CharField(label="存单/保函/保单编号", max_length=60)
    deposited_on = forms.DateField(label="缴存日期", widget=forms.DateInput(attrs={"type": "date"}))
    valid_from = forms.DateField(
        label="有效期自",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="保函、保单必填",
    )
    valid_to = forms.DateField(
        label="有效期至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # D3: a paused institution is not offered; one posted anyway is refused by the service at this field.
        self.fields["institution"].choices = [("", "请选择")] + [
            (i.pk, i.name) for i in Institution.objects.accepting_new()
        ]


class DepositUseForm(forms.Form):
    amount = forms.CharField(label="动用金额（元）", max_length=30)
    used_on = forms.DateField(label="动用日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="说明", required=False, max_length=200)


class DepositTopUpForm(forms.Form):
    amount = forms.CharField(label="补足金额（元）", max_length=30)
    note = forms.CharField(label="说明", required=False, max_length=200)


class DepositReturnRequestForm(forms.Form):
    pledge = forms.CharField(label="无拖欠农民工工资书面承诺", widget=forms.Textarea(attrs={"rows": 3}))
    requested_on = forms.DateField(label="申请日期", widget=forms.DateInput(attrs={"type": "date"}))


class DepositReturnReviewForm(forms.Form):
    reviewed_on = forms.DateField(label="审核日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="审核意见", required=False, max_length=200)


class DepositReturnConfirmForm(forms.Form):
    number = forms.CharField(label="返还（销户）确认书编号", max_length=60)
    returned_on = forms.DateField(label="返还日期", widget=forms.DateInput(attrs={"type": "date"}))


class PenaltyDecisionForm(forms.Form):
    amount = forms.CharField(label="罚款金额（元）", max_length=30)
    decision_number = forms.CharField(label="处罚决定书文号", max_length=60)
    decided_on = forms.DateField(label="决定日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class GuaranteeForm(forms.Form):
    project = forms.ModelChoiceField(label="项目", queryset=None, empty_label="请选择")
    guarantor = forms.CharField(label="担保机构", max_length=100)
    document_number = forms.CharField(label="保函编号", max_length=60)
    amount = forms.CharField(label="担保金额（元）", max_length=30)
    valid_from = forms.DateField(label="有效期自", widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(label="有效期至", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="备注", required=False, max_length=200)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects


class PresaleFundForm(forms.Form):
    project = forms.ModelChoiceField(label="房屋建筑项目", queryset=None, empty_label="请选择")
    bank = forms.CharField(label="开户银行", max_length=100)
    account_number = forms.CharField(label="监管账号", max_length=40)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects


class FundMovementForm(forms.Form):
    kind = forms.ChoiceField(label="类型")
    amount = forms.CharField(label="金额（元）", max_length=30)
    occurred_on = forms.DateField(label="发生日期", widget=forms.DateInput(attrs={"type": "date"}))
    project = forms.ModelChoiceField(
        label="项目", queryset=None, required=False, empty_label="（不涉及项目）"
    )
    counterparty = forms.CharField(label="付款方/收款方", required=False, max_length=100)
    note = forms.CharField(label="摘要", required=False, max_length=200)

    def __init__(self, *args, fund, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, MovementKind(k).label) for k in KINDS_BY_FUND[fund.kind]]
        self.fields["project"].queryset = projects
