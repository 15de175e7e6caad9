"""Issued documents (common.documents, issue 6 part 2): Chinese PDFs with embedded fonts, a fetcher that reads
nothing from outside, gapless numbering, stored bytes that never change, versions, the public verification
page, and printing many documents as one PDF."""

import io
import logging
import re
import socket
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from weasyprint.urls import URLFetcher

from common import documents
from common.documents import (
    DocumentError,
    DocumentResourceRefused,
    document_issue,
    document_pdf_bytes,
    document_rerender,
    document_response,
    document_set_status,
    documents_merge_pdf,
    documents_print_start,
    next_document_number,
    render_pdf,
    static_file_for_url,
)
from common.models import ActionLog, DocumentSequence, DocumentVersion, IssuedDocument, Job, JobStatus
from tests.helpers import at

KIND = "tests.specimen"
RENDERS: list[int] = []

SPECIMEN = {
    "issuer": "焦作市中站区人力资源和社会保障局",
    "title": "关于督促支付农民工工资的函",
    "number": "中区人社农保通字〔2026〕第1号",
    "addressee": "河南省中站建设工程有限公司",
    "paragraphs": [
        "根据《保障农民工工资支付条例》第五十五条，逾期不缴纳的，处5万元以上10万元以下的罚款，"
        "并在“信用中国”公示。",
        "联系电话：2958033；联系人：中站区劳动保障维权中心。本通知书一式两份。",
    ],
    "date": "2026年12月1日",
}


def specimen_render(document):
    """The test kind's render function: reads its target (a Unit) like an owning app reads its record."""
    RENDERS.append(document.pk)
    return "documents/specimen.html", {
        **SPECIMEN,
        "issuer": document.target.name,
        "number": document.number,
        "addressee": document.addressee,
    }


@pytest.fixture(autouse=True)
def specimen_kind(monkeypatch):
    monkeypatch.setitem(
        documents._KINDS,
        KIND,
        documents.DocumentKind(
            kind=KIND,
            label="测试函件",
            render=specimen_render,
            statuses={**documents.BASE_STATUSES, "received": "已签收"},
            void_statuses=frozenset({documents.STATUS_VOID}),
        ),
    )
    RENDERS.clear()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def template_dir(settings, tmp_path):
    """A folder searched before templates/: a test template, or a changed copy of a real one."""
    folder = tmp_path / "templates"
    (folder / "documents").mkdir(parents=True)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [folder, *settings.TEMPLATES[0]["DIRS"]]}]
    return folder


def pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_fonts(pdf: bytes) -> dict[str, bool]:
    """{font name without its subset prefix: embedded?} over all pages (Type0 fonts: their descendant's
    descriptor holds the font program as FontFile, FontFile2 or FontFile3)."""
    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor_owner = (
                font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            )
            descriptor = descriptor_owner["/FontDescriptor"].get_object()
            name = str(font["/BaseFont"]).split("+", 1)[-1]
            fonts[name] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


def issue(unit, *, actor=None, year=2026, addressee="河南省中站建设工程有限公司"):
    with transaction.atomic():
        n = next_document_number(unit=unit, kind=KIND, year=year)
        return document_issue(
            kind=KIND,
            unit=unit,
            number=f"中区{unit.short_name}测字〔{year}〕第{n}号",
            n=n,
            year=year,
            addressee=addressee,
            target=unit,
            actor=actor,
        )


# ------------------------------------------------------------------------------------ fonts and text


def test_it_renders_extractable_chinese_in_embedded_cjk_fonts_without_missing_glyphs(caplog):
    caplog.set_level(logging.WARNING)
    pdf = render_pdf("documents/specimen.html", SPECIMEN)

    assert pdf.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    # The text comes back exactly as given, in order: every character has its glyph and its Unicode mapping.
    expected = [
        SPECIMEN["issuer"],
        SPECIMEN["title"],
        SPECIMEN["number"],
        SPECIMEN["addressee"] + "：",
        *SPECIMEN["paragraphs"],
        SPECIMEN["issuer"],
        SPECIMEN["date"],
    ]
    assert squeeze(pdf_text(pdf)) == squeeze("".join(expected))
    # 仿宋 for the body, Noto Serif CJK SC Bold for the title, every one embedded (subset), none generic.
    fonts = pdf_fonts(pdf)
    assert "FandolFang" in fonts, f"FandolFang 未嵌入（请运行 make system-deps 安装仿宋字体）：{fonts}"
    assert "Noto-Serif-CJK-SC-Bold" in fonts
    assert all(fonts.values()), fonts
    assert not [r for r in caplog.records if ".notdef" in r.getMessage()]


