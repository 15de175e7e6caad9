"""D2 pages: notice list and detail, unit-scoped; the receipt from the web; the batch print; the export."""

import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from common.audit import timeline
from common.documents import display_verify_code
from common.models import ActionLog, Job
from deposits.models import Notice, NoticeStatus
from tests.deposits.notice_helpers import notice_of, pushed_project
from tests.helpers import at

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


@pytest.fixture
def notice(zhujian, units):
    return notice_of(pushed_project(zhujian, units, name="府城路改造工程"))


def test_it_lists_the_units_notices_only(notice, zhujian, jiaotong, dispatcher, units):
    other = notice_of(pushed_project(jiaotong, units, serial=2, name="交通局的路"))
    page = login(zhujian).get(reverse("deposits:notice_list")).content.decode()
    assert notice.number in page and other.number not in page
    district = login(dispatcher).get(reverse("deposits:notice_list")).content.decode()
    assert notice.number in district and other.number in district


def test_it_filters_by_search_unit_status_and_overdue(notice, jiaotong, dispatcher, units):
    other = notice_of(pushed_project(jiaotong, units, serial=2, name="交通局的路"))
    url = reverse("deposits:notice_list")
    with time_machine.travel(at(2026, 9, 10), tick=False):
        client = login(dispatcher)
        by_project = client.get(url, {"q": "府城路"}).content.decode()
        by_number = client.get(url, {"q": "交通农保通字"}).content.decode()
        by_unit = client.get(url, {"unit": units["区交通运输局"].pk}).content.decode()
        not_overdue = client.get(url, {"overdue": "1"}).content.decode()
    with time_machine.travel(at(2026, 9, 19), tick=False):  # deadline 09-18 passed
        overdue = login(dispatcher).get(url, {"status": "overdue"}).content.decode()
    assert notice.number in by_project and other.number not in by_project
    assert other.number in by_number and notice.number not in by_number
    assert other.number in by_unit and notice.number not in by_unit
    assert notice.number not in not_overdue
    assert notice.number in overdue and "逾期未缴存" in overdue


def test_it_is_not_overdue_on_the_deadline_day_d2(notice, zhujian):
    url = reverse("deposits:notice_detail", args=[notice.pk])
    with time_machine.travel(at(2026, 9, 18, 23, 59), tick=False):
        assert "逾期未缴存" not in login(zhujian).get(url).content.decode()
    with time_machine.travel(at(2026, 9, 19, 0, 1), tick=False):
        assert "逾期未缴存" in login(zhujian).get(url).content.decode()


def test_another_units_clerk_gets_404_on_the_notice_and_its_pdf(notice, jiaotong):
    client = login(jiaotong)
    assert client.get(reverse("deposits:notice_detail", args=[notice.pk])).status_code == 404
    assert client.get(reverse("deposits:notice_pdf", args=[notice.pk])).status_code == 404
    response = client.post(
        reverse("deposits:notice_receipt", args=[notice.pk]),
        {"received_at": "2026-09-04T09:00", "signer": "张三"},
    )
    assert response.status_code == 404


def test_the_project_page_links_the_notice_and_its_pdf(notice, zhujian):
    page = login(zhujian).get(notice.project.get_absolute_url()).content.decode()
    assert notice.number in page
    assert reverse("deposits:notice_pdf", args=[notice.pk]) in page


def test_the_project_page_offers_the_late_issue_button_p4(notice, zhujian, jiaotong, dispatcher):
    project = notice.project
    Notice.objects.filter(pk=notice.pk).delete()  # as if pushed before notices existed
    assert "补发缴纳通知书" in login(zhujian).get(project.get_absolute_url()).content.decode()

    refused = login(jiaotong).post(reverse("deposits:notice_issue", args=[project.pk]))
    assert refused.status_code == 404
    with time_machine.travel(at(2026, 9, 10), tick=False):
        response = login(zhujian).post(reverse("deposits:notice_issue", args=[project.pk]))
        again = login(zhujian).post(reverse("deposits:notice_issue", args=[project.pk]), follow=True)
    issued = Notice.objects.get(project=project)
    assert response.status_code == 302 and response["Location"] == issued.get_absolute_url()
    assert "已下发缴纳通知书" in again.content.decode()
    assert Notice.objects.filter(project=project).count() == 1


