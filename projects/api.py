"""Placeholder: the API helper replaces this with the real enterprise and project endpoints."""

from rest_framework import viewsets

from projects.models import Enterprise, Project


class EnterpriseViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Enterprise.objects.none()


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Project.objects.none()
