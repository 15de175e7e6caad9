"""API tokens (issue 5 B3, B4): they expire, logout revokes the browser's, leaders need a grant, the token
endpoint is throttled and shares the login lockout."""

import datetime as dt

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from common.api import api_token_issue_integration
from tests.factories import PASSWORD

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
CHINESE = "\u4e00-\u9fff"


def obtain(client, user, password=PASSWORD):
    return client.post("/api/token/", {"username": user.username, "password": password}, format="json")


def with_token(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.mark.django_db
def test_it_answers_a_token_with_its_expiry_30_minutes_ahead(zhujian, time_machine):
    time_machine.move_to(START, tick=False)
    response = obtain(APIClient(), zhujian)
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"token", "expiry"}
    assert dt.datetime.fromisoformat(body["expiry"]) == START + dt.timedelta(minutes=30)
    # Only a hash is stored, never the token.
    assert not AuthToken.objects.filter(digest=body["token"]).exists()


@pytest.mark.django_db
def test_a_personal_token_expires_after_31_idle_minutes(zhujian, time_machine):
    time_machine.move_to(START, tick=False)
    client = with_token(obtain(APIClient(), zhujian).json()["token"])
    time_machine.shift(dt.timedelta(minutes=31))
    response = client.get("/api/units/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert not AuthToken.objects.filter(user=zhujian).exists()  # the expired token is deleted


@pytest.mark.django_db
def test_a_personal_token_used_every_29_minutes_stays_alive_like_a_session(zhujian, units, time_machine):
    time_machine.move_to(START, tick=False)
    client = with_token(obtain(APIClient(), zhujian).json()["token"])
    for _ in range(4):  # 116 minutes after it was issued, never 30 idle
        time_machine.shift(dt.timedelta(minutes=29))
        assert client.get("/api/units/").status_code == 200


@pytest.mark.django_db
def test_a_personal_token_in_constant_use_still_ends_after_12_hours(zhujian, units, time_machine):
    time_machine.move_to(START, tick=False)
    client = with_token(obtain(APIClient(), zhujian).json()["token"])
    for _ in range(12 * 4 - 1):  # every 15 minutes for 11 h 45 min
        time_machine.shift(dt.timedelta(minutes=15))
        assert client.get("/api/units/").status_code == 200
    time_machine.shift(dt.timedelta(minutes=15, seconds=1))
    assert client.get("/api/units/").status_code == 401


@pytest.mark.django_db
def test_an_integration_token_keeps_its_fixed_lifetime_however_often_it_is_used(
    zhujian, units, settings, time_machine
):
    settings.API_INTEGRATION_TOKEN_DAYS = 90
    time_machine.move_to(START, tick=False)
    instance, token = api_token_issue_integration(user=zhujian)
    assert instance.expiry == START + dt.timedelta(days=90)
    assert token.startswith("int_")
    client = with_token(token)
    time_machine.move_to(START + dt.timedelta(days=90) - dt.timedelta(minutes=5), tick=False)
    assert client.get("/api/units/").status_code == 200
    assert AuthToken.objects.get(pk=instance.pk).expiry == START + dt.timedelta(days=90)  # not renewed
    time_machine.move_to(START + dt.timedelta(days=90, minutes=1), tick=False)
    assert client.get("/api/units/").status_code == 401


@pytest.mark.django_db
def test_logout_revokes_the_tokens_the_browser_session_obtained_and_no_others(client, zhujian, units):
    client.force_login(zhujian)
    browser_token = obtain(client, zhujian).json()["token"]  # e.g. from the API docs page
    script_token = obtain(APIClient(), zhujian).json()["token"]  # no session: a script's
    _, integration_token = api_token_issue_integration(user=zhujian)
    assert with_token(browser_token).get("/api/units/").status_code == 200

    client.post("/logout/")

    assert with_token(browser_token).get("/api/units/").status_code == 401
    assert with_token(script_token).get("/api/units/").status_code == 200
    assert with_token(integration_token).get("/api/units/").status_code == 200


@pytest.mark.django_db
def test_changing_the_password_revokes_personal_tokens_but_not_integration_tokens(client, zhujian, units):
    personal = obtain(APIClient(), zhujian).json()["token"]
    _, integration = api_token_issue_integration(user=zhujian)
    client.force_login(zhujian)
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "Qiang-Mima-2026!", "new_password2": "Qiang-Mima-2026!"},
    )
    assert response.status_code == 302
    assert with_token(personal).get("/api/units/").status_code == 401
    assert with_token(integration).get("/api/units/").status_code == 200


