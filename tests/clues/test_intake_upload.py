"""C1 intake with its complaint material (issue 7 part 1): the files chosen on the intake form are saved with the
clue in one transaction through clues.services.clue_attachment_add (type by content, size limit). A refused file
saves nothing — no clue row, no number used, no attachment row, no file on disk — and the form shows the Chinese
refusal at the attachment field. The duplicate step (part 2) comes back without the files: the page names them
and asks for them again."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clues import services
from clues.models import AttachmentKind, Clue, ClueAttachment
from common.models import ActionLog

from .conftest import register

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
# A Windows program: the MZ header and a PE signature, as a real .exe begins.
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + b"\x40\x00\x00\x00PE\x00\x00"
)


def _client(user) -> Client:
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(user)
    return c


def _file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _intake(units, **overrides) -> dict:
    values = {
        "channel": "hotline",
        "received_at": timezone.localtime(timezone.now() - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
        "complainant_name": "李师傅",
        "complainant_phone": "13903911234",
        "complainant_id_number": "",
        "workers_affected": "5",
        "amount_owed": "30000",
        "employer_name": "焦作某某劳务有限公司",
        "street": units["李封街道办事处"].pk,
        "nature": "wage_arrears",
        "category": "construction",
        "description": "五名工人8月工资未付",
    }
    values.update(overrides)
    return values


def _stored_files() -> list[Path]:
    root = Path(settings.CLUE_FILES_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _attachment_errors(response) -> list[str]:
    return response.context["form"].errors.get("attachments", [])


def test_the_intake_saves_the_chosen_files_with_the_clue_as_complaint_material_c1(dispatcher, units, now):
    response = _client(dispatcher).post(
        reverse("clues:clue_create"),
        {**_intake(units), "attachments": [_file("欠条.pdf", PDF), _file("工资条.png", PNG)]},
    )
    assert response.status_code == 302
    clue = Clue.objects.get()
    assert response["Location"] == reverse("clues:clue_receipt", args=[clue.pk])
    files = {a.original_name: a for a in clue.attachments.all()}
    assert set(files) == {"欠条.pdf", "工资条.png"}
    assert {a.kind for a in files.values()} == {AttachmentKind.COMPLAINT}
    assert files["欠条.pdf"].content_type == "application/pdf" and files["工资条.png"].size == len(PNG)
    for attachment in files.values():  # private storage, outside every URL (settings.CLUE_FILES_ROOT)
        assert (Path(settings.CLUE_FILES_ROOT) / attachment.stored_path).read_bytes() in (PDF, PNG)
    assert ActionLog.objects.filter(action="clue.attachment_added", object_id=str(clue.pk)).count() == 2
    # The clue page lists them for the registering dispatcher.
    page = _client(dispatcher).get(reverse("clues:clue_detail", args=[clue.pk])).content.decode()
    assert "欠条.pdf" in page and "工资条.png" in page


def test_an_executable_renamed_pdf_is_refused_at_the_field_and_nothing_is_saved_c1(dispatcher, units, now):
    logged = ActionLog.objects.count()
    response = _client(dispatcher).post(
        reverse("clues:clue_create"),
        # A good file first: it is written before the program is refused, and must go too.
        {**_intake(units), "attachments": [_file("欠条.pdf", PDF), _file("欠薪证明.pdf", EXE)]},
    )
    assert response.status_code == 200
    errors = _attachment_errors(response)
    assert len(errors) == 1 and "欠薪证明.pdf" in errors[0] and "可执行程序" in errors[0]
    assert "实际是可执行程序" in response.content.decode()
    # Nothing saved: no clue row, no attachment row, no log entry, no file left on disk.
    assert Clue.objects.count() == 0 and ClueAttachment.objects.count() == 0
    assert ActionLog.objects.count() == logged
    assert _stored_files() == []
    # What was typed is kept; the files must be chosen again, and the page says which.
    assert response.context["form"]["complainant_name"].value() == "李师傅"
    assert response.context["unsaved_files"] == ["欠条.pdf", "欠薪证明.pdf"]
    # The refused intake used no number: the next clue is still the year's first (C1 numbering, no gap).
    assert _client(dispatcher).post(reverse("clues:clue_create"), _intake(units)).status_code == 302
    assert Clue.objects.get().number == f"QX{now.year}-000001"


def test_an_oversized_file_is_refused_in_chinese_and_nothing_is_saved_c1(dispatcher, units, now):
    big = b"%PDF-1.4\n" + b"0" * services.ATTACHMENT_MAX_BYTES  # one limit's worth past the header
    assert len(big) < settings.UPLOAD_MAX_BYTES  # within the request cap: the service's own limit refuses it
    response = _client(dispatcher).post(
        reverse("clues:clue_create"), {**_intake(units), "attachments": [_file("扫描件.pdf", big)]}
    )
    assert response.status_code == 200
    errors = _attachment_errors(response)
    assert len(errors) == 1 and "扫描件.pdf" in errors[0] and "超过10 MB" in errors[0]
    assert Clue.objects.count() == 0 and ClueAttachment.objects.count() == 0
    assert _stored_files() == []


def test_the_duplicate_step_asks_for_the_files_again_and_the_confirm_saves_them_c1(dispatcher, units, now):
    earlier = register(dispatcher, units, received_at=now - dt.timedelta(days=3))
    c = _client(dispatcher)
    url = reverse("clues:clue_create")
    first = c.post(url, {**_intake(units), "attachments": [_file("欠条.pdf", PDF)]})
    assert first.status_code == 200 and first.context["duplicates"] == [earlier]
    assert (
        Clue.objects.count() == 1 and ClueAttachment.objects.count() == 0
    )  # nothing saved before the confirm
    html = first.content.decode()
    assert "附件尚未保存" in html and "欠条.pdf" in html
    second = c.post(
        url,
        {**_intake(units), "confirm": "1", "repeat_of": earlier.pk, "attachments": [_file("欠条.pdf", PDF)]},
    )
    assert second.status_code == 302
    new = Clue.objects.exclude(pk=earlier.pk).get()
    assert new.repeat_of == earlier
    assert [a.original_name for a in new.attachments.all()] == ["欠条.pdf"]
    assert earlier.attachments.count() == 0


def test_a_refused_file_on_the_confirm_step_links_no_repeat_either(dispatcher, units, now):
    earlier = register(dispatcher, units, received_at=now - dt.timedelta(days=3))
    response = _client(dispatcher).post(
        reverse("clues:clue_create"),
        {**_intake(units), "confirm": "1", "repeat_of": earlier.pk, "attachments": [_file("a.pdf", EXE)]},
    )
    assert response.status_code == 200 and "可执行程序" in _attachment_errors(response)[0]
    assert list(Clue.objects.all()) == [earlier]
    earlier.refresh_from_db()
    assert earlier.repeat_count == 0


def test_the_petition_clerk_attaches_files_to_a_petition_at_intake(petition_clerk, units, now):
    response = _client(petition_clerk).post(
        reverse("clues:clue_create"),
        {**_intake(units, channel="petition_bureau"), "attachments": [_file("信访件.pdf", PDF)]},
    )
    assert response.status_code == 302
    clue = Clue.objects.get()
    assert clue.is_petition and clue.registering_unit == units["区信访局"]
    assert [a.original_name for a in clue.attachments.all()] == ["信访件.pdf"]
