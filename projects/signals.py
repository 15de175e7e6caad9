"""Signals projects sends to the apps above it (common ← projects ← deposits): projects may not import them.

`project_pushed(sender=Project, project=…, user=…)` is sent inside project_push's transaction, right after the
push is saved and logged; deposits connects `notice_issue` to it (P4), so the notice is issued — or the push
rolls back — in that same transaction."""

from django.dispatch import Signal

project_pushed = Signal()
