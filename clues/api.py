"""API for wage-arrears clues (SPEC C1–C6, issue 7 part 10): intake, the list, a clue with its timeline, one POST
per transition and the C2 routing suggestion — thin, scoped and written exactly like the pages.

Reads start from clues.selectors.clue_visible_to (the list through clues.filters.clue_search, the page's and the
export's one filter): a clue another unit holds is a 404, the same answer as an id that doesn't exist. Writes call clues.services (the functions the pages call), so every refusal carries the service's
Chinese message: a wrong state is 400 at `non_field_errors`, a wrong role or unit 403, bad input 400 at its field.
The complainant's name, phone and ID number are masked (common.masking) for viewers
clues.selectors.clue_sees_personal_data refuses — other units and leaders.
"""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from clues import services
from clues.filters import clue_search
from clues.forms import REACHED_CHOICES
from clues.ladder import STEP_LABELS
from clues.models import (
    AttachmentKind,
    Category,
    Channel,
    Clue,
    ClueStatus,
    Letter,
    LetterKind,
    LetterStatus,
    Nature,
    ResultType,
)
from clues.routing import route_facts_for, suggest_route
from clues.selectors import (
    Colour,
    clue_annotate_colour,
    clue_complainant,
    clue_visible_to,
    letter_search,
    letter_visible_to,
)
from common.audit import timeline
from common.documents import document_response
from common.masking import mask_id_number, mask_name, mask_phone
from common.models import Unit, UnitType
from projects.api import UnitBriefSerializer
from projects.models import Enterprise
from projects.selectors import project_visible_to

LIST_RELATED = ("street", "owner_unit", "responsible_unit", "project")
COMPLAINANT_FIELDS = ("complainant_name", "complainant_phone", "complainant_id_number")
COLOUR_CHOICES = [(Colour.GREEN, "绿"), (Colour.YELLOW, "黄"), (Colour.RED, "红")]


def _mask_personal(value):
    """Masks a complainant field in the timeline's diffs: the value's shape says which field it was."""
    text = str(value or "")
    if not text:
        return ""
    if len(text) == 18 and text[:17].isdigit():
        return mask_id_number(text)
    if any(c.isdigit() for c in text):
        return mask_phone(text)
    return mask_name(text)


# --- the list's query ---------------------------------------------------------------------------------------


class ClueQuerySerializer(serializers.Serializer):
    """The list's filters (part 8), parsed here and applied by clues.filters.clue_search — the one filter of the
    list page, its Excel export and this API, so all three show the same clues. A bad value is a 400 at its
    parameter."""

    q = serializers.CharField(
        required=False, allow_blank=True, help_text="搜索：线索编号、投诉人、欠薪单位、项目名称"
    )
    status = serializers.ChoiceField(
        choices=[("open", "未办结"), *ClueStatus.choices],
        required=False,
        allow_blank=True,
        help_text="办理阶段",
    )
    colour = serializers.ChoiceField(
        choices=COLOUR_CHOICES,
        required=False,
        allow_blank=True,
        help_text="期限颜色：green 绿（按期）、yellow 黄（24小时内到期）、red 红（已逾期）",
    )
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, help_text="责任单位 id"
    )
    street = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(unit_type=UnitType.STREET),
        required=False,
        allow_null=True,
        help_text="属地街道 id",
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices, required=False, allow_blank=True, help_text="线索来源"
    )
    date_from = serializers.DateField(required=False, allow_null=True, help_text="接收日期起（含）")
    date_to = serializers.DateField(required=False, allow_null=True, help_text="接收日期止（含）")
    overdue_step = serializers.ChoiceField(
        choices=list(STEP_LABELS.items()),
        required=False,
        allow_blank=True,
        help_text="C3 逾期环节：该环节已到期仍未完成的在办线索（dispatch 交办、feedback 签收反馈、reminder 提醒函、"
        "escalation 报告区政府主要领导）",
    )
    reached = serializers.ChoiceField(
        choices=REACHED_CHOICES,
        required=False,
        allow_blank=True,
        help_text="办理进度：已到该阶段或其后的线索",
    )
    closed_from = serializers.DateField(required=False, allow_null=True, help_text="办结日期起（含）")
    closed_to = serializers.DateField(required=False, allow_null=True, help_text="办结日期止（含）")

    def validate(self, attrs):
        for start, end in (("date_from", "date_to"), ("closed_from", "closed_to")):
            if attrs.get(start) and attrs.get(end) and attrs[start] > attrs[end]:
                raise serializers.ValidationError({end: "截止日期不能早于起始日期"})
        return attrs

    def search_params(self) -> dict:
        values = dict(self.validated_data)
        values["received_from"] = values.pop("date_from", None)
        values["received_to"] = values.pop("date_to", None)
        return values