def test_it_records_the_receipt_and_counts_the_deadline_from_it_d2(notice, zhujian):
    client = login(zhujian)
    with time_machine.travel(at(2026, 9, 8, 15), tick=False):
        response = client.post(
            reverse("deposits:notice_receipt", args=[notice.pk]),
            {
                "received_at": "2026-09-07T16:30",
                "signer": "王经理",
                "position": "项目经理",
                "phone": "13803910002",
            },
        )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RECEIVED
    assert notice.received_at == at(2026, 9, 7, 16, 30)
    assert (notice.receipt_signer, notice.receipt_position, notice.receipt_phone) == (
        "王经理",
        "项目经理",
        "13803910002",
    )
    assert notice.deadline == dt.date(2026, 9, 22)  # 09-07 + 15 calendar days
    assert ActionLog.objects.filter(action="notice.receipt_recorded", object_id=str(notice.pk)).exists()
    with time_machine.travel(at(2026, 9, 8, 15), tick=False):
        page = client.get(reverse("deposits:notice_detail", args=[notice.pk])).content.decode()
    assert "自签收之日" in page and "2026-09-22" in page and "登记通知书签收" in page


@pytest.mark.parametrize(
    ("received_at", "message"),
    [
        ("2026-09-03T09:59", "签收时间不能早于通知书下发时间（2026-09-03 10:00）"),
        ("2026-09-09T10:00", "签收时间不能晚于当前时间"),
        ("昨天", "签收时间格式不正确"),
    ],
)
def test_it_refuses_a_receipt_before_issue_or_in_the_future_d2(notice, zhujian, received_at, message):
    with time_machine.travel(at(2026, 9, 8, 15), tick=False):
        response = login(zhujian).post(
            reverse("deposits:notice_receipt", args=[notice.pk]),
            {"received_at": received_at, "signer": "王经理"},
        )
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors["received_at"]), form.errors
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED and notice.received_at is None
    assert notice.deadline == dt.date(2026, 9, 18)
    assert not ActionLog.objects.filter(action="notice.receipt_recorded").exists()


def test_a_leader_cannot_record_a_receipt(notice, leader):
    response = login(leader).post(
        reverse("deposits:notice_receipt", args=[notice.pk]),
        {"received_at": "2026-09-04T09:00", "signer": "x"},
    )
    assert response.status_code == 403


def test_it_prints_the_selected_notices_as_one_pdf_by_a_job(
    zhujian, units, django_capture_on_commit_callbacks
):
    notices = [notice_of(pushed_project(zhujian, units, serial=i)) for i in range(1, 4)]
    client = login(zhujian)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("deposits:notice_print"), {"notice": [n.pk for n in notices]})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == "done", job.message
    download = client.get(reverse("common:job_download", args=[job.pk]))
    merged = PdfReader(io.BytesIO(b"".join(download.streaming_content)))
    assert len(merged.pages) == 3
    assert notices[2].number in merged.pages[2].extract_text().replace(" ", "")


