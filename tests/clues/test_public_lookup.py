"""Part 9 (C1 receipt): the receipt with the query code and the public progress lookup at /chaxun/ — the stage
and the dates only, the same answer for a wrong number and a wrong code, rate-limited, the receipt scoped."""

import pytest
from django.test import Client
from django.urls import reverse

from clues.lookup import NOT_FOUND, QUERY_CODE_ALPHABET
from clues.models import Clue
from clues.services import clue_note_progress

from .conftest import register
from .test_pages import _intake

# What a lookup must never show (conftest.clue_fields and conftest.dispatch): the complainant, the employer,
# the amount, the unit and its responsible person.
PRIVATE = (
    "王建国",
    "13903911234",
    "11010519491231002X",
    "86000",
    "86,000",
    "焦作某某劳务有限公司",
    "周主任",
    "13803910002",
    "区住房城乡建设局",
    "李封街道",
)


def _anonymous(address="10.9.0.1"):
    return Client(HTTP_HOST="127.0.0.1", REMOTE_ADDR=address)


def _alert(page) -> str:
    html = page.content.decode()
    return html.split('role="alert">', 1)[1].split("</div>", 1)[0]


def _lookup(client, number, code):
    return client.post(reverse("clues:public_lookup"), {"number": number, "code": code})


@pytest.mark.django_db
def test_it_gives_each_clue_a_six_character_code_and_stores_only_its_hash(dispatcher, units, now):
    clue = register(dispatcher, units)
    assert len(clue.query_code) == 6 and set(clue.query_code) <= set(QUERY_CODE_ALPHABET)
    stored = Clue.objects.get(pk=clue.pk).query_code_hash
    assert stored and clue.query_code not in stored
    assert stored.startswith("hmac-sha256$")  # keyed with the secret key the database does not hold


@pytest.mark.django_db
def test_it_shows_the_stage_and_step_dates_and_nothing_personal_for_the_right_code(
    clue, acknowledged, zhujian, now
):
    clue_note_progress(user=zhujian, clue=acknowledged, note="已约谈劳务公司负责人")
    page = _lookup(_anonymous(), clue.number, clue.query_code.lower())  # case does not matter
    html = page.content.decode()
    assert page.status_code == 200
    assert "办理中" in html and clue.number in html
    assert html.count("2026-09-15") == 4  # received, dispatched, acknowledged, first progress
    assert html.count("尚未进行") == 2  # result, closed
    for private in PRIVATE:
        assert private not in html, private
    assert page["X-Robots-Tag"] == "noindex, nofollow"


@pytest.mark.django_db
def test_it_shows_nothing_for_a_wrong_code_and_the_same_for_an_unknown_number(clue, now):
    wrong = next(c for c in QUERY_CODE_ALPHABET if c != clue.query_code[0]) + clue.query_code[1:]
    bad_code = _lookup(_anonymous(), clue.number, wrong)
    unknown = _lookup(_anonymous(), clue.number.replace(clue.number[-1], "9") + "9", clue.query_code)
    empty = _lookup(_anonymous(), clue.number, "")
    for page in (bad_code, unknown, empty):
        html = page.content.decode()
        assert page.status_code == 404
        assert NOT_FOUND in html
        assert "当前阶段" not in html and "已登记" not in html and "2026-09-15" not in html
    # No oracle: the wrong code and the unknown number get the very same answer.
    assert _alert(bad_code) == _alert(unknown) == _alert(empty) == NOT_FOUND


@pytest.mark.django_db
def test_it_says_a_clue_registered_before_the_lookup_has_no_code(clue, now):
    Clue.objects.filter(pk=clue.pk).update(query_code_hash="")
    page = _lookup(_anonymous(), clue.number, clue.query_code)
    assert page.status_code == 404 and "尚未发放查询码" in page.content.decode()
    assert "当前阶段" not in page.content.decode()


@pytest.mark.django_db
def test_it_needs_no_login_and_limits_requests_per_client_address(clue, now):
    assert _anonymous().get(reverse("clues:public_lookup")).status_code == 200
    assert reverse("clues:public_lookup") == "/chaxun/"
    tries = _anonymous("10.9.0.7")
    for _ in range(29):  # 30 in the minute, with the GET above from another address not counted
        assert _lookup(tries, clue.number, "AAAAAA").status_code == 404
    assert _lookup(tries, clue.number, clue.query_code).status_code == 200  # the 30th still answers
    limited = _lookup(tries, clue.number, clue.query_code)  # the 31st, even with the right code
    assert limited.status_code == 429 and "请求过于频繁" in limited.content.decode()
    assert limited["Retry-After"] == "60"
    assert _lookup(_anonymous("10.9.0.8"), clue.number, clue.query_code).status_code == 200


@pytest.mark.django_db
def test_the_intake_page_leads_to_the_printable_receipt_with_the_code_once(dispatcher, units, now):
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(dispatcher)
    response = c.post(reverse("clues:clue_create"), _intake(units))
    clue = Clue.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "clues:clue_receipt", args=[clue.pk]
    )
    html = c.get(response["Location"]).content.decode()
    code = c.session["clues.receipt_query_codes"][str(clue.pk)]
    assert clue.number in html and code in html and "/chaxun/" in html and "2026-09-15" in html
    assert "@media print" in html and "A4" in html and "提醒函" in html
    for private in ("李师傅", "13903911234", "30000", "30,000", "焦作某某劳务有限公司"):
        assert private not in html, private
    # The code works on the public page; another session of the same clerk no longer shows it.
    assert _lookup(_anonymous(), clue.number, code).status_code == 200
    other = Client(HTTP_HOST="127.0.0.1")
    other.force_login(dispatcher)
    again = other.get(reverse("clues:clue_receipt", args=[clue.pk])).content.decode()
    assert code not in again and "本页已不再显示" in again


@pytest.mark.django_db
def test_the_receipt_is_only_for_hrss_and_the_registering_unit(
    dispatcher, petition_clerk, dispatched, zhujian, jiaotong, leader, units, now
):
    url = reverse("clues:clue_receipt", args=[dispatched.pk])
    assert _client(dispatcher).get(url).status_code == 200
    for user in (
        zhujian,
        jiaotong,
        leader,
        petition_clerk,
    ):  # the responsible unit, another, a leader, 信访局
        assert _client(user).get(url).status_code == 404, user.username
    petition = register(petition_clerk, units, complainant_phone="13903919999")
    assert _client(petition_clerk).get(reverse("clues:clue_receipt", args=[petition.pk])).status_code == 200
    assert _anonymous().get(url).status_code == 302  # to the login page


def _client(user):
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(user)
    return c
