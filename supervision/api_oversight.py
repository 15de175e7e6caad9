"""API of daily supervision (SPEC V1–V3): assignments, inspections, rectification orders (close, refuse), key
monitoring with its declarations, delayed-payment reports. Thin and scoped exactly like the pages: reads start
from supervision.oversight's selectors (another unit's record is a 404), writes call its services, so every refusal
carries the service's Chinese message (a wrong unit or role 403, bad input 400 at its field).

Router lines (zhongzhan_wages/api_urls.py):

    router.register("project-supervisors", ProjectSupervisorViewSet, basename="project-supervisor")
    router.register("inspections", InspectionViewSet, basename="inspection")
    router.register("rectification-orders", RectificationOrderViewSet, basename="rectification-order")
    router.register("key-monitorings", KeyMonitoringViewSet, basename="key-monitoring")
    router.register("delay-reports", DelayReportViewSet, basename="delay-report")
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from clues.models import KeyMonitoring
from common.access import sees_personal_data, visible_to
from common.masking import mask_phone
from common.models import Unit
from projects.api import EnterpriseSerializer, UnitBriefSerializer
from projects.models import Enterprise, Project
from projects.selectors import enterprise_visible_to

from . import oversight
from .models import (
    INSPECTION_CHECKLIST,
    DelayedPaymentReport,
    Inspection,
    InspectionKind,
    MonitoringDeclaration,
    PenaltyRecord,
    ProjectSupervisor,
    RectificationOrder,
    RectificationStatus,
)

TAG = ["日常监管（V1–V3）"]


def _input(view, serializer_class) -> dict:
    serializer = serializer_class(data=view.request.data, context=view.get_serializer_context())
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _visible_project(user, pk) -> Project:
    project = oversight.construction_projects_visible_to(user).select_related("unit").filter(pk=pk).first()
    if project is None:
        raise exceptions.ValidationError({"project": ["在建项目不存在或无权查看"]})
    return project


class ProjectBriefSerializer(serializers.ModelSerializer):
    unit = UnitBriefSerializer(read_only=True)

    class Meta:
        model = Project
        fields = ["id", "name", "unit"]
        read_only_fields = fields


# --- V1 assignments ------------------------------------------------------------------------------------------


class SupervisorSerializer(serializers.ModelSerializer):
    project = ProjectBriefSerializer(read_only=True)
    responsible_phone = serializers.SerializerMethodField()
    inspection_overdue = serializers.SerializerMethodField()

    class Meta:
        model = ProjectSupervisor
        fields = [
            "id",
            "project",
            "leader_name",
            "leader_title",
            "responsible_person",
            "responsible_phone",
            "assigned_at",
            "next_inspection_due_on",
            "inspection_overdue",
        ]
        read_only_fields = fields

    def get_responsible_phone(self, obj) -> str:
        user = self.context["request"].user
        shown = sees_personal_data(user, obj.project.unit_id)
        return obj.responsible_phone if shown else mask_phone(obj.responsible_phone)

    def get_inspection_overdue(self, obj) -> bool:
        due = obj.next_inspection_due_on
        return bool(due and due < timezone.localdate())


class AssignSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="在建项目 id")
    leader_name = serializers.CharField(allow_blank=True, help_text="包保领导")
    leader_title = serializers.CharField(allow_blank=True, required=False, default="", help_text="领导职务")
    responsible_person = serializers.CharField(allow_blank=True, help_text="责任人")
    responsible_phone = serializers.CharField(allow_blank=True, help_text="责任人电话")


@extend_schema(tags=TAG)
@extend_schema_view(
    list=extend_schema(
        summary="项目包保责任（V1）", description="经办人只看到本单位项目的分派；人社局、领导看到全部。"
    ),
    retrieve=extend_schema(summary="项目包保责任详情"),
    create=extend_schema(
        summary="分派或调整包保领导和责任人（V1）",
        description="项目所属行业主管部门的经办人或人社局；其他单位的项目返回403。首次分派起算巡查期限"
        "（政策参数 V1.inspection_days），调整人员不改变期限。新分派返回201，调整返回200。",
        request=AssignSerializer,
        responses={201: SupervisorSerializer, 200: SupervisorSerializer},
    ),
)
class ProjectSupervisorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SupervisorSerializer
    queryset = ProjectSupervisor.objects.none()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProjectSupervisor.objects.none()
        qs = ProjectSupervisor.objects.select_related("project__unit")
        return visible_to(self.request.user, qs, unit_field="project__unit").order_by(
            "project__unit_id", "pk"
        )

    def create(self, request, *args, **kwargs):
        values = _input(self, AssignSerializer)
        project = _visible_project(request.user, values.pop("project"))
        existed = ProjectSupervisor.objects.filter(project=project).exists()
        supervisor = oversight.supervisor_assign(user=request.user, project=project, **values)
        supervisor = self.get_queryset().get(pk=supervisor.pk)
        code = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(self.get_serializer(supervisor).data, status=code)

    @extend_schema(summary="未分派的在建项目（V1）", responses=ProjectBriefSerializer(many=True))
    @action(detail=False, methods=["get"])
    def unassigned(self, request):
        qs = oversight.projects_unassigned(request.user).select_related("unit").order_by("unit_id", "name")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ProjectBriefSerializer(page, many=True).data)


# --- V1/V2 inspections ---------------------------------------------------------------------------------------


class InspectionSerializer(serializers.ModelSerializer):
    project = ProjectBriefSerializer(read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    checklist = serializers.SerializerMethodField()
    failed_items = serializers.SerializerMethodField()
    units = UnitBriefSerializer(many=True, read_only=True)
    recorded_unit = UnitBriefSerializer(read_only=True)
    orders = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "project",
            "kind",
            "kind_display",
            "inspected_on",
            "inspectors",
            "units",
            "checklist",
            "failed_items",
            "findings",
            "recorded_unit",
            "recorded_at",
            "orders",
        ]
        read_only_fields = fields

    def get_checklist(self, obj) -> dict:
        """{field: {"label": 中文, "ok": true | false | null}} — null 未检查."""
        return {
            field: {"label": label, "ok": value} for field, label, value in oversight.checklist_items(obj)
        }

    def get_failed_items(self, obj) -> list[str]:
        return oversight.failed_items(obj)


class InspectionCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField(help_text="在建项目 id")
    kind = serializers.ChoiceField(
        choices=InspectionKind.choices, help_text="routine 日常巡查，joint 联合巡查"
    )
    inspected_on = serializers.DateField(help_text="巡查日期，不能晚于今天")
    inspectors = serializers.CharField(allow_blank=True)
    units = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True),
        many=True,
        required=False,
        help_text="联合巡查的参加单位 id",
    )
    findings = serializers.CharField(allow_blank=True, required=False, default="")

    def get_fields(self):
        fields = super().get_fields()
        for field, label in INSPECTION_CHECKLIST:
            fields[field] = serializers.BooleanField(
                allow_null=True,
                required=False,
                default=None,
                help_text=f"{label}：true 合格，false 不合格，null 未检查",
            )
        return fields


class InspectionQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InspectionKind.choices, required=False, allow_blank=True)
    project = serializers.IntegerField(required=False, help_text="项目 id")
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, help_text="所属行业部门 id"
    )
    failed = serializers.BooleanField(required=False, default=False, help_text="只看有不合格项的")
    q = serializers.CharField(required=False, allow_blank=True)


@extend_schema(tags=TAG)
@extend_schema_view(
    list=extend_schema(summary="巡查记录（V1、V2）", parameters=[InspectionQuerySerializer]),
    retrieve=extend_schema(summary="巡查详情"),
    create=extend_schema(
        summary="登记巡查（V1 日常巡查 / V2 联合巡查）",
        description="项目所属单位或人社局登记。联合巡查须两个及以上单位参加并填写检查结果；有不合格项须填写发现问题。"
        "登记后包保责任的下次巡查期限顺延。",
        request=InspectionCreateSerializer,
        responses={201: InspectionSerializer},
    ),
)
class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = InspectionSerializer
    queryset = Inspection.objects.none()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Inspection.objects.none()
        params = {}
        if self.action == "list":
            query = InspectionQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            params = {k: v for k, v in query.validated_data.items() if v not in (None, "")}
            if "project" in params:
                params["project"] = Project(pk=params["project"])
        return oversight.inspection_search(self.request.user, **params).prefetch_related("units", "orders")

    def create(self, request, *args, **kwargs):
        values = _input(self, InspectionCreateSerializer)
        project = _visible_project(request.user, values.pop("project"))
        checklist = {field: values.pop(field, None) for field, _ in INSPECTION_CHECKLIST}
        inspection = oversight.inspection_record(
            user=request.user, project=project, checklist=checklist, units=values.pop("units", []), **values
        )
        inspection = self.get_queryset().get(pk=inspection.pk)
        return Response(self.get_serializer(inspection).data, status=status.HTTP_201_CREATED)


# --- V2 rectification orders ---------------------------------------------------------------------------------


class PenaltySerializer(serializers.ModelSerializer):
    class Meta:
        model = PenaltyRecord
        fields = ["id", "decided_on", "measure", "amount", "basis"]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    project = ProjectBriefSerializer(read_only=True)
    enterprise = EnterpriseSerializer(read_only=True)
    unit = UnitBriefSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    penalties = PenaltySerializer(many=True, read_only=True)
    blacklist_proposals = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = RectificationOrder
        fields = [
            "id",
            "inspection",
            "project",
            "enterprise",
            "unit",
            "content",
            "issued_on",
            "deadline",
            "status",
            "status_display",
            "is_overdue",
            "closed_on",
            "closed_note",
            "overdue_notified_on",
            "penalties",
            "blacklist_proposals",
        ]
        read_only_fields = fields


class OrderQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RectificationStatus.choices, required=False, allow_blank=True)
    overdue = serializers.BooleanField(required=False, default=False, help_text="1：整改中且期限已过")
    unit = serializers.IntegerField(required=False, help_text="督办单位 id")
    q = serializers.CharField(
        required=False, allow_blank=True, help_text="项目、企业名称或信用代码、整改内容"
    )


class OrderCreateSerializer(serializers.Serializer):
    inspection = serializers.IntegerField(help_text="有不合格项的巡查 id")
    enterprise = serializers.IntegerField(
        required=False, allow_null=True, help_text="责任企业 id，默认施工总承包单位"
    )
    content = serializers.CharField(allow_blank=True)
    deadline = serializers.DateField(help_text="整改期限，不能早于今天")


class CloseSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, help_text="整改情况")


class RefuseSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, help_text="拒不整改的情况")
    measure = serializers.CharField(allow_blank=True, help_text="行政处理或处罚措施")
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=0,
        help_text="罚款金额（元），≥0",
    )
    basis = serializers.CharField(allow_blank=True, required=False, default="")
    propose_blacklist = serializers.BooleanField(
        required=False, default=False, help_text="同时建议列入失信联合惩戒名单"
    )
    blacklist_details = serializers.CharField(allow_blank=True, required=False, default="")


@extend_schema(tags=TAG)
@extend_schema_view(
    list=extend_schema(
        summary="限期整改（V2）",
        description="筛选与列表页、Excel 相同：status、overdue=1（整改中且期限已过，期限当日不算）、unit、q。",
        parameters=[OrderQuerySerializer],
    ),
    retrieve=extend_schema(summary="整改单详情"),
    create=extend_schema(
        summary="责令限期整改（V2）",
        description="巡查须有不合格项；整改期限早于今天返回400。项目所属单位或人社局下达。",
        request=OrderCreateSerializer,
        responses={201: OrderSerializer},
    ),
    close=extend_schema(summary="整改完成（办结）", request=CloseSerializer, responses=OrderSerializer),
    refuse=extend_schema(
        summary="拒不整改：登记行政处理处罚，可同时建议列入失信名单",
        request=RefuseSerializer,
        responses=OrderSerializer,
    ),
)
class RectificationOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = OrderSerializer
    queryset = RectificationOrder.objects.none()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RectificationOrder.objects.none()
        params = {}
        if self.action == "list":
            query = OrderQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            params = {k: v for k, v in query.validated_data.items() if v not in (None, "")}
        return oversight.order_search(self.request.user, **params).prefetch_related(
            "penalties", "blacklist_proposals"
        )

    def _output(self, order, code=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        values = _input(self, OrderCreateSerializer)
        inspection = oversight.inspection_visible_to(request.user).filter(pk=values.pop("inspection")).first()
        if inspection is None:
            raise exceptions.ValidationError({"inspection": ["巡查记录不存在或无权查看"]})
        enterprise_id = values.pop("enterprise", None)
        enterprise = None
        if enterprise_id is not None:
            enterprise = (
                (
                    enterprise_visible_to(request.user)
                    | Enterprise.objects.filter(
                        pk__in=[inspection.project.owner_id, inspection.project.contractor_id]
                    )
                )
                .filter(pk=enterprise_id)
                .first()
            )
            if enterprise is None:
                raise exceptions.ValidationError({"enterprise": ["企业不存在或无权查看"]})
        order = oversight.rectification_order_issue(
            user=request.user, inspection=inspection, enterprise=enterprise, **values
        )
        return self._output(order, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        order = oversight.rectification_order_close(
            user=request.user, order=self.get_object(), **_input(self, CloseSerializer)
        )
        return self._output(order)

    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        outcome = oversight.rectification_order_refuse(
            user=request.user, order=self.get_object(), **_input(self, RefuseSerializer)
        )
        return self._output(outcome.order)


# --- V3 key monitoring ---------------------------------------------------------------------------------------


class DeclarationSerializer(serializers.ModelSerializer):
    class Meta:
        model = MonitoringDeclaration
        fields = ["id", "period", "declared_on", "workers", "wages_paid", "arrears", "note"]
        read_only_fields = ["id"]


class DeclarationCreateSerializer(serializers.Serializer):
    period = serializers.DateField(input_formats=["%Y-%m", "%Y-%m-%d"], help_text="申报月份，如 2026-10")
    declared_on = serializers.DateField(required=False, allow_null=True, help_text="申报日期，默认今天")
    workers = serializers.IntegerField(help_text="在岗农民工人数")
    wages_paid = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="当期发放工资（元）")
    arrears = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, default=0)
    note = serializers.CharField(allow_blank=True, required=False, default="")


class MonitoringSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseSerializer(read_only=True)
    clue_number = serializers.CharField(source="clue.number", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    last_period = serializers.DateField(read_only=True)

    class Meta:
        model = KeyMonitoring
        fields = [
            "id",
            "enterprise",
            "employer_name",
            "clue",
            "clue_number",
            "since",
            "is_active",
            "declaration_due_on",
            "is_overdue",
            "last_period",
            "removed_on",
            "removal_reason",
        ]
        read_only_fields = fields


class MonitoringQuerySerializer(serializers.Serializer):
    overdue = serializers.BooleanField(required=False, default=False, help_text="1：逾期未申报")
    active = serializers.ChoiceField(
        choices=[("1", "监控中"), ("0", "已解除"), ("all", "全部")], required=False, default="1"
    )
    q = serializers.CharField(required=False, allow_blank=True)


class RemovalSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="解除理由（必填）")


@extend_schema(tags=TAG)
@extend_schema_view(
    list=extend_schema(summary="重点监控企业（V3）", parameters=[MonitoringQuerySerializer]),
    retrieve=extend_schema(summary="重点监控详情"),
    remove=extend_schema(
        summary="解除重点监控（人社局，须填理由）", request=RemovalSerializer, responses=MonitoringSerializer
    ),
    declarations=extend_schema(
        summary="定期申报：GET 列表，POST 登记（V3）",
        request=DeclarationCreateSerializer,
        responses=DeclarationSerializer(many=True),
    ),
)
class KeyMonitoringViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = MonitoringSerializer
    queryset = KeyMonitoring.objects.none()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return KeyMonitoring.objects.none()
        params = {"active": "all"}
        if self.action == "list":
            query = MonitoringQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            params = {k: v for k, v in query.validated_data.items() if v not in (None, "")}
        return oversight.monitoring_search(self.request.user, **params)

    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        monitoring = oversight.monitoring_remove(
            user=request.user, monitoring=self.get_object(), **_input(self, RemovalSerializer)
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=monitoring.pk)).data)

    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def declarations(self, request, pk=None):
        monitoring = self.get_object()
        if request.method == "POST":
            declaration = oversight.monitoring_declare(
                user=request.user, monitoring=monitoring, **_input(self, DeclarationCreateSerializer)
            )
            return Response(DeclarationSerializer(declaration).data, status=status.HTTP_201_CREATED)
        return Response(DeclarationSerializer(monitoring.declarations.order_by("-period"), many=True).data)


# --- V3 delayed-payment reports ------------------------------------------------------------------------------


class DelayReportSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseSerializer(read_only=True)
    project = ProjectBriefSerializer(read_only=True)

    class Meta:
        model = DelayedPaymentReport
        fields = [
            "id",
            "enterprise",
            "project",
            "reason",
            "workers",
            "amount",
            "normal_pay_day",
            "pay_by",
            "reported_on",
        ]
        read_only_fields = fields


class DelayReportCreateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(
        required=False, allow_null=True, help_text="企业 id，默认项目的施工总承包单位"
    )
    project = serializers.IntegerField(required=False, allow_null=True, help_text="在建项目 id")
    reason = serializers.CharField(allow_blank=True)
    workers = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    normal_pay_day = serializers.DateField(help_text="原定支付日：须在此日（含）前报告")
    pay_by = serializers.DateField(help_text="承诺支付日，不早于原定支付日")


class DelayQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True)


@extend_schema(tags=TAG)
@extend_schema_view(
    list=extend_schema(summary="延期支付报告（V3）", parameters=[DelayQuerySerializer]),
    retrieve=extend_schema(summary="延期支付报告详情"),
    create=extend_schema(
        summary="登记延期支付报告（V3，事先报告）",
        description="人社局登记，或行业主管部门为本单位项目登记；原定支付日已过返回400。",
        request=DelayReportCreateSerializer,
        responses={201: DelayReportSerializer},
    ),
)
class DelayReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DelayReportSerializer
    queryset = DelayedPaymentReport.objects.none()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DelayedPaymentReport.objects.none()
        q = ""
        if self.action == "list":
            query = DelayQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            q = query.validated_data.get("q", "")
        return oversight.delay_report_search(self.request.user, q=q)

    def create(self, request, *args, **kwargs):
        values = _input(self, DelayReportCreateSerializer)
        project_id, enterprise_id = values.pop("project", None), values.pop("enterprise", None)
        project = _visible_project(request.user, project_id) if project_id is not None else None
        enterprise = project.contractor if project is not None else None
        if enterprise_id is not None:
            enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
            if enterprise is None:
                raise exceptions.ValidationError({"enterprise": ["企业不存在"]})
        report = oversight.delay_report_file(
            user=request.user, enterprise=enterprise, project=project, **values
        )
        return Response(
            self.get_serializer(self.get_queryset().get(pk=report.pk)).data, status=status.HTTP_201_CREATED
        )
