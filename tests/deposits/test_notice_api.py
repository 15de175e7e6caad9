"""D2 API: /api/notices/ with the list page's filters and /pdf, unit-scoped, errors in common.api's shape."""

import pytest
import time_machine
from django.test import Client

from common.documents import document_pdf_bytes
from tests.deposits.notice_helpers import notice_of, pushed_project
from tests.helpers import at

pytestmark = pytest.mark.django_db


def api(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def test_it_lists_and_filters_notices_like_the_page(zhujian, jiaotong, dispatcher, units):
    mine = notice_of(pushed_project(zhujian, units, serial=1, name="府城路改造工程"))
    theirs = notice_of(pushed_project(jiaotong, units, serial=2))
    with time_machine.travel(at(2026, 9, 20), tick=False):
        own = api(zhujian).get("/api/notices/").json()
        district = api(dispatcher).get("/api/notices/", {"q": "府城路"}).json()
        overdue = api(dispatcher).get("/api/notices/", {"status": "overdue"}).json()
    assert [n["number"] for n in own["results"]] == [mine.number]
    assert [n["number"] for n in district["results"]] == [mine.number]
    assert {n["number"] for n in overdue["results"]} == {mine.number, theirs.number}
    assert overdue["results"][0]["status_display"] == "逾期未缴存"
    assert overdue["results"][0]["deadline_counts_from"] == "下发日"


def test_a_bad_filter_is_a_400_in_the_common_shape(zhujian, units):
    response = api(zhujian).get("/api/notices/", {"status": "nonsense"})
    assert response.status_code == 400
    body = response.json()
    assert "status" in str(body)


def test_another_units_notice_and_pdf_are_404(zhujian, jiaotong, units):
    notice = notice_of(pushed_project(zhujian, units))
    assert api(jiaotong).get(f"/api/notices/{notice.pk}/").status_code == 404
    assert api(jiaotong).get(f"/api/notices/{notice.pk}/pdf/").status_code == 404


def test_the_pdf_action_returns_the_stored_bytes(zhujian, units):
    notice = notice_of(pushed_project(zhujian, units))
    response = api(zhujian).get(f"/api/notices/{notice.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == document_pdf_bytes(notice.document)
