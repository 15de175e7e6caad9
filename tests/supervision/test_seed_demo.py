"""Demo data (issue 5 B10): what `make run` shows first reads in the order it happened."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from common.audit import timeline
from common.models import ActionLog
from projects.models import Enterprise, Project
from tests.helpers import at


@pytest.fixture
def seeded(time_machine):
    time_machine.move_to(at(2026, 11, 18, 8, 15), tick=False)  # before the demo's 10:30 pushes of "today"
    call_command("seed_demo", stdout=io.StringIO())
    return Project.objects.select_related("unit").all()


@pytest.mark.django_db
def test_a_pushed_demo_project_was_registered_before_it_was_pushed(seeded):
    pushed = [p for p in seeded if p.is_pushed]
    assert len(pushed) >= 4
    for p in pushed:
        assert p.created_at <= p.pushed_at, p.name
        # Registered on its trigger day, not "now".
        assert timezone.localdate(p.created_at) == p.trigger_date, p.name


@pytest.mark.django_db
def test_no_demo_timestamp_lies_in_the_future(seeded):
    now = timezone.now()
    assert all(p.created_at <= now and (p.pushed_at is None or p.pushed_at <= now) for p in seeded)
    assert not ActionLog.objects.filter(created_at__gt=now).exists()
    assert not Enterprise.objects.filter(created_at__gt=now).exists()


@pytest.mark.django_db
def test_the_demo_timeline_reads_in_order(seeded):
    for p in seeded:
        entries = list(reversed(timeline(p)))  # oldest first
        assert entries[0]["code"] == "project.created"
        assert entries[0]["when"] == p.created_at
        codes = [e["code"] for e in entries]
        if p.is_pushed:
            # Then the supervision records of issue 9 (五制, inspections…), never another project change.
            assert codes[:2] == ["project.created", "project.pushed"], codes
            assert entries[1]["when"] == p.pushed_at
            assert not any(c.startswith("project.") for c in codes[2:]), codes
            assert all(e["when"] >= p.pushed_at for e in entries[2:]), p.name
        assert all(not e["changes"] or e["code"].startswith("project.") for e in entries)


@pytest.mark.django_db
def test_a_demo_enterprise_was_registered_no_later_than_its_first_project(seeded):
    for enterprise in Enterprise.objects.all():
        projects = seeded.filter(contractor=enterprise) | seeded.filter(owner=enterprise)
        if not projects:  # an employer known from a clue or the blacklist only
            continue
        first = min(p.created_at for p in projects)
        assert enterprise.created_at <= first, enterprise.name
