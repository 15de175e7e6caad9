"""V4 on the push form: an enterprise on the 失信联合惩戒名单 shows its red mark beside the 建设单位 / 施工总承包单位
legend as soon as its 统一社会信用代码 is in the form — for a new project too, not only after saving.

The server marks the USCC typed in a re-rendered form (ProjectForm.marked_sections); static/js/enterprise_flags.js
asks projects:enterprise_flags (tested here) while the clerk types. The flags come through common.panels, where
supervision registers the blacklist."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Enterprise
from supervision import blacklist
from tests.factories import create_project, make_uscc, project_fields
from tests.helpers import at

MARK_TITLE = "已列入失信联合惩戒名单：欠薪引发群体性事件"
URL = reverse("projects:enterprise_flags")


@pytest.fixture
def today(time_machine):
    time_machine.move_to(at(2026, 9, 4), tick=False)
    return dt.date(2026, 9, 4)


@pytest.fixture
def listed(dispatcher, today):
    """The contractor project_fields(serial=1) types, registered and on the blacklist."""
    enterprise = Enterprise.objects.create(uscc=make_uscc(1001), name="河南测试建设工程有限公司1")
    _list(dispatcher, enterprise)
    return enterprise


@pytest.fixture
def unlisted(today):
    return Enterprise.objects.create(uscc=make_uscc(1002), name="河南测试建设工程有限公司2")


def _list(dispatcher, enterprise):
    return blacklist.blacklist_add(
        user=dispatcher,
        enterprise=enterprise,
        reason="mass_incident",
        details="拖欠四十余名农民工工资引发聚集讨薪",
        restrictions=["bidding"],
    )


def _flags(client, uscc) -> dict:
    response = client.get(URL, {"uscc": uscc})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(response.content)


def _legend_mark(html: str, role: str) -> str:
    """What the page shows beside the legend of the owner's / contractor's fieldset."""
    found = re.search(
        rf'<span class="enterprise-mark" data-enterprise-mark="{role}"[^>]*>(.*?)</span></legend>', html
    )
    assert found, f"no mark slot for {role}"
    return found.group(1)


def _the_tag_for(enterprise) -> str:
    """The enterprise_mark template tag's HTML for the enterprise (the mark every other page shows)."""
    request = RequestFactory().get("/")
    return Template("{% load panels %}{% enterprise_mark e %}").render(
        Context({"e": enterprise, "request": request})
    )


# --- the JSON endpoint -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_v4_endpoint_gives_the_flags_of_a_listed_enterprise(client, zhujian, listed):
    """V4: a clerk of any unit who types a listed enterprise's code gets its red mark and name, nothing else."""
    client.force_login(zhujian)
    answer = _flags(client, listed.uscc)
    assert answer == {
        "flags": [{"class": "danger", "label": "失信", "title": MARK_TITLE}],
        "enterprise": "河南测试建设工程有限公司1",
    }
    # Typed as clerks type it (lower case, spaces, full-width with the IME on): matched as P3 matches it.
    spaced = " ".join(listed.uscc[i : i + 6] for i in range(0, 18, 6)).lower()
    assert _flags(client, spaced)["flags"] == answer["flags"]
    full_width = listed.uscc.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert _flags(client, full_width)["flags"] == answer["flags"]


@pytest.mark.django_db
def test_v4_endpoint_gives_no_flags_for_unlisted_unknown_or_invalid_codes(client, zhujian, listed, unlisted):
    """V4: no mark, and no enterprise name, for a registered enterprise not on the list, an unknown code, a code
    with a wrong check digit, a short one, or none."""
    client.force_login(zhujian)
    wrong_check_digit = listed.uscc[:17] + ("0" if listed.uscc[17] != "0" else "1")
    for uscc in (unlisted.uscc, make_uscc(4242), wrong_check_digit, listed.uscc[:17], "", "<script>"):
        assert _flags(client, uscc) == {"flags": []}, uscc
    assert json.loads(client.get(URL).content) == {"flags": []}  # no parameter at all


@pytest.mark.django_db
def test_v4_endpoint_drops_the_mark_once_the_listing_is_removed(client, zhujian, dispatcher, unlisted, today):
    """V4: the mark follows the list, not a copy of it."""
    entry = _list(dispatcher, unlisted)
    client.force_login(zhujian)
    assert _flags(client, unlisted.uscc)["flags"]
    blacklist.blacklist_remove(user=dispatcher, entry=entry, reason="已全额支付")
    assert _flags(client, unlisted.uscc) == {"flags": []}


@pytest.mark.django_db
def test_v4_endpoint_needs_a_login_and_only_answers_get(client, zhujian, listed):
    """V4: an anonymous caller is sent to the login page and learns nothing; the endpoint changes nothing."""
    response = client.get(URL, {"uscc": listed.uscc})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "失信" not in response.content.decode()
    client.force_login(zhujian)
    assert client.post(URL, {"uscc": listed.uscc}).status_code == 405
    assert "no-store" in client.get(URL, {"uscc": listed.uscc})["Cache-Control"]


def _queries(client, uscc) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        _flags(client, uscc)
    return [q["sql"] for q in ctx.captured_queries]