# --- serializers -----------------------------------------------------------------------------------------


class ComplainantSerializer(serializers.Serializer):
    name = serializers.CharField(label="投诉人姓名")
    phone = serializers.CharField(label="投诉人电话")
    id_number = serializers.CharField(label="投诉人身份证号")


class TimelineChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.CharField(allow_null=True)
    new = serializers.CharField(allow_null=True)


class TimelineEntrySerializer(serializers.Serializer):
    when = serializers.DateTimeField()
    who = serializers.CharField(allow_null=True, help_text="办理人；系统操作为 null")
    action = serializers.CharField(help_text="操作（中文）")
    code = serializers.CharField(help_text="操作代码，如 clue.dispatched")
    note = serializers.CharField()
    changes = TimelineChangeSerializer(many=True)


class RouteSerializer(serializers.Serializer):
    """C2: the suggested responsible unit, the assisting street, the reason in words and the outcome path."""

    unit = UnitBriefSerializer(allow_null=True, help_text="建议责任单位")
    assisting_street = UnitBriefSerializer(allow_null=True, help_text="协助街道")
    reason = serializers.CharField(help_text="分办理由")
    outcome_path = serializers.CharField(help_text="处理途径：督促支付欠薪、司法途径、对接上级主管部门")


class ClueListSerializer(serializers.ModelSerializer):
    channel_display = serializers.CharField(source="get_channel_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    colour = serializers.CharField(read_only=True, help_text="green / yellow / red；已办结为空")
    colour_display = serializers.SerializerMethodField(help_text="绿 / 黄 / 红；已办结为空")
    complainant = serializers.SerializerMethodField(help_text="非本单位及领导看到的是脱敏后的信息")
    street = UnitBriefSerializer(read_only=True)
    owner_unit = UnitBriefSerializer(read_only=True)
    responsible_unit = UnitBriefSerializer(read_only=True, allow_null=True)
    project_name = serializers.CharField(source="project.name", read_only=True, default="")

    class Meta:
        model = Clue
        fields = [
            "id", "number", "channel", "channel_display", "is_petition", "received_at", "complainant",
            "workers_affected", "amount_owed", "employer_name", "project", "project_name", "street", "status",
            "status_display", "colour", "colour_display", "owner_unit", "responsible_unit", "next_deadline_at",
            "repeat_of", "repeat_count",
        ]  # fmt: skip
        read_only_fields = fields

    def get_colour_display(self, clue) -> str:
        return Colour.LABELS.get(getattr(clue, "colour", ""), "")

    @extend_schema_field(ComplainantSerializer)
    def get_complainant(self, clue) -> dict:
        return clue_complainant(self.context["request"].user, clue)


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="complaint 投诉材料 / evidence 办理结果证明材料")
    kind_display = serializers.CharField(source="get_kind_display")
    original_name = serializers.CharField(label="原文件名")
    content_type = serializers.CharField(label="文件类型（按内容识别）")
    size = serializers.IntegerField(label="大小（字节）")
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField(help_text="下载地址（仅有权查看该线索的用户可下载）")

    def get_download_url(self, attachment) -> str:
        from django.urls import reverse

        return reverse("clues:attachment_download", args=[attachment.clue_id, attachment.pk])


class AttachmentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=AttachmentKind.choices, default=AttachmentKind.COMPLAINT, label="附件类别"
    )
    file = serializers.FileField(
        label="文件", help_text="JPG、PNG、PDF、DOC、DOCX、XLS、XLSX，不超过10 MB；按内容识别类型"
    )


class ClueDetailSerializer(ClueListSerializer):
    nature_display = serializers.CharField(source="get_nature_display", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    registering_unit = UnitBriefSerializer(read_only=True)
    registered_by_name = serializers.CharField(source="registered_by.display_name", read_only=True)
    route = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(ClueListSerializer.Meta):
        fields = [
            *ClueListSerializer.Meta.fields,
            "employer", "nature", "nature_display", "category", "category_display", "description",
            "registering_unit", "registered_by_name", "registered_at", "route", "route_override_reason",
            "responsible_person", "responsible_phone", "dispatched_at", "acknowledged_at", "first_progress_at",
            "result_at", "closed_at", "timeline", "attachments",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(RouteSerializer)
    def get_route(self, clue) -> dict:
        """C2 as stored at intake (the dispatcher confirms it or overrides it with a reason)."""
        brief = UnitBriefSerializer
        return {
            "unit": brief(clue.suggested_unit).data if clue.suggested_unit else None,
            "assisting_street": brief(clue.assisting_street).data if clue.assisting_street else None,
            "reason": clue.route_reason,
            "outcome_path": clue.outcome_path,
        }

    @extend_schema_field(TimelineEntrySerializer(many=True))
    def get_timeline(self, clue) -> list:
        whole = self.context.get("sees_personal", False)
        entries = timeline(clue, masked_fields=() if whole else COMPLAINANT_FIELDS, mask=_mask_personal)
        return [
            {
                "when": e["when"],
                "who": e["who"].display_name if e["who"] else None,
                "action": e["action"],
                "code": e["code"],
                "note": e["note"],
                "changes": [
                    {"field": str(label), "old": _str(old), "new": _str(new)}
                    for label, old, new in e["changes"]
                ],
            }
            for e in entries
        ]


def _str(value):
    return None if value is None else str(value)


def _datetime_not_future(value):
    if value > timezone.now():
        raise serializers.ValidationError("接收时间不能晚于现在")
    return value


class ClueCreateSerializer(serializers.Serializer):
    """C1 intake. Format only here; every rule (phone, 居民身份证号 by python-stdnum cn.ric, amount, bounds) is
    clues.services.clue_register's and comes back at these field names."""

    channel = serializers.ChoiceField(choices=Channel.choices, label="线索来源")
    is_petition = serializers.BooleanField(
        default=False, label="信访件", help_text="信访局转办的线索自动为信访件"
    )
    received_at = serializers.DateTimeField(
        label="接收时间",
        help_text="接到线索的时间，可早于现在（电话受理后补录），不能晚于现在；C3 期限由此起算",
        validators=[_datetime_not_future],
    )
    complainant_name = serializers.CharField(max_length=50, label="投诉人姓名")
    complainant_phone = serializers.CharField(max_length=30, label="投诉人电话")
    complainant_id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, default="")
    workers_affected = serializers.IntegerField(label="涉及人数")
    amount_owed = serializers.CharField(max_length=30, label="欠薪金额（元）", help_text="如 86000.50")
    street = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(unit_type=UnitType.STREET, is_active=True),
        required=False,
        allow_null=True,
        label="属地街道",
        help_text="关联项目时可省略（取项目所在街道）",
    )
    employer = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), required=False, allow_null=True, label="欠薪单位（已登记企业）"
    )
    employer_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    project = serializers.IntegerField(required=False, allow_null=True, label="涉及项目 id")
    nature = serializers.ChoiceField(choices=Nature.choices, default=Nature.WAGE_ARREARS, label="纠纷性质")
    category = serializers.ChoiceField(
        choices=Category.choices, default=Category.CONSTRUCTION, label="行业领域"
    )
    description = serializers.CharField(label="情况描述")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", label="备注")


class ProgressSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, label="办理进展")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, label="理由")


class _Responsible(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True),
        label="责任单位",
        error_messages={"does_not_exist": "责任单位不存在", "incorrect_type": "请选择责任单位"},
    )
    person = serializers.CharField(max_length=50, allow_blank=True, label="责任人")
    phone = serializers.CharField(max_length=30, allow_blank=True, label="责任人电话")


class DispatchSerializer(_Responsible):
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        label="调整分办理由",
        help_text="所选单位与建议单位不同时必填（C2）",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", label="备注")


class ReassignSerializer(_Responsible):
    reason = serializers.CharField(allow_blank=True, label="改派理由")


class ResultSerializer(serializers.Serializer):
    result_type = serializers.ChoiceField(choices=ResultType.choices, label="办理结果")
    evidence = serializers.CharField(allow_blank=True, label="证明材料说明")
    amount_paid = serializers.CharField(max_length=30, required=False, allow_null=True, default=None)
    workers_paid = serializers.IntegerField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class LinkRepeatSerializer(serializers.Serializer):
    original = serializers.IntegerField(label="原线索 id")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RouteRequestSerializer(serializers.Serializer):
    """C2 facts: a project id (its owning unit, bidder, funding, street), or the street and the field."""

    project = serializers.IntegerField(required=False, allow_null=True, default=None, label="项目 id")
    street = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(unit_type=UnitType.STREET),
        required=False,
        allow_null=True,
        default=None,
        label="属地街道",
    )
    category = serializers.ChoiceField(
        choices=Category.choices, default=Category.CONSTRUCTION, label="行业领域"
    )
    nature = serializers.ChoiceField(choices=Nature.choices, default=Nature.WAGE_ARREARS, label="纠纷性质")
    city_level_or_cross_border = serializers.BooleanField(default=False, label="市级或跨区域项目")


# --- views -----------------------------------------------------------------------------------------------

DETAIL = {200: ClueDetailSerializer}


