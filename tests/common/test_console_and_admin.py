"""What a new user saw in the console and the admin (issue 5 B11): one line per 403, no staticfiles warning,
a Chinese history page, a favicon; the API tokens on the user's admin page (B4)."""

import logging
import warnings

import pytest
from django.contrib.auth.models import AnonymousUser
from knox.models import AuthToken

from common.models import Unit


def _console_handler() -> logging.Handler:
    """The handler settings.LOGGING puts on the root logger (what `make run` prints)."""
    return next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)


@pytest.mark.django_db
def test_a_403_is_one_line_in_the_console_without_a_traceback(client, leader, caplog):
    client.force_login(leader)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/projects/new/")  # leaders are read-only
    assert response.status_code == 403
    record = next(r for r in caplog.records if r.name == "django.request")
    handler = _console_handler()
    assert handler.filter(record)
    line = handler.format(record)
    assert line == "Forbidden (Permission denied): /projects/new/"


def test_a_server_error_keeps_its_traceback_in_the_console():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.getLogger("django.request").makeRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            ("/x/",),
            __import__("sys").exc_info(),
            extra={"status_code": 500},
        )
    handler = _console_handler()
    assert handler.filter(record)
    assert "Traceback" in handler.format(record) and "RuntimeError: boom" in handler.format(record)


def test_whitenoise_starts_without_the_no_directory_warning():
    from whitenoise.middleware import WhiteNoiseMiddleware

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pyproject.toml's filter for this warning does not apply here
        WhiteNoiseMiddleware(lambda request: None)


@pytest.mark.django_db
def test_favicon_ico_is_served_and_the_pages_link_their_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    login_page = client.get("/login/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in login_page
    assert client.get("/static/favicon.svg").status_code == 200


@pytest.mark.django_db
def test_the_admin_history_page_is_chinese_and_shows_a_dash_for_no_reason(client, admin_user, units):
    unit = Unit.objects.get(name="区交通运输局")
    unit.save()  # the fixture loads without history: this is the first version
    unit.phone = "0391-1234567"
    unit.save()  # a change without a reason, as a shell or a migration makes it
    client.force_login(admin_user)
    body = client.get(f"/admin/common/unit/{unit.pk}/history/").content.decode()
    for text in ("变更内容", "修改原因", "修改人", "联系电话", "0391-1234567"):
        assert text in body, text
    assert "Changes" not in body and "CHANGES" not in body
    assert ">None<" not in body and "None\n" not in body
    assert "<td>—</td>" in body


@pytest.mark.django_db
def test_it_writes_dates_in_the_admin_lists_like_every_page(client, admin_user, zhujian, units, time_machine):
    # QA (B9): the admin's lists wrote "2026年9月4日 16:28" where every page writes 2026-09-04 16:28.
    from tests.factories import create_project
    from tests.helpers import at

    time_machine.move_to(at(2026, 9, 4, 16, 28), tick=False)
    project = create_project(user=zhujian, street=units["李封街道办事处"])
    client.force_login(admin_user)
    body = client.get("/admin/projects/enterprise/").content.decode()
    assert "2026-09-04 16:28" in body and "2026年9月4日" not in body
    body = client.get(f"/admin/projects/project/{project.pk}/change/").content.decode()
    assert "2026-09-01" in body and "2026年9月1日" not in body  # the trigger date, read-only


@pytest.mark.django_db
def test_it_has_no_english_table_headers_on_the_admin_index(client, admin_user):
    # QA: Django 5.2's screen-reader headers (visually hidden) were English: Model name, Add link, …
    client.force_login(admin_user)
    body = client.get("/admin/").content.decode()
    assert "Model name" not in body and "Add link" not in body and "Change or view list link" not in body
    assert "模型名称" in body


@pytest.mark.django_db
def test_it_writes_the_admin_history_diffs_and_reasons_like_the_record_page(
    client, admin_user, zhujian, units, time_machine
):
    # QA: a pushed project's admin history read "False → True", "draft → pushed", "None → 2026-11-23
    # 02:30:00+00:00", "Deleted 用户 (pk=None)" and the reason "project.pushed".
    import html

    from tests.factories import create_project
    from tests.helpers import at

    time_machine.move_to(at(2026, 9, 4, 16, 28), tick=False)
    project = create_project(user=zhujian, street=units["李封街道办事处"], push=True)
    client.force_login(admin_user)
    body = html.unescape(client.get(f"/admin/projects/project/{project.pk}/history/").content.decode())
    diffs = body.split('id="change-history"')[1]
    for text in ("推送至人社局", "待推送", "已推送", "2026-09-04 16:28", "（空）", str(zhujian)):
        assert text in diffs, text
    for raw in ("project.pushed", "draft", "pushed<", "False", "None", "+00:00", "Deleted", "pk="):
        assert raw not in diffs, raw


@pytest.mark.django_db
def test_the_user_admin_grants_api_tokens_and_issues_integration_tokens_shown_once(
    client, admin_user, leader
):
    client.force_login(admin_user)
    page = client.get(f"/admin/common/user/{leader.pk}/change/").content.decode()
    assert "允许使用 API 令牌" in page and 'name="api_token_allowed"' in page

    refused = client.post(
        "/admin/common/user/",
        {"action": "issue_integration_token", "_selected_action": [leader.pk]},
        follow=True,
    ).content.decode()
    assert "未开通 API 令牌" in refused
    assert not AuthToken.objects.filter(user=leader).exists()

    leader.api_token_allowed = True
    leader.save()
    issued = client.post(
        "/admin/common/user/",
        {"action": "issue_integration_token", "_selected_action": [leader.pk]},
        follow=True,
    ).content.decode()
    token = issued.split("请立即复制）：")[1].split("<")[0].strip()
    assert token.startswith("int_")
    instance = AuthToken.objects.get(user=leader)
    assert token.startswith(instance.token_key) and token not in (instance.digest, instance.token_key)

    page = client.get(f"/admin/common/user/{leader.pk}/change/").content.decode()
    assert "集成令牌（固定有效期）" in page and token not in page  # listed, never shown again


def test_knox_english_token_admin_is_not_offered():
    from django.contrib import admin

    assert not admin.site.is_registered(AuthToken)
    assert not AnonymousUser().is_active  # MayUseApiToken refuses the anonymous before reading a role


@pytest.mark.django_db
def test_it_names_a_job_by_its_chinese_label_in_the_admin_list(client, admin_user, zhujian):
    # QA: the admin's 后台任务 list showed the code "projects.ledger_export" as the job's type.
    from common.models import Job

    Job.objects.create(kind="projects.ledger_export", user=zhujian)
    client.force_login(admin_user)
    rows = client.get("/admin/common/job/").content.decode().split('id="result_list"')[1]
    assert "导出项目推送台账" in rows and ">projects.ledger_export<" not in rows  # list and filter


@pytest.mark.django_db
def test_it_answers_a_mistyped_admin_history_url_with_a_404_not_a_500(client, admin_user, units):
    # QA: /admin/common/unit/1/change/history/ raised ValueError in django-simple-history (a 500).
    client.force_login(admin_user)
    unit = Unit.objects.first()
    assert client.get(f"/admin/common/unit/{unit.pk}/change/history/").status_code == 404
    assert client.get(f"/admin/common/unit/{unit.pk}/history/").status_code == 200
