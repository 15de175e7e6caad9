"""C1/C5 attachments: type checked by content, size-limited, stored outside every URL, served only to users who may
see the clue (issue 7 parts 1 and 6; bad input: an executable renamed .pdf, an oversized file)."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from clues import services
from clues.models import ClueAttachment
from common.models import ActionLog

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# A Windows program: the MZ header and a PE signature, as a real .exe begins.
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 44
    + b"\x40\x00\x00\x00PE\x00\x00"
)


def _docx(main_part: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        override = (
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/>'
            if main_part
            else ""
        )
        archive.writestr("[Content_Types].xml", f'<?xml version="1.0"?><Types>{override}</Types>')
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _client(user) -> Client:
    c = Client(HTTP_HOST="127.0.0.1")
    c.force_login(user)
    return c


def test_it_accepts_a_png_and_a_pdf_stored_privately_with_their_sha256_c1(dispatcher, clue):
    png = services.clue_attachment_add(
        clue=clue, user=dispatcher, upload=_upload("工资条.png", PNG), kind="complaint"
    )
    pdf = services.clue_attachment_add(
        clue=clue, user=dispatcher, upload=_upload("欠条.PDF", PDF), kind="complaint"
    )
    assert (png.content_type, pdf.content_type) == ("image/png", "application/pdf")
    assert png.original_name == "工资条.png" and png.size == len(PNG)
    import hashlib

    assert pdf.sha256 == hashlib.sha256(PDF).hexdigest()
    stored = Path(settings.CLUE_FILES_ROOT) / pdf.stored_path
    assert stored.read_bytes() == PDF
    # Private: neither under the media root nor the static root, and not named after the upload.
    assert not str(stored).startswith(str(settings.MEDIA_ROOT)) and "欠条" not in stored.name


def test_it_accepts_a_docx_recognised_by_its_content_types_part_and_refuses_a_bare_zip(dispatcher, clue):
    doc = services.clue_attachment_add(
        clue=clue, user=dispatcher, upload=_upload("说明.docx", _docx()), kind="complaint"
    )
    assert doc.content_type.endswith("wordprocessingml.document")
    with pytest.raises(ValidationError) as error:
        services.clue_attachment_add(
            clue=clue, user=dispatcher, upload=_upload("说明.docx", _docx(main_part=False)), kind="complaint"
        )
    assert "内容与扩展名" in error.value.message_dict["file"][0]


def test_it_refuses_an_executable_renamed_pdf_in_chinese_and_stores_nothing(dispatcher, clue):
    with pytest.raises(ValidationError) as error:
        services.clue_attachment_add(
            clue=clue, user=dispatcher, upload=_upload("欠薪证明.pdf", EXE), kind="complaint"
        )
    assert "可执行程序" in error.value.message_dict["file"][0]
    assert not ClueAttachment.objects.exists()
    assert not Path(settings.CLUE_FILES_ROOT).exists() or not any(Path(settings.CLUE_FILES_ROOT).rglob("*.*"))


def test_it_refuses_a_png_named_pdf_because_the_extension_must_agree(dispatcher, clue):
    with pytest.raises(ValidationError) as error:
        services.clue_attachment_add(
            clue=clue, user=dispatcher, upload=_upload("扫描件.pdf", PNG), kind="complaint"
        )
    assert "内容与扩展名“.pdf”不符" in error.value.message_dict["file"][0]


def test_it_refuses_an_oversized_file_before_reading_it(dispatcher, clue, monkeypatch):
    monkeypatch.setattr(services, "ATTACHMENT_MAX_BYTES", 100)

    class Unreadable:
        """The size alone must refuse it: any read fails the test."""

        name, size = "大文件.pdf", 101

        def read(self, *args):
            raise AssertionError("read before the size check")

        seek = chunks = read

    upload = Unreadable()
    with pytest.raises(ValidationError) as error:
        services.clue_attachment_add(clue=clue, user=dispatcher, upload=upload, kind="complaint")
    assert "超过" in error.value.message_dict["file"][0]
    assert not ClueAttachment.objects.exists()


def test_it_lets_the_responsible_unit_add_result_evidence_c5_and_logs_it(dispatched, zhujian):
    attachment = services.clue_attachment_add(
        clue=dispatched, user=zhujian, upload=_upload("支付凭证.pdf", PDF), kind="evidence"
    )
    entry = ActionLog.objects.filter(action="clue.attachment_added").get()
    assert entry.actor == zhujian and entry.object_id == str(dispatched.pk)
    assert entry.data["attachment"] == attachment.pk and entry.data["sha256"] == attachment.sha256
    assert attachment.get_kind_display() == "办理结果证明材料"


def test_it_refuses_a_leader_and_another_units_clerk_an_upload(dispatched, leader, jiaotong):
    with pytest.raises(PermissionDenied, match="只读"):
        services.clue_attachment_add(
            clue=dispatched, user=leader, upload=_upload("a.pdf", PDF), kind="complaint"
        )
    with pytest.raises(PermissionDenied):
        services.clue_attachment_add(
            clue=dispatched, user=jiaotong, upload=_upload("a.pdf", PDF), kind="complaint"
        )
    assert not ClueAttachment.objects.exists()
    # Through the page, too: the leader's POST is a 403 and saves nothing.
    response = _client(leader).post(
        reverse("clues:attachment_upload", args=[dispatched.pk]),
        {"kind": "complaint", "file": _upload("a.pdf", PDF)},
    )
    assert response.status_code == 403 and not ClueAttachment.objects.exists()


def test_it_serves_the_file_as_a_download_to_the_clue_units_and_404_to_another_unit(
    dispatched, dispatcher, zhujian, jiaotong, leader
):
    attachment = services.clue_attachment_add(
        clue=dispatched, user=dispatcher, upload=_upload("工资表.pdf", PDF), kind="complaint"
    )
    url = reverse("clues:attachment_download", args=[dispatched.pk, attachment.pk])
    for user in (zhujian, dispatcher, leader):  # the responsible unit, HRSS, leaders (read) may see the clue
        response = _client(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment;")
        assert "filename*=utf-8''%E5%B7%A5%E8%B5%84%E8%A1%A8.pdf" in response["Content-Disposition"]
    assert _client(jiaotong).get(url).status_code == 404
    # An attachment id that is not this clue's is a 404 as well.
    assert (
        _client(zhujian).get(reverse("clues:attachment_download", args=[dispatched.pk, 999999])).status_code
        == 404
    )


def test_the_clue_page_lists_attachments_and_shows_a_refusal_at_the_field(dispatched, zhujian):
    services.clue_attachment_add(
        clue=dispatched, user=zhujian, upload=_upload("现场照片.png", PNG), kind="evidence"
    )
    page = _client(zhujian).get(reverse("clues:clue_detail", args=[dispatched.pk])).content.decode()
    assert "现场照片.png" in page and "上传附件" in page
    response = _client(zhujian).post(
        reverse("clues:attachment_upload", args=[dispatched.pk]),
        {"kind": "complaint", "file": _upload("木马.pdf", EXE)},
    )
    assert response.status_code == 400 and "可执行程序" in response.content.decode()
    assert ClueAttachment.objects.count() == 1


def test_the_api_uploads_multipart_and_lists_attachments_in_the_detail(dispatched, zhujian, jiaotong):
    from common.api import api_token_issue_integration

    def api(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue_integration(user=user)[1]}")
        return client

    url = f"/api/clues/{dispatched.pk}/attachments/"
    response = api(zhujian).post(
        url, {"kind": "evidence", "file": _upload("凭证.pdf", PDF)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "application/pdf"
    refused = api(zhujian).post(url, {"kind": "evidence", "file": _upload("x.pdf", EXE)}, format="multipart")
    assert refused.status_code == 400 and "可执行程序" in refused.json()["errors"]["file"][0]
    detail = api(zhujian).get(f"/api/clues/{dispatched.pk}/").json()
    assert [a["original_name"] for a in detail["attachments"]] == ["凭证.pdf"]
    assert (
        api(jiaotong)
        .post(url, {"kind": "evidence", "file": _upload("y.pdf", PDF)}, format="multipart")
        .status_code
        == 404
    )
