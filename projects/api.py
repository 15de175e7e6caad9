"""API for the push ledger (P1–P6): enterprises and projects, scoped and written exactly like the pages.

Reads start from projects.selectors (project_visible_to / enterprise_visible_to): another unit's project is
a 404, the same answer as for an id that doesn't exist. Writes call projects.services (project_create,
project_update, project_push) with a ProjectData built here, the same functions the form and the Excel import
call, so deadlines, lateness and the Chinese validation messages are identical everywhere.

A clerk naming another unit in `unit` gets **403** `permission_denied` "不能代其他单位推送…": it is a matter
of who may act (the service refuses the same way), not a typo the clerk could fix in the field.
"""

import dataclasses

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.access import can_act_for_unit, sees_personal_data
from common.masking import mask_phone
from common.models import Unit, UnitType
from common.workdays import working_days_late_many
from projects import services
from projects.columns import (
    ENTRY_COLUMNS,
    PHONE_FIELDS,
    Choice,
    Column,
    Date,
    Money,
    OwnUnit,
    ProjectData,
    Text,
    UnitRef,
)
from projects.filters import LedgerFilterSet
from projects.models import Enterprise, Project, Timeliness
from projects.selectors import LEDGER_RELATED, enterprise_visible_to, project_visible_to

NOT_FOR_OTHER_UNITS = "不能代其他单位推送：经办人只能登记和推送本单位的项目"


# --- serializers ---------------------------------------------------------------------------------------


class UnitBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "short_name"]
        read_only_fields = fields


class EnterpriseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "uscc", "name"]
        read_only_fields = fields


def _column_fields() -> list[str]:
    """The 附件1 columns as the API shows a project (projects.columns): units and enterprises nested, each
    choice with its Chinese label beside it."""
    names: list[str] = []
    for column in ENTRY_COLUMNS:
        name = (column.attr or column.field).split(".")[0]
        if name not in names:
            names.append(name)
        if isinstance(column.kind, Choice):
            names.append(f"{column.field}_display")
    return names


_COLUMN_FIELDS = _column_fields()


