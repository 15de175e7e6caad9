"""D2: the 附件2 notice PDF reads like the paper form, embeds its CJK fonts, and is the same bytes every time."""

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from common.documents import document_pdf_bytes
from tests.deposits.notice_helpers import notice_of, pushed_project

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def pdf_fonts(pdf: bytes) -> dict[str, bool]:
    """{font name without subset prefix: embedded?} (Type0 fonts: the descendant's descriptor)."""
    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            owner = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = owner["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"]).split("+", 1)[-1]] = any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    return fonts


@pytest.fixture
def notice(zhujian, units):
    return notice_of(pushed_project(zhujian, units, name="中站区府城路改造工程"))


def test_it_prints_the_paper_forms_wording_d2(notice, caplog):
    pdf = document_pdf_bytes(notice.document)
    text = pdf_text(pdf)

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1  # one page, like the paper form
    for expected in (
        "焦作市中站区住房城乡建设局",
        "农民工工资保证金缴纳通知书",
        "中区住建农保通字〔2026〕第1号",
        f"{notice.contractor.name}：",
        "你单位施工的中站区府城路改造工程项目，尚未缴纳农民工工资保证金",
        "《河南省工程建设领域农民工工资保证金实施办法》",
        "务必于15日内（2026年9月18日前）到中站区人力资源社会保障局办理农民工工资保证金业务",
        "《保障农民工工资支付条例》第五十五条",
        "5万元以上10万元以下",
        "信用中国",
        "办理保证金业务联系电话：2958033",
        "办理地址：中站区劳动保障维权中心",
        "盖章",
        "2026年9月3日",
        "本通知书已于年月日时分收到。",
        "签收人或盖章：",
        "职务：",
        "联系电话：",
        "备注：本通知书一式两份",
        "扫码核验真伪",
    ):
        assert expected in text, expected
    assert notice.document.verify_code[:5] in text


def test_it_embeds_a_cjk_font_and_misses_no_glyph(notice, caplog):
    pdf = document_pdf_bytes(notice.document)
    fonts = pdf_fonts(pdf)
    assert any("CJK" in name or "Fandol" in name for name in fonts), fonts
    assert all(fonts.values()), fonts  # every font embedded
    assert not [r for r in caplog.records if "glyph" in r.getMessage().lower()]


def test_it_serves_the_same_bytes_on_every_download(notice, zhujian):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(zhujian)
    url = reverse("deposits:notice_pdf", args=[notice.pk])
    first = client.get(url)
    second = client.get(url)
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    body = b"".join(first.streaming_content)
    assert body[:5] == b"%PDF-"
    assert body == b"".join(second.streaming_content)
    assert body == document_pdf_bytes(notice.document)
