"""The leaders' dashboard printed: the ranking's units beyond the first 10, folded on screen under “其余 N 个单位”,
are on the printed page too (static/js/app.js opens <details class="more-rows"> before printing and folds it
again after). Runs Debian's chromium (tests/browser/conftest.py)."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, UserFactory
from tests.supervision.test_dashboard_rank_rest import UNITS, red_clue_at_each

pytestmark = pytest.mark.browser


def test_v6_the_printed_ranking_holds_every_unit(live_server, units, dispatcher, page: Page):
    red_clue_at_each(dispatcher, units, UNITS)
    UserFactory(username="lingdao_p", full_name="区领导", unit=None, role="leader")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("lingdao_p")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("督办看板"))).to_be_visible()  # a leader's home
    rest = page.locator("details.more-rows")
    expect(rest.locator("summary")).to_have_text("其余 2 个单位")
    row_11 = rest.locator("tbody tr").first
    expect(row_11).to_be_hidden()  # folded on screen

    page.emulate_media(media="print")
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    expect(row_11).to_be_visible()
    expect(row_11.locator("td").first).to_have_text("11")
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    expect(row_11).to_be_hidden()  # folded again, as the leader left it
