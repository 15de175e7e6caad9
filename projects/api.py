"""API for the push ledger (P1–P6): enterprises and projects, scoped and written exactly like the pages.

Reads start from projects.selectors (project_visible_to / enterprise_visible_to): another unit's project is
a 404, the same answer as for an id that doesn't exist. Writes call projects.services (project_create,
project_update, project_push) with a ProjectData built here, the same functions the form and the Excel import
call, so deadlines, lateness and the Chinese validation messages are identical everywhere.

A clerk naming another unit in `unit` gets **403** `permission_denied` "不能代其他单位推送…": it is a matter
of who may act (the service refuses the same way), not a typo the clerk could fix in the field.
"""

import dataclasses

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.masking import mask_phone, sees_personal_data
from common.models import Unit, UnitType
from projects import services
from projects.models import Category, Enterprise, FundingType, Project, ProjectStatus, Timeliness, TriggerType
from projects.selectors import enterprise_visible_to, project_filter_timeliness, project_visible_to

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


PHONE_FIELDS = ("unit_leader_phone", "owner_manager_phone", "contractor_manager_phone")


class ProjectSerializer(serializers.ModelSerializer):
    """A project as the ledger shows it (附件1 + P3), with its push facts (P1/P6) and Chinese labels.

    Contact phones are masked (139****0001) by common.masking's rule, the same as the Excel export: whole for
    the project's unit, HRSS dispatchers and admins; masked for everyone else, leaders included.
    """

    unit = UnitBriefSerializer(read_only=True)
    street = UnitBriefSerializer(read_only=True)
    bidder_unit = UnitBriefSerializer(read_only=True)
    owner = EnterpriseSerializer(read_only=True, allow_null=True)
    contractor = EnterpriseSerializer(read_only=True, allow_null=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    funding_type_display = serializers.CharField(source="get_funding_type_display", read_only=True)
    trigger_type_display = serializers.CharField(source="get_trigger_type_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    pushed_by_name = serializers.CharField(
        source="pushed_by.display_name", read_only=True, allow_null=True, label="推送人"
    )
    is_overdue = serializers.SerializerMethodField(help_text="逾期未推送：仍未推送且已过推送截止日期（P6）")
    page_url = serializers.CharField(source="get_absolute_url", read_only=True, help_text="项目页面地址")

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "unit",
            "unit_leader_name",
            "unit_leader_phone",
            "street",
            "category",
            "category_display",
            "funding_type",
            "funding_type_display",
            "trigger_type",
            "trigger_type_display",
            "trigger_date",
            "bidder_unit",
            "owner",
            "owner_manager_name",
            "owner_manager_phone",
            "contractor",
            "contractor_manager_name",
            "contractor_manager_phone",
            "contract_total_wan",
            "contract_signed_on",
            "planned_start_on",
            "remarks",
            "status",
            "status_display",
            "push_deadline",
            "pushed_at",
            "pushed_by_name",
            "is_late",
            "late_working_days",
            "is_overdue",
            "created_at",
            "updated_at",
            "page_url",
        ]
        read_only_fields = fields

    def get_is_overdue(self, project: Project) -> bool:
        today = self.context.get("today") or timezone.localdate()
        return project.status == ProjectStatus.DRAFT and project.push_deadline < today

    def to_representation(self, project):
        data = super().to_representation(project)
        if not sees_personal_data(self.context["request"].user, project.unit_id):
            for field in PHONE_FIELDS:
                data[field] = mask_phone(data[field])
        return data


def _optional_text(max_length: int, label: str) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, allow_null=True, default="", label=label
    )


