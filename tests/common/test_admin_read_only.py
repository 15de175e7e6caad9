"""Records written only by services are read-only in the admin (common.admin.ReadOnlyAdminMixin): the admin
reads and searches them, never adds, edits or deletes — a change must pass the rules and leave its log entry."""

import pytest
from django.urls import reverse

from common.models import ActionLog
from projects.models import Project
from tests.factories import create_project


@pytest.mark.django_db
def test_a_pushed_project_cannot_be_added_edited_or_deleted_in_the_admin(client, admin_user, zhujian, units):
    project = create_project(user=zhujian, street=units["李封街道办事处"], push=True)
    client.force_login(admin_user)
    change = reverse("admin:projects_project_change", args=[project.pk])
    assert client.get(change).status_code == 200  # readable
    client.post(change, {"name": "改名"})
    assert Project.objects.get(pk=project.pk).name == project.name  # P6 facts can't be edited by hand
    assert client.get(reverse("admin:projects_project_add")).status_code == 403
    assert (
        client.post(reverse("admin:projects_project_delete", args=[project.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert Project.objects.filter(pk=project.pk).exists()


@pytest.mark.django_db
def test_the_action_log_is_read_only_in_the_admin(client, admin_user, zhujian, units):
    create_project(user=zhujian, street=units["李封街道办事处"], push=True)
    entry = ActionLog.objects.first()
    client.force_login(admin_user)
    assert client.get(reverse("admin:common_actionlog_changelist")).status_code == 200
    assert client.get(reverse("admin:common_actionlog_add")).status_code == 403
    delete = reverse("admin:common_actionlog_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ActionLog.objects.filter(pk=entry.pk).exists()
