"""The C3 letters as printed documents: 提醒函 and 通报 (common.documents kinds, registered in clues/apps.py).

Both are 函 of 区人社局 and share one number sequence (中区人社函〔2026〕12号); the layout is GB/T 9704-2012
(templates/documents/official_letter.html). What a letter says is fixed when the sweep writes it
(Letter.facts), so a re-render prints the same letter even after the clue moved on.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from common.formats import format_money, format_official_date
from common.models import IssuedDocument

from .models import Clue, LetterKind

LETTER_TEMPLATE = "clues/letter_pdf.html"
LETTER_SEQUENCE = "clues.letter"  # one 函 sequence for both kinds (common.documents.next_document_number)
DOCUMENT_KINDS = {LetterKind.REMINDER: "clues.reminder", LetterKind.ESCALATION: "clues.escalation"}
AUTHORITY = "中站区人力资源和社会保障局"
CONTACT = "区人社局劳动保障监察大队 联系电话：2958033"
LEADERS = "区政府主要领导"
TITLES = {
    LetterKind.REMINDER: "关于督促办理欠薪问题线索的提醒函",
    LetterKind.ESCALATION: "关于欠薪问题线索逾期无进展情况的通报",
}


def letter_number(*, year: int, n: int) -> str:
    """发文字号 per GB/T 9704: the full year in 〔〕, no 第, no leading zeros."""
    return f"中区人社函〔{year}〕{n}号"


def cn_datetime(value: dt.datetime) -> str:
    local = timezone.localtime(value)
    return f"{format_official_date(local.date())}{local.hour}时{local.minute:02d}分"


def steps_missed(clue: Clue, now: dt.datetime) -> list[str]:
    """The C3 steps whose time has passed unmet, in words (the 通报 lists them for the leaders)."""
    from . import ladder

    words = {
        "dispatch": "未在{d}内交办到具体单位和责任人",
        "feedback": "责任单位未在{d}内签收反馈",
        "reminder": "发出提醒函时仍未明确承办单位和人员",
        "escalation": "{d}内无办理进展",
    }
    days = {
        "dispatch": "C3.dispatch_days",
        "feedback": "C3.feedback_days",
        "reminder": "C3.reminder_days",
        "escalation": "C3.escalation_days",
    }
    from common.policy import policy_parameter

    missed = []
    for step in ladder.ladder_steps(clue):
        if step.due_at <= now and (step.done_at is None or step.done_at > step.due_at):
            value, kind = policy_parameter(days[step.code])
            missed.append(
                words[step.code].format(d=f"{value}{'个工作日' if kind == 'working_days' else '日'}")
            )
    return missed


def letter_facts(
    clue: Clue, *, kind: str, number: str, addressee: str, copy_to: str, now: dt.datetime
) -> dict:
    """What the letter says, as it stood at `now`. No complainant data: a letter travels to other units."""
    from . import ladder

    local_now = timezone.localtime(now)
    days = (local_now.date() - timezone.localtime(clue.received_at).date()).days
    reply_by = ladder.due_after(now, "C3.dispatch_days")
    return {
        "kind": kind,
        "authority": AUTHORITY,
        "number": number,
        "title": TITLES[kind],
        "addressee": addressee,
        "copy_to": copy_to,
        "clue_number": clue.number,
        "received": cn_datetime(clue.received_at),
        "channel": clue.get_channel_display(),
        "employer_name": clue.employer_name,
        "project_name": clue.project.name if clue.project_id else "",
        "street_name": clue.street.name,
        "workers_affected": clue.workers_affected,
        "amount_owed": format_money(clue.amount_owed),
        "days_since_receipt": days,
        "responsible_unit": clue.responsible_unit.name if clue.responsible_unit_id else "",
        "responsible_person": clue.responsible_person,
        "status": clue.get_status_display(),
        "steps_missed": steps_missed(clue, now),
        "reply_by": format_official_date(timezone.localtime(reply_by).date()),
        "date": format_official_date(local_now.date()),
        "contact": CONTACT,
    }


def letter_render(document: IssuedDocument) -> tuple[str, dict]:
    from .models import Letter

    letter = Letter.objects.get(document=document)
    return LETTER_TEMPLATE, {"letter": letter, "facts": letter.facts}
