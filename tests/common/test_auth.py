"""Login, logout and the 30-minute idle timeout (issue 2, part 3), all in Chinese."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD
from tests.helpers import SHANGHAI


def login(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": PASSWORD})


@pytest.mark.django_db
def test_it_shows_the_login_page_in_chinese(client):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in body
    for text in ("用户登录", "用户名", "密码", "登录"):
        assert text in body
    assert "Username" not in body and "Password" not in body


@pytest.mark.django_db
def test_it_sends_an_anonymous_visitor_to_the_login_page_with_a_chinese_hint(client):
    response = client.get(reverse("projects:ledger"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    page = client.get(response["Location"]).content.decode()
    assert "请先登录" in page and "30分钟" in page


@pytest.mark.django_db
def test_it_logs_a_clerk_in_and_lands_on_the_home_page(client, zhujian):
    response = login(client, zhujian)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "区住房城乡建设局" in home.content.decode()


@pytest.mark.django_db
def test_it_refuses_a_wrong_password_with_a_chinese_message(client, zhujian):
    response = client.post(reverse("login"), {"username": zhujian.username, "password": "wrong-password"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "用户名或密码不正确" in body
    assert "_auth_user_id" not in client.session
    # The username is kept so the clerk only retypes the password.
    assert f'value="{zhujian.username}"' in body


@pytest.mark.django_db
def test_it_logs_out_and_the_next_page_asks_to_log_in_again(client, zhujian):
    login(client, zhujian)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    after = client.get(reverse("home"))
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("login"))


def test_it_configures_a_30_minute_idle_session():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


@pytest.mark.django_db
def test_it_keeps_a_session_alive_after_29_idle_minutes(client, zhujian, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI), tick=False)
    login(client, zhujian)
    time_machine.shift(dt.timedelta(minutes=29))
    assert client.get(reverse("home")).status_code == 200
    # Each request renews the timer: 58 minutes after login but only 29 idle is still fine.
    time_machine.shift(dt.timedelta(minutes=29))
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_it_logs_out_after_31_idle_minutes(client, zhujian, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI), tick=False)
    login(client, zhujian)
    assert client.get(reverse("home")).status_code == 200
    time_machine.shift(dt.timedelta(minutes=31))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_createsuperuser_makes_an_admin_without_a_unit():
    from django.core.management import call_command

    from common.models import Role, User

    call_command("createsuperuser", "--noinput", username="root", email="root@example.com")
    user = User.objects.get(username="root")
    assert (user.role, user.unit, user.is_superuser) == (Role.ADMIN, None, True)


@pytest.mark.django_db
def test_logout_is_a_post_that_says_so_and_a_bookmarked_get_does_not_log_out(client, zhujian):
    client.force_login(zhujian)
    assert client.get("/logout/").status_code == 302
    assert client.get("/").status_code == 200  # still logged in
    response = client.post("/logout/", follow=True)
    assert "您已安全退出。" in response.content.decode()
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_demo_data_with_its_published_password_is_refused_in_production(settings):
    from django.core.management import CommandError, call_command

    from common.models import User

    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="不能载入演示数据"):
        call_command("seed_demo")
    assert not User.objects.filter(username="zhujian").exists()


# Issue 5 B3: login throttling (django-axes, settings.AXES_*).
LOCKED = "该用户名连续登录失败5次，已锁定15分钟，请稍后再试；如需立即解锁，请联系系统管理员。"
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)


def attempt(client, username, password="wrong-password", path="/login/"):
    return client.post(path, {"username": username, "password": password})


@pytest.mark.django_db
def test_it_locks_a_username_after_5_failures_and_refuses_even_the_right_password(
    client, zhujian, time_machine
):
    time_machine.move_to(START, tick=False)
    for _ in range(4):
        response = attempt(client, zhujian.username)
        assert "用户名或密码不正确" in response.content.decode()
    fifth = attempt(client, zhujian.username)
    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode()
    right = login(client, zhujian)
    assert right.status_code == 429
    body = right.content.decode()
    assert LOCKED in body and "用户名或密码不正确" not in body
    assert f'value="{zhujian.username}"' in body  # still the login form, at the field
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_lock_lasts_15_minutes_from_the_5th_failure_and_attempts_meanwhile_do_not_extend_it(
    client, zhujian, time_machine
):
    time_machine.move_to(START, tick=False)
    for _ in range(5):
        attempt(client, zhujian.username)
    time_machine.shift(dt.timedelta(minutes=14))
    assert attempt(client, zhujian.username).status_code == 429  # a wrong guess while locked
    assert login(client, zhujian).status_code == 429
    time_machine.shift(dt.timedelta(minutes=1, seconds=1))  # 15 min after the 5th failure
    assert login(client, zhujian).status_code == 302


@pytest.mark.django_db
def test_the_lock_is_per_username(client, zhujian, jiaotong, time_machine):
    time_machine.move_to(START, tick=False)
    for _ in range(5):
        attempt(client, zhujian.username)
    assert login(client, jiaotong).status_code == 302  # same browser, same address, another user


@pytest.mark.django_db
def test_a_successful_login_clears_the_failure_count(client, zhujian, time_machine):
    time_machine.move_to(START, tick=False)
    for _ in range(4):
        attempt(client, zhujian.username)
    assert login(client, zhujian).status_code == 302
    client.post("/logout/")
    for _ in range(4):
        assert attempt(client, zhujian.username).status_code == 200
    assert login(client, zhujian).status_code == 302


@pytest.mark.django_db
def test_the_admin_login_locks_too_with_the_same_chinese_message(client, admin_user, time_machine):
    time_machine.move_to(START, tick=False)
    for _ in range(5):
        response = attempt(client, admin_user.username, path="/admin/login/")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    response = attempt(client, admin_user.username, PASSWORD, path="/admin/login/")
    assert (response.status_code, LOCKED in response.content.decode()) == (429, True)


@pytest.mark.django_db
def test_an_admin_unlocks_a_username_in_the_chinese_admin(client, zhujian, admin_user, time_machine):
    from axes.models import AccessAttempt

    time_machine.move_to(START, tick=False)
    for _ in range(5):
        attempt(client, zhujian.username)
    assert login(client, zhujian).status_code == 429

    admin_client = type(client)()
    admin_client.force_login(admin_user)
    index = admin_client.get("/admin/").content.decode()
    assert "登录防护" in index and "登录失败记录" in index
    changelist = admin_client.get("/admin/axes/accessattempt/").content.decode()
    for text in ("连续失败次数", "最近失败时间", "已锁定"):
        assert text in changelist
    attempt_row = AccessAttempt.objects.get(username=zhujian.username)
    response = admin_client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt_row.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert login(client, zhujian).status_code == 302


@pytest.mark.django_db
def test_it_names_the_lock_list_column_and_the_record_to_delete_in_chinese(
    client, zhujian, admin_user, time_machine
):
    # QA: the list's last column read "STATUS", and the delete page "Attempted Access: …+00:00" (UTC).
    import html

    from axes.models import AccessAttempt

    time_machine.move_to(START, tick=False)
    for _ in range(5):
        attempt(client, zhujian.username)
    admin_client = type(client)()
    admin_client.force_login(admin_user)
    changelist = admin_client.get("/admin/axes/accessattempt/").content.decode()
    assert "column-status" in changelist and ">状态<" in changelist and ">Status<" not in changelist
    row = AccessAttempt.objects.get(username=zhujian.username)
    confirm = html.unescape(
        admin_client.post(
            "/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": [row.pk]}
        ).content.decode()
    )
    assert f"{zhujian.username} 的登录失败记录（最近 " in confirm
    assert "Attempted Access" not in confirm and "+00:00" not in confirm


@pytest.mark.django_db
def test_the_failure_record_never_keeps_the_password(client, zhujian):
    from axes.models import AccessAttempt

    attempt(client, zhujian.username, "my-secret-guess")
    assert "my-secret-guess" not in AccessAttempt.objects.get().post_data


# Issue 5 B5: every logged-in user changes their own password.
NEW_PASSWORD = "Qiang-Mima-2026!"


@pytest.mark.django_db
def test_every_page_header_links_to_the_password_page(client, leader):
    client.force_login(leader)
    assert 'href="/password/"' in client.get("/", follow=True).content.decode()


@pytest.mark.django_db
def test_the_password_page_is_in_chinese_and_needs_a_login(client, zhujian):
    assert client.get("/password/")["Location"].startswith("/login/?next=")
    client.force_login(zhujian)
    body = client.get("/password/").content.decode()
    for text in ("修改密码", "旧密码", "新密码", "新密码确认"):
        assert text in body
    assert "Old password" not in body and "New password" not in body


@pytest.mark.django_db
def test_it_changes_the_password_and_keeps_the_user_logged_in(client, zhujian):
    client.force_login(zhujian)
    response = client.post(
        "/password/", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response["Location"] == "/password/done/"
    assert "密码已修改" in client.get("/password/done/").content.decode()
    assert client.get("/").status_code == 200
    zhujian.refresh_from_db()
    assert zhujian.check_password(NEW_PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "old, new1, new2, message",
    [
        ("wrong", NEW_PASSWORD, NEW_PASSWORD, "你的旧密码不正确"),
        (PASSWORD, "abc123", "abc123", "密码长度太短"),
        (PASSWORD, "password123", "password123", "这个密码太常见了"),
        (PASSWORD, "20261201998877", "20261201998877", "密码只包含数字"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "输入的两个密码不一致"),
    ],
)
def test_a_rejected_password_says_why_at_the_field_in_chinese(client, zhujian, old, new1, new2, message):
    client.force_login(zhujian)
    response = client.post("/password/", {"old_password": old, "new_password1": new1, "new_password2": new2})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'class="field has-error' in body
    zhujian.refresh_from_db()
    assert zhujian.check_password(PASSWORD)


def test_a_csrf_failure_is_a_chinese_page(client, db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode() and "DEBUG" not in response.content.decode()
