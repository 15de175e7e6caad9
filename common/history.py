"""Readable audit trails from django-simple-history: who, when, what changed — shown on each record's page."""

from django.db import models

from common.masking import mask_phone

ACTION_LABELS = {
    "project.created": "登记项目",
    "project.updated": "修改项目",
    "project.pushed": "推送至人社局",
    "project.imported": "台账导入",
    "project.deadline_recomputed": "工作日历调整，重新计算推送截止日期",
    "+": "新建",
    "~": "修改",
    "-": "删除",
}


def _display(field: models.Field, value, fk_names: dict) -> str:
    if value in (None, ""):
        return "（空）"
    if isinstance(field, models.ForeignKey):
        return fk_names.get((field.related_model, value), str(value))
    if field.choices:
        return dict(field.flatchoices).get(value, str(value))
    if isinstance(field, models.BooleanField):
        return "是" if value else "否"
    if isinstance(field, models.DateTimeField):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def history_entries(instance, limit: int = 50, masked_fields=()) -> list[dict]:
    """Newest first: each entry has when, who, action label and a list of (field label, old, new).

    `masked_fields` holds personal data the viewer may not see whole (common.masking): shown masked.
    """
    records = list(
        instance.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    model = type(instance)
    tracked = [f for f in model._meta.concrete_fields if f.name not in {"id", "updated_at"}]
    fields = {f.attname: f for f in tracked}

    # Resolve every foreign key shown in the trail with one query per related model.
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

    entries = []
    for newer, older in zip(records, records[1:] + [None], strict=False):
        if len(entries) == limit:
            break
        changes = []
        for attname, field in fields.items():
            new = getattr(newer, attname, None)
            old = getattr(older, attname, None) if older is not None else None
            if older is None and new in (None, "", False, 0):
                continue
            if attname in masked_fields:
                old, new = mask_phone(old), mask_phone(new)
            if older is None or old != new:
                changes.append(
                    (
                        field.verbose_name,
                        _display(field, old, fk_names) if older else "",
                        _display(field, new, fk_names),
                    )
                )
        reason = newer.history_change_reason or newer.history_type
        entries.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "action": ACTION_LABELS.get(reason, reason),
                "changes": changes,
            }
        )
    return entries
