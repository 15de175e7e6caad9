"""Builders for the notice tests (tests/deposits/test_notice*.py)."""

import time_machine

from deposits.models import Notice
from tests.factories import create_project
from tests.helpers import at


def pushed_project(user, units, *, serial: int = 1, when=None, **overrides):
    """A project of `user`'s unit, pushed at `when` (2026-09-03 10:00 unless told): its notice is issued."""
    with time_machine.travel(when or at(2026, 9, 3), tick=False):
        return create_project(
            user=user, street=units["李封街道办事处"], push=True, serial=serial, **overrides
        )


def notice_of(project) -> Notice:
    return Notice.objects.select_related("document", "unit", "contractor").get(project=project)
