"""The deadline sweep mechanism (common.sweeps): runs recorded, failures recorded, a stopped sweep visible on
the health page and to `sweep_status`, old runs cleaned but never a sweep's newest."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from common import sweeps
from common.models import SweepRun
from tests.helpers import at


@pytest.fixture
def toy_sweep(monkeypatch):
    calls = []

    def run(now):
        calls.append(now)
        return {"made": 2, "nothing": 0}

    monkeypatch.setitem(
        sweeps._SWEEPS,
        "tests.toy",
        sweeps.Sweep("tests.toy", "测试巡检", run, lambda now: 7, dt.timedelta(minutes=5), {"made": "生成"}),
    )
    return calls


@pytest.mark.django_db
def test_a_run_is_recorded_with_its_counts_and_waiting(toy_sweep):
    run = sweeps.sweep_run("tests.toy", now=at(2026, 12, 1, 9))
    assert toy_sweep == [at(2026, 12, 1, 9)]
    assert (run.ok, run.counts, run.waiting, run.as_of) == (True, {"made": 2}, 7, at(2026, 12, 1, 9))
    assert sweeps.counts_display(run) == "生成 2"


@pytest.mark.django_db
def test_a_failing_sweep_is_recorded_and_does_not_stop_the_others(monkeypatch, toy_sweep):
    def broken(now):
        raise RuntimeError("数据库不可用")

    monkeypatch.setitem(
        sweeps._SWEEPS,
        "tests.broken",
        sweeps.Sweep("tests.broken", "坏", broken, lambda now: 0, dt.timedelta(minutes=5)),
    )
    runs = sweeps.sweeps_run(names=["tests.broken", "tests.toy"])
    assert runs["tests.toy"].ok and not runs["tests.broken"].ok
    assert "数据库不可用" in runs["tests.broken"].error


@pytest.mark.django_db
def test_a_stopped_sweep_shows_on_the_health_page_and_fails_sweep_status(
    client, dispatcher, toy_sweep, time_machine
):
    time_machine.move_to(at(2026, 12, 1, 9), tick=False)
    sweeps.sweep_run("tests.toy")
    health = {h.sweep.name: h for h in sweeps.sweep_health()}
    assert health["tests.toy"].state == "正常"
    time_machine.move_to(at(2026, 12, 1, 9, 16), tick=False)  # 3 intervals and a minute without a run
    health = {h.sweep.name: h for h in sweeps.sweep_health()}
    assert health["tests.toy"].state == "已停止" and health["tests.toy"].waiting == 7
    client.force_login(dispatcher)
    page = client.get(reverse("supervision:sweep_status")).content.decode()
    assert "已停止" in page and "测试巡检" in page
    # The recent runs are named by their label; the internal name is only a tooltip (title="…").
    recent = page.split("最近30次运行", 1)[1]
    assert '<td title="后台名称 tests.toy">测试巡检</td>' in recent
    assert ">tests.toy<" not in page and "tests.toy，" not in page
    out = StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("sweep_status", "--json", stdout=out)
    assert exit_code.value.code == 1
    assert {r["name"]: r["state"] for r in json.loads(out.getvalue())}["tests.toy"] == "已停止"


@pytest.mark.django_db
def test_home_warns_hrss_and_leaders_of_a_stopped_sweep(client, leader, dispatcher, toy_sweep, time_machine):
    time_machine.move_to(at(2026, 12, 1, 9), tick=False)
    client.force_login(dispatcher)
    assert "从未运行" in client.get(reverse("home")).content.decode()
    client.force_login(leader)  # the leader's home is the dashboard
    page = client.get(reverse("home"), follow=True).content.decode()
    assert "“测试巡检”已停止或从未运行" in page


@pytest.mark.django_db
def test_sweep_alarms_in_one_query_and_quiet_when_all_run(toy_sweep, time_machine, django_assert_num_queries):
    time_machine.move_to(at(2026, 12, 1, 9), tick=False)
    for entry in sweeps.registered_sweeps():
        SweepRun.objects.create(
            name=entry.name, started_at=at(2026, 12, 1, 8, 58), as_of=at(2026, 12, 1, 8, 58), ok=True
        )
    with django_assert_num_queries(1):
        assert sweeps.sweep_alarms() == []
    # The toy sweep (every 5 min) last ran 20 minutes ago: 3 intervals missed; the others ran 2 minutes ago.
    SweepRun.objects.filter(name="tests.toy").update(started_at=at(2026, 12, 1, 8, 40))
    assert [(a.sweep.name, a.state) for a in sweeps.sweep_alarms()] == [("tests.toy", "已停止或从未运行")]


@pytest.mark.django_db
def test_health_page_is_not_for_clerks(client, zhujian):
    client.force_login(zhujian)
    assert client.get(reverse("supervision:sweep_status")).status_code == 403


@pytest.mark.django_db
def test_cleanup_keeps_a_month_and_each_sweeps_newest(toy_sweep):
    for day in (1, 2):
        sweeps.sweep_run("tests.toy", now=at(2026, 10, day))
    SweepRun.objects.update(started_at=at(2026, 10, 1))
    newest = SweepRun.objects.order_by("-started_at", "-id").first()
    assert sweeps.sweep_runs_cleanup(now=at(2026, 12, 1)) == 1
    assert list(SweepRun.objects.values_list("pk", flat=True)) == [newest.pk]


@pytest.mark.django_db
def test_sweep_claim_each_rechecks_each_row_when_it_claims_it():
    """A row that stops being due between the read of the due list and its claim (another writer handled it) is
    not handled again; the others are, each once, in the given order."""
    when = at(2026, 9, 15)
    rows = [SweepRun.objects.create(name=f"r{i}", started_at=when, as_of=when) for i in range(3)]
    seen = []

    def handle(row):
        seen.append(row.name)
        if row.name == "r0":  # meanwhile, someone else deals with r1
            SweepRun.objects.filter(pk=rows[1].pk).update(ok=True)
        SweepRun.objects.filter(pk=row.pk).update(ok=True)
        return 2

    handled, total = sweeps.sweep_claim_each(SweepRun.objects.filter(ok=False), handle, order_by=("pk",))
    assert seen == ["r0", "r2"] and (handled, total) == (2, 4)
