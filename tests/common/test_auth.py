"""Login, logout and the 30-minute idle timeout (issue 2, part 3), all in Chinese."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


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
