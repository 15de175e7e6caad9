"""The 附件2 notice as a printed document (common.documents kind "deposits.notice", registered in apps.py)."""

from __future__ import annotations

from django.utils import timezone

from common.formats import format_official_date
from common.models import IssuedDocument

NOTICE_TEMPLATE = "deposits/notice_pdf.html"


def unit_header(name: str) -> str:
    """附件2's header 焦作市中站区xx局: 区住房城乡建设局 → 焦作市中站区住房城乡建设局, 李封街道办事处 →
    焦作市中站区李封街道办事处; a name already beginning with 焦作 stays as it is."""
    if name.startswith("焦作"):
        return name
    if name.startswith("中站区"):
        return f"焦作市{name}"
    if name.startswith("区"):
        return f"焦作市中站区{name[1:]}"
    return f"焦作市中站区{name}"


def notice_render(document: IssuedDocument) -> tuple[str, dict]:
    from deposits.models import Notice

    notice = Notice.objects.select_related("unit", "contractor", "project").get(document=document)
    issued_on = timezone.localdate(notice.issued_at)
    return NOTICE_TEMPLATE, {
        "notice": notice,
        "header": unit_header(notice.unit.name),
        "number": notice.number,
        "contractor": notice.contractor.name,
        "project_name": notice.project.name,
        "deadline_days": notice.deadline_days,
        "deadline": format_official_date(notice.deadline),
        "issued_on": format_official_date(issued_on),
    }