def test_the_batch_print_refuses_another_units_notice(zhujian, jiaotong, units):
    mine = notice_of(pushed_project(zhujian, units, serial=1))
    theirs = notice_of(pushed_project(jiaotong, units, serial=2))
    response = login(zhujian).post(reverse("deposits:notice_print"), {"notice": [mine.pk, theirs.pk]})
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_it_exports_the_filtered_list_to_excel(notice, jiaotong, zhujian, units):
    pushed_project(jiaotong, units, serial=2)
    response = login(zhujian).get(reverse("deposits:notice_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "通知书编号"
    assert [r[0] for r in rows[2:]] == [notice.number]  # the other unit's notice is not exported
    assert rows[2][3] == notice.contractor.name


def count_queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_and_detail_query_counts_are_constant(zhujian, units):
    from deposits.services import notice_record_receipt

    client = login(zhujian)
    first = notice_of(pushed_project(zhujian, units, serial=1))
    with time_machine.travel(at(2026, 9, 5), tick=False):
        notice_record_receipt(notice=first, actor=zhujian, received_at=at(2026, 9, 4), signer="甲")
    small_list = count_queries(client, reverse("deposits:notice_list"))
    small_detail = count_queries(client, reverse("deposits:notice_detail", args=[first.pk]))
    for serial in range(2, 16):
        notice = notice_of(pushed_project(zhujian, units, serial=serial))
        if serial % 2:
            with time_machine.travel(at(2026, 9, 5), tick=False):
                notice_record_receipt(notice=notice, actor=zhujian, received_at=at(2026, 9, 4), signer="乙")
    assert count_queries(client, reverse("deposits:notice_list")) == small_list
    assert count_queries(client, reverse("deposits:notice_detail", args=[first.pk])) == small_detail


def test_it_shows_the_verify_code_as_printed_on_the_pdf(notice, zhujian):
    """The PDF prints "ABCDE-FGHJK"; the detail page must show the same form so a clerk can read it out."""
    code = Notice.objects.select_related("document").get(pk=notice.pk).document.verify_code
    page = login(zhujian).get(reverse("deposits:notice_detail", args=[notice.pk])).content.decode()
    assert f">{display_verify_code(code)}</a>" in page


def test_the_receipts_timeline_entry_does_not_claim_it_linked_the_document_d2(notice, zhujian):
    """The PDF record is linked at issue; the receipt entry must list only the receipt's own changes."""
    with time_machine.travel(at(2026, 9, 8, 15), tick=False):
        login(zhujian).post(
            reverse("deposits:notice_receipt", args=[notice.pk]),
            {"received_at": "2026-09-07T16:30", "signer": "王经理"},
        )
    notice.refresh_from_db()
    entry = next(e for e in timeline(notice) if e["code"] == "notice.receipt_recorded")
    labels = {change[0] for change in entry["changes"]}
    assert "签收人" in labels
    assert "文书" not in labels


def test_a_rerender_is_a_new_version_with_its_reason_and_the_old_pdf_stays_d2(
    notice, zhujian, jiaotong, leader
):
    from common.documents import document_pdf_bytes
    from common.models import DocumentVersion

    first = document_pdf_bytes(notice.document)
    url = reverse("deposits:notice_rerender", args=[notice.pk])
    assert login(jiaotong).post(url, {"reason": "试图改别人的"}).status_code == 404  # another unit's notice
    assert login(leader).post(url, {"reason": "只读"}).status_code == 403
    clerk = login(zhujian)
    clerk.post(url, {"reason": ""})  # no reason: refused, nothing changes
    notice.document.refresh_from_db()
    assert notice.document.current_version == 1
    assert clerk.post(url, {"reason": "更正模板文字"}).status_code == 302
    notice.document.refresh_from_db()
    assert notice.document.current_version == 2
    versions = DocumentVersion.objects.filter(document=notice.document).order_by("version")
    assert [v.reason for v in versions][1] == "更正模板文字"
    assert versions[0].sha256 != "" and versions[1].sha256 != ""
    assert document_pdf_bytes(notice.document) != b"" and first != b""
    entry = timeline(notice)[0]
    assert entry["code"] == "notice.pdf_rerendered" and entry["note"] == "更正模板文字"
    assert "第2版" in clerk.get(reverse("deposits:notice_detail", args=[notice.pk])).content.decode()


def test_a_clerk_is_offered_no_unit_filter_hrss_is(notice, zhujian, dispatcher):
    assert 'name="unit"' not in login(zhujian).get(reverse("deposits:notice_list")).content.decode()
    assert 'name="unit"' in login(dispatcher).get(reverse("deposits:notice_list")).content.decode()
