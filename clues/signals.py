"""Sent after a clue's dispatch or reassignment commits, so the inbox (issue 6) can tell the unit without clues
importing it. Receivers get primary keys only."""

from django.dispatch import Signal

clue_dispatched = Signal()  # kwargs: clue_id, unit_id
