"""API for the 五制 of each pushed project (S1–S6), scoped and written exactly like the pages.

GET /api/five-systems/ lists the pushed projects the user may see with their stored state (?state=red|yellow|green,
?unit=<id>, ?q=<project or contractor name>: the same conditions as supervision:five_list and the dashboard);
GET /api/five-systems/<id>/ adds the live checklist (also at …/<id>/checklist/). The records of a project:
…/<id>/allocations/ (S1), …/<id>/payrolls/ (S2/S4; PATCH …/<id>/payrolls/<payroll id>/ records the payment,
the bank's confirmation and withheld wage cards), …/<id>/account/ (S3, GET/PUT), …/<id>/real-name/ (S5, GET/PUT),
…/<id>/trainings/ (S6) — GET lists, POST (PUT) writes through supervision.five_systems' services: the same
Chinese messages at the same fields as the forms, nothing saved on error. Another unit's project is a 404 for a
clerk (as for the pages); leaders read only (403 on any write).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from projects.api import UnitBriefSerializer

from . import five_systems as five
from .models import (
    LabourCostAllocation,
    RealNameRecord,
    RightsTraining,
    SubcontractorPayroll,
    WageAccount,
)

# ------------------------------------------------------------------------------------------ serializers


class ChecklistItemSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="SPEC 规则编号 S1…S6")
    label = serializers.CharField()
    state = serializers.ChoiceField(choices=["green", "yellow", "red"], help_text="green / yellow / red")
    state_label = serializers.CharField(help_text="合规 / 即将到期 / 逾期或缺失")
    reason = serializers.CharField(help_text="原因（中文）")
    due_on = serializers.DateField(allow_null=True, help_text="待办事项的期限（当日仍在期限内）")
    fix_url = serializers.CharField(help_text="登记或查看记录的页面")


def _checklist_data(project) -> list:
    return ChecklistItemSerializer(five.five_systems_checklist(project), many=True).data


class FiveProjectSerializer(serializers.ModelSerializer):
    unit = UnitBriefSerializer(read_only=True)
    contractor_name = serializers.CharField(source="contractor.name", read_only=True, default="")
    state = serializers.SerializerMethodField(help_text="red / yellow / green；尚未计算时为空")
    red_items = serializers.IntegerField(source="compliance.red_items", read_only=True, default=None)
    yellow_items = serializers.IntegerField(source="compliance.yellow_items", read_only=True, default=None)
    next_due_on = serializers.DateField(
        source="compliance.next_due_on", read_only=True, default=None, help_text="下次有事项变色的日期"
    )
    computed_on = serializers.DateField(source="compliance.computed_on", read_only=True, default=None)

    class Meta:
        model = five.Project
        fields = [
            "id", "name", "unit", "contractor_name", "contract_signed_on", "planned_start_on", "state",
            "red_items", "yellow_items", "next_due_on", "computed_on",
        ]  # fmt: skip
        read_only_fields = fields

    def get_state(self, project) -> str:
        return five.compliance_state(getattr(project, "compliance", None))


class FiveProjectDetailSerializer(FiveProjectSerializer):
    checklist = serializers.SerializerMethodField()

    class Meta(FiveProjectSerializer.Meta):
        fields = [*FiveProjectSerializer.Meta.fields, "checklist"]
        read_only_fields = fields

    @extend_schema_field(ChecklistItemSerializer(many=True))
    def get_checklist(self, project) -> list:
        return _checklist_data(project)


class AllocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = LabourCostAllocation
        fields = ["id", "allocated_on", "amount", "is_startup", "note", "recorded_by", "recorded_at"]
        read_only_fields = fields


class AllocationCreateSerializer(serializers.Serializer):
    allocated_on = serializers.DateField(help_text="拨付日期")
    amount = serializers.CharField(max_length=30, help_text="拨付金额（元），如 180000.00")
    is_startup = serializers.BooleanField(required=False, default=False, help_text="开工前首笔人工费")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PayrollSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubcontractorPayroll
        fields = [
            "id", "month", "subcontractor_name", "workers", "amount", "paid_on", "proof", "bank_confirmed_on",
            "wage_cards_withheld", "recorded_by", "recorded_at",
        ]  # fmt: skip
        read_only_fields = fields


class PayrollCreateSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="工资月份（任一日期，按所在月计，如 2026-10-01）")
    subcontractor_name = serializers.CharField(max_length=200)
    workers = serializers.CharField(max_length=10, help_text="人数（≥1）")
    amount = serializers.CharField(max_length=30, help_text="代发金额（元）")
    paid_on = serializers.DateField(required=False, allow_null=True, default=None)
    proof = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    bank_confirmed_on = serializers.DateField(required=False, allow_null=True, default=None)
    wage_cards_withheld = serializers.BooleanField(required=False, default=False)


class PayrollUpdateSerializer(serializers.Serializer):
    paid_on = serializers.DateField(required=False, allow_null=True)
    proof = serializers.CharField(max_length=200, required=False, allow_blank=True)
    bank_confirmed_on = serializers.DateField(required=False, allow_null=True)
    wage_cards_withheld = serializers.BooleanField(required=False)


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = WageAccount
        fields = ["id", "bank_name", "account_number", "opened_on", "filed_on", "recorded_by", "recorded_at"]
        read_only_fields = fields


class AccountWriteSerializer(serializers.Serializer):
    bank_name = serializers.CharField(max_length=100)
    account_number = serializers.CharField(max_length=40)
    opened_on = serializers.DateField()
    filed_on = serializers.DateField(required=False, allow_null=True, default=None)


class RealNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = RealNameRecord
        fields = [
            "id", "labour_contracts", "registered_workers", "labour_manager_name", "labour_manager_phone",
            "attendance_ledger", "wage_ledger", "updated_by", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class RealNameWriteSerializer(serializers.Serializer):
    labour_contracts = serializers.CharField(max_length=10)
    registered_workers = serializers.CharField(max_length=10)
    labour_manager_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    labour_manager_phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    attendance_ledger = serializers.BooleanField(required=False, default=False)
    wage_ledger = serializers.BooleanField(required=False, default=False)


class TrainingSerializer(serializers.ModelSerializer):
    class Meta:
        model = RightsTraining
        fields = ["id", "held_on", "attendees", "trainer", "note", "recorded_by", "recorded_at"]
        read_only_fields = fields


class TrainingCreateSerializer(serializers.Serializer):
    held_on = serializers.DateField()
    attendees = serializers.CharField(max_length=10, help_text="参训人数（≥1）")
    trainer = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


# --------------------------------------------------------------------------------------------- the view


@extend_schema(tags=["五制（S1–S6）"])
@extend_schema_view(
    list=extend_schema(
        summary="已推送项目的五制状态",
        description="state=red：至少一项红色；yellow：无红色、至少一项黄色；green：均为绿色（与五制列表、领导看板同一口径）。",
        parameters=[
            OpenApiParameter("state", str, enum=["red", "yellow", "green"], description="五制状态"),
            OpenApiParameter("unit", int, description="所属行业部门 id"),
            OpenApiParameter("q", str, description="项目名称、施工总承包单位名称或统一社会信用代码"),
        ],
    ),
    retrieve=extend_schema(summary="项目五制状态与清单"),
)
class FiveSystemsViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """S1–S6 per pushed project (supervision.five_systems)."""

    queryset = five.Project.objects.none()  # schema only
    filter_backends = []

    def get_serializer_class(self):
        return FiveProjectDetailSerializer if self.action == "retrieve" else FiveProjectSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return five.Project.objects.none()
        if self.action != "list":
            return five.five_projects_visible_to(self.request.user).select_related(
                "unit", "contractor", "compliance"
            )
        p = self.request.query_params
        state, unit = p.get("state", ""), p.get("unit", "")
        if state and state not in five.STATES:
            raise exceptions.ValidationError({"state": ["五制状态只能是 red、yellow 或 green"]})
        if unit and not unit.isdigit():
            raise exceptions.ValidationError({"unit": ["单位 id 须为整数"]})
        return five.five_project_search(self.request.user, state=state, unit=unit or None, q=p.get("q", ""))

    @extend_schema(summary="五金五制清单（S1–S6）", responses=ChecklistItemSerializer(many=True))
    @action(detail=True, methods=["get"])
    def checklist(self, request, pk=None):
        return Response(_checklist_data(self.get_object()))

    def _write(
        self, request, serializer_class, service, out_serializer, code=status.HTTP_201_CREATED, **extra
    ):
        project = self.get_object()
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        record = service(project=project, actor=request.user, **extra, **data.validated_data)
        return Response(out_serializer(record).data, status=code)

    @extend_schema(methods=["GET"], summary="人工费拨付（S1）", responses=AllocationSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        summary="登记人工费拨付（S1）",
        request=AllocationCreateSerializer,
        responses={201: AllocationSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def allocations(self, request, pk=None):
        if request.method == "POST":
            return self._write(
                request, AllocationCreateSerializer, five.allocation_record, AllocationSerializer
            )
        project = self.get_object()
        rows = LabourCostAllocation.objects.filter(project=project).order_by("-allocated_on", "-pk")
        return Response(AllocationSerializer(rows, many=True).data)

    @extend_schema(methods=["GET"], summary="分包工资代发（S2/S4）", responses=PayrollSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        summary="登记分包工资代发（S2/S4）",
        request=PayrollCreateSerializer,
        responses={201: PayrollSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def payrolls(self, request, pk=None):
        if request.method == "POST":
            return self._write(request, PayrollCreateSerializer, five.payroll_record, PayrollSerializer)
        project = self.get_object()
        rows = SubcontractorPayroll.objects.filter(project=project).order_by("-month", "subcontractor_name")
        return Response(PayrollSerializer(rows, many=True).data)

    @extend_schema(
        summary="更新代发、银行确认与扣押工资卡（S2/S4）",
        request=PayrollUpdateSerializer,
        responses=PayrollSerializer,
        parameters=[OpenApiParameter("payroll_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["patch"], url_path=r"payrolls/(?P<payroll_id>[0-9]+)")
    def payroll(self, request, pk=None, payroll_id=None):
        project = self.get_object()
        payroll = SubcontractorPayroll.objects.filter(project=project, pk=payroll_id).first()
        if payroll is None:
            raise exceptions.NotFound()
        data = PayrollUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {
            "paid_on": payroll.paid_on,
            "proof": payroll.proof,
            "bank_confirmed_on": payroll.bank_confirmed_on,
            "wage_cards_withheld": payroll.wage_cards_withheld,
            **data.validated_data,
        }
        payroll = five.payroll_update(payroll=payroll, actor=request.user, **values)
        return Response(PayrollSerializer(payroll).data)

    @extend_schema(methods=["GET"], summary="农民工工资专用账户（S3）", responses=AccountSerializer)
    @extend_schema(
        methods=["PUT"],
        summary="登记或更新专用账户（S3）",
        request=AccountWriteSerializer,
        responses=AccountSerializer,
    )
    @action(detail=True, methods=["get", "put"])
    def account(self, request, pk=None):
        if request.method == "PUT":
            return self._write(
                request,
                AccountWriteSerializer,
                five.wage_account_save,
                AccountSerializer,
                code=status.HTTP_200_OK,
            )
        account = WageAccount.objects.filter(project=self.get_object()).first()
        if account is None:
            raise exceptions.NotFound("尚未登记专用账户")
        return Response(AccountSerializer(account).data)

    @extend_schema(methods=["GET"], summary="实名制管理（S5）", responses=RealNameSerializer)
    @extend_schema(
        methods=["PUT"],
        summary="更新实名制管理（S5）",
        request=RealNameWriteSerializer,
        responses=RealNameSerializer,
    )
    @action(detail=True, methods=["get", "put"], url_path="real-name")
    def real_name(self, request, pk=None):
        if request.method == "PUT":
            return self._write(
                request,
                RealNameWriteSerializer,
                five.real_name_save,
                RealNameSerializer,
                code=status.HTTP_200_OK,
            )
        record = RealNameRecord.objects.filter(project=self.get_object()).first()
        if record is None:
            raise exceptions.NotFound("尚未登记实名制管理情况")
        return Response(RealNameSerializer(record).data)

    @extend_schema(methods=["GET"], summary="岗位维权培训（S6）", responses=TrainingSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        summary="登记岗位维权培训（S6）",
        request=TrainingCreateSerializer,
        responses={201: TrainingSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def trainings(self, request, pk=None):
        if request.method == "POST":
            return self._write(request, TrainingCreateSerializer, five.training_record, TrainingSerializer)
        rows = RightsTraining.objects.filter(project=self.get_object()).order_by("-held_on", "-pk")
        return Response(TrainingSerializer(rows, many=True).data)
