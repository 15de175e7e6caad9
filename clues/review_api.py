"""API for the Friday review (C3 step 5, issue 8 part 8): read-only, scoped exactly like the pages.

GET /api/weekly-reviews/ lists every review with its counts — the whole review's for HRSS, leaders and admins, the
own unit's for a clerk; GET /api/weekly-reviews/<id>/ adds the items grouped by unit with last week's count
(?unit=<id> for one unit). A clerk sees their own unit's items only (clues.review, common.access.visible_to).
No complainant data is on a review.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from projects.api import UnitBriefSerializer

from . import review as reviews
from .models import WeeklyReview, WeeklyReviewItem


class WeeklyReviewItemSerializer(serializers.ModelSerializer):
    clue_number = serializers.CharField(source="clue.number", read_only=True, help_text="线索编号")
    employer_name = serializers.CharField(source="clue.employer_name", read_only=True, help_text="欠薪单位")
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = WeeklyReviewItem
        fields = [
            "id", "clue", "clue_number", "employer_name", "status", "status_display", "days_open", "letters_sent",
            "last_progress_at", "last_progress_note", "on_previous_review",
        ]  # fmt: skip
        read_only_fields = fields


class UnitGroupSerializer(serializers.Serializer):
    unit = UnitBriefSerializer(help_text="责任单位")
    count = serializers.IntegerField(help_text="本周件数")
    last_week_count = serializers.IntegerField(
        source="last_count", allow_null=True, help_text="上周件数；上周无周调度时为 null"
    )
    change = serializers.IntegerField(allow_null=True, help_text="较上周增减（本周 − 上周）")
    change_text = serializers.CharField(help_text="↑2、↓1、持平、新增；上周无周调度时为空")
    items = WeeklyReviewItemSerializer(many=True)


class WeeklyReviewSerializer(serializers.ModelSerializer):
    clue_count = serializers.IntegerField(
        source="visible_count", read_only=True, help_text="线索数（经办人为本单位）"
    )
    unit_count = serializers.IntegerField(
        source="visible_units", read_only=True, help_text="单位数（经办人为本单位）"
    )

    class Meta:
        model = WeeklyReview
        fields = ["id", "week_start", "review_date", "built_at", "built_late", "clue_count", "unit_count"]
        read_only_fields = fields


class WeeklyReviewDetailSerializer(WeeklyReviewSerializer):
    units = serializers.SerializerMethodField(help_text="按责任单位分组的线索")

    class Meta(WeeklyReviewSerializer.Meta):
        fields = [*WeeklyReviewSerializer.Meta.fields, "units"]
        read_only_fields = fields

    @extend_schema_field(UnitGroupSerializer(many=True))
    def get_units(self, review) -> list:
        groups = reviews.review_unit_groups(
            self.context["request"].user, review, unit_id=self.context.get("unit_id")
        )
        return UnitGroupSerializer(groups, many=True).data


@extend_schema(tags=["周调度"])
@extend_schema_view(
    list=extend_schema(
        summary="周调度列表（C3 第5步）",
        description="每周调度日生成一次。人社局、领导、管理员看到全区件数，经办人看到本单位件数。",
    ),
    retrieve=extend_schema(
        summary="周调度详情（按单位分组）",
        description="已交办、尚未办结的线索按责任单位分组，含已历时天数、已发函件、最近进展、较上周增减。"
        "经办人只看到本单位的线索。",
        parameters=[OpenApiParameter("unit", int, description="只看该责任单位（单位 id）")],
    ),
)
class WeeklyReviewViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = WeeklyReviewSerializer
    queryset = WeeklyReview.objects.none()  # schema only; requests go through get_queryset
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WeeklyReview.objects.none()
        return reviews.review_list_for(self.request.user)

    def get_serializer_class(self):
        return WeeklyReviewDetailSerializer if self.action == "retrieve" else WeeklyReviewSerializer

    def retrieve(self, request, *args, **kwargs):
        value = (request.query_params.get("unit") or "").strip()
        if value and not value.isdigit():
            raise serializers.ValidationError({"unit": ["请填写单位 id（整数）"]})
        context = self.get_serializer_context() | {"unit_id": int(value) if value else None}
        return Response(WeeklyReviewDetailSerializer(self.get_object(), context=context).data)