@extend_schema(tags=["欠薪线索"])
@extend_schema_view(
    list=extend_schema(
        parameters=[ClueQuerySerializer],
        summary="线索列表",
        description="经办人只看到本单位持有、承办或登记的线索；人社局、领导、管理员看到全区。"
        "筛选：status、colour（green 绿 / yellow 黄 / red 红）、unit、street、channel、date_from、date_to；"
        "q 搜索编号、投诉人、欠薪单位、项目。投诉人信息对其他单位和领导脱敏。",
    ),
    retrieve=extend_schema(summary="线索详情（含办理记录和分办建议）", description="其他单位的线索返回404。"),
    create=extend_schema(
        summary="登记线索（C1）",
        description="人社局调度员登记各渠道线索，信访局经办人登记信访件。received_at 可早于现在（补录），不能晚于现在。",
        request=ClueCreateSerializer,
        responses={201: ClueDetailSerializer},
    ),
)
class ClueViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ClueListSerializer
    queryset = Clue.objects.none()  # schema only; requests go through get_queryset
    filter_backends = []  # the list's filters are clues.filters.clue_search's (ClueQuerySerializer)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Clue.objects.none()
        if self.action == "list":
            query = ClueQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            return clue_search(self.request.user, **query.search_params())
        qs = clue_visible_to(self.request.user).select_related(
            *LIST_RELATED, "registering_unit", "registered_by", "suggested_unit", "assisting_street"
        )
        return clue_annotate_colour(qs)

    def get_serializer_class(self):
        return ClueListSerializer if self.action == "list" else ClueDetailSerializer

    def _output(self, clue: Clue, status_code: int = status.HTTP_200_OK) -> Response:
        # Read unscoped once, right after the service let this user act: a unit that has just returned the
        # clue to HRSS (C6) no longer holds it, yet gets the outcome of its own action — masked, as it is
        # no longer the holder (clue_sees_personal_data).
        qs = Clue.objects.select_related(
            *LIST_RELATED, "registering_unit", "registered_by", "suggested_unit", "assisting_street"
        )
        return self._detail(clue_annotate_colour(qs).get(pk=clue.pk), status_code)

    def _detail(self, clue: Clue, status_code: int = status.HTTP_200_OK) -> Response:
        from clues.selectors import clue_sees_personal_data

        context = self.get_serializer_context() | {
            "sees_personal": clue_sees_personal_data(self.request.user, clue)
        }
        return Response(ClueDetailSerializer(clue, context=context).data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object())

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def create(self, request, *args, **kwargs):
        values = self._input(ClueCreateSerializer)
        project_id = values.pop("project", None)
        values["project"] = None
        if project_id is not None:
            values["project"] = project_visible_to(request.user).filter(pk=project_id).first()
            if values["project"] is None:
                raise exceptions.ValidationError({"project": ["项目不存在或无权查看"]})
        clue = services.clue_register(user=request.user, **values)
        return self._output(clue, status.HTTP_201_CREATED)

    # --- one POST per transition (C4), each the pages' service ---

    @extend_schema(summary="交办（C3 第1步）", request=DispatchSerializer, responses=DETAIL)
    # Named dispatch_clue: `dispatch` is APIView's own request entry point.
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_clue(self, request, pk=None):
        clue = services.clue_dispatch(
            user=request.user, clue=self.get_object(), **self._input(DispatchSerializer)
        )
        return self._output(clue)

    @extend_schema(summary="签收（C3 第2步）", request=NoteSerializer, responses=DETAIL)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        clue = services.clue_acknowledge(
            user=request.user, clue=self.get_object(), **self._input(NoteSerializer)
        )
        return self._output(clue)

    @extend_schema(summary="记录办理进展", request=ProgressSerializer, responses=DETAIL)
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        progress = services.clue_note_progress(
            user=request.user, clue=self.get_object(), **self._input(ProgressSerializer)
        )
        return self._output(progress.clue)

    @extend_schema(summary="提交办理结果（C5）", request=ResultSerializer, responses=DETAIL)
    @action(detail=True, methods=["post"], url_path="submit-result")
    def submit_result(self, request, pk=None):
        result = services.clue_submit_result(
            user=request.user, clue=self.get_object(), **self._input(ResultSerializer)
        )
        return self._output(result.clue)

    @extend_schema(summary="确认办结（C5，人社局）", request=NoteSerializer, responses=DETAIL)
    @action(detail=True, methods=["post"], url_path="confirm-closure")
    def confirm_closure(self, request, pk=None):
        clue = services.clue_confirm_closure(
            user=request.user, clue=self.get_object(), **self._input(NoteSerializer)
        )
        return self._output(clue)

    @extend_schema(summary="退回人社局（C6）", request=ReasonSerializer, responses=DETAIL)
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_hrss(self, request, pk=None):
        clue = services.clue_return(
            user=request.user, clue=self.get_object(), **self._input(ReasonSerializer)
        )
        return self._output(clue)

    @extend_schema(summary="改派（C6，人社局）", request=ReassignSerializer, responses=DETAIL)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        clue = services.clue_reassign(
            user=request.user, clue=self.get_object(), **self._input(ReassignSerializer)
        )
        return self._output(clue)

    @extend_schema(summary="关联为重复线索", request=LinkRepeatSerializer, responses=DETAIL)
    @action(detail=True, methods=["post"], url_path="link-repeat")
    def link_repeat(self, request, pk=None):
        values = self._input(LinkRepeatSerializer)
        original = clue_visible_to(request.user).filter(pk=values.pop("original")).first()
        if original is None:
            raise exceptions.ValidationError({"original": ["原线索不存在或无权查看"]})
        clue = services.clue_link_repeat(
            user=request.user, clue=self.get_object(), original=original, **values
        )
        return self._output(clue)

    @extend_schema(
        summary="上传附件（C1 投诉材料 / C5 证明材料）",
        description="multipart/form-data：file、kind。类型按文件内容识别，扩展名须与内容一致；单个文件不超过10 MB。",
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="attachments",
        parser_classes=[MultiPartParser, FormParser],
    )
    def attachments(self, request, pk=None):
        values = self._input(AttachmentUploadSerializer)
        attachment = services.clue_attachment_add(
            clue=self.get_object(), user=request.user, upload=values["file"], kind=values["kind"]
        )
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="分办建议（C2）",
        description="按项目（所属行业部门、招投标单位、资金类型、街道）或按属地街道和行业领域给出建议责任单位、"
        "协助街道、理由和处理途径。不保存任何数据。",
        request=RouteRequestSerializer,
        responses={200: RouteSerializer},
    )
    @action(
        detail=False, methods=["post"], url_path="route-suggestion", filter_backends=[], pagination_class=None
    )
    def route_suggestion(self, request):
        values = self._input(RouteRequestSerializer)
        project = None
        if values["project"] is not None:
            project = (
                project_visible_to(request.user)
                .select_related("unit", "bidder_unit", "street")
                .filter(pk=values["project"])
                .first()
            )
            if project is None:
                raise exceptions.ValidationError({"project": ["项目不存在或无权查看"]})
        elif values["street"] is None:
            raise exceptions.ValidationError({"street": ["请选择属地街道或项目"]})
        # An unsaved clue carries the facts: routing reads them in one place (clues.routing.route_facts_for).
        facts = Clue(
            project=project,
            street=values["street"] or project.street,
            category=values["category"],
            nature=values["nature"],
        )
        route = suggest_route(
            route_facts_for(facts, city_level_or_cross_border=values["city_level_or_cross_border"])
        )
        units = {
            u.short_name: u
            for u in Unit.objects.filter(short_name__in=[route.unit_short_name, route.assisting_street])
        }
        brief = UnitBriefSerializer
        unit, street = units.get(route.unit_short_name), units.get(route.assisting_street)
        return Response(
            {
                "unit": brief(unit).data if unit else None,
                "assisting_street": brief(street).data if street else None,
                "reason": route.reason_text,
                "outcome_path": route.outcome_path,
            }
        )