class ProjectWriteSerializer(serializers.Serializer):
    """What a clerk sends to register (and optionally push) a project: the fields of the push form.

    Format only here; every rule (USCC checksum, phone format, amount > 0, dates, P1/P2 deadline) is
    checked by projects.services.project_validate and comes back as 400 with errors at these field names.
    """

    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True).exclude(unit_type=UnitType.HRSS),
        required=False,
        label="所属行业部门",
        help_text="经办人可省略（即本单位），填写其他单位返回403；人社局、管理员代为登记时必填。登记后不能更改。",
    )
    unit_leader_name = _optional_text(50, "部门负责人")
    unit_leader_phone = _optional_text(30, "部门联系方式")
    name = serializers.CharField(max_length=200, label="项目名称")
    street = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(unit_type=UnitType.STREET, is_active=True), label="所在街道"
    )
    category = serializers.ChoiceField(choices=Category.choices, label="项目类别")
    funding_type = serializers.ChoiceField(choices=FundingType.choices, label="资金类型")
    trigger_type = serializers.ChoiceField(choices=TriggerType.choices, label="推送依据")
    trigger_date = serializers.DateField(label="依据发生日期", help_text="不能晚于今天；P1 截止日期由此起算")
    bidder_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), label="招投标单位"
    )
    owner_name = _optional_text(200, "建设单位名称")
    owner_uscc = _optional_text(50, "建设单位统一社会信用代码")
    owner_manager_name = _optional_text(50, "建设单位项目负责人")
    owner_manager_phone = _optional_text(30, "建设单位联系方式")
    contractor_name = _optional_text(200, "施工总承包单位名称")
    contractor_uscc = _optional_text(50, "施工总承包单位统一社会信用代码")
    contractor_manager_name = _optional_text(50, "项目经理")
    contractor_manager_phone = _optional_text(30, "施工单位联系方式")
    contract_total_wan = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        default=None,
        label="合同总额（万元）",
        error_messages={
            "invalid": "请输入数字金额（单位：万元）",
            "max_decimal_places": "合同总额最多保留两位小数（单位：万元）",
            "max_digits": "合同总额过大，请确认单位为万元",
            "max_whole_digits": "合同总额过大，请确认单位为万元",
        },
    )
    contract_signed_on = serializers.DateField(allow_null=True, default=None, label="合同签订日期")
    planned_start_on = serializers.DateField(allow_null=True, default=None, label="计划开工日期")
    remarks = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, default="", label="备注"
    )
    push = serializers.BooleanField(
        default=False,
        label="同时推送",
        help_text="true：保存并立即推送至人社局（须填齐附件1各栏）；false：仅保存，稍后推送",
    )

    def validate_unit(self, unit: Unit) -> Unit:
        if not services.user_can_act_for_unit(self.context["request"].user, unit):
            raise exceptions.PermissionDenied(NOT_FOR_OTHER_UNITS)
        return unit

    def target_unit(self) -> Unit:
        """The unit the project belongs to: the one named, else the clerk's own."""
        user = self.context["request"].user
        unit = self.validated_data.get("unit")
        if unit is None and user.sees_all_units:
            raise exceptions.ValidationError({"unit": ["人社局或管理员代为登记时，请选择项目所属单位"]})
        return unit or user.unit

    def project_data(self, base: services.ProjectData | None = None) -> services.ProjectData:
        """A ProjectData from the body; for PATCH, fields not sent keep the values of `base`."""
        values = (
            {f.name: getattr(base, f.name) for f in dataclasses.fields(services.ProjectData)} if base else {}
        )
        for name in services.ProjectData.__dataclass_fields__:
            if name in self.validated_data:
                value = self.validated_data[name]
                field = self.fields[name]
                values[name] = "" if value is None and isinstance(field, serializers.CharField) else value
        return services.ProjectData(**values)


class EnterpriseListSerializer(EnterpriseSerializer):
    page_url = serializers.CharField(source="get_absolute_url", read_only=True, help_text="企业页面地址")

    class Meta(EnterpriseSerializer.Meta):
        fields = [*EnterpriseSerializer.Meta.fields, "created_at", "page_url"]
        read_only_fields = fields


# --- filters -------------------------------------------------------------------------------------------


class ProjectFilterForm(forms.Form):
    def clean(self):
        cd = super().clean()
        if (
            cd.get("trigger_date_from")
            and cd.get("trigger_date_to")
            and cd["trigger_date_from"] > cd["trigger_date_to"]
        ):
            self.add_error("trigger_date_to", "结束日期不能早于开始日期")
        return cd


class ProjectFilter(django_filters.FilterSet):
    """The ledger's filters (P5), the same as the list page's."""

    unit = django_filters.ModelChoiceFilter(queryset=Unit.objects.all(), label="所属单位")
    street = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.filter(unit_type=UnitType.STREET), label="所在街道"
    )
    category = django_filters.ChoiceFilter(choices=Category.choices, label="项目类别")
    funding_type = django_filters.ChoiceFilter(choices=FundingType.choices, label="资金类型")
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices, label="推送状态")
    late = django_filters.ChoiceFilter(
        choices=Timeliness.choices,
        method="filter_late",
        label="时效（P6）：on_time 按时推送，late 逾期推送，overdue 逾期未推送，pending 期限内待推送",
    )
    trigger_date_from = django_filters.DateFilter(
        field_name="trigger_date", lookup_expr="gte", label="依据发生日期自（含）"
    )
    trigger_date_to = django_filters.DateFilter(
        field_name="trigger_date", lookup_expr="lte", label="依据发生日期至（含）"
    )

    class Meta:
        model = Project
        fields = ["unit", "street", "category", "funding_type", "status"]
        form = ProjectFilterForm

    def filter_late(self, queryset: QuerySet[Project], name: str, value: str) -> QuerySet[Project]:
        return project_filter_timeliness(queryset, value)


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
        description="经办人只看到本单位项目；人社局、领导、管理员看到全区。search 按项目名称、企业名称或统一社会信用代码查找；"
        "ordering 可用 created_at、trigger_date、push_deadline、pushed_at、contract_total_wan、name。",
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
    filterset_class = ProjectFilter
    search_fields = ["name", "owner__name", "contractor__name", "=owner__uscc", "=contractor__uscc"]
    ordering_fields = [
        "created_at",
        "trigger_date",
        "push_deadline",
        "pushed_at",
        "contract_total_wan",
        "name",
    ]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return project_visible_to(self.request.user).select_related(
            "unit", "street", "bidder_unit", "owner", "contractor", "pushed_by"
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["today"] = timezone.localdate()
        return context

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
        base = services.ProjectData.from_project(project) if partial else None
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
