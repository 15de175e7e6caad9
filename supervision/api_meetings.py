"""API for the V5 joint meetings and their tasks, scoped like the pages (supervision.meetings): HRSS, leaders and
admins see every meeting and task; a clerk the meetings their unit requested or has a task of, and their own
unit's tasks. Writes are the pages' services (request; HRSS's schedule / held / decline / add a task; the task's
own unit's done), so every refusal is the same Chinese message at the same field."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.models import Unit
from projects.api import UnitBriefSerializer

from . import meetings
from .models import JointMeeting, MeetingStatus, MeetingTask


class MeetingQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MeetingStatus.choices, required=False, allow_blank=True)
    q = serializers.CharField(required=False, allow_blank=True, help_text="议题、会议决定")
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, help_text="提请单位 id"
    )


class TaskQuerySerializer(serializers.Serializer):
    overdue = serializers.BooleanField(
        required=False, default=False, help_text="1：只看已逾期（期限已过仍未完成）"
    )
    done = serializers.ChoiceField(
        choices=[("0", "未完成"), ("1", "已完成")],
        required=False,
        allow_blank=True,
        help_text="0 未完成 / 1 已完成",
    )
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True, help_text="承办单位 id"
    )
    meeting = serializers.IntegerField(required=False, allow_null=True, help_text="会议 id")
    q = serializers.CharField(required=False, allow_blank=True, help_text="任务内容、会议议题")

    def search_params(self) -> dict:
        data = dict(self.validated_data)
        done = data.pop("done", "")
        if done in ("0", "1"):
            data["done"] = done == "1"
        return data


class MeetingTaskSerializer(serializers.ModelSerializer):
    unit = UnitBriefSerializer(read_only=True)
    meeting_subject = serializers.CharField(source="meeting.subject", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, help_text="期限已过仍未完成（期限当日不算逾期）")

    class Meta:
        model = MeetingTask
        fields = [
            "id", "meeting", "meeting_subject", "unit", "content", "deadline", "is_overdue", "done_on", "done_note",
            "overdue_notified_on",
        ]  # fmt: skip
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    requested_by_unit = UnitBriefSerializer(read_only=True)
    requested_by_name = serializers.CharField(source="requested_by.display_name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = JointMeeting
        fields = [
            "id", "subject", "reason", "requested_by_unit", "requested_by_name", "requested_at", "status",
            "status_display", "meeting_date", "attendees", "decisions",
        ]  # fmt: skip
        read_only_fields = fields


class MeetingDetailSerializer(MeetingSerializer):
    tasks = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "tasks"]
        read_only_fields = fields

    def get_tasks(self, meeting) -> list[dict]:
        return MeetingTaskSerializer(meetings.meeting_tasks_of(meeting), many=True).data


class RequestSerializer(serializers.Serializer):
    subject = serializers.CharField(allow_blank=True, label="议题")
    reason = serializers.CharField(allow_blank=True, label="提请事由")
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="提请单位 id，默认本单位",
    )


class ScheduleSerializer(serializers.Serializer):
    meeting_date = serializers.DateField(allow_null=True, label="会议日期")
    attendees = serializers.CharField(allow_blank=True, label="参会单位及人员")


class TaskInputSerializer(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True), allow_null=True)
    content = serializers.CharField(allow_blank=True, label="任务内容")
    deadline = serializers.DateField(allow_null=True, label="完成期限")


class HeldSerializer(ScheduleSerializer):
    decisions = serializers.CharField(allow_blank=True, label="会议决定")
    tasks = TaskInputSerializer(many=True, required=False, default=list)


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, label="不予召开理由")


class DoneSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, label="完成情况")
    done_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="完成日期，默认今天"
    )


def _input(request, serializer_class) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


DETAIL = {200: MeetingDetailSerializer}


@extend_schema(tags=["联席会议"])
@extend_schema_view(
    list=extend_schema(parameters=[MeetingQuerySerializer], summary="联席会议列表（V5）"),
    retrieve=extend_schema(summary="联席会议详情（含任务）"),
    create=extend_schema(
        summary="提请召开联席会议",
        description="任何单位的经办人以本单位名义提请，区人社局安排。",
        request=RequestSerializer,
        responses={201: MeetingDetailSerializer},
    ),
)
class JointMeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = MeetingSerializer
    queryset = JointMeeting.objects.none()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return JointMeeting.objects.none()
        if self.action == "list":
            query = MeetingQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            return meetings.meeting_search(self.request.user, **query.validated_data)
        return meetings.meeting_visible_to(self.request.user)

    def get_serializer_class(self):
        return MeetingSerializer if self.action == "list" else MeetingDetailSerializer

    def _output(self, meeting, status_code=status.HTTP_200_OK) -> Response:
        meeting = JointMeeting.objects.select_related("requested_by_unit", "requested_by").get(pk=meeting.pk)
        return Response(MeetingDetailSerializer(meeting).data, status=status_code)

    def create(self, request, *args, **kwargs):
        meeting = meetings.meeting_request(user=request.user, **_input(request, RequestSerializer))
        return self._output(meeting, status.HTTP_201_CREATED)

    @extend_schema(summary="安排会议（人社局）", request=ScheduleSerializer, responses=DETAIL)
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        values = _input(request, ScheduleSerializer)
        return self._output(meetings.meeting_schedule(user=request.user, meeting=self.get_object(), **values))

    @extend_schema(
        summary="记录会议召开、决定和任务（人社局）",
        description="任务的完成期限不能早于会议日期；有任何错误时不保存。",
        request=HeldSerializer,
        responses=DETAIL,
    )
    @action(detail=True, methods=["post"])
    def held(self, request, pk=None):
        values = _input(request, HeldSerializer)
        values["tasks"] = [meetings.TaskData(**t) for t in values["tasks"]]
        return self._output(
            meetings.meeting_record_held(user=request.user, meeting=self.get_object(), **values)
        )

    @extend_schema(summary="不予召开（人社局）", request=DeclineSerializer, responses=DETAIL)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        values = _input(request, DeclineSerializer)
        return self._output(meetings.meeting_decline(user=request.user, meeting=self.get_object(), **values))

    @extend_schema(
        summary="为已召开的会议分派任务（人社局）",
        request=TaskInputSerializer,
        responses={201: MeetingTaskSerializer},
    )
    @action(detail=True, methods=["post"])
    def tasks(self, request, pk=None):
        values = _input(request, TaskInputSerializer)
        task = meetings.meeting_task_add(user=request.user, meeting=self.get_object(), **values)
        task = meetings.meeting_tasks_of(task.meeting).get(pk=task.pk)
        return Response(MeetingTaskSerializer(task).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["联席会议"])
@extend_schema_view(
    list=extend_schema(
        parameters=[TaskQuerySerializer],
        summary="会议任务列表",
        description="overdue=1 只看已逾期；done=0|1；unit 承办单位。经办人只看到本单位的任务。",
    ),
    retrieve=extend_schema(summary="会议任务详情"),
)
class MeetingTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = MeetingTaskSerializer
    queryset = MeetingTask.objects.none()
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MeetingTask.objects.none()
        if self.action == "list":
            query = TaskQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            return meetings.meeting_task_search(self.request.user, **query.search_params())
        return meetings.meeting_task_visible_to(self.request.user)

    @extend_schema(
        summary="办结会议任务（承办单位）", request=DoneSerializer, responses={200: MeetingTaskSerializer}
    )
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        values = _input(request, DoneSerializer)
        task = meetings.meeting_task_done(user=request.user, task=self.get_object(), **values)
        return Response(
            MeetingTaskSerializer(meetings.meeting_task_visible_to(request.user).get(pk=task.pk)).data
        )