def test_it_reports_a_character_no_font_has(template_dir, caplog):
    """The check above would see tofu: a private-use character has no glyph in any font, and is logged."""
    (template_dir / "documents" / "tofu.html").write_text(
        '{% extends "documents/base_pdf.html" %}{% block content %}<p class="fang">私用\ue000区</p>{% endblock %}'
    )
    caplog.set_level(logging.WARNING)
    pdf = render_pdf("documents/tofu.html", {})
    assert squeeze(pdf_text(pdf)) != "私用\ue000区"
    assert any(
        r.name == "common.documents" and r.levelno == logging.ERROR and "glyph" in r.getMessage()
        for r in caplog.records
    )


# --------------------------------------------------------------------------------------------- fetcher


def test_it_fetches_data_uris_and_the_apps_own_static_files():
    fetcher = documents.document_url_fetcher()
    assert isinstance(fetcher, URLFetcher)  # WeasyPrint 70 takes only URLFetcher subclasses
    css = fetcher.fetch("https://documents.invalid/static/css/pdf.css")
    assert css.content_type == "text/css" and b"@page" in css.read()
    assert fetcher.fetch("data:text/plain;base64,5Lit5paH").read() == "中文".encode()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/style.css",
        "https://example.com/static/css/pdf.css",  # the app's path on another host
        "file:///etc/passwd",
        "file:///work/main/static/css/pdf.css",  # even the app's own file, named as a file path
        "ftp://example.com/a.css",
        "https://documents.invalid/etc/passwd",
        "https://documents.invalid/static/../../../etc/passwd",
        "https://documents.invalid/static/%2e%2e/%2e%2e/zhongzhan_wages/settings.py",
        "https://documents.invalid/static/css/..%2f..%2fmanage.py",
        "https://documents.invalid/static/%2Fetc%2Fpasswd",
        "https://documents.invalid/static/css/missing.css",
    ],
)
def test_it_refuses_everything_else(url, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError(f"the fetcher opened a connection for {url}")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    with pytest.raises(DocumentResourceRefused):
        documents.document_url_fetcher().fetch(url)


def test_it_resolves_only_static_paths_inside_the_apps_static_folders():
    found = static_file_for_url("https://documents.invalid/static/css/pdf.css")
    assert found is not None and found.name == "pdf.css"
    assert static_file_for_url("https://documents.invalid/static/../manage.py") is None


@pytest.mark.parametrize(
    "tag",
    [
        '<img src="file:///etc/passwd">',
        '<link rel="stylesheet" href="http://example.com/evil.css">',
        '<img src="https://documents.invalid/static/../../etc/passwd">',
    ],
)
def test_it_stops_a_rendering_that_asks_for_a_refused_resource(tag, template_dir):
    (template_dir / "documents" / "evil.html").write_text(
        '{% extends "documents/base_pdf.html" %}{% block style %}' + tag + "{% endblock %}"
        "{% block content %}<p>正文</p>{% endblock %}"
    )
    with pytest.raises(DocumentError):
        render_pdf("documents/evil.html", {})


# ------------------------------------------------------------------------------------------- numbering


@pytest.mark.django_db
def test_it_numbers_per_unit_kind_and_year_and_restarts_at_1_in_a_new_year(units):
    hrss, zhujian = units["区人力资源社会保障局"], units["区住房城乡建设局"]

    def number(unit, kind=KIND, year=2026):
        with transaction.atomic():
            return next_document_number(unit=unit, kind=kind, year=year)

    assert [number(hrss) for _ in range(3)] == [1, 2, 3]
    assert number(zhujian) == 1  # another unit has its own sequence
    assert number(hrss, kind="tests.other") == 1  # so has another kind
    assert number(hrss, year=2027) == 1  # a new year starts again
    assert number(hrss) == 4
    assert DocumentSequence.objects.get(unit=hrss, kind=KIND, year=2026).last_number == 4


@pytest.mark.django_db
def test_a_rolled_back_issue_gives_its_number_back(units):
    hrss = units["区人力资源社会保障局"]
    issue(hrss)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert next_document_number(unit=hrss, kind=KIND, year=2026) == 2
        raise RuntimeError("the issuing service failed after taking the number")
    assert issue(hrss).sequence_number == 2  # no gap


@pytest.mark.django_db(transaction=True)  # outside any transaction, as a careless caller
def test_it_takes_a_number_only_inside_the_issuing_transaction(units):
    with pytest.raises(RuntimeError, match="transaction"):
        next_document_number(unit=units["区人力资源社会保障局"], kind=KIND, year=2026)


@pytest.mark.django_db
def test_the_unique_constraints_refuse_a_number_twice(units):
    hrss = units["区人力资源社会保障局"]
    first = issue(hrss)
    for duplicate in (
        {"number": first.number, "sequence_number": 99},  # the same number text
        {"number": "另一个文号", "sequence_number": first.sequence_number},  # the same n of that sequence
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            IssuedDocument.objects.create(
                kind=KIND,
                unit=hrss,
                year=2026,
                addressee="某公司",
                content_type=first.content_type,
                object_id=hrss.pk,
                issued_at=first.issued_at,
                verify_code=f"X{duplicate['sequence_number']:09d}",
                **duplicate,
            )


# ---------------------------------------------------------------------------------- issue and storage


@pytest.mark.django_db
def test_it_renders_once_after_commit_and_stores_the_pdf_privately(
    units, dispatcher, settings, run_on_commit
):
    hrss = units["区人力资源社会保障局"]
    with run_on_commit() as callbacks:
        document = issue(hrss, actor=dispatcher)
        version = DocumentVersion.objects.get(document=document)
        assert not version.is_rendered and RENDERS == []  # nothing rendered before the commit
    assert len(callbacks) == 1

    version.refresh_from_db()
    assert [document.pk] == RENDERS
    assert version.version == 1 and version.reason == "签发" and version.rendered_by == dispatcher
    assert version.rendered_at is not None and len(version.sha256) == 64
    path = settings.DOCUMENT_FILES_ROOT / version.file
    assert path.is_file() and path.stat().st_mode & 0o777 == 0o600 and path.stat().st_size == version.size
    assert str(settings.MEDIA_ROOT) not in str(path) and str(settings.STATIC_ROOT) not in str(path)

    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", document.verify_code)
    entry = ActionLog.objects.get(action="document.issued")
    assert entry.actor == dispatcher and entry.object_id == str(document.pk)
    assert entry.data == {"kind": KIND, "number": document.number}
    # The PDF carries the issued facts and its verification box.
    text = squeeze(pdf_text(document_pdf_bytes(document)))
    assert squeeze(document.number) in text and "扫码核验真伪" in text
    assert documents.display_verify_code(document.verify_code) in text


@pytest.mark.django_db(transaction=True)  # outside any transaction, as a careless caller
def test_it_issues_only_inside_a_transaction_and_only_a_registered_kind(units):
    hrss = units["区人力资源社会保障局"]
    fields = {"unit": hrss, "number": "x", "n": 1, "year": 2026, "addressee": "某公司", "target": hrss}
    with pytest.raises(RuntimeError):
        document_issue(kind=KIND, actor=None, **fields)
    with pytest.raises(ValueError), transaction.atomic():
        document_issue(kind="tests.unregistered", actor=None, **fields)


@pytest.mark.django_db
def test_every_download_returns_the_same_bytes_even_after_the_template_changed(
    units, template_dir, settings, run_on_commit
):
    hrss = units["区人力资源社会保障局"]
    with run_on_commit():
        document = issue(hrss)
    first = document_pdf_bytes(document)
    stored_sha = DocumentVersion.objects.get(document=document).sha256

    # Someone edits the letter's template: a fresh rendering now differs …
    original = (documents.settings.BASE_DIR / "templates/documents/specimen.html").read_text()
    (template_dir / "documents" / "specimen.html").write_text(
        original.replace("{{ title }}</h1>", "改过的标题</h1>")
    )
    settings.TEMPLATES = [dict(settings.TEMPLATES[0])]  # a deploy: the cached templates are read again
    template_name, context = specimen_render(document)
    assert "改过的标题" in pdf_text(render_pdf(template_name, {**context, "verify": None}))
    # … but the issued document is what was issued.
    again = document_pdf_bytes(IssuedDocument.objects.get(pk=document.pk))
    assert again == first
    assert documents.hashlib.sha256(again).hexdigest() == stored_sha
    assert RENDERS.count(document.pk) == 2  # the issue, and the test's own fresh rendering; no re-render


@pytest.mark.django_db
def test_a_download_before_the_worker_renders_once_and_then_serves_those_bytes(
    units, django_capture_on_commit_callbacks
):
    hrss = units["区人力资源社会保障局"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the worker is slow
        document = issue(hrss)
    first = document_pdf_bytes(document)
    assert [document.pk] == RENDERS
    for callback in callbacks:  # the task arrives at last: finds it rendered, renders nothing
        callback()
    assert document_pdf_bytes(document) == first
    assert [document.pk] == RENDERS


@pytest.mark.django_db
def test_it_refuses_to_serve_a_stored_file_that_was_altered(units, settings, run_on_commit):
    with run_on_commit():
        document = issue(units["区人力资源社会保障局"])
    version = DocumentVersion.objects.get(document=document)
    path = settings.DOCUMENT_FILES_ROOT / version.file
    path.write_bytes(path.read_bytes() + b"%tampered\n")  # still opens as a PDF
    with pytest.raises(DocumentError, match="校验失败"):
        document_pdf_bytes(document)
    path.unlink()
    with pytest.raises(DocumentError, match="缺失"):
        document_pdf_bytes(document)


@pytest.mark.django_db
def test_the_response_is_the_stored_pdf_as_an_attachment(units, run_on_commit):
    with run_on_commit():
        document = issue(units["区人力资源社会保障局"])
    response = document_response(document, filename="测试函件.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert (
        "attachment" in response["Content-Disposition"]
        and "filename*=utf-8''" in response["Content-Disposition"]
    )
    assert b"".join(response.streaming_content) == document_pdf_bytes(document)
    assert "inline" in document_response(document, filename="a.pdf", inline=True)["Content-Disposition"]


@pytest.mark.django_db
def test_a_rerender_is_a_new_version_with_its_reason_in_the_action_log(
    units, admin_user, settings, run_on_commit
):
    hrss = units["区人力资源社会保障局"]
    with run_on_commit():
        document = issue(hrss)
    v1 = DocumentVersion.objects.get(document=document, version=1)
    first = document_pdf_bytes(document)

    with pytest.raises(ValidationError) as e:
        document_rerender(document=document, actor=admin_user, reason="  ")
    assert e.value.message_dict == {"reason": ["请填写重新生成的原因"]}
    assert IssuedDocument.objects.get(pk=document.pk).current_version == 1

    hrss.name = "焦作市中站区人力资源和社会保障局（更名后）"  # what the new version will print
    hrss.save()
    v2 = document_rerender(document=document, actor=admin_user, reason="单位更名，重新生成")

    document.refresh_from_db()
    assert (document.current_version, v2.version, v2.reason, v2.rendered_by) == (
        2,
        2,
        "单位更名，重新生成",
        admin_user,
    )
    second = document_pdf_bytes(document)
    assert second != first and "更名后" in pdf_text(second)
    # The first version is kept as it was.
    v1.refresh_from_db()
    assert (settings.DOCUMENT_FILES_ROOT / v1.file).read_bytes() == first
    entry = ActionLog.objects.get(action="document.rerendered")
    assert entry.actor == admin_user and entry.note == "单位更名，重新生成"
    assert entry.data == {"version": 2, "sha256": v2.sha256}


@pytest.mark.django_db
def test_the_owning_app_sets_only_a_registered_status(units, dispatcher):
    document = issue(units["区人力资源社会保障局"])
    with transaction.atomic():
        document_set_status(document=document, status="received", actor=dispatcher)
    assert documents.document_status_label(document) == "已签收"
    assert ActionLog.objects.get(action="document.status_changed").data == {
        "from": "issued",
        "to": "received",
    }
    with pytest.raises(ValueError), transaction.atomic():
        document_set_status(document=document, status="made_up")


# ------------------------------------------------------------------------------------ verification page


@pytest.fixture
def anonymous():
    return Client(HTTP_HOST="127.0.0.1")


@pytest.mark.django_db
def test_the_verify_page_shows_the_issued_facts_without_login(
    units, dispatcher, anonymous, run_on_commit, time_machine
):
    time_machine.move_to(at(2026, 12, 1, 16, 28), tick=False)
    dispatcher.full_name = "张三丰"
    dispatcher.save()
    with run_on_commit():
        document = issue(units["区人力资源社会保障局"], actor=dispatcher)
    sha = DocumentVersion.objects.get(document=document).sha256

    response = anonymous.get(reverse("common:document_verify", args=[document.verify_code]))
    assert response.status_code == 200
    page = unescape(response.content.decode())
    for fact in (
        "该文书真实有效",
        "测试函件",
        document.number,
        "区人力资源社会保障局",
        "河南省中站建设工程有限公司",
        "2026-12-01",
        "已签发",
        sha,
    ):
        assert fact in page, fact
    assert "张三丰" not in page and dispatcher.username not in page  # no personal data
    assert response["X-Robots-Tag"].startswith("noindex") and "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_verify_page_accepts_the_code_as_printed_or_typed(units, anonymous):
    document = issue(units["区人力资源社会保障局"])
    typed = documents.display_verify_code(document.verify_code).lower()  # "abcde-fghjk"
    response = anonymous.get(reverse("common:document_verify_lookup"), {"code": f" {typed} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("common:document_verify", args=[document.verify_code])
    assert anonymous.get(reverse("common:document_verify_lookup")).status_code == 200  # the form


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["7K3QMXP2DA", "ZZZZZZZZZZ", "abc", "../../etc", "'; DROP TABLE x;--"])
def test_a_forged_code_shows_nothing(units, anonymous, code):
    issue(units["区人力资源社会保障局"])  # a real document exists; the forged code must not reveal it
    response = anonymous.get(reverse("common:document_verify_lookup"), {"code": code})
    if response.status_code == 302:
        response = anonymous.get(response["Location"])
    assert response.status_code == 404
    page = response.content.decode()
    assert "未找到该文书，请核对编码或联系区人社局" in page
    assert "真实有效" not in page and "中区" not in page and "河南省" not in page


@pytest.mark.django_db
def test_a_void_document_is_not_called_valid(units, anonymous):
    document = issue(units["区人力资源社会保障局"])
    with transaction.atomic():
        document_set_status(document=document, status=documents.STATUS_VOID)
    page = anonymous.get(reverse("common:document_verify", args=[document.verify_code])).content.decode()
    assert "该文书已作废" in page and "真实有效" not in page


@pytest.mark.django_db
def test_the_verify_page_is_rate_limited_per_client_address(units, anonymous, time_machine):
    time_machine.move_to(at(2026, 12, 1, 9, 0), tick=False)
    url = reverse("common:document_verify", args=["7K3QMXP2DA"])
    for _ in range(30):
        assert anonymous.get(url, REMOTE_ADDR="10.0.0.7").status_code == 404
    limited = anonymous.get(url, REMOTE_ADDR="10.0.0.7")
    assert limited.status_code == 429 and "请求过于频繁" in limited.content.decode()
    assert limited["Retry-After"] == "60"
    assert anonymous.get(url, REMOTE_ADDR="10.0.0.8").status_code == 404  # another address is not limited
    time_machine.move_to(at(2026, 12, 1, 9, 1), tick=False)
    assert anonymous.get(url, REMOTE_ADDR="10.0.0.7").status_code == 404  # the next minute


# ---------------------------------------------------------------------------------------------- batch


@pytest.mark.django_db
def test_it_merges_the_stored_pdfs_into_one(units, run_on_commit):
    hrss = units["区人力资源社会保障局"]
    with run_on_commit():
        docs = [issue(hrss) for _ in range(3)]
    steps = []
    merged = documents_merge_pdf(docs, progress=lambda done, total: steps.append((done, total)))
    reader = PdfReader(io.BytesIO(merged))
    assert len(reader.pages) == 3
    assert [squeeze(p.extract_text()).count(d.number) for p, d in zip(reader.pages, docs, strict=True)] == [
        1,
        1,
        1,
    ]
    assert steps == [(1, 3), (2, 3), (3, 3)]


@pytest.mark.django_db
def test_the_print_job_merges_what_its_user_may_see_and_refuses_the_rest(
    units, dispatcher, zhujian, run_on_commit
):
    hrss = units["区人力资源社会保障局"]
    with run_on_commit():
        docs = [issue(hrss) for _ in range(2)]
    with run_on_commit():
        job = documents_print_start(user=dispatcher, documents=docs, filename="测试函件合并打印.pdf")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result_name == "测试函件合并打印.pdf"
    from common.jobs import job_result_path

    assert len(PdfReader(job_result_path(job)).pages) == 2

    # A clerk of another unit: the whole job is refused, nothing is produced.
    with run_on_commit():
        refused = documents_print_start(user=zhujian, documents=docs, filename="x.pdf")
    refused = Job.objects.get(pk=refused.pk)
    assert refused.status == JobStatus.FAILED and "无权查看" in refused.message and not refused.result_file


def test_templates_get_a_qr_code_as_an_svg_data_uri():
    from urllib.parse import unquote

    from django.template import Context, Template

    uri = Template("{% load documents %}{{ url|qr_svg_data_uri }}").render(
        Context({"url": "https://zhongzhan-wages.example.gov.cn/verify/7K3QMXP2DA/"})
    )
    assert uri.startswith("data:image/svg+xml") and "<svg" in unquote(uri)
