"""The clue API (issue 7 part 10): scoped like the pages, every transition through the pages' service (C1–C6)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from clues.models import Clue, ClueStatus
from clues.services import clue_submit_result
from common.api import api_token_issue_integration
from tests.clues.conftest import VALID_ID, dispatch, register
from tests.factories import create_project
from tests.helpers import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as():
    """api_as(user) → an APIClient sending an integration token of that user (fixed lifetime: the frozen clock
    never expires it); a leader gets the admin's grant first (B4)."""

    def make(user) -> APIClient:
        if user.role == "leader" and not user.api_token_allowed:
            user.api_token_allowed = True
            user.save(update_fields=["api_token_allowed"])
        client = APIClient()
        _, token = api_token_issue_integration(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


def intake(units, **overrides) -> dict:
    values = dict(
        channel="hotline",
        received_at="2026-09-15T08:30:00+08:00",
        complainant_name="王建国",
        complainant_phone="13903911234",
        complainant_id_number=VALID_ID,
        workers_affected=12,
        amount_owed="86000.50",
        street=units["李封街道办事处"].pk,
        employer_name="焦作某某劳务有限公司",
        description="十二名农民工2026年7月至8月工资未付",
    )
    values.update(overrides)
    return values


# --- intake and scoping (C1) ---------------------------------------------------------------------------------


def test_it_creates_a_back_entered_clue_c1(api_as, dispatcher, units, now):
    r = api_as(dispatcher).post("/api/clues/", intake(units), format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["number"].startswith("QX2026-")
    assert body["status"] == ClueStatus.REGISTERED
    assert body["received_at"] == "2026-09-15T08:30:00+08:00"  # earlier than now: a phone call entered later
    assert body["route"]["unit"]["short_name"] == "李封"
    assert body["route"]["reason"]
    assert [e["code"] for e in body["timeline"]] == ["clue.registered"]


def test_it_refuses_a_future_received_at_at_the_field_c1(api_as, dispatcher, units, now):
    r = api_as(dispatcher).post(
        "/api/clues/", intake(units, received_at="2026-09-15T10:05:00+08:00"), format="json"
    )
    assert r.status_code == 400
    assert r.json()["errors"]["received_at"] == ["接收时间不能晚于现在"]
    assert not Clue.objects.exists()


def test_it_refuses_an_invalid_id_number_at_the_field_c1(api_as, dispatcher, units, now):
    r = api_as(dispatcher).post(
        "/api/clues/", intake(units, complainant_id_number="110105194912310021"), format="json"
    )
    assert r.status_code == 400
    assert "居民身份证号不正确" in r.json()["errors"]["complainant_id_number"][0]


def test_it_refuses_intake_by_a_unit_clerk(api_as, zhujian, units, now):
    r = api_as(zhujian).post("/api/clues/", intake(units), format="json")
    assert r.status_code == 403
    assert r.json()["message"] == "只有区人社局调度员和区信访局经办人可以登记线索"


def test_it_lists_only_the_clues_of_the_clerks_unit(
    api_as, dispatcher, other_clerk, zhujian, units, dispatched
):
    register(dispatcher, units)
    assert api_as(dispatcher).get("/api/clues/").json()["count"] == 2
    assert [c["id"] for c in api_as(zhujian).get("/api/clues/").json()["results"]] == [dispatched.pk]
    other = api_as(other_clerk)
    assert other.get("/api/clues/").json()["count"] == 0
    r = other.get(f"/api/clues/{dispatched.pk}/")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_it_filters_by_stage_colour_channel_and_search(api_as, dispatcher, units, dispatched, time_machine):
    fresh = register(
        dispatcher,
        units,
        channel="platform",
        employer_name="焦作另一劳务公司",
        complainant_phone="13903915678",
    )
    api = api_as(dispatcher)

    def ids(query: str) -> list[int]:
        r = api.get(f"/api/clues/?{query}")
        assert r.status_code == 200, r.json()
        return [c["id"] for c in r.json()["results"]]

    assert ids("status=dispatched") == [dispatched.pk]
    assert ids("channel=hotline") == [dispatched.pk]
    assert ids(f"q={dispatched.number}") == [dispatched.pk]
    assert len(ids("q=另一劳务")) == 1
    assert ids(f"unit={units['区住房城乡建设局'].pk}") == [dispatched.pk]
    assert len(ids("date_from=2026-09-15&date_to=2026-09-15")) == 2
    assert ids("date_from=2026-09-16") == []
    # Both received 09:00 on 09-15 (C3): the registered one is due for dispatch within 24 h (黄), the dispatched
    # one for feedback at 09:00 on 09-17 (绿); a day later the first is overdue (红).
    assert ids("colour=yellow") == [fresh.pk]
    assert ids("colour=green") == [dispatched.pk]
    time_machine.move_to(at(2026, 9, 16, 9, 30), tick=False)
    assert ids("colour=red") == [fresh.pk]
    assert api.get("/api/clues/?colour=red").json()["results"][0]["colour_display"] == "红"
    r = api.get("/api/clues/?colour=purple")
    assert r.status_code == 400 and "colour" in r.json()["errors"]
    r = api.get("/api/clues/?date_from=2026-09-16&date_to=2026-09-15")
    assert r.status_code == 400 and r.json()["errors"]["date_to"] == ["截止日期不能早于起始日期"]


# --- masking (C1 personal data) ------------------------------------------------------------------------------


def test_it_masks_the_complainant_for_leaders(api_as, leader, dispatched):
    api = api_as(leader)
    row = api.get("/api/clues/").json()["results"][0]
    assert row["complainant"] == {"name": "王*国", "phone": "139****1234", "id_number": "110105********002X"}
    detail = api.get(f"/api/clues/{dispatched.pk}/").json()
    assert detail["complainant"]["phone"] == "139****1234"
    assert "13903911234" not in str(detail)
    assert VALID_ID not in str(detail)


def test_it_shows_the_complainant_whole_to_the_responsible_unit_and_hrss(
    api_as, zhujian, dispatcher, dispatched
):
    for user in (zhujian, dispatcher):
        detail = api_as(user).get(f"/api/clues/{dispatched.pk}/").json()
        assert detail["complainant"] == {"name": "王建国", "phone": "13903911234", "id_number": VALID_ID}


def test_it_hides_the_clue_from_a_unit_it_was_reassigned_away_from_c6(
    api_as, dispatcher, zhujian, dispatched, units
):
    """Another unit never sees a complainant: once HRSS reassigns the clue, the former unit gets a 404."""
    api = api_as(dispatcher)
    r = api.post(f"/api/clues/{dispatched.pk}/reassign/", _payload("reassign", units), format="json")
    assert r.status_code == 200, r.json()
    assert api_as(zhujian).get(f"/api/clues/{dispatched.pk}/").status_code == 404
    assert api_as(zhujian).get("/api/clues/").json()["count"] == 0


# --- transitions (C4, C5, C6): allowed and refused by role ---------------------------------------------------


@pytest.fixture
def submitted(acknowledged, zhujian):
    clue_submit_result(
        user=zhujian, clue=acknowledged, result_type="not_substantiated", evidence="现场核查记录"
    )
    return Clue.objects.get(pk=acknowledged.pk)


def _payload(action: str, units) -> dict:
    responsible = {"person": "钱科长", "phone": "13803910009"}
    return {
        "dispatch": {"unit": units["区住房城乡建设局"].pk, **responsible, "override_reason": "按调度安排"},
        "acknowledge": {},
        "progress": {"note": "已约谈施工单位"},
        "submit-result": {"result_type": "not_substantiated", "evidence": "现场核查记录"},
        "confirm-closure": {"note": "核实无误"},
        "return": {"reason": "不属于本单位职责"},
        "reassign": {"unit": units["区交通运输局"].pk, **responsible, "reason": "交通项目"},
    }[action]


# (endpoint, the stage it starts from, who may, who may not, the refusal, the stage it leads to)
TRANSITIONS = [
    ("dispatch", "clue", "dispatcher", "admin_user", None, ClueStatus.DISPATCHED),
    (
        "acknowledge",
        "dispatched",
        "zhujian",
        "dispatcher",
        "只有该线索的责任单位可以签收",
        ClueStatus.ACKNOWLEDGED,
    ),
    (
        "progress",
        "acknowledged",
        "zhujian",
        "dispatcher",
        "只有该线索的责任单位可以办理此操作",
        ClueStatus.IN_PROGRESS,
    ),
    (
        "submit-result",
        "acknowledged",
        "zhujian",
        "dispatcher",
        "只有该线索的责任单位可以办理此操作",
        ClueStatus.RESULT_SUBMITTED,
    ),
    (
        "confirm-closure",
        "submitted",
        "dispatcher",
        "zhujian",
        "只有区人社局调度员可以办理此操作",
        ClueStatus.CLOSED,
    ),
    ("return", "dispatched", "zhujian", "dispatcher", "只有该线索的责任单位可以退回", ClueStatus.REGISTERED),
    (
        "reassign",
        "dispatched",
        "dispatcher",
        "zhujian",
        "只有区人社局调度员可以办理此操作",
        ClueStatus.DISPATCHED,
    ),
]


@pytest.mark.parametrize(("action", "stage", "allowed", "refused", "message", "target"), TRANSITIONS)
def test_it_runs_each_transition_for_the_allowed_role_only_c4(
    request, api_as, units, action, stage, allowed, refused, message, target
):
    clue = request.getfixturevalue(stage)
    url = f"/api/clues/{clue.pk}/{action}/"
    payload = _payload(action, units)
    if message is not None:  # the wrong role (a unit clerk can see this clue, or HRSS acting for the unit)
        r = api_as(request.getfixturevalue(refused)).post(url, payload, format="json")
        assert r.status_code == 403, r.json()
        assert r.json()["message"] == message
        assert Clue.objects.get(pk=clue.pk).status == clue.status
    r = api_as(request.getfixturevalue("leader")).post(url, payload, format="json")
    assert r.status_code == 403
    assert r.json()["message"] == "领导账号为只读，不能修改数据"
    r = api_as(request.getfixturevalue(allowed)).post(url, payload, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == target
    assert Clue.objects.get(pk=clue.pk).status == target
    assert r.json()["timeline"][0]["note"] in (payload.get("note", ""), payload.get("reason", ""), "")


def test_it_refuses_a_dispatch_by_a_clerk_as_not_found(api_as, zhujian, clue, units):
    """A registered clue is HRSS's alone: a unit clerk cannot even see it (C6)."""
    r = api_as(zhujian).post(f"/api/clues/{clue.pk}/dispatch/", _payload("dispatch", units), format="json")
    assert r.status_code == 404


def test_it_refuses_a_transition_from_the_wrong_state_with_the_services_message(
    api_as, dispatcher, dispatched, units
):
    r = api_as(dispatcher).post(
        f"/api/clues/{dispatched.pk}/dispatch/", _payload("dispatch", units), format="json"
    )
    assert r.status_code == 400
    assert r.json()["errors"]["non_field_errors"] == ["线索当前状态为“已交办”，不能交办"]


def test_it_refuses_a_dispatch_without_a_responsible_person_at_the_field(api_as, dispatcher, clue, units):
    payload = _payload("dispatch", units) | {"person": " "}
    r = api_as(dispatcher).post(f"/api/clues/{clue.pk}/dispatch/", payload, format="json")
    assert r.status_code == 400
    assert r.json()["errors"]["person"] == ["交办须明确具体责任人"]
    assert Clue.objects.get(pk=clue.pk).status == ClueStatus.REGISTERED


def test_it_requires_a_reason_to_override_the_suggested_unit_c2(api_as, dispatcher, clue, units):
    payload = _payload("dispatch", units) | {"override_reason": ""}
    r = api_as(dispatcher).post(f"/api/clues/{clue.pk}/dispatch/", payload, format="json")
    assert r.status_code == 400
    assert "请填写调整理由" in r.json()["errors"]["override_reason"][0]


def test_it_links_a_repeat_for_hrss_only(api_as, dispatcher, zhujian, leader, units, now):
    first = register(dispatcher, units, received_at=now - dt.timedelta(hours=3))
    second = register(dispatcher, units)
    dispatch(dispatcher, first, units["区住房城乡建设局"])
    dispatch(dispatcher, second, units["区住房城乡建设局"])
    url = f"/api/clues/{second.pk}/link-repeat/"
    r = api_as(zhujian).post(url, {"original": first.pk}, format="json")
    assert r.status_code == 403
    assert r.json()["message"] == "只有区人社局调度员可以办理此操作"
    assert api_as(leader).post(url, {"original": first.pk}, format="json").status_code == 403
    r = api_as(dispatcher).post(url, {"original": 999999}, format="json")
    assert r.status_code == 400 and r.json()["errors"]["original"] == ["原线索不存在或无权查看"]
    r = api_as(dispatcher).post(url, {"original": first.pk}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["repeat_of"] == first.pk
    assert Clue.objects.get(pk=first.pk).repeat_count == 1


# --- the list's query count ----------------------------------------------------------------------------------


def _list_queries(api) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = api.get("/api/clues/")
    assert r.status_code == 200
    return len(ctx.captured_queries)


def test_it_lists_clues_in_a_constant_number_of_queries(api_as, dispatcher, units, now):
    api = api_as(dispatcher)
    for _ in range(3):
        dispatch(dispatcher, register(dispatcher, units), units["区住房城乡建设局"])
    three = _list_queries(api)
    for _ in range(27):
        dispatch(dispatcher, register(dispatcher, units), units["区住房城乡建设局"])
    assert _list_queries(api) == three


# --- the routing suggestion (C2) -----------------------------------------------------------------------------


def test_it_suggests_a_route_from_the_street_and_field_c2(api_as, dispatcher, units):
    r = api_as(dispatcher).post(
        "/api/clues/route-suggestion/",
        {"street": units["李封街道办事处"].pk, "category": "education"},
        format="json",
    )
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["unit"]["short_name"] == "教育"
    assert body["assisting_street"]["short_name"] == "李封"
    assert body["reason"] == "教育领域，由行业主管部门负责，属地街道协助"
    assert body["outcome_path"] == "督促支付欠薪"


def test_it_suggests_a_route_from_a_project_c2(api_as, dispatcher, jiaotong, units, now):
    project = create_project(user=jiaotong, street=units["王封街道办事处"])
    r = api_as(dispatcher).post("/api/clues/route-suggestion/", {"project": project.pk}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["unit"]["short_name"] == "交通"
    assert "区交通运输局" in r.json()["reason"]


def test_it_routes_a_contract_dispute_to_the_courts_c2(api_as, dispatcher, units):
    r = api_as(dispatcher).post(
        "/api/clues/route-suggestion/",
        {"street": units["李封街道办事处"].pk, "nature": "contract"},
        format="json",
    )
    assert r.json()["outcome_path"] == "司法途径"


def test_it_asks_for_a_street_or_a_project_c2(api_as, dispatcher, zhujian, jiaotong, units, now):
    r = api_as(dispatcher).post("/api/clues/route-suggestion/", {}, format="json")
    assert r.status_code == 400 and r.json()["errors"]["street"] == ["请选择属地街道或项目"]
    # Another unit's project is not found, as everywhere.
    project = create_project(user=jiaotong, street=units["王封街道办事处"])
    r = api_as(zhujian).post("/api/clues/route-suggestion/", {"project": project.pk}, format="json")
    assert r.status_code == 400 and r.json()["errors"]["project"] == ["项目不存在或无权查看"]


def test_it_answers_a_return_with_the_outcome_masked_for_the_former_unit_c6(api_as, zhujian, dispatched):
    api = api_as(zhujian)
    r = api.post(f"/api/clues/{dispatched.pk}/return/", {"reason": "不属于本单位职责"}, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["owner_unit"]["short_name"] == "人社"
    assert r.json()["complainant"]["phone"] == "139****1234"  # no longer the holder
    assert api.get(f"/api/clues/{dispatched.pk}/").status_code == 404


def test_it_gives_the_services_message_for_an_empty_progress_note(api_as, zhujian, acknowledged):
    r = api_as(zhujian).post(f"/api/clues/{acknowledged.pk}/progress/", {"note": " "}, format="json")
    assert r.status_code == 400
    assert r.json()["errors"]["note"] == ["请填写办理进展"]
