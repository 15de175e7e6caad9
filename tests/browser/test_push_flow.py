"""Issue 2 part 12: a clerk pushes a project through the form, finds it in the ledger and exports it (P1, P3, P5).

The clerk of another unit does not see it (unit scoping). Runs Debian's chromium (tests/browser/conftest.py).
"""

import re

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, UserFactory, make_uscc

pytestmark = pytest.mark.browser

PROJECT = "中站区李封街道雨污分流改造工程（浏览器测试）"
CONTRACTOR = "河南浏览器测试建设工程有限公司"


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("待办事项"))).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_role("heading", name="用户登录")).to_be_visible()


def fill(page: Page, label: str, value: str) -> None:
    page.get_by_label(label, exact=True).fill(value)


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).select_option(label=option)


def test_p1_p5_clerk_pushes_a_project_sees_it_in_the_ledger_and_exports_it(
    live_server, units, page, shoot, tmp_path
):
    UserFactory(username="zhujian_b", full_name="王建国", unit=units["区住房城乡建设局"], role="clerk")
    UserFactory(username="jiaotong_b", full_name="李明", unit=units["区交通运输局"], role="clerk")
    today = timezone.localdate()

    log_in(page, live_server.url, "zhujian_b")
    shoot("01_home")
    page.get_by_role("link", name="项目推送台账").click()
    page.get_by_role("link", name="＋ 登记并推送项目").click()
    expect(page.get_by_role("heading", name="登记并推送项目")).to_be_visible()

    fill(page, "项目名称", PROJECT)
    choose(page, "所在街道", "李封街道办事处")
    choose(page, "项目类别", "市政")
    choose(page, "资金类型", "政府投资")
    choose(page, "招投标单位", "区住房城乡建设局")
    choose(page, "推送依据", "行业主管部门收到审批、资金落实、施工许可信息")
    fill(page, "依据发生日期", today.isoformat())
    fill(page, "部门负责人", "周主任")
    fill(page, "部门联系方式", "0391-2958100")
    fill(page, "建设单位名称", "焦作市中站区城市建设投资有限公司")
    fill(page, "建设单位统一社会信用代码", make_uscc(71))
    fill(page, "建设单位项目负责人", "孙工")
    fill(page, "建设单位联系方式", "13903910001")
    fill(page, "施工总承包单位名称", CONTRACTOR)
    fill(page, "施工总承包单位统一社会信用代码", make_uscc(72))
    fill(page, "项目经理", "吴经理")
    fill(page, "施工单位联系方式", "13803910002")
    fill(page, "合同总额（万元）", "2345.67")
    fill(page, "合同签订日期", today.isoformat())
    fill(page, "计划开工日期", today.replace(year=today.year + 1).isoformat())
    shoot("02_form_filled")
    page.get_by_role("button", name="推送至人社局").click()

    # P1: pushed the day the trigger arrived, well inside 5 working days.
    expect(page.locator(".msg-success")).to_have_text("已按时推送至人社局。")
    expect(page.get_by_role("heading", name=re.compile(re.escape(PROJECT)))).to_be_visible()
    expect(page.get_by_text("已按时推送", exact=True)).to_be_visible()
    expect(page.get_by_text("2,345.67 万元")).to_be_visible()
    detail_url = page.url
    shoot("03_project_page")

    page.get_by_role("link", name="项目推送台账").first.click()
    row = page.locator("table.ledger tbody tr", has_text=PROJECT)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(CONTRACTOR)
    expect(row).to_contain_text("按时")
    shoot("04_ledger")

    # P5: the ledger exports to Excel (附件1 layout) and the pushed project is in it.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    xlsx = tmp_path / download.suggested_filename
    download.save_as(xlsx)
    workbook = openpyxl.load_workbook(xlsx, read_only=True)
    cells = {str(v) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for v in row if v}
    workbook.close()
    assert PROJECT in cells
    assert CONTRACTOR in cells

    # Unit scoping: the clerk of 区交通运输局 neither lists it nor opens it by URL.
    log_out(page)
    log_in(page, live_server.url, "jiaotong_b")
    page.get_by_role("link", name="项目推送台账").click()
    expect(page.get_by_role("heading", name=re.compile("推送台账"))).to_be_visible()
    expect(page.get_by_text(PROJECT)).to_have_count(0)
    expect(page.get_by_text("共 0 个项目")).to_be_visible()
    shoot("05_other_unit_ledger")
    response = page.goto(detail_url)
    assert response.status == 404
    shoot("06_other_unit_forged_url")
