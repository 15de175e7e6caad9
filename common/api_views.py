"""Placeholder: the API helper replaces this with the real unit endpoints."""

from rest_framework import viewsets

from common.models import Unit


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Unit.objects.none()
