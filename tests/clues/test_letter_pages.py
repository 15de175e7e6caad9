"""The C3 letters' pages: scoped per unit (a clerk of another unit gets a 404), filters, Excel, the PDF; query
count constant in the number of letters."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from clues import services
from clues.models import Letter
from tests.helpers import at

from .conftest import dispatch, register


@pytest.fixture
def letters(dispatcher, units, time_machine, monkeypatch):
    """Two clues of 住建局 past day 4 (a 提醒函 and a 通报 each) and one of 交通局 past day 3."""
    monkeypatch.setattr("common.documents.render_pdf", lambda *a, **kw: b"%PDF-1.7 letter")
    time_machine.move_to(at(2026, 9, 15, 0, 5), tick=False)
    for unit in ("区住房城乡建设局", "区住房城乡建设局", "区交通运输局"):
        clue = register(dispatcher, units, received_at=at(2026, 9, 15, 0))
        dispatch(dispatcher, clue, units[unit])
    services.clue_process_deadlines(at(2026, 9, 19, 1))
    time_machine.move_to(at(2026, 9, 19, 2), tick=False)
    return Letter.objects.order_by("pk")


@pytest.mark.django_db
def test_clerk_sees_only_own_units_letters_and_gets_404_for_others(client, zhujian, letters, units):
    client.force_login(zhujian)
    page = client.get(reverse("clues:letter_list"))
    assert page.status_code == 200
    shown = {x.pk for x in page.context["page"].object_list}
    own = {x.pk for x in letters if x.responsible_unit == units["区住房城乡建设局"]}
    assert shown == own and len(own) == 4
    other = next(x for x in letters if x.responsible_unit == units["区交通运输局"])
    assert client.get(reverse("clues:letter_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("clues:letter_pdf", args=[other.pk])).status_code == 404


@pytest.mark.django_db
def test_hrss_sees_all_and_filters_by_kind(client, dispatcher, letters):
    client.force_login(dispatcher)
    page = client.get(reverse("clues:letter_list"), {"kind": "escalation"})
    assert {x.kind for x in page.context["page"].object_list} == {"escalation"}
    assert page.context["page"].paginator.count == 3


@pytest.mark.django_db
def test_letter_list_queries_do_not_grow_with_letters(client, dispatcher, letters, units):
    client.force_login(dispatcher)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("clues:letter_list"))
    for _ in range(3):
        clue = register(dispatcher, units, received_at=at(2026, 9, 18, 0))
        dispatch(dispatcher, clue, units["区交通运输局"])
    services.clue_process_deadlines(at(2026, 9, 25))
    with CaptureQueriesContext(connection) as more:
        response = client.get(reverse("clues:letter_list"))
    assert response.context["page"].paginator.count == 12
    assert len(more.captured_queries) == len(few.captured_queries)


@pytest.mark.django_db
def test_letter_detail_and_pdf(client, dispatcher, letters):
    client.force_login(dispatcher)
    letter = letters[0]
    page = client.get(reverse("clues:letter_detail", args=[letter.pk]))
    assert letter.number in page.content.decode()
    pdf = client.get(reverse("clues:letter_pdf", args=[letter.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


@pytest.mark.django_db
def test_letter_export_is_scoped(client, zhujian, letters):
    client.force_login(zhujian)
    response = client.get(reverse("clues:letter_export"))
    ws = load_workbook(io.BytesIO(response.content)).active
    numbers = [row[0] for row in ws.iter_rows(min_row=3, values_only=True)]
    assert len(numbers) == 4 and all(n.startswith("中区人社函〔2026〕") for n in numbers)


@pytest.mark.django_db
def test_letters_api_is_scoped_and_serves_the_pdf(client, zhujian, dispatcher, letters, units):
    client.force_login(zhujian)
    listed = client.get("/api/letters/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert len(rows) == 4 and {r["responsible_unit"]["id"] for r in rows} == {units["区住房城乡建设局"].pk}
    other = next(x for x in letters if x.responsible_unit == units["区交通运输局"])
    assert client.get(f"/api/letters/{other.pk}/").status_code == 404
    mine = rows[0]
    pdf = client.get(mine["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert client.get("/api/letters/", {"kind": "nonsense"}).status_code == 400
    client.force_login(dispatcher)
    escalations = client.get("/api/letters/", {"kind": "escalation"}).json()
    rows = escalations["results"] if isinstance(escalations, dict) else escalations
    assert len(rows) == 3 and all(r["kind_display"] == "通报" for r in rows)


@pytest.mark.django_db
def test_clue_page_shows_the_ladder_and_its_letters_c3(client, zhujian, letters, units):
    client.force_login(zhujian)
    letter = next(x for x in letters if x.responsible_unit == units["区住房城乡建设局"])
    page = client.get(reverse("clues:clue_detail", args=[letter.clue_id])).content.decode()
    assert "“12345”时限" in page and letter.number in page and "已逾期" in page


@pytest.mark.django_db
def test_the_holder_of_a_clue_never_dispatched_sees_its_escalation_c3(
    petition_clerk, other_clerk, units, time_machine, monkeypatch
):
    """C3/C6: a clue 信访局 registered and still holds gets a 通报 addressed to the district's leaders, with no
    responsible unit; 信访局 (the holder) sees it in its letters, another unit does not."""
    from clues.selectors import letter_visible_to

    monkeypatch.setattr("common.documents.render_pdf", lambda *a, **kw: b"%PDF-1.7 letter")
    time_machine.move_to(at(2026, 9, 15, 0, 5), tick=False)
    clue = register(petition_clerk, units, received_at=at(2026, 9, 15, 0))
    services.clue_process_deadlines(at(2026, 9, 19, 1))
    escalation = Letter.objects.get(clue=clue, kind="escalation")
    assert escalation.addressee_unit_id is None and escalation.responsible_unit_id is None
    assert clue.owner_unit_id == units["区信访局"].pk
    assert escalation in letter_visible_to(petition_clerk)
    assert escalation not in letter_visible_to(other_clerk)
