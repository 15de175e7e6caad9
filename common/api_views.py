"""API: the unit list (单位) — read-only, the same for every logged-in user (SPEC "Units")."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from common.models import Unit, UnitType


class UnitSerializer(serializers.ModelSerializer):
    unit_type_display = serializers.CharField(source="get_unit_type_display", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "short_name",
            "unit_type",
            "unit_type_display",
            "leader_name",
            "phone",
            "email",
            "address",
            "is_active",
        ]
        read_only_fields = fields


class UnitFilter(django_filters.FilterSet):
    unit_type = django_filters.ChoiceFilter(label="单位类型", choices=UnitType.choices)
    is_active = django_filters.BooleanFilter(label="启用")

    class Meta:
        model = Unit
        fields = ["unit_type", "is_active"]


@extend_schema(tags=["单位"])
@extend_schema_view(
    list=extend_schema(summary="单位列表", description="全部单位（含10个街道办事处），可按单位类型筛选。"),
    retrieve=extend_schema(summary="单位详情"),
)
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units are public within the system: every role reads them (e.g. to fill a project's street)."""

    queryset = Unit.objects.all()
    serializer_class = UnitSerializer
    filterset_class = UnitFilter
    search_fields = ["name", "short_name"]
    ordering_fields = ["sort_order", "name", "id"]
    ordering = ["sort_order", "id"]