class ProjectSerializer(serializers.ModelSerializer):
    """A project as the ledger shows it (附件1 + P3), with its push facts (P1/P6) and Chinese labels.

    Contact phones are masked (139****0001) by common.masking's rule, the same as the Excel export: whole for
    the project's unit, HRSS dispatchers and admins; masked for everyone else, leaders included.
    """

    # Each unit column (projects.columns.UnitRef) is nested the same way; so is each choice's label (below).
    owner = EnterpriseSerializer(read_only=True, allow_null=True)
    contractor = EnterpriseSerializer(read_only=True, allow_null=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    pushed_by_name = serializers.CharField(
        source="pushed_by.display_name", read_only=True, allow_null=True, label="推送人"
    )
    timeliness = serializers.ChoiceField(
        choices=Timeliness.choices,
        read_only=True,
        label="推送时效",
        help_text="P6：on_time 按时推送，late 逾期推送，overdue 逾期未推送，pending 期限内待推送",
    )
    timeliness_display = serializers.SerializerMethodField(help_text="推送时效（中文）")
    is_overdue = serializers.SerializerMethodField(
        help_text="逾期未推送（timeliness 为 overdue）：仍未推送且已过推送截止日期（P6）"
    )
    working_days_late = serializers.SerializerMethodField(
        help_text="逾期工作日数（P6），与页面“逾期N个工作日”一致：逾期推送的为推送时的逾期数，逾期未推送的为截至今日；其余为0"
    )
    page_url = serializers.CharField(source="get_absolute_url", read_only=True, help_text="项目页面地址")

    class Meta:
        model = Project
        fields = [
            "id",
            *_COLUMN_FIELDS,
            "status",
            "status_display",
            "push_deadline",
            "pushed_at",
            "pushed_by_name",
            "is_late",
            "late_working_days",
            "timeliness",
            "timeliness_display",
            "is_overdue",
            "working_days_late",
            "created_at",
            "updated_at",
            "page_url",
        ]
        read_only_fields = fields

    # P6 as decided once, by the `timeliness` annotation of projects.selectors.project_visible_to.
    def get_timeliness_display(self, project: Project) -> str:
        return Timeliness(project.timeliness).label

    def get_is_overdue(self, project: Project) -> bool:
        return project.timeliness == Timeliness.OVERDUE

    def get_working_days_late(self, project: Project) -> int:
        if project.timeliness != Timeliness.OVERDUE:
            return project.late_working_days
        # Counted for the whole page at once (ProjectViewSet.get_serializer), or for this one project.
        days = self.context.get("overdue_days")
        if days is None or project.push_deadline not in days:
            days = working_days_late_many([project.push_deadline], timezone.localdate())
        return days[project.push_deadline]

    def to_representation(self, project):
        data = super().to_representation(project)
        if not sees_personal_data(self.context["request"].user, project.unit_id):
            for field in PHONE_FIELDS:
                data[field] = mask_phone(data[field])
        return data


for _column in ENTRY_COLUMNS:
    if isinstance(_column.kind, UnitRef):
        ProjectSerializer._declared_fields[_column.field] = UnitBriefSerializer(read_only=True)
    elif isinstance(_column.kind, Choice):
        ProjectSerializer._declared_fields[f"{_column.field}_display"] = serializers.CharField(
            source=f"get_{_column.field}_display", read_only=True
        )


MONEY_ERRORS = {
    "invalid": "请输入数字金额（单位：万元）",
    "max_decimal_places": "合同总额最多保留两位小数（单位：万元）",
    "max_digits": "合同总额过大，请确认单位为万元",
    "max_whole_digits": "合同总额过大，请确认单位为万元",
}


def serializer_field(column: Column) -> serializers.Field:
    """The write serializer's field of a 附件1 column (projects.columns), from its kind."""
    kind, label = column.kind, column.form_label
    extra = {"help_text": column.help_text} if column.help_text else {}
    if isinstance(kind, OwnUnit):
        return serializers.PrimaryKeyRelatedField(
            queryset=Unit.objects.filter(is_active=True).exclude(unit_type=UnitType.HRSS),
            required=False,
            label=label,
            help_text="经办人可省略（即本单位），填写其他单位返回403；人社局、管理员代为登记时必填。登记后不能更改。",
        )
    optional = {} if column.required else {"required": False, "allow_null": True, "default": kind.default}
    if isinstance(kind, UnitRef):
        queryset = Unit.objects.filter(is_active=True)
        if kind.streets_only:
            queryset = queryset.filter(unit_type=UnitType.STREET)
        return serializers.PrimaryKeyRelatedField(queryset=queryset, label=label, **optional, **extra)
    if isinstance(kind, Choice):
        return serializers.ChoiceField(choices=kind.enum.choices, label=label, **optional, **extra)
    if isinstance(kind, Date):
        return serializers.DateField(label=label, **optional, **extra)
    if isinstance(kind, Money):
        model_field = Project._meta.get_field(column.field)
        return serializers.DecimalField(
            max_digits=model_field.max_digits,
            decimal_places=model_field.decimal_places,
            error_messages=MONEY_ERRORS,
            label=label,
            **optional,
            **extra,
        )
    assert isinstance(kind, Text), kind
    if not column.required:
        optional["allow_blank"] = True
    return serializers.CharField(max_length=kind.max_length, label=label, **optional, **extra)


class ProjectWriteSerializer(serializers.Serializer):
    """What a clerk sends to register (and optionally push) a project: the fields of the push form, one per
    附件1 column a clerk fills in (projects.columns.ENTRY_COLUMNS), and `push`.

    Format only here; every rule (USCC checksum, phone format, amount > 0, dates, P1/P2 deadline) is
    checked by projects.services.project_validate and comes back as 400 with errors at these field names.
    """

    push = serializers.BooleanField(
        default=False,
        label="同时推送",
        help_text="true：保存并立即推送至人社局（须填齐附件1各栏）；false：仅保存，稍后推送",
    )

    def get_fields(self):
        return {c.field: serializer_field(c) for c in ENTRY_COLUMNS} | super().get_fields()

    def validate_unit(self, unit: Unit) -> Unit:
        if not can_act_for_unit(self.context["request"].user, unit):
            raise exceptions.PermissionDenied(NOT_FOR_OTHER_UNITS)
        return unit

    def target_unit(self) -> Unit:
        """The unit the project belongs to: the one named, else the clerk's own."""
        user = self.context["request"].user
        unit = self.validated_data.get("unit")
        if unit is None and user.sees_all_units:
            raise exceptions.ValidationError({"unit": ["人社局或管理员代为登记时，请选择项目所属单位"]})
        return unit or user.unit

    def project_data(self, base: ProjectData | None = None) -> ProjectData:
        """A ProjectData from the body; for PATCH, fields not sent keep the values of `base`."""
        values = {f.name: getattr(base, f.name) for f in dataclasses.fields(ProjectData)} if base else {}
        for name in ProjectData.__dataclass_fields__:
            if name in self.validated_data:
                value = self.validated_data[name]
                field = self.fields[name]
                values[name] = "" if value is None and isinstance(field, serializers.CharField) else value
        return ProjectData(**values)


class EnterpriseListSerializer(EnterpriseSerializer):
    page_url = serializers.CharField(source="get_absolute_url", read_only=True, help_text="企业页面地址")

    class Meta(EnterpriseSerializer.Meta):
        fields = [*EnterpriseSerializer.Meta.fields, "created_at", "page_url"]
        read_only_fields = fields


# --- views ---------------------------------------------------------------------------------------------


@extend_schema(tags=["企业"])
@extend_schema_view(
    list=extend_schema(
        summary="企业列表", description="本单位项目涉及的建设单位和施工总承包单位；人社局、领导可见全部。"
    ),
    retrieve=extend_schema(summary="企业详情"),
)
class EnterpriseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = EnterpriseListSerializer
    queryset = Enterprise.objects.none()  # schema only; requests go through get_queryset
    search_fields = ["name", "=uscc"]
    ordering_fields = ["name", "uscc", "created_at"]
    ordering = ["name", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Enterprise.objects.none()
        return enterprise_visible_to(self.request.user)


@extend_schema(tags=["项目推送"])
@extend_schema_view(
    list=extend_schema(
        summary="项目推送台账",
        description="经办人只看到本单位项目；人社局、领导、管理员看到全区。筛选与台账页面、Excel 导出相同："
        "q 按项目名称、企业名称（包含）或统一社会信用代码（完整）查找；timeliness 按推送时效（P6）；"
        "date_from、date_to 按依据发生日期；ordering 可用 created_at、trigger_date、push_deadline、pushed_at、"
        "contract_total_wan、name（前加 - 为倒序）。筛选值有误返回400，错误在对应参数名下。",
    ),
    retrieve=extend_schema(summary="项目详情", description="其他单位的项目返回404。"),
    create=extend_schema(
        summary="登记项目（可同时推送）",
        description="与网页表单调用同一服务（projects.services.project_create）：推送截止日期按 P1（依据日期后第5个工作日，"
        "含调休）或 P2（街道自主实施项目的计划开工日期）计算并保存。push=true 时立即推送，逾期则记录逾期工作日数（P6）。"
        "经办人填写其他单位返回403“不能代其他单位推送”。",
        request=ProjectWriteSerializer,
        responses={201: ProjectSerializer},
    ),
    update=extend_schema(
        summary="修改项目",
        description="已推送项目的推送依据及其日期不能修改（决定是否逾期）。push=true 时保存并推送。",
        request=ProjectWriteSerializer,
        responses={200: ProjectSerializer},
    ),
    partial_update=extend_schema(
        summary="修改项目（部分字段）",
        request=ProjectWriteSerializer,
        responses={200: ProjectSerializer},
    ),
    push=extend_schema(
        summary="推送项目至人社局",
        description="P1/P6：现在推送；超过推送截止日期则标记逾期及逾期工作日数。已推送或附件1信息不全返回400。",
        request=None,
        responses={200: ProjectSerializer},
    ),
)
class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ProjectSerializer
    queryset = Project.objects.none()  # schema only; requests go through get_queryset
    # The ledger's one filter set (projects.filters), as on the list page and in the export: q, unit, street,
    # category, funding_type, status, timeliness, date_from, date_to, ordering. A bad value is a 400.
    filter_backends = [DjangoFilterBackend]
    filterset_class = LedgerFilterSet
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return project_visible_to(self.request.user).select_related(*LEDGER_RELATED, "pushed_by")

    def get_serializer(self, *args, **kwargs):
        # A list page's overdue projects get their 逾期工作日 in one calendar computation, not one per row.
        if kwargs.get("many") and args:
            deadlines = {
                p.push_deadline for p in args[0] if getattr(p, "timeliness", None) == Timeliness.OVERDUE
            }
            context = self.get_serializer_context()
            context["overdue_days"] = working_days_late_many(deadlines, timezone.localdate())
            kwargs["context"] = context
        return super().get_serializer(*args, **kwargs)

    def _write_serializer(self, *, partial: bool = False) -> ProjectWriteSerializer:
        serializer = ProjectWriteSerializer(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return serializer

    def _output(self, project: Project, status_code: int = status.HTTP_200_OK) -> Response:
        project = self.get_queryset().get(pk=project.pk)
        return Response(self.get_serializer(project).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = self._write_serializer()
        project = services.project_create(
            user=request.user,
            unit=serializer.target_unit(),
            data=serializer.project_data(),
            push=serializer.validated_data["push"],
        )
        return self._output(project, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        project = self.get_object()
        serializer = self._write_serializer(partial=partial)
        unit = serializer.validated_data.get("unit")
        if unit is not None and unit.pk != project.unit_id:
            raise exceptions.ValidationError({"unit": ["项目登记后不能更改所属单位"]})
        base = ProjectData.from_project(project) if partial else None
        project = services.project_update(
            user=request.user,
            project=project,
            data=serializer.project_data(base),
            push=serializer.validated_data.get("push", False),
        )
        return self._output(project)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    @action(detail=True, methods=["post"])
    def push(self, request, pk=None):
        project = services.project_push(user=request.user, project=self.get_object())
        return self._output(project)
