"""Signals common sends to the apps above it (common ← projects ← …), so common never imports them."""

from django.dispatch import Signal

# Sent inside the transaction that changed the working-day calendar (common.services), with
#   dates: list[datetime.date] — every date whose working-day status may have changed,
#   user:  the admin who changed it.
# Receivers recompute what they stored from the calendar (P1: projects' push deadlines) and return how
# many records they changed; the services add the returns up for the admin's message.
calendar_changed = Signal()
