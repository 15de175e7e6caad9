"""Policy parameters (issue 5 A3): one admin-edited table, typed, each with its SPEC rule, changes audited."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from common.audit import timeline
from common.models import ActionLog, PolicyParameter
from common.policy import policy_parameter, policy_parameter_update, policy_value, registered_parameters


@pytest.mark.django_db
def test_it_creates_every_declared_parameter_with_its_rule_and_default():
    rows = {p.code: p for p in PolicyParameter.objects.all()}
    for code, declared in registered_parameters().items():
        assert rows[code].rule == declared.rule
        assert rows[code].value == declared.default
    # The numbers the issue names: P1 5 working days; C3 1/2/3/4 days; D2 15 days; D3 1%; S1 1 month; S3 30 days.
    assert policy_parameter("P1.push_working_days") == (5, "working_days")
    assert [policy_value(f"C3.{n}_days") for n in ("dispatch", "feedback", "reminder", "escalation")] == [
        1,
        2,
        3,
        4,
    ]
    assert policy_value("D2.deposit_deadline_days") == 15
    assert policy_value("D3.deposit_ratio") == Decimal("0.01")
    assert policy_value("S1.allocation_cycle_months") == 1
    assert policy_value("S3.account_open_days") == 30


@pytest.mark.django_db
def test_it_types_day_counts_as_int_and_ratios_as_decimal():
    assert isinstance(policy_value("P1.push_working_days"), int)
    assert isinstance(policy_value("D3.deposit_ratio"), Decimal)


@pytest.mark.django_db
def test_an_update_is_read_at_once_and_logged_with_old_new_and_reason(admin_user):
    parameter = PolicyParameter.objects.get(code="C3.reminder_days")
    policy_parameter_update(
        parameter=parameter, value=Decimal(2), kind="working_days", actor=admin_user, note="局务会决定"
    )
    assert policy_parameter("C3.reminder_days") == (2, "working_days")
    log = ActionLog.objects.get(action="policy.changed")
    assert log.actor == admin_user
    assert log.note == "局务会决定"
    assert log.data == {"old": {"value": "3", "kind": "days"}, "new": {"value": "2", "kind": "working_days"}}
    entry = timeline(parameter)[0]
    assert entry["action"] == "修改政策参数"
    assert ("取值", "3.0000", "2") in entry["changes"] or any(c[0] == "取值" for c in entry["changes"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "value", "kind", "field"),
    [
        ("P1.push_working_days", Decimal("-1"), "working_days", "value"),
        ("P1.push_working_days", Decimal("2.5"), "working_days", "value"),
        ("P1.push_working_days", Decimal("0"), "working_days", "value"),
        ("D3.deposit_ratio", Decimal("1.5"), "ratio", "value"),
        ("D3.deposit_ratio", Decimal("0.02"), "days", "kind"),
    ],
)
def test_a_bad_value_is_refused_at_its_field_and_nothing_changes(admin_user, code, value, kind, field):
    parameter = PolicyParameter.objects.get(code=code)
    before = parameter.value
    with pytest.raises(ValidationError) as e:
        policy_parameter_update(parameter=parameter, value=value, kind=kind, actor=admin_user)
    assert field in e.value.message_dict
    parameter.refresh_from_db()
    assert parameter.value == before
    assert not ActionLog.objects.filter(action="policy.changed").exists()


@pytest.mark.django_db
def test_the_admin_edits_a_parameter_with_a_reason_and_cannot_add_or_delete(client, admin_user):
    parameter = PolicyParameter.objects.get(code="D2.deposit_deadline_days")
    client.force_login(admin_user)
    url = reverse("admin:common_policyparameter_change", args=[parameter.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "修改依据" in page.content.decode()
    response = client.post(url, {"value": "20", "kind": "days", "change_note": "试行"})
    assert response.status_code == 302
    assert policy_value("D2.deposit_deadline_days") == 20
    assert ActionLog.objects.get(action="policy.changed").note == "试行"
    missing_reason = client.post(url, {"value": "25", "kind": "days", "change_note": ""})
    assert missing_reason.status_code == 200
    assert policy_value("D2.deposit_deadline_days") == 20
    assert client.get(reverse("admin:common_policyparameter_add")).status_code == 403
