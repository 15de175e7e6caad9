"""P5: the ledger exported to Excel in the 附件1 layout and imported back (bulk push), all rows or none.

Also the personal-data rule for exports (phones masked outside the project's unit, HRSS and admin).
"""

import datetime as dt
import io
import tracemalloc
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl.comments import Comment

from common import xlsx
from common.audit import ActionLog
from common.masking import mask_id_number, mask_name, mask_phone
from projects import ledger_import
from projects.filters import ledger_filterset
from projects.ledger_export import export_ledger
from projects.models import Project, ProjectStatus
from projects.services import project_ledger_import as import_ledger
from tests.factories import create_project, make_uscc
from tests.helpers import SHANGHAI

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Column letters of the 附件1 layout (projects/columns.py COLUMNS).
NAME, UNIT, UNIT_PHONE, OWNER_USCC, OWNER_PHONE = "B", "C", "E", "G", "I"
CONTRACTOR_NAME, CONTRACTOR_USCC, CONTRACTOR_PHONE = "J", "K", "M"
AMOUNT, REMARKS, TRIGGER_DATE = "N", "O", "T"


@pytest.fixture(autouse=True)
def _today(time_machine):
    # Mon 2026-11-02: after the factories' trigger (2026-09-01), within chinesecalendar's years.
    time_machine.move_to(dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI), tick=False)


def export_bytes(viewer, projects=None) -> bytes:
    out = io.BytesIO()
    if projects is None:
        projects = ledger_filterset({}, user=viewer).qs
    export_ledger(projects, out, viewer=viewer)
    return out.getvalue()


def data_rows(xlsx: bytes) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True)
    rows = [r for r in wb.worksheets[0].iter_rows(min_row=4, values_only=True) if any(r)]
    wb.close()
    return rows


def edit(xlsx: bytes, change) -> bytes:
    """Open the file as a clerk would in Excel, change it, save it."""
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    change(wb.worksheets[0])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rename_all(ws, suffix="（二期）"):
    for row in range(4, ws.max_row + 1):
        if ws[f"{NAME}{row}"].value:
            ws[f"{NAME}{row}"] = ws[f"{NAME}{row}"].value + suffix


