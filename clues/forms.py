"""Forms of the clue pages: they parse input; clues.services decides (its Chinese errors land at these fields)."""

from django import forms
from django.utils import timezone

from common.models import Unit, UnitType

from .ladder import STEP_LABELS
from .models import AttachmentKind, Category, Channel, ClueStatus, Nature, ResultType
from .selectors import Colour

# The ladder funnel's stages (the dashboard's bars): a clue counts once it has reached the stage, C4 order.
REACHED_CHOICES = [
    (ClueStatus.DISPATCHED, "已交办及以后"),
    (ClueStatus.ACKNOWLEDGED, "已签收及以后"),
    (ClueStatus.IN_PROGRESS, "有进展及以后"),
    (ClueStatus.RESULT_SUBMITTED, "已报结果及以后"),
    (ClueStatus.CLOSED, "已办结"),
]


def _units():
    return Unit.objects.filter(is_active=True).order_by("sort_order", "pk")


def _streets():
    return _units().filter(unit_type=UnitType.STREET)


class DateRangeCheck:
    """A list filter's 自/至 date pairs: an end before its start is refused at the end's field."""

    DATE_RANGES: tuple[tuple[str, str], ...] = ()

    def clean(self):
        data = super().clean()
        for start, end in self.DATE_RANGES:
            if data.get(start) and data.get(end) and data[start] > data[end]:
                self.add_error(end, "截止日期不能早于起始日期")
        return data


class ClueFilterForm(DateRangeCheck, forms.Form):
    DATE_RANGES = (("received_from", "received_to"), ("closed_from", "closed_to"))
    SEARCH_HINT = "编号、投诉人、欠薪单位、项目"
    SEARCH_HINT_MASKED = (
        "编号、欠薪单位、项目"  # clues.filters: a reader of masked names cannot search by name
    )

    q = forms.CharField(
        label="搜索",
        required=False,
        widget=forms.TextInput(attrs={"placeholder": SEARCH_HINT}),
    )
    status = forms.ChoiceField(
        label="办理状态",
        required=False,
        choices=[("", "全部"), ("open", "在办（未办结）"), *ClueStatus.choices],
    )
    colour = forms.ChoiceField(
        label="时限", required=False, choices=[("", "全部"), *[(k, v) for k, v in Colour.LABELS.items()]]
    )
    unit = forms.ModelChoiceField(
        label="责任单位", required=False, queryset=Unit.objects.none(), empty_label="全部"
    )
    street = forms.ModelChoiceField(
        label="属地街道", required=False, queryset=Unit.objects.none(), empty_label="全部"
    )
    channel = forms.ChoiceField(label="线索来源", required=False, choices=[("", "全部"), *Channel.choices])
    received_from = forms.DateField(
        label="接收日期自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = forms.DateField(
        label="接收日期至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    overdue_step = forms.ChoiceField(
        label="逾期环节",
        required=False,
        choices=[("", "全部"), *STEP_LABELS.items()],
        help_text="C3：该环节已到期仍未完成的在办线索",
    )
    reached = forms.ChoiceField(label="办理进度", required=False, choices=[("", "全部"), *REACHED_CHOICES])
    closed_from = forms.DateField(
        label="办结日期自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    closed_to = forms.DateField(
        label="办结日期至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, name_searchable: bool = True, **kwargs):
        # Every reader filters by responsible unit: a clerk sees the clues their unit registered and handed on
        # too, and the dashboard's ranking links to them by unit.
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units()
        self.fields["street"].queryset = _streets()
        if not name_searchable:
            self.fields["q"].widget.attrs["placeholder"] = self.SEARCH_HINT_MASKED

    def search_params(self) -> dict:
        if not self.is_bound:
            return {}
        self.is_valid()
        # A bad value is reported at its field and dropped; the other filters still apply.
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern); each is checked by clue_attachment_add."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        if isinstance(data, list | tuple):
            return [one(d, initial) for d in data if d]
        return [one(data, initial)] if data else []


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        street = getattr(obj, "street", None)
        return f"{obj.name}（{street.name}）" if street is not None else obj.name


