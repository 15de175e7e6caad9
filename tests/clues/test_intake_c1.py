"""C1 intake: every channel, the number, the owner (C6), bad input refused at the field with nothing saved."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from clues.models import Channel, Clue, ClueStatus
from common.models import ActionLog
from tests.helpers import at

from .conftest import register


@pytest.mark.django_db
@pytest.mark.parametrize("channel", Channel.values)
def test_it_registers_a_clue_from_every_channel_c1(dispatcher, units, now, channel):
    clue = register(dispatcher, units, channel=channel)
    assert clue.status == ClueStatus.REGISTERED
    assert clue.is_petition is (channel == Channel.PETITION_BUREAU)
    assert clue.owner_unit == units["区人力资源社会保障局"]  # C6: the first receiving unit holds it
    assert ActionLog.objects.filter(object_id=str(clue.pk), action="clue.registered").count() == 1


@pytest.mark.django_db
def test_it_numbers_clues_qx_year_six_digits_in_sequence_c1(dispatcher, units, now):
    first, second = register(dispatcher, units), register(dispatcher, units)
    assert (first.number, second.number) == ("QX2026-000001", "QX2026-000002")


@pytest.mark.django_db
def test_a_petition_clerk_registers_a_petition_held_by_the_petition_bureau_c1_c6(petition_clerk, units, now):
    clue = register(petition_clerk, units, channel=Channel.VISIT_LETTER)
    assert clue.is_petition
    assert clue.registering_unit == clue.owner_unit == units["区信访局"]


@pytest.mark.django_db
def test_a_marked_petition_from_another_channel_is_a_petition_c1(dispatcher, units, now):
    assert register(dispatcher, units, channel=Channel.HOTLINE, is_petition=True).is_petition


@pytest.mark.django_db
def test_a_back_entered_received_time_is_kept_c1(dispatcher, units, now):
    clue = register(dispatcher, units, received_at=at(2026, 9, 14, 16, 30))
    assert clue.received_at == at(2026, 9, 14, 16, 30)


@pytest.mark.django_db
@pytest.mark.parametrize("user_fixture", ["zhujian", "street_clerk", "leader"])
def test_other_roles_cannot_register_c1(request, units, now, user_fixture):
    with pytest.raises(PermissionDenied):
        register(request.getfixturevalue(user_fixture), units)
    assert not Clue.objects.exists()


def _refused(dispatcher, units, **bad) -> dict:
    logs = ActionLog.objects.count()
    with pytest.raises(ValidationError) as e:
        register(dispatcher, units, **bad)
    assert not Clue.objects.exists() and ActionLog.objects.count() == logs  # nothing saved
    return e.value.message_dict


@pytest.mark.django_db
def test_a_received_time_in_the_future_is_refused_at_the_field_c1(dispatcher, units, now):
    errors = _refused(dispatcher, units, received_at=now + dt.timedelta(minutes=1))
    assert errors == {"received_at": ["接收时间不能晚于现在"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "bad_id", ["110105194912310021", "11010519491331002X", "12345", "ABCDEFGHIJKLMNOPQR"]
)
def test_an_invalid_id_number_is_refused_at_the_field_c1(dispatcher, units, now, bad_id):
    errors = _refused(dispatcher, units, complainant_id_number=bad_id)
    assert (
        list(errors) == ["complainant_id_number"] and "身份证号不正确" in errors["complainant_id_number"][0]
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-100", "欠薪金额须大于0"),
        ("0", "欠薪金额须大于0"),
        ("100000000.01", "欠薪金额不能超过1亿元，请核对"),
        ("1e30", "欠薪金额不能超过1亿元，请核对"),
        ("12.345", "欠薪金额最多保留两位小数（分）"),
        ("一万", "欠薪金额须为数字"),
        ("NaN", "欠薪金额须为数字"),
    ],
)
def test_negative_or_absurd_amounts_are_refused_at_the_field_c1(dispatcher, units, now, amount, message):
    assert _refused(dispatcher, units, amount_owed=amount) == {"amount_owed": [message]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("workers", "message"),
    [(0, "涉及人数须大于0"), (-3, "涉及人数须大于0"), (10001, "涉及人数不能超过10000人，请核对")],
)
def test_absurd_worker_counts_are_refused_at_the_field_c1(dispatcher, units, now, workers, message):
    assert _refused(dispatcher, units, workers_affected=workers) == {"workers_affected": [message]}


@pytest.mark.django_db
def test_missing_facts_are_each_named_in_chinese_c1(dispatcher, units, now):
    errors = _refused(
        dispatcher,
        units,
        complainant_name="",
        complainant_phone="123",
        employer_name="",
        street=None,
        description="",
    )
    assert set(errors) == {"complainant_name", "complainant_phone", "employer_name", "street", "description"}
    assert all("\u4e00" <= m[0][0] <= "\u9fff" for m in errors.values())


@pytest.mark.django_db
def test_the_database_refuses_a_non_positive_amount_even_without_the_service_c1(dispatcher, units, now):
    from django.db import IntegrityError, transaction

    clue = register(dispatcher, units)
    with pytest.raises(IntegrityError), transaction.atomic():
        Clue.objects.filter(pk=clue.pk).update(amount_owed=-1)
