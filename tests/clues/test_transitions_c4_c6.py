"""C4 state machine and C6 owner: each transition allowed and refused by role and unit, from the wrong state,
every step logged; no clue without an owner."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from clues import services
from clues.models import Clue, ClueStatus, KeyMonitoring, ResultType
from common.models import ActionLog
from tests.factories import UserFactory

from .conftest import dispatch


def _actions(clue):
    return list(
        ActionLog.objects.filter(object_id=str(clue.pk), content_type__model="clue")
        .order_by("id")
        .values_list("action", flat=True)
    )


def _submit(user, clue, **kw):
    kw.setdefault("result_type", ResultType.WAGES_PAID)
    kw.setdefault("amount_paid", "86000.50")
    kw.setdefault("workers_paid", 12)
    kw.setdefault("evidence", "工资支付凭证12份")
    return services.clue_submit_result(user=user, clue=clue, **kw)


@pytest.mark.django_db
def test_the_whole_way_from_registration_to_closure_is_logged_c4(dispatcher, zhujian, acknowledged, units):
    clue = acknowledged
    services.clue_note_progress(user=zhujian, clue=clue, note="已约谈劳务公司负责人")
    services.clue_note_progress(user=zhujian, clue=clue, note="已督促制定支付计划")
    _submit(zhujian, clue)
    clue = services.clue_confirm_closure(user=dispatcher, clue=clue, note="核实无误")
    assert clue.status == ClueStatus.CLOSED
    assert clue.progress_notes.count() == 2
    assert _actions(clue) == [
        "clue.registered",
        "clue.dispatched",
        "clue.acknowledged",
        "clue.progress_noted",
        "clue.progress_noted",
        "clue.result_submitted",
        "clue.closed",
    ]
    assert clue.owner_unit == units["区住房城乡建设局"]


@pytest.mark.django_db
def test_dispatch_hands_the_clue_to_the_unit_with_a_named_person_c4_c6(dispatched, units, now):
    assert dispatched.status == ClueStatus.DISPATCHED
    assert (dispatched.responsible_unit, dispatched.responsible_person) == (
        units["区住房城乡建设局"],
        "周主任",
    )
    assert dispatched.owner_unit == units["区住房城乡建设局"] and dispatched.dispatched_at == now


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["", "   "])
def test_a_dispatch_without_a_responsible_person_is_refused_at_the_field_c4(dispatcher, clue, units, person):
    with pytest.raises(ValidationError) as e:
        dispatch(dispatcher, clue, units["区住房城乡建设局"], person=person)
    assert e.value.message_dict == {"person": ["交办须明确具体责任人"]}
    clue.refresh_from_db()
    assert clue.status == ClueStatus.REGISTERED and clue.responsible_unit is None


@pytest.mark.django_db
def test_a_dispatch_with_a_bad_phone_is_refused_at_the_field_c4(dispatcher, clue, units):
    with pytest.raises(ValidationError) as e:
        dispatch(dispatcher, clue, units["区住房城乡建设局"], phone="12")
    assert list(e.value.message_dict) == ["phone"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["zhujian", "street_clerk", "petition_clerk", "leader"])
def test_only_hrss_dispatches_c4(request, clue, units, who):
    with pytest.raises(PermissionDenied):
        dispatch(request.getfixturevalue(who), clue, units["区住房城乡建设局"])
    clue.refresh_from_db()
    assert clue.status == ClueStatus.REGISTERED and _actions(clue) == ["clue.registered"]


@pytest.mark.django_db
def test_an_admin_may_dispatch_c4(admin_user, clue, units):
    assert dispatch(admin_user, clue, units["区住房城乡建设局"]).status == ClueStatus.DISPATCHED


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["dispatcher", "jiaotong", "street_clerk", "leader", "admin_user"])
def test_only_the_responsible_unit_acknowledges_c4(request, dispatched, who):
    with pytest.raises(PermissionDenied):
        services.clue_acknowledge(user=request.getfixturevalue(who), clue=dispatched)
    dispatched.refresh_from_db()
    assert dispatched.status == ClueStatus.DISPATCHED


@pytest.mark.django_db
def test_another_clerk_of_the_responsible_unit_may_acknowledge_c4(dispatched, units):
    colleague = UserFactory(username="zhujian_2", unit=units["区住房城乡建设局"], role="clerk")
    assert services.clue_acknowledge(user=colleague, clue=dispatched).status == ClueStatus.ACKNOWLEDGED


@pytest.mark.django_db
def test_a_transition_from_the_wrong_state_is_refused_in_chinese_c4(
    dispatcher, zhujian, clue, dispatched, acknowledged
):
    with pytest.raises(ValidationError) as e:
        services.clue_acknowledge(user=zhujian, clue=acknowledged)
    assert e.value.message_dict == {"__all__": ["线索当前状态为“已签收”，不能签收"]}
    with pytest.raises(ValidationError) as e:
        services.clue_confirm_closure(user=dispatcher, clue=acknowledged)
    assert e.value.message_dict == {"__all__": ["线索当前状态为“已签收”，不能确认办结"]}
    with pytest.raises(ValidationError):
        dispatch(dispatcher, acknowledged, acknowledged.responsible_unit)


@pytest.mark.django_db
def test_no_stage_is_skipped_a_registered_clue_takes_no_result_c4(zhujian, clue):
    with pytest.raises(ValidationError) as e:
        _submit(zhujian, clue)
    assert "已登记" in e.value.message_dict["__all__"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["dispatcher", "jiaotong", "leader"])
def test_only_the_responsible_unit_notes_progress_and_submits_c4(request, acknowledged, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.clue_note_progress(user=user, clue=acknowledged, note="进展")
    with pytest.raises(PermissionDenied):
        _submit(user, acknowledged)


@pytest.mark.django_db
def test_an_empty_progress_note_is_refused_c4(zhujian, acknowledged):
    with pytest.raises(ValidationError) as e:
        services.clue_note_progress(user=zhujian, clue=acknowledged, note=" ")
    assert e.value.message_dict == {"note": ["请填写办理进展"]}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["zhujian", "jiaotong", "leader", "petition_clerk"])
def test_only_hrss_confirms_closure_c5(request, zhujian, acknowledged, who):
    _submit(zhujian, acknowledged)
    with pytest.raises(PermissionDenied):
        services.clue_confirm_closure(user=request.getfixturevalue(who), clue=acknowledged)
    acknowledged.refresh_from_db()
    assert acknowledged.status == ClueStatus.RESULT_SUBMITTED


@pytest.mark.django_db
def test_a_substantiated_closure_puts_the_employer_under_key_monitoring_c5(dispatcher, zhujian, acknowledged):
    _submit(zhujian, acknowledged)
    services.clue_confirm_closure(user=dispatcher, clue=acknowledged)
    assert KeyMonitoring.objects.get().employer_name == "焦作某某劳务有限公司"


@pytest.mark.django_db
def test_a_not_substantiated_closure_monitors_nobody_c5(dispatcher, zhujian, acknowledged):
    _submit(
        zhujian, acknowledged, result_type=ResultType.NOT_SUBSTANTIATED, amount_paid=None, workers_paid=None
    )
    services.clue_confirm_closure(user=dispatcher, clue=acknowledged)
    assert not KeyMonitoring.objects.exists()


@pytest.mark.django_db
def test_a_paying_result_needs_amount_workers_and_evidence_c5(zhujian, acknowledged):
    with pytest.raises(ValidationError) as e:
        _submit(zhujian, acknowledged, amount_paid="-5", workers_paid=0, evidence="")
    assert set(e.value.message_dict) == {"amount_paid", "workers_paid", "evidence"}


@pytest.mark.django_db
def test_an_advance_needs_a_project_c5(zhujian, acknowledged):
    with pytest.raises(ValidationError) as e:
        _submit(zhujian, acknowledged, result_type=ResultType.ADVANCED_REVOLVING)
    assert "须关联项目" in e.value.message_dict["result_type"][0]


# --- 退回 and 改派 (C4, C6) --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_unit_returns_the_clue_to_hrss_with_a_reason_c4_c6(zhujian, acknowledged, units):
    clue = services.clue_return(user=zhujian, clue=acknowledged, reason="不属于本部门监管项目")
    assert clue.status == ClueStatus.REGISTERED
    assert clue.owner_unit == units["区人力资源社会保障局"] and clue.responsible_unit is None
    assert clue.dispatched_at is None and clue.acknowledged_at is None
    assert (
        ActionLog.objects.get(object_id=str(clue.pk), action="clue.returned").note == "不属于本部门监管项目"
    )


@pytest.mark.django_db
def test_a_return_without_a_reason_is_refused_c4(zhujian, dispatched):
    with pytest.raises(ValidationError) as e:
        services.clue_return(user=zhujian, clue=dispatched, reason="")
    assert e.value.message_dict == {"reason": ["请填写退回理由"]}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["dispatcher", "jiaotong", "leader"])
def test_only_the_responsible_unit_returns_c4(request, dispatched, who):
    with pytest.raises(PermissionDenied):
        services.clue_return(user=request.getfixturevalue(who), clue=dispatched, reason="理由")


@pytest.mark.django_db
def test_a_returned_clue_is_dispatched_again_c4(dispatcher, zhujian, dispatched, units):
    services.clue_return(user=zhujian, clue=dispatched, reason="不属于本部门")
    clue = dispatch(dispatcher, Clue.objects.get(pk=dispatched.pk), units["区交通运输局"])
    assert clue.status == ClueStatus.DISPATCHED and clue.owner_unit == units["区交通运输局"]


@pytest.mark.django_db
def test_hrss_reassigns_with_a_reason_and_the_new_unit_signs_anew_c4_c6(
    dispatcher, jiaotong, acknowledged, units
):
    clue = services.clue_reassign(
        user=dispatcher,
        clue=acknowledged,
        unit=units["区交通运输局"],
        person="钱科长",
        phone="13703910003",
        reason="项目属交通局监管",
    )
    assert clue.status == ClueStatus.DISPATCHED and clue.acknowledged_at is None
    assert clue.owner_unit == clue.responsible_unit == units["区交通运输局"]
    assert services.clue_acknowledge(user=jiaotong, clue=clue).status == ClueStatus.ACKNOWLEDGED


@pytest.mark.django_db
def test_a_reassignment_needs_a_reason_and_another_unit_c4(dispatcher, dispatched, units):
    with pytest.raises(ValidationError) as e:
        services.clue_reassign(
            user=dispatcher,
            clue=dispatched,
            unit=units["区住房城乡建设局"],
            person="周主任",
            phone="13803910002",
            reason="",
        )
    assert set(e.value.message_dict) == {"unit", "reason"}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["zhujian", "jiaotong", "leader"])
def test_only_hrss_reassigns_c4(request, dispatched, units, who):
    with pytest.raises(PermissionDenied):
        services.clue_reassign(
            user=request.getfixturevalue(who),
            clue=dispatched,
            unit=units["区交通运输局"],
            person="钱",
            phone="13703910003",
            reason="x",
        )


@pytest.mark.django_db
def test_a_registered_clue_cannot_be_reassigned_or_returned_c4(dispatcher, zhujian, clue, units):
    with pytest.raises(ValidationError):
        services.clue_reassign(
            user=dispatcher,
            clue=clue,
            unit=units["区交通运输局"],
            person="钱",
            phone="13703910003",
            reason="x",
        )


# --- C6: never without an owner -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_refuses_a_clue_without_an_owner_c6(clue):
    with pytest.raises(IntegrityError), transaction.atomic():
        Clue.objects.filter(pk=clue.pk).update(owner_unit=None)


@pytest.mark.django_db
def test_the_database_refuses_a_dispatched_clue_without_a_responsible_person_c4(dispatched):
    with pytest.raises(IntegrityError), transaction.atomic():
        Clue.objects.filter(pk=dispatched.pk).update(responsible_person="")


@pytest.mark.django_db
def test_the_state_cannot_be_set_by_hand_c4(clue):
    with pytest.raises(AttributeError):
        clue.status = ClueStatus.CLOSED


@pytest.mark.django_db
def test_a_leader_changes_nothing_c4(leader, dispatched):
    with pytest.raises(PermissionDenied) as e:
        services.clue_acknowledge(user=leader, clue=dispatched)
    assert str(e.value) == "领导账号为只读，不能修改数据"
    assert Decimal(dispatched.amount_owed) == Decimal("86000.50")


@pytest.mark.django_db
def test_a_petition_bureau_clue_stays_with_the_bureau_until_hrss_dispatches_it_c6(
    petition_clerk, dispatcher, units, now
):
    from .conftest import register

    clue = register(petition_clerk, units, channel="petition_bureau")
    assert clue.owner_unit == units["区信访局"]
    with pytest.raises(PermissionDenied):  # 信访局 registers; HRSS dispatches
        dispatch(petition_clerk, clue, units["区住房城乡建设局"])
    clue = dispatch(dispatcher, clue, units["区住房城乡建设局"])
    assert clue.owner_unit == units["区住房城乡建设局"]
    entry = ActionLog.objects.get(object_id=str(clue.pk), action="clue.dispatched")
    assert entry.actor == dispatcher and entry.data["unit"] == units["区住房城乡建设局"].pk
