"""Receivers of clue signals that tell people (common.notifications). Connected in clues.apps."""

import logging

from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse

from clues.models import Clue
from clues.signals import clue_dispatched
from common.formats import format_datetime, format_money
from common.notifications import notify, unit_recipients

logger = logging.getLogger(__name__)


@receiver(clue_dispatched, dispatch_uid="clues.receivers.clue_dispatched_notify")
def _on_clue_dispatched(sender, *, clue_id: int, unit_id: int, **kwargs) -> None:
    # Sent after the dispatch committed: a failure here must not turn the dispatcher's done request into an error
    # page (the clue is dispatched and on the unit's 待办 list either way).
    try:
        clue_dispatched_notify(clue_id=clue_id, unit_id=unit_id)
    except Exception:
        logger.exception("could not notify unit %s of the dispatch of clue %s", unit_id, clue_id)


@transaction.atomic
def clue_dispatched_notify(*, clue_id: int, unit_id: int) -> int:
    """C3 step 1: tell the unit's clerks that a clue was dispatched (or reassigned) to them. The event names the
    dispatch by its time, so a clue reassigned back to the same unit is a new entry, and a repeated signal is not.
    The complainant's personal data stays out of the text (it is e-mailed): the clue's page shows it."""
    clue = Clue.objects.select_related("responsible_unit").filter(pk=clue_id).first()
    if clue is None or clue.responsible_unit_id != unit_id or clue.dispatched_at is None:
        return 0  # overtaken by a later return or reassignment, which tells its own unit
    parts = [f"区人社局已将线索 {clue.number} 交办你单位"]
    if clue.responsible_person:
        parts[0] += f"，责任人：{clue.responsible_person}"
    parts.append(
        f"欠薪单位：{clue.employer_name}；涉及 {clue.workers_affected} 人，金额 {format_money(clue.amount_owed)} 元"
    )
    if clue.next_deadline_at:
        parts.append(f"请于 {format_datetime(clue.next_deadline_at)} 前签收并反馈（C3）")
    return notify(
        event=f"clues.dispatched:{clue_id}:{unit_id}:{int(clue.dispatched_at.timestamp())}",
        kind="clues.dispatched",
        recipients=unit_recipients(clue.responsible_unit),
        title=f"新交办线索 {clue.number}：{clue.employer_name}",
        body="。".join(parts) + "。",
        url=reverse("clues:clue_detail", args=[clue_id]),
    )
