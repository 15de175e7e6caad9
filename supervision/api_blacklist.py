"""API for the V4 blacklist: the list (every logged-in unit; ?status=, ?reason=, ?q= name or USCC), an entry, and
HRSS's writes — list an employer, propose one, accept or reject a proposal, remove — each the pages' service, so
every refusal carries its Chinese message at its field (400), a wrong role 403. Proposals and rejections are seen
by HRSS, leaders and the proposing unit only (supervision.blacklist.blacklist_visible_to): otherwise a 404."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.access import visible_to
from projects.api import EnterpriseSerializer
from projects.models import Enterprise

from . import blacklist
from .models import BlacklistEntry, BlacklistReason, BlacklistStatus, RectificationOrder, Restriction


class BlacklistQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=BlacklistStatus.choices, required=False, allow_blank=True, help_text="状态"
    )
    reason = serializers.ChoiceField(
        choices=BlacklistReason.choices, required=False, allow_blank=True, help_text="列入事由"
    )
    q = serializers.CharField(
        required=False, allow_blank=True, help_text="企业名称（包含）或统一社会信用代码"
    )


class ClueBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="线索编号")


class BlacklistEntrySerializer(serializers.ModelSerializer):
    enterprise = EnterpriseSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)
    restrictions_display = serializers.SerializerMethodField(help_text="惩戒措施（中文）")
    clues = ClueBriefSerializer(many=True, read_only=True)

    class Meta:
        model = BlacklistEntry
        fields = [
            "id", "enterprise", "status", "status_display", "reason", "reason_display", "details", "restrictions",
            "restrictions_display", "responsible_persons", "clues", "proposed_by_order", "listed_on", "removed_on",
            "removal_reason", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_restrictions_display(self, entry) -> list[str]:
        return blacklist.restriction_labels(entry.restrictions)


class _ListingInput(serializers.Serializer):
    """Format only: what is missing or wrong (a reason, a restriction) is the service's to say, at its field."""

    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"列入事由：{', '.join(BlacklistReason.values)}",
    )
    details = serializers.CharField(required=False, allow_blank=True, default="", label="事实经过")
    restrictions = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text=f"惩戒措施（至少一项）：{', '.join(Restriction.values)}",
    )
    responsible_persons = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    clues = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="关联线索 id（须为该企业的线索）",
    )
    listed_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="列入日期，默认今天"
    )


class ListingSerializer(_ListingInput):
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="企业 id（或填写 uscc）",
    )
    uscc = serializers.CharField(required=False, allow_blank=True, default="", help_text="统一社会信用代码")


class AcceptSerializer(_ListingInput):
    details = serializers.CharField(
        required=False, allow_blank=True, default=None, help_text="不填则保留建议的事实经过"
    )
    responsible_persons = serializers.CharField(
        required=False, allow_blank=True, default=None, max_length=200
    )
    clues = serializers.ListField(child=serializers.IntegerField(), required=False, default=None)


class ProposeSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all(), help_text="企业 id")
    order = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="限期整改单 id")
    details = serializers.CharField(allow_blank=True, label="事实经过")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, label="不予列入理由")


class RemoveSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, label="移出理由")
    removed_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="移出日期，默认今天"
    )


def _clues(ids):
    from clues.models import Clue

    if ids is None:
        return None
    found = list(Clue.objects.filter(pk__in=ids))
    if len(found) != len(set(ids)):
        raise exceptions.ValidationError({"clues": ["线索不存在"]})
    return found


DETAIL = {200: BlacklistEntrySerializer}


@extend_schema(tags=["失信联合惩戒名单"])
@extend_schema_view(
    list=extend_schema(
        parameters=[BlacklistQuerySerializer],
        summary="失信联合惩戒名单（V4）",
        description="所有登录单位可见已列入和已移出的记录；建议列入、不予列入的记录仅人社局、领导和建议单位可见。"
        "q 按企业名称或统一社会信用代码查找。",
    ),
    retrieve=extend_schema(summary="名单记录详情"),
    create=extend_schema(
        summary="列入名单（人社局）",
        description="须有列入事由（V4 所列情形之一）、事实经过和至少一项惩戒措施；同一企业只能有一条在列记录。",
        request=ListingSerializer,
        responses={201: BlacklistEntrySerializer},
    ),
)
class BlacklistEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BlacklistEntrySerializer
    queryset = BlacklistEntry.objects.none()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BlacklistEntry.objects.none()
        if self.action == "list":
            query = BlacklistQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            return blacklist.blacklist_search(self.request.user, **query.validated_data).prefetch_related(
                "clues"
            )
        return blacklist.blacklist_visible_to(self.request.user).prefetch_related("clues")

    def _input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _output(self, entry, status_code=status.HTTP_200_OK) -> Response:
        entry = BlacklistEntry.objects.select_related("enterprise").prefetch_related("clues").get(pk=entry.pk)
        return Response(BlacklistEntrySerializer(entry).data, status=status_code)

    def create(self, request, *args, **kwargs):
        values = self._input(ListingSerializer)
        enterprise, uscc = values.pop("enterprise"), values.pop("uscc").strip().upper()
        if enterprise is None and uscc:
            enterprise = Enterprise.objects.filter(uscc=uscc).first()
            if enterprise is None:
                raise exceptions.ValidationError({"uscc": ["未找到该统一社会信用代码的企业"]})
        values["clues"] = _clues(values["clues"])
        entry = blacklist.blacklist_add(user=request.user, enterprise=enterprise, **values)
        return self._output(entry, status.HTTP_201_CREATED)

    @extend_schema(
        summary="建议列入（如拒不整改，V2）",
        description="人社局或下达整改的督办单位建议；已有在列或待审核记录的企业不再新建，返回该记录。",
        request=ProposeSerializer,
        responses={201: BlacklistEntrySerializer},
    )
    @action(detail=False, methods=["post"], pagination_class=None)
    def propose(self, request):
        values = self._input(ProposeSerializer)
        order = None
        if values["order"] is not None:
            order = (
                visible_to(request.user, RectificationOrder.objects.all(), unit_field="unit")
                .filter(pk=values["order"])
                .first()
            )
            if order is None:
                raise exceptions.ValidationError({"order": ["整改单不存在或无权查看"]})
        entry = blacklist.blacklist_propose(
            user=request.user, enterprise=values["enterprise"], order=order, details=values["details"]
        )
        return self._output(entry, status.HTTP_201_CREATED)

    @extend_schema(summary="审核列入（人社局）", request=AcceptSerializer, responses=DETAIL)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        values = self._input(AcceptSerializer)
        values["clues"] = _clues(values["clues"])
        entry = blacklist.blacklist_accept(user=request.user, entry=self.get_object(), **values)
        return self._output(entry)

    @extend_schema(summary="不予列入（人社局）", request=RejectSerializer, responses=DETAIL)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        entry = blacklist.blacklist_reject(
            user=request.user, entry=self.get_object(), **self._input(RejectSerializer)
        )
        return self._output(entry)

    @extend_schema(summary="移出名单（人社局）", request=RemoveSerializer, responses=DETAIL)
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        entry = blacklist.blacklist_remove(
            user=request.user, entry=self.get_object(), **self._input(RemoveSerializer)
        )
        return self._output(entry)
