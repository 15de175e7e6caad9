"""API of the deposits app (SPEC P4, D1–D4), scoped exactly like the pages; errors in common.api's shape.

Top part: institutions (附件3, read-only) and notices (附件2, list/retrieve with the list page's filters, `/pdf`).
Below: deposits, guarantees and fund movements."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.access import visible_to
from common.documents import document_response
from common.models import Unit
from common.policy import policy_value
from deposits import forms as deposit_forms
from deposits import selectors
from deposits import services as deposit_services
from deposits.models import (
    Deposit,
    DepositForm,
    FundMovement,
    Institution,
    MovementKind,
    Notice,
    PaymentGuarantee,
)
from deposits.notice_forms import NoticeFilterForm
from projects.models import Project

# --- institutions (D3) -----------------------------------------------------------------------------------


class InstitutionSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Institution
        fields = ["id", "name", "kind", "kind_display", "accepts_new", "note"]
        read_only_fields = fields


class InstitutionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """附件3 焦作市农民工工资保证金业务经办机构名录. `?accepts_new=1`: only those a new deposit may choose."""

    serializer_class = InstitutionSerializer
    queryset = Institution.objects.all()
    filter_backends = []
    pagination_class = None

    def get_queryset(self):
        qs = Institution.objects.order_by("sort", "pk")
        if self.request.query_params.get("accepts_new") in ("1", "true"):
            qs = qs.accepting_new()
        return qs


# --- notices (P4, D2) ------------------------------------------------------------------------------------


class NoticeSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    contractor_name = serializers.CharField(source="contractor.name", read_only=True)
    status_display = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)
    deadline_counts_from = serializers.SerializerMethodField()
    verify_code = serializers.CharField(source="document.verify_code", read_only=True, default="")

    class Meta:
        model = Notice
        fields = [
            "id", "number", "unit", "unit_name", "project", "project_name", "contractor", "contractor_name",
            "issued_at", "deadline", "deadline_days", "deadline_counts_from", "status", "status_display",
            "is_overdue", "received_at", "deposited_at", "verify_code",
        ]  # fmt: skip
        read_only_fields = fields

    def get_status_display(self, notice) -> str:
        return selectors.NOTICE_STATUS_LABELS.get(getattr(notice, "shown_status", notice.status), "")

    def get_deadline_counts_from(self, notice) -> str:
        return "签收日" if notice.received_at else "下发日"


@extend_schema(
    parameters=[
        OpenApiParameter("q", str, description="搜索：编号、项目或施工单位"),
        OpenApiParameter("unit", int, description="下发单位 id"),
        OpenApiParameter("status", str, description="issued / received / deposited / overdue"),
        OpenApiParameter("overdue", str, description="1：已逾期未缴存；0：未逾期"),
    ]
)
class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The notices the user may see (a clerk: the own unit's; another unit's id is a 404), as on the page."""

    serializer_class = NoticeSerializer
    queryset = Notice.objects.none()  # schema only
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notice.objects.none()
        if self.action != "list":
            return selectors.with_overdue(selectors.notice_visible_to(self.request.user))
        form = NoticeFilterForm(self.request.query_params or None, units=Unit.objects.all())
        if self.request.query_params and not form.is_valid():
            raise exceptions.ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        return selectors.notice_search(self.request.user, **form.search_params())

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        """The stored PDF, the same bytes as every download (common.documents)."""
        notice = self.get_object()
        if notice.document_id is None:
            raise exceptions.NotFound("该通知书尚无文书")
        return document_response(notice.document, filename=f"{notice.number}.pdf")


# --- deposits, guarantees, fund movements (D1, D3, D4) below ---------------------------------------------


class _Write(serializers.Serializer):
    """Input of a write: parsed here, decided by deposits.services (the same functions as the pages)."""

    amount = serializers.CharField(max_length=30, help_text="金额（元），如 123456.78")


def _visible_or_field_error(qs, pk, field: str, message: str):
    """Another unit's record looks exactly like a missing one (unit scoping), at its field."""
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise exceptions.ValidationError({field: [message]})
    return obj


class DepositSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    notice_number = serializers.CharField(source="notice.number", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    form_display = serializers.CharField(source="get_form_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    ratio_basis_display = serializers.CharField(source="get_ratio_basis_display", read_only=True)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    shortfall = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Deposit
        fields = [
            "id", "notice", "notice_number", "project", "project_name", "form", "form_display", "institution",
            "institution_name", "amount", "document_number", "valid_from", "valid_to", "deposited_on",
            "required_amount", "required_ratio", "ratio_basis", "ratio_basis_display", "used_amount",
            "topped_up_amount", "balance", "shortfall", "status", "status_display", "public_notice_ends_on",
            "review_due_on", "reviewed_on", "confirmation_due_on", "returned_on", "recorded_at",
        ]  # fmt: skip
        read_only_fields = fields


class DepositCreateSerializer(_Write):
    notice = serializers.IntegerField(help_text="缴纳通知书 id")
    form = serializers.ChoiceField(choices=DepositForm.choices)
    institution = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all())
    document_number = serializers.CharField(max_length=60)
    deposited_on = serializers.DateField()
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_to = serializers.DateField(required=False, allow_null=True)


class DepositUseSerializer(_Write):
    used_on = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class DepositReturnRequestSerializer(serializers.Serializer):
    pledge = serializers.CharField()
    requested_on = serializers.DateField()


class DepositReviewSerializer(serializers.Serializer):
    reviewed_on = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class DepositConfirmSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=60)
    returned_on = serializers.DateField()


class DepositViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """D3/D4: deposits of the projects the user may see. POST records one (as the page does: the project's
    unit or HRSS; a paused institution, an amount ≤ 0 or not a number, validity ending before it starts are
    refused at the field)."""

    queryset = Deposit.objects.none()  # schema only
    filter_backends = []

    def get_serializer_class(self):
        return DepositCreateSerializer if self.action == "create" else DepositSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Deposit.objects.none()
        p = self.request.query_params
        return selectors.deposit_search(
            self.request.user, q=p.get("q", ""), status=p.get("status", ""), unit=p.get("unit", ""),
            form=p.get("form", ""),
        )  # fmt: skip

    @extend_schema(request=DepositCreateSerializer, responses={201: DepositSerializer})
    def create(self, request, *args, **kwargs):
        data = DepositCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        notice = _visible_or_field_error(
            selectors.notice_visible_to(request.user),
            values.pop("notice"),
            "notice",
            "缴纳通知书不存在或无权办理",
        )
        deposit = deposit_services.deposit_record(notice=notice, actor=request.user, **values)
        return Response(DepositSerializer(deposit).data, status=status.HTTP_201_CREATED)

    def _step(self, request, form_class, service):
        """A lifecycle step (D4): the page's form parses, the same service decides; errors at their fields."""
        deposit = self.get_object()
        form = form_class(request.data)
        if not form.is_valid():
            raise exceptions.ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
        deposit = service(deposit=deposit, actor=request.user, **form.cleaned_data)
        return Response(DepositSerializer(deposit).data)

    @extend_schema(request=DepositUseSerializer, responses=DepositSerializer)
    @action(detail=True, methods=["post"])
    def use(self, request, pk=None):
        """HRSS pays wages in arrears out of the deposit (at most its balance)."""
        return self._step(request, deposit_forms.DepositUseForm, deposit_services.deposit_use_for_arrears)

    @extend_schema(request=_Write, responses=DepositSerializer)
    @action(detail=True, methods=["post"], url_path="top-up")
    def top_up(self, request, pk=None):
        return self._step(request, deposit_forms.DepositTopUpForm, deposit_services.deposit_top_up)

    @extend_schema(request=DepositReturnRequestSerializer, responses=DepositSerializer)
    @action(detail=True, methods=["post"], url_path="request-return")
    def request_return(self, request, pk=None):
        """第二十二条: a written no-arrears pledge; the public notice and review deadlines are stored."""
        return self._step(
            request, deposit_forms.DepositReturnRequestForm, deposit_services.deposit_request_return
        )

    @extend_schema(request=DepositReviewSerializer, responses=DepositSerializer)
    @action(detail=True, methods=["post"], url_path="review-return")
    def review_return(self, request, pk=None):
        return self._step(
            request, deposit_forms.DepositReturnReviewForm, deposit_services.deposit_review_return
        )

    @extend_schema(request=DepositConfirmSerializer, responses=DepositSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-return")
    def confirm_return(self, request, pk=None):
        return self._step(
            request, deposit_forms.DepositReturnConfirmForm, deposit_services.deposit_confirm_return
        )


class GuaranteeSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    expiring = serializers.SerializerMethodField()

    class Meta:
        model = PaymentGuarantee
        fields = [
            "id", "project", "project_name", "guarantor", "document_number", "amount", "valid_from", "valid_to",
            "note", "expiring", "recorded_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_expiring(self, guarantee) -> bool:
        # The warning days read once per response, not once per row.
        if "warning_days" not in self.context:
            self.context["warning_days"] = int(policy_value("D1.guarantee_expiry_warning_days"))
        return deposit_services.guarantee_expiring(guarantee, days=self.context["warning_days"])


class GuaranteeCreateSerializer(_Write):
    project = serializers.IntegerField()
    guarantor = serializers.CharField(max_length=100)
    document_number = serializers.CharField(max_length=60)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class GuaranteeViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """D1 (1): 工程款支付担保 of the projects the user may see; `expiring`: within 30 days of its end."""

    queryset = PaymentGuarantee.objects.none()
    filter_backends = []

    def get_serializer_class(self):
        return GuaranteeCreateSerializer if self.action == "create" else GuaranteeSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PaymentGuarantee.objects.none()
        return selectors.guarantee_visible_to(self.request.user).order_by("valid_to", "pk")

    @extend_schema(request=GuaranteeCreateSerializer, responses={201: GuaranteeSerializer})
    def create(self, request, *args, **kwargs):
        data = GuaranteeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        project = _visible_or_field_error(
            visible_to(request.user, Project.objects.all()),
            values.pop("project"),
            "project",
            "项目不存在或无权办理",
        )
        guarantee = deposit_services.guarantee_record(project=project, actor=request.user, **values)
        return Response(GuaranteeSerializer(guarantee).data, status=status.HTTP_201_CREATED)


class FundMovementSerializer(serializers.ModelSerializer):
    fund_name = serializers.CharField(source="fund.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = FundMovement
        fields = [
            "id", "fund", "fund_name", "kind", "kind_display", "amount", "balance_after", "project",
            "counterparty", "occurred_on", "note", "recorded_at",
        ]  # fmt: skip
        read_only_fields = fields


class FundMovementCreateSerializer(_Write):
    fund = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=MovementKind.choices)
    occurred_on = serializers.DateField()
    project = serializers.IntegerField(required=False, allow_null=True)
    counterparty = serializers.CharField(max_length=100, required=False, allow_blank=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


@extend_schema(parameters=[OpenApiParameter("fund", int, description="资金账户 id")])
class FundMovementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """D1: movements of the funds the user may see (应急周转金, 应急储备金, 预售监管资金). POST books one through
    deposits.services.fund_move: an advance larger than the balance is refused at `amount`."""

    queryset = FundMovement.objects.none()
    filter_backends = []

    def get_serializer_class(self):
        return FundMovementCreateSerializer if self.action == "create" else FundMovementSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FundMovement.objects.none()
        funds = selectors.fund_visible_to(self.request.user)
        qs = FundMovement.objects.filter(fund__in=funds).select_related("fund").order_by("recorded_at", "pk")
        fund = self.request.query_params.get("fund", "")
        return qs.filter(fund_id=int(fund)) if fund.isdigit() else qs

    @extend_schema(request=FundMovementCreateSerializer, responses={201: FundMovementSerializer})
    def create(self, request, *args, **kwargs):
        data = FundMovementCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        fund = _visible_or_field_error(
            selectors.fund_visible_to(request.user), values.pop("fund"), "fund", "资金账户不存在或无权办理"
        )
        project_id = values.pop("project", None)
        project = None
        if project_id is not None:
            project = _visible_or_field_error(Project.objects.all(), project_id, "project", "项目不存在")
        movement = deposit_services.fund_move(fund=fund, actor=request.user, project=project, **values)
        return Response(FundMovementSerializer(movement).data, status=status.HTTP_201_CREATED)