def upload(content: bytes, name="台账.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def repack(xlsx: bytes, parts: dict) -> bytes:
    """The workbook's zip with parts replaced or added; a part is bytes, or a function yielding chunks
    (streamed into the archive, so a 200 MB bomb never sits in the test's memory)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    names = source.namelist()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name in [*names, *(n for n in parts if n not in names)]:
            part = parts.get(name) or source.read(name)
            with z.open(name, "w") as member:
                for chunk in [part] if isinstance(part, bytes) else part():
                    member.write(chunk)
    return out.getvalue()


def refused_before_openpyxl(monkeypatch, user, content: bytes) -> tuple[list[str], int]:
    """Import `content` with openpyxl's load_workbook booby-trapped: the messages, and the Python heap's
    peak during the import (in bytes)."""
    monkeypatch.setattr(xlsx, "load_workbook", lambda *a, **k: pytest.fail("openpyxl opened it"))
    tracemalloc.start()
    try:
        result = import_ledger(user=user, upload=upload(content))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return [e.message for e in result.errors], peak


@pytest.fixture
def two_pushed(zhujian, units):
    street = units["李封街道办事处"]
    return [
        create_project(
            user=zhujian, street=street, serial=1, push=True, contract_total_wan=Decimal("12345678.91")
        ),
        create_project(user=zhujian, street=street, serial=2, push=True, contract_total_wan=Decimal("0.07")),
    ]


# ------------------------------------------------------------------------------------------- export


@pytest.mark.django_db
def test_p5_export_has_the_attachment1_title_two_row_header_and_one_row_per_project(zhujian, two_pushed):
    xlsx = export_bytes(zhujian)
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    ws = wb.worksheets[0]
    assert ws["A1"].value == "中站区在建工程项目信息推送台账"
    assert [ws[c].value for c in ("A2", "B2", "C2", "F2", "J2", "N2", "O2", "P2", "X2")] == [
        "序号",
        "项目名称",
        "所属行业部门",
        "建设单位",
        "施工总承包单位",
        "合同总额（万元）",
        "备注",
        "项目信息",
        "推送情况",
    ]
    assert [ws.cell(3, c).value for c in range(3, 6)] == ["名称", "负责人", "联系方式"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:AB1", "A2:A3", "C2:E2", "F2:I2", "J2:M2", "P2:W2", "X2:AB2"} <= merged
    assert ws.freeze_panes == "C4"
    assert ws.column_dimensions["B"].width > 20
    assert [ws.cell(r, 2).value for r in (4, 5)] == ["测试项目2", "测试项目1"]  # newest first, like the list
    assert ws.max_row == 5


@pytest.mark.django_db
def test_p5_export_writes_money_as_exact_numbers_with_thousands_separators_and_dates_as_dates(
    zhujian, two_pushed
):
    ws = openpyxl.load_workbook(io.BytesIO(export_bytes(zhujian))).worksheets[0]
    amount = ws[f"{AMOUNT}5"]
    # B9: shown as 12,345,678.91 — a number format, so the cell stays a number Excel can sum.
    assert amount.data_type == "n" and amount.number_format == "#,##0.00"
    assert Decimal(repr(amount.value)) == Decimal("12345678.91")
    assert ws[f"{AMOUNT}4"].number_format == "#,##0.00"
    trigger = ws[f"{TRIGGER_DATE}5"]
    assert trigger.is_date and trigger.value.date() == dt.date(2026, 9, 1)
    assert trigger.number_format == "yyyy-mm-dd"
    pushed_at = ws["Y5"]
    assert pushed_at.number_format == "yyyy-mm-dd hh:mm"
    assert pushed_at.value == dt.datetime(2026, 11, 2, 10, 0)  # Beijing time, as the pages show it
    assert ws["Z5"].value == "已推送" and ws["AA5"].value == "逾期推送" and ws["AB5"].value > 0


@pytest.mark.django_db
def test_p5_export_prints_on_a4_landscape_one_page_wide_with_the_header_on_every_page(zhujian, two_pushed):
    ws = openpyxl.load_workbook(io.BytesIO(export_bytes(zhujian))).worksheets[0]

    assert ws.page_setup.paperSize == 9  # A4 in the OOXML paper-size table
    assert ws.page_setup.orientation == ws.ORIENTATION_LANDSCAPE
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)  # 0: as many pages tall as needed
    assert ws.print_title_rows == "$1:$3"  # the title and both header rows


@pytest.mark.django_db
def test_p5_export_dropdowns_warn_about_a_value_not_in_the_options(zhujian, two_pushed):
    ws = openpyxl.load_workbook(io.BytesIO(export_bytes(zhujian))).worksheets[0]
    validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}

    assert set(validations) == {
        "C4",
        "P4",
        "Q4",
        "R4",
        "S4",
        "U4",
    }  # unit, street, category, funding, trigger, bidder
    for dv in validations.values():
        assert dv.type == "list" and dv.formula1.startswith("'可选值'!$")
        # A warning the clerk can override (pasting stays possible); the importer is the strict check.
        assert dv.showErrorMessage is True and dv.errorStyle == "warning"
        assert dv.errorTitle == "不在可选值中" and dv.error.startswith("不在可选值中，导入时会被拒绝")


@pytest.mark.django_db
def test_p5_export_escapes_text_that_excel_would_evaluate(zhujian, units):
    create_project(
        user=zhujian,
        street=units["李封街道办事处"],
        push=True,
        name="+中站区道路工程",
        remarks='=HYPERLINK("http://evil.example/","点击")',
        contractor_manager_name="@吴经理",
    )
    wb = openpyxl.load_workbook(io.BytesIO(export_bytes(zhujian)), read_only=True)
    cells = {c.column_letter: c for c in next(wb.worksheets[0].iter_rows(min_row=4, max_row=4))}
    assert (cells[REMARKS].data_type, cells[REMARKS].value) == (
        "s",
        '\'=HYPERLINK("http://evil.example/","点击")',
    )
    assert cells[NAME].value == "'+中站区道路工程"
    assert cells["L"].value == "'@吴经理"
    assert all(c.data_type != "f" for c in cells.values())


@pytest.mark.django_db
def test_p5_export_survives_control_characters_pasted_into_a_remark(zhujian, units):
    create_project(user=zhujian, street=units["李封街道办事处"], remarks="第一行\x0b第二行\x1f")
    assert data_rows(export_bytes(zhujian))[0][14] == "第一行第二行"


@pytest.mark.django_db
def test_p5_export_through_the_view_holds_only_the_users_unit(client, zhujian, jiaotong, units):
    street = units["李封街道办事处"]
    create_project(user=zhujian, street=street, serial=1, push=True, name="住建局的项目")
    create_project(user=jiaotong, street=street, serial=2, push=True, name="交通局的项目")

    for user, own, other in (
        (zhujian, "住建局的项目", "交通局的项目"),
        (jiaotong, "交通局的项目", "住建局的项目"),
    ):
        client.force_login(user)
        response = client.get(reverse("projects:export"))
        assert response.status_code == 200 and response["Content-Type"] == XLSX
        rows = data_rows(b"".join(response.streaming_content))
        names = [r[1] for r in rows]
        assert names == [own], f"{user.username} sees {names}; {other} belongs to another unit"


@pytest.mark.django_db
def test_p5_export_masks_contact_phones_for_other_units_and_leaders(
    zhujian, jiaotong, dispatcher, leader, admin_user, two_pushed
):
    everything = Project.objects.select_related("unit", "street", "bidder_unit", "owner", "contractor")

    def phones(viewer):
        row = data_rows(export_bytes(viewer, everything))[0]
        return row[4], row[8], row[12]  # 所属行业部门, 建设单位, 施工总承包单位 联系方式

    full = ("0391-2958100", "13903910001", "13803910002")
    masked = ("0391-***8100", "139****0001", "138****0002")
    assert phones(zhujian) == full  # the project's own unit
    assert phones(dispatcher) == full  # HRSS acts on the ledger
    assert phones(admin_user) == full
    assert phones(leader) == masked  # leaders read everything, personal data masked
    assert phones(jiaotong) == masked  # another unit (only reachable if scoping ever failed)


@pytest.mark.django_db
def test_p5_leader_export_through_the_view_is_masked(client, leader, two_pushed):
    client.force_login(leader)
    rows = data_rows(b"".join(client.get(reverse("projects:export")).streaming_content))
    assert len(rows) == 2
    assert {r[8] for r in rows} == {"139****0001"}


def test_masking_helpers_keep_only_what_identifies_nobody():
    assert mask_phone("13903910001") == "139****0001"
    assert mask_phone("2958033") == "***8033"
    assert mask_phone("0391-2958033-12") == "0391-***8033-**"
    assert mask_phone("") == ""
    assert mask_name("张三") == "张*" and mask_name("欧阳小明") == "欧**明"
    assert mask_id_number("410803199001011234") == "410803********1234"


# ------------------------------------------------------------------------------------------- import


@pytest.mark.django_db
def test_p5_round_trip_a_clerk_exports_renames_and_reimports_as_new_pushed_projects(zhujian, two_pushed):
    xlsx = edit(export_bytes(zhujian), rename_all)
    before = Project.objects.count()

    result = import_ledger(user=zhujian, upload=upload(xlsx))

    assert result.ok, result.errors
    assert len(result.projects) == 2 and Project.objects.count() == before + 2
    for original in two_pushed:
        copy = Project.objects.get(name=original.name + "（二期）")
        assert copy.status == ProjectStatus.PUSHED and copy.pushed_by == zhujian
        assert copy.unit == original.unit and copy.street == original.street
        assert copy.contract_total_wan == original.contract_total_wan  # Decimal, to the fen
        assert copy.owner_id == original.owner_id  # one enterprise per USCC (P3), re-used
        for field in (
            "category",
            "funding_type",
            "trigger_type",
            "trigger_date",
            "bidder_unit",
            "contract_signed_on",
            "planned_start_on",
            "unit_leader_phone",
            "owner_manager_phone",
            "contractor_manager_name",
        ):
            assert getattr(copy, field) == getattr(original, field), field
    exact = Project.objects.get(name="测试项目1（二期）").contract_total_wan
    assert exact == Decimal("12345678.91") and str(exact) == "12345678.91"
    assert str(Project.objects.get(name="测试项目2（二期）").contract_total_wan) == "0.07"


@pytest.mark.django_db
def test_p6_import_result_counts_the_projects_pushed_late(zhujian, two_pushed):
    def change(ws):
        rename_all(ws)
        ws[f"{TRIGGER_DATE}4"] = "2026-10-30"  # deadline 2026-11-06: pushed today (11-02), in time

    result = import_ledger(user=zhujian, upload=upload(edit(export_bytes(zhujian), change)))

    assert result.ok, result.errors
    late = {p.name: p.is_late for p in result.projects}
    assert late == {"测试项目2（二期）": False, "测试项目1（二期）": True}  # 测试项目1: trigger 2026-09-01
    assert result.late_count == 1
    assert ledger_import.ImportResult(projects=[], errors=[]).late_count == 0


@pytest.mark.django_db
def test_p5_escaped_text_round_trips_to_the_original(zhujian, units):
    remarks = '=HYPERLINK("http://evil.example/")'
    create_project(user=zhujian, street=units["李封街道办事处"], push=True, remarks=remarks)
    xlsx = edit(export_bytes(zhujian), rename_all)

    result = import_ledger(user=zhujian, upload=upload(xlsx))

    assert result.ok, result.errors
    assert result.projects[0].remarks == remarks


# What Excel would evaluate, and texts that merely begin with the escape character itself: the apostrophe
# escape must round-trip each exactly (a text typed "'=A1" is not the formula "=A1").
ESCAPED_TEXTS = ["=SUM(A1)", "+86 0391", "-5号楼", "@吴经理", "'=A1", "''=A1", "'单引号开头", "''"]


@pytest.mark.django_db
@pytest.mark.parametrize("text", ESCAPED_TEXTS)
def test_p5_the_apostrophe_escape_round_trips_every_text_exactly(zhujian, units, text):
    create_project(
        user=zhujian, street=units["李封街道办事处"], push=True, remarks=text, owner_manager_name=text
    )
    exported = export_bytes(zhujian)
    wb = openpyxl.load_workbook(io.BytesIO(exported), read_only=True)
    cell = next(wb.worksheets[0].iter_rows(min_row=4, max_row=4))[14]  # 备注 (O)
    assert cell.data_type == "s" and cell.value.startswith("'")  # shown as text, never evaluated

    result = import_ledger(user=zhujian, upload=upload(edit(exported, rename_all)))

    assert result.ok, result.errors
    assert (result.projects[0].remarks, result.projects[0].owner_manager_name) == (text, text)


def test_p5_escape_and_unescape_are_inverse_and_leave_nothing_excel_would_evaluate():
    for text in [*ESCAPED_TEXTS, "\t=cmd", "\r=cmd", "普通文字", "", "'"]:
        escaped = xlsx.escape_formula(text)
        assert xlsx.unescape_formula(escaped) == text
        assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.django_db
def test_p5_import_reports_progress_and_logs_each_project_as_imported(zhujian, two_pushed, monkeypatch):
    from projects import services

    monkeypatch.setattr(services, "IMPORT_PROGRESS_EVERY", 1)
    calls = []
    result = import_ledger(
        user=zhujian,
        upload=upload(edit(export_bytes(zhujian), rename_all)),
        progress=lambda done, total: calls.append((done, total)),
    )

    assert result.ok, result.errors
    assert calls == [(1, 2), (2, 2)]
    imported = ActionLog.objects.filter(action="project.imported")
    assert sorted(int(log.object_id) for log in imported) == sorted(p.pk for p in result.projects)


@pytest.mark.django_db
def test_p5_money_typed_as_text_is_read_exactly_and_more_than_two_decimals_refused(zhujian, two_pushed):
    def change(ws):
        rename_all(ws)
        ws[f"{AMOUNT}4"] = "1,234.50"
        ws[f"{AMOUNT}5"] = 12.345  # refused, never rounded
        ws[f"{TRIGGER_DATE}4"] = "2026-09-01"

    result = import_ledger(user=zhujian, upload=upload(edit(export_bytes(zhujian), change)))

    assert [(e.row, e.column) for e in result.errors] == [(5, "合同总额（万元）（N列）")]
    assert "两位小数" in result.errors[0].message
    assert Project.objects.count() == 2

    def fix(ws):
        change(ws)
        ws[f"{AMOUNT}5"] = 12.34

    result = import_ledger(user=zhujian, upload=upload(edit(export_bytes(zhujian), fix)))
    assert result.ok, result.errors
    assert Project.objects.get(name="测试项目2（二期）").contract_total_wan == Decimal("1234.50")
    assert Project.objects.get(name="测试项目1（二期）").contract_total_wan == Decimal("12.34")


@pytest.mark.django_db
def test_p5_a_formula_in_an_imported_cell_is_refused(zhujian, two_pushed):
    def change(ws):
        rename_all(ws)
        ws[f"{AMOUNT}4"] = "=1000+234.56"

    result = import_ledger(user=zhujian, upload=upload(edit(export_bytes(zhujian), change)))

    assert not result.ok and result.projects == []
    assert [(e.row, e.column) for e in result.errors] == [(4, "合同总额（万元）（N列）")]
    assert "含公式" in result.errors[0].message
    assert Project.objects.count() == 2


@pytest.mark.django_db
def test_p5_one_bad_row_among_good_rows_saves_nothing(zhujian, two_pushed):
    def change(ws):
        rename_all(ws)
        ws[f"{OWNER_USCC}5"] = "91410803MA00000000"  # wrong check digit
        ws[f"{OWNER_PHONE}5"] = "139****0001"  # a masked phone pasted back

    before = Project.objects.count()
    result = import_ledger(user=zhujian, upload=upload(edit(export_bytes(zhujian), change)))

    assert Project.objects.count() == before
    assert result.projects == []
    assert [(e.row, e.column) for e in result.errors] == [
        (5, "建设单位·统一社会信用代码（G列）"),
        (5, "建设单位·联系方式（I列）"),
    ]
    assert "校验位" in result.errors[0].message and "联系电话格式不正确" in result.errors[1].message


@pytest.mark.django_db
def test_p5_duplicate_names_in_the_file_and_in_the_ledger_are_refused(zhujian, two_pushed):
    def change(ws):
        ws[f"{NAME}4"] = "新项目"
        ws[f"{NAME}5"] = "新项目"

    result = import_ledger(user=zhujian, upload=upload(edit(export_bytes(zhujian), change)))
    assert [(e.row, e.message) for e in result.errors] == [
        (5, "与第4行项目名称重复：同一单位不能重复推送同名项目")
    ]

    unchanged = import_ledger(user=zhujian, upload=upload(export_bytes(zhujian)))
    assert {e.message for e in unchanged.errors} == {"本单位已登记同名项目，请勿重复推送"}
    assert Project.objects.count() == 2


@pytest.mark.django_db
def test_p5_a_clerk_cannot_import_a_row_for_another_unit_but_hrss_can(zhujian, dispatcher, two_pushed):
    def change(ws):
        rename_all(ws)
        ws[f"{UNIT}5"] = "区交通运输局"

    xlsx = edit(export_bytes(zhujian), change)
    refused = import_ledger(user=zhujian, upload=upload(xlsx))

    assert [(e.row, e.column) for e in refused.errors] == [(5, "所属行业部门·名称（C列）")]
    assert refused.errors[0].message.startswith("不能代其他单位推送")
    assert Project.objects.count() == 2

    accepted = import_ledger(user=dispatcher, upload=upload(xlsx))
    assert accepted.ok, accepted.errors
    assert sorted(p.unit.name for p in accepted.projects) == ["区交通运输局", "区住房城乡建设局"]


@pytest.mark.django_db
def test_p5_a_wrong_header_gives_one_error_naming_the_expected_header(zhujian, two_pushed):
    xlsx = edit(export_bytes(zhujian), lambda ws: ws.__setitem__("G3", "信用代码"))

    result = import_ledger(user=zhujian, upload=upload(xlsx))

    assert [(e.row, e.column) for e in result.errors] == [(3, "G列")]
    assert result.errors[0].message.startswith(
        "表头不正确：G3 单元格应为“统一社会信用代码”，实际为“信用代码”"
    )
    assert Project.objects.count() == 2


@pytest.mark.django_db
def test_b13_every_wrong_header_is_reported_not_only_the_first(zhujian, two_pushed):
    def change(ws):
        ws["G3"] = "信用代码"
        ws["N2"] = "合同金额"
        ws["T3"] = None

    result = import_ledger(user=zhujian, upload=upload(edit(export_bytes(zhujian), change)))

    assert [(e.row, e.column) for e in result.errors] == [(3, "G列"), (2, "N列"), (3, "T列")]
    assert [e.message.split("。")[0] for e in result.errors] == [
        "表头不正确：G3 单元格应为“统一社会信用代码”，实际为“信用代码”",
        "表头不正确：N2 单元格应为“合同总额（万元）”，实际为“合同金额”",
        "表头不正确：T3 单元格应为“依据发生日期”，实际为空白",
    ]
    assert Project.objects.count() == 2


@pytest.mark.django_db
def test_p5_a_sheet_with_a_column_inserted_is_refused(zhujian, two_pushed):
    result = import_ledger(
        user=zhujian, upload=upload(edit(export_bytes(zhujian), lambda ws: ws.insert_cols(2)))
    )
    # Every header from the inserted column on is out of place; each is named, no row is read.
    assert result.errors and all(e.message.startswith("表头不正确") for e in result.errors)
    assert result.errors[0].message.startswith("表头不正确：B2 单元格应为“项目名称”，实际为空白")
    assert {e.row for e in result.errors} == {2, 3} and result.projects == []
    assert Project.objects.count() == 2


@pytest.mark.django_db
def test_p5_junk_bytes_and_a_zip_that_is_not_a_workbook_are_refused_in_chinese(zhujian):
    junk = import_ledger(user=zhujian, upload=upload(b"\x00\xffnot a workbook" * 500))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
    not_xlsx = import_ledger(user=zhujian, upload=upload(buf.getvalue()))

    for result in (junk, not_xlsx):
        assert [e.message for e in result.errors] == [xlsx.NOT_XLSX]
    assert "不是有效的 Excel" in xlsx.NOT_XLSX


@pytest.mark.django_db
def test_p5_a_file_over_the_size_limit_is_refused_before_it_is_read(zhujian, monkeypatch):
    monkeypatch.setattr(xlsx, "check_archive", lambda *a: pytest.fail("read a file over the limit"))
    result = import_ledger(user=zhujian, upload=upload(b"x" * (10 * 1024 * 1024)))
    assert len(result.errors) == 1
    assert result.errors[0].message.startswith("文件过大（10.0 MB），导入文件不能超过 5 MB")


@pytest.mark.django_db
def test_p5_a_zip_bomb_is_refused_before_openpyxl_inflates_it(zhujian, monkeypatch):
    def zeros():
        for _ in range(25):  # 200 MB
            yield bytes(8 * 1024 * 1024)

    bomb = repack(export_bytes(zhujian), {"xl/worksheets/sheet1.xml": zeros})
    assert len(bomb) < 1024 * 1024  # under the 5 MB upload limit

    messages, peak = refused_before_openpyxl(monkeypatch, zhujian, bomb)

    assert messages == [
        "文件解压后超过 20 MB（疑似“压缩炸弹”），已拒绝处理。"
        "请上传用模板正常填写的台账文件；数据较多时请拆分为多个文件分批导入。"
    ]
    assert peak < 2 * 1024 * 1024
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_p5_a_styles_bomb_is_refused_before_openpyxl_builds_its_tree(zhujian, two_pushed, monkeypatch):
    # openpyxl parses styles.xml into a whole tree: a 3.9 MB upload whose styles.xml held 43 MB of number
    # formats once cost ~670 MB of RSS. The same trick, 3.2 MB of it: over the 2 MB cap for any part but the
    # sheets and shared strings, far under the 20 MB total.
    xlsx = edit(export_bytes(zhujian), rename_all)
    head, tail = zipfile.ZipFile(io.BytesIO(xlsx)).read("xl/styles.xml").split(b"<fonts", 1)
    n = 80_000
    formats = b"".join(b'<numFmt numFmtId="%d" formatCode="%d"/>' % (200 + i, i % 97) for i in range(n))
    styles = head + b'<numFmts count="%d">' % n + formats + b"</numFmts><fonts" + tail
    assert len(styles) > 3 * 1024 * 1024

    messages, peak = refused_before_openpyxl(monkeypatch, zhujian, repack(xlsx, {"xl/styles.xml": styles}))

    assert len(messages) == 1
    assert messages[0].startswith("文件中的单元格样式（xl/styles.xml）解压后为 3.2 MB，超过 2 MB 的上限")
    assert "选择性粘贴—数值" in messages[0]
    assert peak < 2 * 1024 * 1024  # the upload is only read for its central directory
    assert Project.objects.count() == 2


@pytest.mark.django_db
def test_p5_a_shared_string_table_over_its_cap_is_refused_before_openpyxl_reads_it(zhujian, monkeypatch):
    # openpyxl keeps every shared string in a list: 19 MB of short strings measured ~110 MB of heap.
    strings = b"".join(b"<si><t>%x</t></si>" % (i * 2654435761 % (1 << 32)) for i in range(260_000))
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + strings + b"</sst>"
    xlsx = repack(export_bytes(zhujian), {"xl/sharedStrings.xml": sst})

    messages, _ = refused_before_openpyxl(monkeypatch, zhujian, xlsx)

    assert messages == [
        "文件中的文字内容解压后为 5.9 MB，超过 5 MB 的上限，已拒绝处理。请拆分为多个文件分批导入。"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("part", "named"),
    [
        ("xl/vbaProject.bin", "宏（VBA 代码）"),
        ("xl/embeddings/oleObject1.bin", "嵌入的对象或控件"),
        ("xl/media/image1.png", "图片、图表或图形"),
        ("xl/externalLinks/externalLink1.xml", "指向其他文件的外部链接"),
        ("readme.txt", "台账以外的内容"),
    ],
)
def test_p5_a_workbook_carrying_macros_objects_or_other_parts_is_refused(zhujian, monkeypatch, part, named):
    xlsx = repack(edit(export_bytes(zhujian), rename_all), {part: b"\x00" * 100})

    messages, _ = refused_before_openpyxl(monkeypatch, zhujian, xlsx)

    assert messages == [
        f"文件中含有{named}（{part}），导入文件只能包含台账数据，已拒绝处理。"
        "请把数据复制并“选择性粘贴—数值”到“下载导入模板”得到的模板中，保存为 .xlsx 后重新上传。"
    ]


@pytest.mark.django_db
def test_p5_a_cell_comment_left_by_a_clerk_does_not_block_the_import(zhujian, two_pushed):
    def change(ws):
        rename_all(ws)
        ws[f"{REMARKS}4"].comment = Comment("合同金额待财政复核", "张三")

    xlsx = edit(export_bytes(zhujian), change)
    assert any("comment" in name for name in zipfile.ZipFile(io.BytesIO(xlsx)).namelist())

    result = import_ledger(user=zhujian, upload=upload(xlsx))

    assert result.ok, result.errors
    assert len(result.projects) == 2


@pytest.mark.django_db
def test_p5_the_archive_caps_leave_twice_the_room_a_2000_row_ledger_needs(zhujian):
    # Measured on 2,000 rows with every text unique (projects/ledger_import.py, above ARCHIVE_LIMITS):
    # sheet1.xml 3.7 MB with inline strings, or 1.9 MB plus a 2.1 MB sharedStrings.xml as Excel saves it.
    # Twice each, padded into the empty template: the caps let it through to openpyxl, which reads it.
    template = export_bytes(zhujian)
    sheet = zipfile.ZipFile(io.BytesIO(template)).read("xl/worksheets/sheet1.xml")
    padding = b"<!--" + b" " * (2 * 3_700_000 - len(sheet)) + b"-->"
    body, end = sheet.rsplit(b"</worksheet>", 1)
    text = "焦作市中站区第{:05d}城市建设投资有限公司道路及配套管网雨污分流改造提升工程"
    strings = "".join(f"<si><t>{text.format(i)}</t></si>" for i in range(2 * 2_100_000 // 120)).encode()
    sst = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + strings + b"</sst>"
    types = zipfile.ZipFile(io.BytesIO(template)).read("[Content_Types].xml")
    override = (
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    )
    xlsx = repack(
        template,
        {
            "xl/worksheets/sheet1.xml": body + padding + b"</worksheet>" + end,
            "xl/sharedStrings.xml": sst,
            "[Content_Types].xml": types.replace(b"</Types>", override + b"</Types>"),
        },
    )
    sizes = {i.filename: i.file_size for i in zipfile.ZipFile(io.BytesIO(xlsx)).infolist()}
    assert sizes["xl/worksheets/sheet1.xml"] >= 7_400_000 and sizes["xl/sharedStrings.xml"] >= 4_200_000

    result = import_ledger(user=zhujian, upload=upload(xlsx))

    assert [e.message for e in result.errors] == ["文件中没有项目数据：请从第4行起每行填写一个项目。"]


@pytest.mark.django_db
def test_p5_an_xml_entity_bomb_inside_the_workbook_is_refused(zhujian, two_pushed):
    # openpyxl parses through defusedxml when it is installed (a pinned dependency): entities are refused.
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML
    source = zipfile.ZipFile(io.BytesIO(edit(export_bytes(zhujian), rename_all)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = data.decode()
                body = body.split("?>", 1)[1] if body.startswith("<?xml") else body
                laughs = '<!DOCTYPE w [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                data = ('<?xml version="1.0" encoding="UTF-8"?>' + laughs + body).encode()
            z.writestr(info, data)

    result = import_ledger(user=zhujian, upload=upload(out.getvalue()))

    assert len(result.errors) == 1 and "不安全" in result.errors[0].message
    assert Project.objects.count() == 2


@pytest.mark.django_db
def test_p5_too_many_rows_are_refused_and_blank_rows_are_skipped(zhujian, two_pushed, settings):
    def change(ws):
        rename_all(ws)
        ws.insert_rows(5)  # a blank row between the two projects

    xlsx = edit(export_bytes(zhujian), change)
    settings.LEDGER_IMPORT_MAX_ROWS = 1
    too_many = import_ledger(user=zhujian, upload=upload(xlsx))
    assert [e.message for e in too_many.errors] == ["数据超过1行的上限，请拆分为多个文件分批导入。"]

    settings.LEDGER_IMPORT_MAX_ROWS = 2
    result = import_ledger(user=zhujian, upload=upload(xlsx))
    assert result.ok, result.errors
    assert Project.objects.count() == 4


@pytest.mark.django_db
def test_p5_the_template_imports_to_nothing_with_a_clear_message(client, zhujian):
    client.force_login(zhujian)
    template = b"".join(client.get(reverse("projects:template")).streaming_content)
    assert data_rows(template) == []

    result = import_ledger(user=zhujian, upload=upload(template))
    assert [e.message for e in result.errors] == ["文件中没有项目数据：请从第4行起每行填写一个项目。"]


@pytest.mark.django_db
def test_p5_a_row_filled_in_by_hand_with_names_and_labels_is_pushed(zhujian, client):
    client.force_login(zhujian)
    template = b"".join(client.get(reverse("projects:template")).streaming_content)

    def fill(ws):
        values = {
            NAME: "李封街道雨污分流改造工程",
            "D": "周主任",
            UNIT_PHONE: 3912958100,  # a number, as Excel turns digits typed without a dash
            "F": "焦作市中站区城市建设投资有限公司",
            OWNER_USCC: make_uscc(1),
            "H": "孙工",
            OWNER_PHONE: 13903910001,
            CONTRACTOR_NAME: "河南手填建设工程有限公司",
            CONTRACTOR_USCC: make_uscc(77),
            "L": "吴经理",
            CONTRACTOR_PHONE: "138 0391 0002",
            AMOUNT: 880.5,
            "P": "李封",
            "Q": "市政",
            "R": "政府投资",
            "S": "行业主管部门收到审批、资金落实、施工许可信息",
            TRIGGER_DATE: "2026/10/27",
            "U": "区住房城乡建设局",
            "V": dt.datetime(2026, 10, 28),
            "W": "2026年11月16日",
        }
        for letter, value in values.items():
            ws[f"{letter}4"] = value

    result = import_ledger(user=zhujian, upload=upload(edit(template, fill)))

    assert [(e.column, e.message) for e in result.errors] == [
        ("所属行业部门·联系方式（E列）", "联系电话格式不正确：请填写11位手机号或固定电话（如 0391-2958033）")
    ]
    fixed = edit(edit(template, fill), lambda ws: ws.__setitem__(f"{UNIT_PHONE}4", "0391-2958100"))
    result = import_ledger(user=zhujian, upload=upload(fixed))
    assert result.ok, result.errors
    project = result.projects[0]
    assert project.unit == zhujian.unit  # a clerk's blank unit column means their own unit
    assert project.contract_total_wan == Decimal("880.50")
    assert project.trigger_date == dt.date(2026, 10, 27) and project.planned_start_on == dt.date(2026, 11, 16)
    assert project.owner_manager_phone == "13903910001" and project.contractor_manager_phone == "13803910002"
    assert project.street.name == "李封街道办事处" and project.category == "municipal"
    assert project.push_deadline == dt.date(2026, 11, 3) and not project.is_late  # P1: 5 working days


def import_through_the_view(client, xlsx: bytes, run_jobs) -> str:
    """Upload as a clerk does; the import runs as a background job (common.jobs, after the commit), whose
    page then shows the outcome."""
    with run_jobs(execute=True):
        response = client.post(reverse("projects:import"), {"file": upload(xlsx)})
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_p5_import_through_the_view_pushes_all_rows(
    client, zhujian, two_pushed, django_capture_on_commit_callbacks
):
    client.force_login(zhujian)
    xlsx = edit(b"".join(client.get(reverse("projects:export")).streaming_content), rename_all)

    html = import_through_the_view(client, xlsx, django_capture_on_commit_callbacks)

    assert "导入成功：共 2 个项目已推送至人社局" in html
    assert Project.objects.filter(name__endswith="（二期）", status=ProjectStatus.PUSHED).count() == 2


@pytest.mark.django_db
def test_p5_import_through_the_view_shows_the_error_table_and_saves_nothing(
    client, zhujian, two_pushed, django_capture_on_commit_callbacks
):
    client.force_login(zhujian)

    def change(ws):
        rename_all(ws)
        ws[f"{REMARKS}5"] = "=A1"

    html = import_through_the_view(
        client, edit(export_bytes(zhujian), change), django_capture_on_commit_callbacks
    )

    assert "未导入：发现 1 处错误" in html and "含公式" in html and "备注（O列）" in html
    assert Project.objects.count() == 2


@pytest.mark.django_db
def test_p5_a_leader_cannot_import(client, leader, zhujian, two_pushed):
    client.force_login(leader)
    response = client.post(reverse("projects:import"), {"file": upload(export_bytes(zhujian))})
    assert response.status_code == 403
    assert import_ledger(user=leader, upload=upload(b"x")).errors[0].message == "领导账号为只读，不能导入项目"
    assert Project.objects.count() == 2


@pytest.mark.django_db
def test_p6_export_counts_the_working_days_an_unpushed_project_is_overdue_as_the_pages_do(zhujian, units):
    from common.workdays import working_days_late

    draft = create_project(user=zhujian, street=units["李封街道办事处"], serial=7, push=False)
    on_time = create_project(user=zhujian, street=units["李封街道办事处"], serial=8, push=False)
    on_time.push_deadline = dt.date(2026, 11, 2)  # due today: pending, not late
    on_time.save(update_fields=["push_deadline"])
    from projects.columns import COLUMNS

    late_at = next(i for i, c in enumerate(COLUMNS) if c.label == "逾期工作日")
    rows = {r[1]: r + (None,) * (len(COLUMNS) - len(r)) for r in data_rows(export_bytes(zhujian))}
    late_days = working_days_late(draft.push_deadline, dt.date(2026, 11, 2))
    assert late_days > 0
    assert rows[draft.name][late_at] == late_days
    assert rows[draft.name][late_at - 1] == "逾期未推送"
    assert rows[on_time.name][late_at - 1] == "期限内待推送"
    assert rows[on_time.name][late_at] is None
