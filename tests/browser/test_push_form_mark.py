"""V4 on the push form, in the browser: a clerk registering a new project types the 统一社会信用代码 of a listed
contractor and the red 失信 mark appears beside the 施工总承包单位 legend before anything is saved; another code
takes it away (static/js/enterprise_flags.js). Runs Debian's chromium (tests/browser/conftest.py)."""

import os

import pytest
from playwright.sync_api import Page, expect

from projects.models import Enterprise
from supervision import blacklist
from tests.browser.test_push_flow import log_in
from tests.factories import UserFactory, make_uscc

pytestmark = pytest.mark.browser

SHOT = os.environ.get("PUSH_FORM_MARK_SHOT", "/tmp/v4_push_form_mark_1366x768.png")


def test_v4_typing_a_listed_contractors_code_shows_the_red_mark(live_server, units, page: Page):
    UserFactory(username="zhujian_m", full_name="王建国", unit=units["区住房城乡建设局"], role="clerk")
    hrss = UserFactory(username="renshe_m", unit=units["区人力资源社会保障局"], role="dispatcher")
    listed = Enterprise.objects.create(uscc=make_uscc(8801), name="河南失信测试建设工程有限公司")
    Enterprise.objects.create(uscc=make_uscc(8802), name="河南守信测试建设工程有限公司")
    blacklist.blacklist_add(
        user=hrss,
        enterprise=listed,
        reason="mass_incident",
        details="拖欠四十余名农民工工资引发聚集讨薪",
        restrictions=["bidding"],
    )

    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server.url, "zhujian_m")
    page.goto(f"{live_server.url}/projects/new/")
    expect(page.get_by_role("heading", name="登记并推送项目")).to_be_visible()
    contractor_mark = page.locator('[data-enterprise-mark="contractor"] .tag.danger')
    owner_mark = page.locator('[data-enterprise-mark="owner"] .tag')
    expect(contractor_mark).to_have_count(0)

    page.get_by_label("施工总承包单位名称", exact=True).fill("河南失信测试建设工程有限公司")
    uscc = page.get_by_label("施工总承包单位统一社会信用代码", exact=True)
    uscc.fill(listed.uscc.lower())  # as typed: the page normalises it
    uscc.blur()
    expect(contractor_mark).to_have_text("失信")
    expect(contractor_mark).to_have_attribute("title", "已列入失信联合惩戒名单：欠薪引发群体性事件")
    expect(owner_mark).to_have_count(0)  # only beside the 施工总承包单位 legend

    page.get_by_role("group", name="施工总承包单位").scroll_into_view_if_needed()
    page.screenshot(path=SHOT)

    # An unlisted enterprise's code, then a code too short to be one: no mark.
    uscc.fill(make_uscc(8802))
    uscc.blur()
    expect(contractor_mark).to_have_count(0)
    uscc.fill(listed.uscc)
    uscc.blur()
    expect(contractor_mark).to_have_text("失信")
    uscc.fill(listed.uscc[:17])
    uscc.blur()
    expect(contractor_mark).to_have_count(0)
