"""The action log (issue 5 A1): one model, log_action inside the service's transaction, labels per app."""

import pytest
from django.db import transaction

from common.audit import action_label, log_action, timeline
from common.models import ActionLog, Unit


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_log_outside_a_transaction(units, admin_user):
    # In autocommit the entry could exist without the change, or the change without it.
    with pytest.raises(RuntimeError):
        log_action(units["区住房城乡建设局"], action="policy.changed", actor=admin_user)
    assert not ActionLog.objects.exists()


@pytest.mark.django_db
def test_it_refuses_an_unregistered_action_code(units, admin_user):
    with pytest.raises(ValueError), transaction.atomic():
        log_action(units["区住房城乡建设局"], action="nobody.registered.this", actor=admin_user)


@pytest.mark.django_db
def test_apps_register_their_labels():
    assert action_label("project.pushed") == "推送至人社局"
    assert action_label("policy.changed") == "修改政策参数"
    assert action_label("unknown.code") == "unknown.code"


@pytest.mark.django_db
def test_the_entry_links_the_diff_its_save_wrote_and_stamps_the_history_row(units, admin_user):
    unit = units["区住房城乡建设局"]
    with transaction.atomic():
        unit.phone = "0391-2950000"
        unit.save()
        entry = log_action(unit, action="policy.changed", actor=admin_user, note="测试", data={"k": 1})
    assert entry.history_id == unit.history.latest().history_id
    row = unit.history.latest()
    assert row.history_user == admin_user
    assert row.history_change_reason == "policy.changed"
    first = timeline(unit)[0]
    assert first["note"] == "测试"
    assert first["who"] == admin_user
    assert any(label == "联系电话" and new == "0391-2950000" for label, _, new in first["changes"])


@pytest.mark.django_db
def test_a_save_without_a_log_does_not_lend_its_diff_to_a_later_entry(
    units, admin_user, django_capture_on_commit_callbacks
):
    unit = units["区交通运输局"]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        unit.phone = "0391-1111111"
        unit.save()  # e.g. an admin's edit outside a service
    with transaction.atomic():
        entry = log_action(unit, action="policy.changed", actor=admin_user)
    assert entry.history_id is None


@pytest.mark.django_db
def test_the_timeline_lists_unlogged_diffs_too_newest_first(
    units, admin_user, django_capture_on_commit_callbacks
):
    unit = Unit.objects.get(name="区交通运输局")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        unit.leader_name = "管理后台改的"
        unit.save()
    with transaction.atomic():
        unit.leader_name = "新负责人"
        unit.save()
        log_action(unit, action="policy.changed", actor=admin_user, note="n")
    entries = timeline(unit)
    assert [e["note"] for e in entries] == ["n", ""]
    assert entries[0]["changes"] == [("负责人", "管理后台改的", "新负责人")]
    assert entries[1]["code"] == "~"  # the admin's unlogged edit, shown as 修改
    assert ActionLog.objects.count() == 1