def _on(queries: list[str], table: str) -> int:
    return sum(f'FROM "{table}"' in sql for sql in queries)


@pytest.mark.django_db
def test_v4_endpoint_query_count_is_constant_in_the_list(client, zhujian, dispatcher, listed):
    """V4: one lookup of the code and one of every flag (common.panels) on top of the session's own queries —
    whether 1 or 6 enterprises are listed; an invalid code costs no lookup, an unknown one no flags."""
    client.force_login(zhujian)
    session_only = len(_queries(client, "91410803MA"))  # invalid: not even a lookup
    one = _queries(client, listed.uscc)
    assert (_on(one, "projects_enterprise"), _on(one, "supervision_blacklistentry")) == (1, 1)
    assert len(one) == session_only + 2
    for serial in range(1, 6):
        _list(
            dispatcher, Enterprise.objects.create(uscc=make_uscc(3000 + serial), name=f"焦作测试劳务{serial}")
        )
    assert len(_queries(client, listed.uscc)) == len(one)
    unknown = _queries(client, make_uscc(4242))
    assert len(unknown) == session_only + 1 and _on(unknown, "supervision_blacklistentry") == 0


# --- the form, rendered by the server ----------------------------------------------------------------------------


@pytest.fixture
def clerk_client(client, zhujian, today):
    client.force_login(zhujian)
    return client


@pytest.mark.django_db
def test_v4_new_project_form_after_an_error_marks_the_typed_listed_contractor(clerk_client, units, listed):
    """V4: a clerk registering a new project whose contractor is listed sees the red mark when the form comes
    back with an error (nothing saved yet), beside the 施工总承包单位 legend only."""
    data = project_fields(units, serial=1, name="", push="1")  # 项目名称 missing: the form comes back
    response = clerk_client.post(reverse("projects:create"), data)
    assert response.status_code == 200 and response.context["form"].errors
    html = response.content.decode()
    assert _legend_mark(html, "contractor") == _the_tag_for(listed)
    assert _legend_mark(html, "contractor") == f'<span class="tag danger" title="{MARK_TITLE}">失信</span>'
    assert _legend_mark(html, "owner") == ""
    assert html.count(MARK_TITLE) == 1


@pytest.mark.django_db
def test_v4_new_project_form_marks_the_owner_too_and_no_one_unlisted(clerk_client, units, dispatcher, listed):
    """V4: the 建设单位 legend is marked when the typed owner is listed; an unlisted contractor is not."""
    owner = Enterprise.objects.create(uscc=make_uscc(1), name="焦作市中站区城市建设投资有限公司")
    _list(dispatcher, owner)
    data = project_fields(units, serial=2, name="", push="1")  # contractor make_uscc(1002): not registered
    html = clerk_client.post(reverse("projects:create"), data).content.decode()
    assert "失信" in _legend_mark(html, "owner")
    assert _legend_mark(html, "contractor") == ""
    # The typed code as a clerk types it (lower case) is matched too.
    data = project_fields(units, serial=1, name="", owner_uscc=make_uscc(5).lower(), push="1")
    data["contractor_uscc"] = listed.uscc.lower()
    html = clerk_client.post(reverse("projects:create"), data).content.decode()
    assert "失信" in _legend_mark(html, "contractor") and _legend_mark(html, "owner") == ""


@pytest.mark.django_db
def test_v4_new_project_form_without_any_listed_enterprise_has_no_mark(clerk_client, units, unlisted):
    """V4: nothing listed, no mark — a blank form, and one back with an error naming a registered enterprise."""
    blank = clerk_client.get(reverse("projects:create")).content.decode()
    assert _legend_mark(blank, "owner") == _legend_mark(blank, "contractor") == ""
    assert 'data-enterprise-flags-url="/projects/enterprises/flags/"' in blank
    assert "js/enterprise_flags.js" in blank
    data = project_fields(units, serial=2, name="", push="1")
    html = clerk_client.post(reverse("projects:create"), data).content.decode()
    assert _legend_mark(html, "owner") == _legend_mark(html, "contractor") == ""
    assert "已列入失信联合惩戒名单" not in html and 'class="tag danger"' not in html


@pytest.mark.django_db
def test_v4_edit_form_marks_the_typed_code_not_the_saved_one(
    clerk_client, zhujian, units, dispatcher, listed
):
    """V4: editing a project and typing a listed contractor's code marks it before saving; the saved (unlisted)
    contractor's mark is not shown for a code no longer in the form."""
    project = create_project(user=zhujian, street=units["李封街道办事处"], serial=7)
    edit = reverse("projects:edit", args=[project.pk])
    assert _legend_mark(clerk_client.get(edit).content.decode(), "contractor") == ""
    data = project_fields(units, serial=1, name="")
    data["save"] = "1"
    html = clerk_client.post(edit, data).content.decode()
    assert "失信" in _legend_mark(html, "contractor")
    # The saved contractor listed, but the clerk typed another code: the mark follows the form.
    _list(dispatcher, project.contractor)
    assert "失信" in _legend_mark(clerk_client.get(edit).content.decode(), "contractor")
    data = project_fields(units, serial=2, name="")
    data["save"] = "1"
    assert _legend_mark(clerk_client.post(edit, data).content.decode(), "contractor") == ""