@pytest.mark.django_db
def test_a_leader_gets_no_token_unless_an_admin_grants_one(leader, units):
    refused = obtain(APIClient(), leader)
    assert refused.status_code == 403
    assert refused.json() == {
        "code": "permission_denied",
        "message": "该账号未开通 API 令牌：领导账号须经系统管理员开通",
    }
    assert not AuthToken.objects.filter(user=leader).exists()

    leader.api_token_allowed = True
    leader.save()
    granted = obtain(APIClient(), leader)
    assert granted.status_code == 200
    assert with_token(granted.json()["token"]).get("/api/units/").status_code == 200


@pytest.mark.django_db
def test_withdrawing_a_leaders_grant_stops_the_token_already_issued(leader, units):
    leader.api_token_allowed = True
    leader.save()
    client = with_token(obtain(APIClient(), leader).json()["token"])
    leader.api_token_allowed = False
    leader.save()
    response = client.get("/api/units/")
    assert response.status_code == 401
    assert response.json() == {
        "code": "authentication_failed",
        "message": "该账号未开通 API 令牌，请联系系统管理员",
    }


@pytest.mark.django_db
def test_every_other_role_gets_a_token_without_a_grant(zhujian, dispatcher, admin_user):
    for user in (zhujian, dispatcher, admin_user):
        assert obtain(APIClient(), user).status_code == 200, user.role


@pytest.mark.django_db
def test_the_token_endpoint_locks_a_username_after_5_failures_whatever_the_password(
    zhujian, jiaotong, time_machine
):
    time_machine.move_to(START, tick=False)
    client = APIClient()
    for _ in range(4):
        assert obtain(client, zhujian, "wrong").status_code == 400
    fifth = obtain(client, zhujian, "wrong")
    assert fifth.status_code == 429
    assert fifth.json() == {
        "code": "locked_out",
        "message": "该用户名连续登录失败5次，已锁定15分钟，请稍后再试；如需立即解锁，请联系系统管理员。",
    }
    right = obtain(client, zhujian)
    assert (right.status_code, right.json()["code"]) == (429, "locked_out")
    assert obtain(client, jiaotong).status_code == 200  # another username is not affected
    time_machine.shift(dt.timedelta(minutes=15, seconds=1))
    assert obtain(client, zhujian).status_code == 200


@pytest.mark.django_db
def test_a_token_obtained_clears_the_failure_count_like_a_login(zhujian):
    client = APIClient()
    for _ in range(4):
        obtain(client, zhujian, "wrong")
    assert obtain(client, zhujian).status_code == 200
    for _ in range(4):
        assert obtain(client, zhujian, "wrong").status_code == 400
    zhujian.refresh_from_db()
    assert zhujian.last_login is not None


@pytest.mark.django_db
def test_the_token_endpoint_is_throttled_per_address_with_a_chinese_message(zhujian):
    client = APIClient()
    for _ in range(10):
        assert obtain(client, zhujian).status_code == 200
    response = obtain(client, zhujian)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert body["message"].startswith("请求过于频繁，请稍后再试（约")
    assert "Expected" not in body["message"]
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_the_schema_documents_the_token_endpoint_and_its_errors(client, zhujian):
    client.force_login(zhujian)
    operation = client.get("/api/schema/", {"format": "json"}).json()["paths"]["/api/token/"]["post"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ok == "#/components/schemas/Token"
    assert {"200", "400", "403", "429"} <= set(operation["responses"])
    assert "30分钟" in operation["description"] and "锁定15分钟" in operation["description"]
