"""API authentication, the one JSON error shape in Chinese, the leaders' read-only rule, and the docs."""

import re

import pytest
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from projects.models import Project
from tests.factories import PASSWORD, create_project


@pytest.mark.django_db
def test_it_refuses_an_anonymous_request_with_401_in_the_error_shape_in_chinese(api_as):
    response = api_as(None).get("/api/projects/")
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "未登录或登录已过期，请重新登录"}
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_it_exchanges_username_and_password_for_a_token_that_authenticates(zhujian):
    client = APIClient()
    response = client.post("/api/token/", {"username": zhujian.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/projects/").status_code == 200


@pytest.mark.django_db
def test_it_refuses_a_wrong_password_for_a_token_with_a_chinese_validation_error(zhujian):
    response = APIClient().post(
        "/api/token/", {"username": zhujian.username, "password": "nope"}, format="json"
    )
    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "validation_error"
    assert body["message"] == "提交的数据有误，请按提示修改"
    assert re.search(r"[\u4e00-\u9fff]", body["errors"]["non_field_errors"][0])


@pytest.mark.django_db
def test_it_refuses_a_forged_token_with_401_in_chinese(units):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = client.get("/api/units/")
    body = response.json()
    assert response.status_code == 401
    assert body["code"] == "authentication_failed"
    assert re.search(r"[\u4e00-\u9fff]", body["message"])


@pytest.mark.django_db
def test_it_accepts_the_browser_session_and_requires_csrf_for_its_writes(zhujian, units):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(zhujian)
    assert client.get("/api/projects/").status_code == 200
    response = client.post("/api/projects/", {"name": "无令牌的项目"}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "页面已过期（CSRF 校验失败），请刷新页面后重试",
    }


@pytest.mark.django_db
def test_leaders_are_read_only_a_post_is_403_in_chinese(leader, api_as, units):
    client = api_as(leader)
    assert client.get("/api/projects/").status_code == 200
    response = client.post("/api/projects/", {"name": "领导登记的项目"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"code": "permission_denied", "message": "领导账号为只读，不能修改数据"}


@pytest.mark.django_db
def test_leaders_cannot_patch_or_push_either(leader, zhujian, api_as, units):
    project = create_project(user=zhujian, street=units["李封街道办事处"])
    client = api_as(leader)
    assert client.patch(f"/api/projects/{project.pk}/", {"remarks": "x"}, format="json").status_code == 403
    assert client.post(f"/api/projects/{project.pk}/push/").status_code == 403
    project = Project.objects.get(pk=project.pk)  # FSM-protected status: refresh_from_db() is refused
    assert (project.remarks, project.status) == ("", "draft")


@pytest.mark.django_db
def test_an_unknown_method_gets_405_in_the_error_shape(zhujian, api_as, units):
    project = create_project(user=zhujian, street=units["李封街道办事处"])
    response = api_as(zhujian).delete(f"/api/projects/{project.pk}/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.django_db
def test_an_out_of_range_page_is_404_with_a_chinese_message(zhujian, api_as):
    response = api_as(zhujian).get("/api/projects/?page=9")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert re.search(r"[\u4e00-\u9fff]", response.json()["message"])


@pytest.mark.django_db
def test_the_openapi_schema_is_for_logged_in_users_only(client):
    assert client.get("/api/schema/").status_code == 401
    assert client.get("/api/docs/").status_code == 401


@pytest.mark.django_db
def test_the_openapi_schema_lists_the_endpoints_and_documents_the_error_shape(client, zhujian):
    client.force_login(zhujian)
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/projects/", "/api/projects/{id}/", "/api/projects/{id}/push/", "/api/units/"} <= set(
        schema["paths"]
    )
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {"code", "message", "errors"}
    create = schema["paths"]["/api/projects/"]["post"]["responses"]
    assert {"201", "400", "401", "403"} <= set(create)
    assert create["400"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    detail = schema["paths"]["/api/projects/{id}/"]["get"]["responses"]
    assert detail["404"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"


@pytest.mark.django_db
def test_the_swagger_docs_load_their_assets_locally_never_from_a_cdn(client, zhujian):
    client.force_login(zhujian)
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls, "the docs page references its assets"
    assert all(url.startswith("/static/") for url in urls), urls
    assert "://" not in html  # no absolute URL anywhere, inline script included
    for url in urls:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a local static file"


@pytest.mark.django_db
def test_malformed_json_is_400_parse_error_in_chinese(zhujian, api_as):
    response = api_as(zhujian).post("/api/projects/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"code": "parse_error", "message": "请求数据格式错误"}


def test_the_handler_keeps_a_services_refusal_and_hides_why_a_record_is_not_found():
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from common.api import exception_handler

    refused = exception_handler(PermissionDenied("您只能为本单位登记和推送项目"), {})
    missing = exception_handler(Http404("项目 42 属于区交通运输局"), {})
    assert (refused.status_code, refused.data) == (
        403,
        {"code": "permission_denied", "message": "您只能为本单位登记和推送项目"},
    )
    assert (missing.status_code, missing.data) == (
        404,
        {"code": "not_found", "message": "记录不存在或您无权查看"},
    )


NOT_FOUND = {"code": "not_found", "message": "记录不存在或您无权查看"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path, methods",
    [
        ("/api/projects/0.5/push/", ("get", "post")),  # matches no route
        ("/api/projects/1/nonsense/", ("get", "post")),
        ("/api/nothing-here/", ("get", "post")),
        ("/api/projects/abc/", ("get",)),  # the detail route, with an id that is not a number: after the 401
    ],
)
def test_an_unmatched_api_path_is_a_json_404_in_the_error_shape(zhujian, api_as, path, methods):
    routed = path == "/api/projects/abc/"
    for client in (api_as(zhujian),) if routed else (api_as(zhujian), api_as(None)):
        for method in methods:
            response = getattr(client, method)(path)
            assert response.status_code == 404, (method, path)
            assert response["Content-Type"] == "application/json"
            assert response.json() == NOT_FOUND


@pytest.mark.django_db
def test_a_page_outside_the_api_keeps_the_chinese_html_404(client, zhujian):
    client.force_login(zhujian)
    response = client.get("/projects/0.5/")
    assert response.status_code == 404
    assert "记录不存在" in response.content.decode() and response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_an_api_path_without_its_slash_is_still_redirected_to_the_slashed_one(zhujian, api_as):
    response = api_as(zhujian).get("/api/projects")
    assert (response.status_code, response["Location"]) == (301, "/api/projects/")


@pytest.mark.django_db
def test_page_0_is_a_404_and_every_list_documents_it(client, zhujian, api_as):
    response = api_as(zhujian).get("/api/units/?page=0")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    client.force_login(zhujian)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/projects/", "/api/units/", "/api/enterprises/"):
        not_found = schema["paths"][path]["get"]["responses"]["404"]
        assert "页码超出范围" in not_found["description"], path
        assert not_found["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"


@pytest.mark.django_db
def test_the_schema_allows_a_unit_without_email_as_the_api_returns_it(client, zhujian, api_as, units):
    emails = {u["email"] for u in api_as(zhujian).get("/api/units/?page_size=200").json()["results"]}
    assert "" in emails  # several units have none on file
    client.force_login(zhujian)
    email = client.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]["Unit"][
        "properties"
    ]["email"]
    assert email["type"] == "string" and "format" not in email


@pytest.mark.django_db
def test_a_json_body_larger_than_the_cap_is_refused_before_it_is_read(zhujian, api_as, settings):
    response = api_as(zhujian).generic(
        "POST",
        "/api/projects/",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),  # the test payload raises if over-read
    )
    # DRF reads JSON through Django's request.body, which checks DATA_UPLOAD_MAX_MEMORY_SIZE first (handler400).
    assert response.status_code == 400
    assert response.json() == {"code": "request_too_large", "message": "提交的内容过大：每次最多 12 MB"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role, granted, sees_docs",
    [
        ("clerk", False, True),
        ("dispatcher", False, True),
        ("petition_clerk", False, True),
        ("admin", False, True),
        ("leader", False, False),
        ("leader", True, True),
    ],
)
def test_the_docs_link_and_the_docs_agree_for_every_role(client, units, role, granted, sees_docs):
    from common.models import Role
    from tests.factories import UserFactory

    assert role in Role.values
    unit = None if role in ("leader", "admin") else units["区人力资源社会保障局"]
    user = UserFactory(username=f"{role}_{granted}", unit=unit, role=role, api_token_allowed=granted)
    client.force_login(user)
    home = client.get("/", follow=True).content.decode()  # a leader's home is the dashboard
    assert ('href="/api/docs/"' in home) is sees_docs
    assert client.get("/api/docs/").status_code == (200 if sees_docs else 403)
    assert client.get("/api/schema/").status_code == (200 if sees_docs else 403)
