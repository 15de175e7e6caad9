"""The admin's history pages (django-simple-history) written like the record's own 操作记录 (issue 5 B11).

simple-history prints raw values in its diffs — `False → True`, `draft → pushed`, `None → 2026-11-23
02:30:00+00:00` (UTC), `Deleted 用户 (pk=None)` for an empty link — and the bare action code
(`project.pushed`) as 修改原因. Every admin with a history subclasses this `SimpleHistoryAdmin` instead of the
package's: values go through `common.audit`'s display (choice labels, 是/否, local times, money) and the reason
through the registered action labels.
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin as _PackageHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from common.audit import _display, action_label

__all__ = ["SimpleHistoryAdmin", "history_value"]


def history_value(field: models.Field, value) -> str:
    """One old or new value of a diff, as the record's page writes it."""
    if isinstance(value, DeletedObject):
        return "（空）" if value.pk is None else f"（已删除，编号{value.pk}）"
    if isinstance(value, models.Model):
        return str(value)
    return _display(field, value, {})


class _ChineseContextHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(field, models.ManyToManyField):
            return super().prepare_delta_change_value(change, value)
        return history_value(field, value)


class SimpleHistoryAdmin(_PackageHistoryAdmin):
    def history_view(self, request, object_id, extra_context=None):
        # The package filters by the raw id: "/admin/…/1/change/history/" (a mistyped URL) was a 500.
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404("记录不存在") from None
        return super().history_view(request, object_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return _ChineseContextHelper(self.model, historical_record)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        for record in historical_records:
            # templates/simple_history/object_history_list.html shows this as 修改原因.
            record.reason_label = action_label(record.history_change_reason)
