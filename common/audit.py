"""The action log: who did what to which record, when, and why — one mechanism for every app (pretix LogEntry).

    log_action(project, action="project.pushed", actor=user, note="…", data={…})

is called by a service inside its transaction, right after it saved the record. Each app registers the
Chinese labels of its dotted codes in its AppConfig.ready (`register_actions`); common holds no app's words.
django-simple-history still keeps the field diffs: the diff row written by the same save is linked to the
entry (`ActionLog.history_id`) and stamped with the actor and the code, so the admin's history pages agree.
`timeline(obj)` reads both for a record's page (templates/includes/timeline.html).
"""

import threading
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from simple_history.signals import post_create_historical_record

from common.formats import format_date, format_datetime, format_money
from common.models import ActionLog

_LABELS: dict[str, str] = {
    # simple-history's own types, for diffs no service logged (old rows, the admin's own edits).
    "+": "新建",
    "~": "修改",
    "-": "删除",
}


def register_actions(labels: dict[str, str]) -> None:
    """An app's Chinese labels for its action codes: `{"project.pushed": "推送至人社局"}`."""
    _LABELS.update(labels)


def action_label(code: str | None) -> str:
    return _LABELS.get(code or "", code or "")


# The diff row each save wrote in this thread, waiting for the service's log_action: thread-local, and
# forgotten when the transaction commits (a save that logged nothing must not lend its diff to a later entry).
_pending = threading.local()


def _pending_rows() -> dict:
    if not hasattr(_pending, "rows"):
        _pending.rows = {}
    return _pending.rows


def _remember_history_row(sender, instance, history_instance, **kwargs) -> None:
    key = (type(instance)._meta.label, str(instance.pk))
    rows = _pending_rows()
    rows[key] = (type(history_instance), history_instance.pk)
    transaction.on_commit(lambda: rows.pop(key, None))


post_create_historical_record.connect(_remember_history_row, dispatch_uid="common.audit.remember_history_row")


def log_action(
    obj: models.Model, *, action: str, actor=None, note: str = "", data: dict | None = None
) -> ActionLog:
    """Record `action` on `obj` by `actor` (None: the system, e.g. a scheduled job). Inside the transaction
    that made the change, so the entry exists exactly when the change does."""
    if not connection.in_atomic_block:
        raise RuntimeError("log_action must be called inside the service's transaction.atomic()")
    if action not in _LABELS:
        raise ValueError(f"action code {action!r} has no label: register it in the app's AppConfig.ready")
    pending = _pending_rows().pop((type(obj)._meta.label, str(obj.pk)), None)
    history_id = None
    if pending is not None:
        history_model, history_id = pending
        history_model.objects.filter(pk=history_id).update(
            history_user_id=getattr(actor, "pk", None), history_change_reason=action
        )
    return ActionLog.objects.create(
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        note=note,
        data=data or {},
        history_id=history_id,
    )


def log_actions(entries: list[tuple[models.Model, str, str, dict]], *, actor=None) -> None:
    """Many action-log entries at once — (obj, action, note, data) each — for batch work such as the deadline
    sweeps, which change no history-tracked fields. Same rules as log_action: inside the transaction, registered
    codes only."""
    if not connection.in_atomic_block:
        raise RuntimeError("log_actions must be called inside the service's transaction.atomic()")
    for _obj, action, _note, _data in entries:
        if action not in _LABELS:
            raise ValueError(f"action code {action!r} has no label: register it in the app's AppConfig.ready")
    ActionLog.objects.bulk_create(
        ActionLog(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            action=action,
            actor=actor if getattr(actor, "pk", None) else None,
            note=note,
            data=data or {},
        )
        for obj, action, note, data in entries
    )


def _display(field: models.Field, value, fk_names: dict) -> str:
    if value in (None, ""):
        return "（空）"
    if isinstance(field, models.ForeignKey):
        return fk_names.get((field.related_model, value), str(value))
    if field.choices:
        return dict(field.flatchoices).get(value, str(value))
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    if isinstance(field, models.DecimalField):
        # Two places: money (万元 or 元), written as everywhere else; other decimals (ratios) without noise.
        return format_money(value) if field.decimal_places == 2 else f"{value.normalize():f}"
    if isinstance(field, models.DateTimeField):
        return format_datetime(value)
    if isinstance(field, models.DateField):
        return format_date(value)
    return str(value)


def _diffs(instance, limit: int, masked_fields: Iterable[str], mask) -> tuple[dict[int, list], list]:
    """({history_id: [(field label, old, new)]}, the rows) for the newest `limit` diff rows of `instance`."""
    if not hasattr(type(instance), "history"):
        return {}, []
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    model = type(instance)
    fields = {
        f.attname: f for f in model._meta.concrete_fields if f.name not in {"id", "updated_at", "created_at"}
    }
    wanted: dict[type, set] = {}
    for record in records:
        for attname, field in fields.items():
            if isinstance(field, models.ForeignKey) and getattr(record, attname, None) is not None:
                wanted.setdefault(field.related_model, set()).add(getattr(record, attname))
    fk_names = {
        (related, pk): str(obj)
        for related, pks in wanted.items()
        for pk, obj in related._default_manager.in_bulk(pks).items()
    }
    masked_fields = set(masked_fields)
    diffs = {}
    for newer, older in zip(records[:limit], records[1 : limit + 1] + [None], strict=False):
        changes = []
        for attname, field in fields.items():
            new = getattr(newer, attname, None)
            old = getattr(older, attname, None) if older is not None else None
            if older is None and new in (None, "", False, 0):
                continue
            if older is not None and old == new:
                continue
            if attname in masked_fields:
                old, new = mask(old), mask(new)
            changes.append(
                (
                    field.verbose_name,
                    _display(field, old, fk_names) if older else "",
                    _display(field, new, fk_names),
                )
            )
        diffs[newer.history_id] = changes
    return diffs, records[:limit]


def timeline(
    obj: models.Model, *, limit: int = 50, masked_fields: Iterable[str] = (), mask=None
) -> list[dict]:
    """A record's timeline, newest first: each entry has `when`, `who` (a user or None for 系统), `action`
    (the Chinese label), `code`, `note`, `data` and `changes` — the field diffs as (label, old, new), with
    `masked_fields` (personal data the viewer may not see whole) passed through `mask`.

    Entries come from the action log; a diff row no service logged (older rows, the admin's own edits)
    shows as its own entry. Query count is constant: logs, diff rows, their users, one per FK model.
    """
    if mask is None:
        from common.masking import mask_phone as mask
    ct = ContentType.objects.get_for_model(obj)
    logs = list(
        ActionLog.objects.filter(content_type=ct, object_id=str(obj.pk))
        .select_related("actor")
        .order_by("-created_at", "-id")[:limit]
    )
    diffs, records = _diffs(obj, limit, masked_fields, mask)
    linked = {log.history_id for log in logs if log.history_id is not None}
    entries = [
        {
            "when": log.created_at,
            "who": log.actor,
            "code": log.action,
            "action": action_label(log.action),
            "note": log.note,
            "data": log.data,
            "changes": diffs.get(log.history_id, []),
        }
        for log in logs
    ]
    for record in records:
        if record.history_id in linked:
            continue
        code = record.history_change_reason or record.history_type
        entries.append(
            {
                "when": record.history_date,
                "who": record.history_user,
                "code": code,
                "action": action_label(code),
                "note": "",
                "data": {},
                "changes": diffs.get(record.history_id, []),
            }
        )
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:limit]