# --- C3 letters (issue 8 part 8) -------------------------------------------------------------------------------


class LetterQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=LetterKind.choices, required=False, allow_blank=True, help_text="类型"
    )
    status = serializers.ChoiceField(
        choices=LetterStatus.choices, required=False, allow_blank=True, help_text="状态"
    )
    q = serializers.CharField(
        required=False, allow_blank=True, help_text="搜索：发文字号、线索编号、欠薪单位"
    )

    def search_params(self) -> dict:
        return {k: v for k, v in self.validated_data.items() if v not in (None, "")}


class LetterSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    clue_number = serializers.CharField(source="clue.number", read_only=True)
    responsible_unit = UnitBriefSerializer(read_only=True)
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Letter
        fields = [
            "id",
            "kind",
            "kind_display",
            "number",
            "clue",
            "clue_number",
            "addressee",
            "copy_to",
            "responsible_unit",
            "due_at",
            "created_at",
            "status",
            "status_display",
            "sent_at",
            "facts",
            "pdf_url",
        ]

    def get_pdf_url(self, letter) -> str:
        return self.context["request"].build_absolute_uri(reverse("letter-pdf", args=[letter.pk]))


@extend_schema_view(
    list=extend_schema(summary="提醒函与通报列表", parameters=[LetterQuerySerializer]),
    retrieve=extend_schema(summary="函件详情"),
)
class LetterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """C3 steps 3 and 4: the letters the sweep wrote, scoped like the pages (clues.selectors.letter_visible_to):
    another unit's letter is a 404."""

    serializer_class = LetterSerializer

    def get_queryset(self):
        if self.action == "list":
            query = LetterQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            return letter_search(self.request.user, **query.search_params())
        return letter_visible_to(self.request.user)

    @extend_schema(summary="函件 PDF", responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        letter = self.get_object()
        return document_response(letter.document, filename=f"{letter.get_kind_display()}-{letter.number}.pdf")