class ClueIntakeForm(forms.Form):
    """C1: every intake field. Formats are checked by clue_register (one place for the rules); the attachments by
    clue_attachment_add, in the same transaction (clues.views.clue_create)."""

    channel = forms.ChoiceField(label="线索来源", choices=[("", "请选择"), *Channel.choices])
    received_at = forms.DateTimeField(
        label="接收时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text="电话受理后补录的，填写实际接到的时间；不能晚于现在",
    )
    is_petition = forms.BooleanField(
        label="信访件", required=False, help_text="信访局转办的线索自动视为信访件"
    )
    complainant_name = forms.CharField(label="投诉人姓名", max_length=50)
    complainant_phone = forms.CharField(label="投诉人电话", max_length=30)
    complainant_id_number = forms.CharField(label="投诉人身份证号", max_length=18, required=False)
    workers_affected = forms.IntegerField(label="涉及人数", min_value=1)
    amount_owed = forms.DecimalField(label="欠薪金额（元）", max_digits=12, decimal_places=2, min_value=0.01)
    employer_uscc = forms.CharField(
        label="欠薪单位统一社会信用代码", max_length=18, required=False, help_text="已登记的企业按代码关联"
    )
    employer_name = forms.CharField(
        label="欠薪单位名称", max_length=200, required=False, help_text="未填写信用代码时必填"
    )
    project = ProjectChoiceField(
        label="涉及项目",
        required=False,
        queryset=None,
        empty_label="（未知或无）",
        help_text="可在上方按名称查找项目，已填写的内容不会丢失",
    )
    street = forms.ModelChoiceField(
        label="属地街道",
        queryset=Unit.objects.none(),
        required=False,
        empty_label="请选择",
        help_text="已选择涉及项目的可不选（取项目所在街道）",
    )
    nature = forms.ChoiceField(label="纠纷性质", choices=Nature.choices, initial=Nature.WAGE_ARREARS)
    category = forms.ChoiceField(label="行业领域", choices=Category.choices, initial=Category.CONSTRUCTION)
    description = forms.CharField(label="情况描述", widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(
        label="投诉材料",
        required=False,
        error_messages={"empty": "上传的文件是空文件"},
    )

    def __init__(self, *args, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["street"].queryset = _streets()
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))
        # Django's generic "该字段是必填项" names no field; say which, as the service does.
        for field in self.fields.values():
            verb = "请选择" if isinstance(field, forms.ChoiceField) else "请填写"
            field.error_messages["required"] = f"{verb}{field.label}"
        self.fields["workers_affected"].error_messages.update(
            min_value="涉及人数须大于0", invalid="涉及人数须为整数"
        )
        self.fields["amount_owed"].error_messages.update(
            min_value="欠薪金额须大于0", invalid="欠薪金额须为数字"
        )
        self.fields["attachments"].help_text = attachment_limits_text(several=True)


def attachment_limits_text(*, several: bool = False) -> str:
    """The limits clues.services.clue_attachment_add enforces, and the request cap in front of it (settings)."""
    from django.conf import settings

    from .services import ATTACHMENT_ALLOWED_TEXT, ATTACHMENT_MAX_BYTES

    text = f"{ATTACHMENT_ALLOWED_TEXT}，单个文件不超过{ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB"
    if several:
        text = f"可多选。{text}，一次合计不超过{settings.UPLOAD_MAX_BYTES // (1024 * 1024)} MB"
    return text

    def clean_received_at(self):
        value = self.cleaned_data["received_at"]
        if value and value > timezone.now():
            raise forms.ValidationError("接收时间不能晚于现在")
        return value


class ResponsibleForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="责任单位", queryset=Unit.objects.none(), required=False, empty_label="请选择"
    )
    person = forms.CharField(label="责任人", max_length=50, required=False)
    phone = forms.CharField(label="责任人电话", max_length=30, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = _units().exclude(unit_type=UnitType.HRSS)


class DispatchForm(ResponsibleForm):
    override_reason = forms.CharField(
        label="调整理由",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="所选单位与建议不同时必填",
    )
    note = forms.CharField(label="交办说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReassignForm(ResponsibleForm):
    reason = forms.CharField(label="改派理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ProgressForm(forms.Form):
    note = forms.CharField(label="办理进展", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ResultForm(forms.Form):
    result_type = forms.ChoiceField(
        label="办理结果", choices=[("", "请选择"), *ResultType.choices], required=False
    )
    amount_paid = forms.CharField(label="支付金额（元）", required=False, help_text="支付或垫付时填写")
    workers_paid = forms.CharField(label="支付人数", required=False)
    evidence = forms.CharField(label="证明材料说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReturnForm(forms.Form):
    reason = forms.CharField(label="退回理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(forms.Form):
    """C1/C5: one file; its type and size are checked by clues.services.clue_attachment_add (by content)."""

    kind = forms.ChoiceField(
        label="附件类别", choices=AttachmentKind.choices, initial=AttachmentKind.COMPLAINT
    )
    file = forms.FileField(
        label="文件",
        error_messages={"required": "请选择要上传的文件", "empty": "上传的文件是空文件"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = attachment_limits_text()
