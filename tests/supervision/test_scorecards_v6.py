"""Issue 9 part 6: the V6 scorecards — formulas on a hand-made district, a clerk's own card, the Excel and the PDF.

The clock: Tuesday 2026-09-15 10:00 Asia/Shanghai (the week is Mon 09-14 … today).
"""

import datetime as dt
import io
import statistics
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from clues import ladder
from clues.models import Clue, ClueStatus
from common.models import Job, JobStatus, Unit
from deposits.models import Notice, NoticeStatus
from projects.models import Project, ProjectStatus
from supervision import dashboard as dash
from supervision import scorecards as cards
from supervision.models import MeetingTask, RectificationOrder
from tests.helpers import at

NOW = at(2026, 9, 15, 10, 0)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


# --- V6 scorecards on a hand-made district ------------------------------------------------------------------


def _project(unit, street, user, *, name, deadline, pushed_at=None, late=False):
    fields = {}
    if pushed_at:  # a pushed project carries the whole 附件1 record
        from projects.models import Enterprise

        company, _ = Enterprise.objects.get_or_create(
            uscc="91410803MA00000027", defaults={"name": "某建设公司"}
        )
        fields = {
            "status": ProjectStatus.PUSHED, "pushed_at": pushed_at, "pushed_by": user, "owner": company,
            "contractor": company, "contract_total_wan": Decimal(100), "contract_signed_on": deadline,
            "planned_start_on": deadline,
        }  # fmt: skip
    return Project.objects.create(
        unit=unit, name=name, street=street, category="municipal", funding_type="government",
        trigger_type="industry_info", trigger_date=deadline - dt.timedelta(days=7), bidder_unit=unit,
        push_deadline=deadline, created_by=user, is_late=late, late_working_days=2 if late else 0, **fields,
    )  # fmt: skip


def _clue(n, *, unit, street, user, hrss, received, dispatched=None, acknowledged=None, progress=None):
    status = ClueStatus.REGISTERED
    for stage, stamp in (
        ("dispatched", dispatched),
        ("acknowledged", acknowledged),
        ("in_progress", progress),
    ):
        if stamp is not None:
            status = stage
    held = dispatched is not None
    clue = Clue(
        number=f"QX2026-9{n:05d}", channel="hotline", received_at=received, complainant_name="王", complainant_phone="13900000000",
        workers_affected=2, amount_owed=Decimal(5000), employer_name="某公司", street=street, description="测试",
        registered_by=user, registering_unit=hrss, owner_unit=unit if held else hrss,
        responsible_unit=unit if held else None, responsible_person="周" if held else "", status=status,
        dispatched_at=dispatched, acknowledged_at=acknowledged, first_progress_at=progress,
    )  # fmt: skip
    clue.next_deadline_at = ladder.next_deadline(clue)
    clue.save()
    return clue


@pytest.fixture
def small_district(units, dispatcher, leader, now):
    """住建: 4 projects due in September (2 on time, 1 late, 1 never pushed) and one due in October (not counted);
    3 clues; 交通: 2 clues. Times relative to Tue 09-15 10:00; C3 in calendar days (1, 2, 3, 4)."""
    zj, jt, hrss = units["区住房城乡建设局"], units["区交通运输局"], units["区人力资源社会保障局"]
    street = units["李封街道办事处"]
    d = dt.date
    _project(zj, street, dispatcher, name="A", deadline=d(2026, 9, 2), pushed_at=at(2026, 9, 1))
    _project(zj, street, dispatcher, name="B", deadline=d(2026, 9, 3), pushed_at=at(2026, 9, 3, 23))
    _project(zj, street, dispatcher, name="C", deadline=d(2026, 9, 4), pushed_at=at(2026, 9, 8), late=True)
    _project(zj, street, dispatcher, name="D", deadline=d(2026, 9, 7))
    _project(zj, street, dispatcher, name="E", deadline=d(2026, 9, 30))  # pending: not assessed
    r = at(2026, 9, 1, 9)
    h = dt.timedelta(hours=1)
    # 住建 clue 1: dispatched 5 h, acknowledged +5 h (10 h after receipt), progress day 2: every step on time.
    _clue(1, unit=zj, street=street, user=dispatcher, hrss=hrss, received=r, dispatched=r + 5 * h,
          acknowledged=r + 10 * h, progress=r + 30 * h)  # fmt: skip
    # 住建 clue 2: dispatched at 30 h (late), acknowledged +10 h (40 h: on time for day 2), progress at 100 h (late).
    _clue(2, unit=zj, street=street, user=dispatcher, hrss=hrss, received=r, dispatched=r + 30 * h,
          acknowledged=r + 40 * h, progress=r + 100 * h)  # fmt: skip
    # 住建 clue 3: dispatched 2 h, acknowledged +30 h (32 h), no progress: escalation missed (due at 96 h).
    _clue(3, unit=zj, street=street, user=dispatcher, hrss=hrss, received=r, dispatched=r + 2 * h,
          acknowledged=r + 32 * h)  # fmt: skip
    # 交通 clue 4: dispatched 1 h, acknowledged +60 h (61 h: feedback late, reminder on time), progress 70 h.
    _clue(4, unit=jt, street=street, user=dispatcher, hrss=hrss, received=r, dispatched=r + h,
          acknowledged=r + 61 * h, progress=r + 70 * h)  # fmt: skip
    # 交通 clue 5: received yesterday 12:00, dispatched 1 h, acknowledged +40 h? No — not yet: feedback due
    # tomorrow 12:00, so only its dispatch step is assessed (on time).
    _clue(5, unit=jt, street=street, user=dispatcher, hrss=hrss, received=at(2026, 9, 14, 12),
          dispatched=at(2026, 9, 14, 13))  # fmt: skip
    return {"zj": zj, "jt": jt, "hrss": hrss}


@pytest.mark.django_db
def test_v6_scorecard_formulas_on_a_small_district(small_district, leader):
    table = cards.scorecards(leader, period=dash.period_for("month"), now=NOW)
    rows = {c.unit.name: c for c in table.rows}
    zj, jt, hrss = rows["区住房城乡建设局"], rows["区交通运输局"], rows["区人力资源社会保障局"]

    # P6: A and B on time (B at 23:00 on its deadline day), C late, D never pushed; E (due 09-30) not yet.
    assert (zj.push_on_time, zj.push_late, zj.push_overdue) == (2, 1, 1)
    assert zj.scores["push"] == Decimal("50.0")
    # C3 steps: dispatch is HRSS's (5 clues, clue 2 late); 住建 feedback 3/0 missed, reminder 3/0, escalation 3/2.
    assert (hrss.step_due["dispatch"], hrss.step_missed["dispatch"]) == (5, 1)
    assert zj.step_due == {"dispatch": 0, "feedback": 3, "reminder": 3, "escalation": 3}
    assert zj.step_missed == {"dispatch": 0, "feedback": 0, "reminder": 0, "escalation": 2}
    assert zj.scores["steps"] == Decimal("77.8")  # 100 × (1 − 2/9)
    # 交通: clue 4 feedback late (61 h > 48 h), reminder met (61 h < 72 h), escalation met (70 h < 96 h);
    # clue 5 owes nothing yet (feedback due tomorrow).
    assert jt.step_due == {"dispatch": 0, "feedback": 1, "reminder": 1, "escalation": 1}
    assert jt.step_missed["feedback"] == 1 and jt.scores["steps"] == Decimal("66.7")
    # Median dispatch → acknowledgement: 住建 5 h, 10 h, 30 h → 10 h (≤ 24 h: 100); 交通 60 h → (96−60)/72.
    assert zj.median_feedback_hours == Decimal(statistics.median([5, 10, 30])) == Decimal("10.0")
    assert zj.scores["feedback_time"] == Decimal("100.0")
    assert jt.median_feedback_hours == Decimal("60.0") and jt.scores["feedback_time"] == Decimal("50.0")
    # No letters in the data: the letters score is full for units that handled clues, absent otherwise.
    assert zj.clues == 3 and zj.scores["letters"] == Decimal("100.0")
    assert rows["区教育局"].scores["letters"] is None and rows["区教育局"].total is None
    # Totals: weighted over the measures assessed (notices, rectifications, tasks: none here).
    expected_zj = (20 * Decimal(50) + 25 * Decimal("77.8") + 10 * 100 + 10 * 100) / 65
    assert zj.total == expected_zj.quantize(Decimal("0.1"))
    expected_jt = (25 * Decimal("66.7") + 10 * 50 + 10 * 100) / 45
    assert jt.total == expected_jt.quantize(Decimal("0.1"))
    ranked = [c for c in table.rows if c.rank is not None]
    assert [c.rank for c in ranked] == sorted(c.rank for c in ranked) and ranked[0].total >= ranked[-1].total


@pytest.mark.django_db
def test_v6_notices_orders_and_tasks_due_in_the_period(small_district, leader, dispatcher, units):
    from projects.models import Enterprise
    from supervision.models import JointMeeting

    zj = small_district["zj"]
    project = Project.objects.get(name="A")
    company = Enterprise.objects.create(uscc="91410803MA00000019", name="某建设公司")
    d = dt.date

    def notice(n, deadline, deposited_at=None):
        return Notice.objects.create(
            project=_project(zj, project.street, dispatcher, name=f"N{n}", deadline=d(2026, 8, 1),
                             pushed_at=at(2026, 8, 1)) if n else project,
            unit=zj, contractor=company, number=f"测试{n}", year=2026, sequence_number=n + 1,
            issued_at=at(2026, 8, 20), deadline=deadline, deadline_days=15,
            status=NoticeStatus.DEPOSITED if deposited_at else NoticeStatus.ISSUED, deposited_at=deposited_at,
        )  # fmt: skip

    notice(0, d(2026, 9, 5), deposited_at=at(2026, 9, 5, 16))  # on the deadline day: in time
    notice(1, d(2026, 9, 6), deposited_at=at(2026, 9, 8, 9))  # late
    notice(2, d(2026, 9, 10))  # overdue, not deposited
    notice(3, d(2026, 9, 20))  # not due yet: not assessed
    for deadline, status, closed in [
        (d(2026, 9, 10), "done", d(2026, 9, 10)),
        (d(2026, 9, 11), "done", d(2026, 9, 12)),
        (d(2026, 9, 12), "refused", d(2026, 9, 12)),
        (d(2026, 9, 14), "open", None),
    ]:
        RectificationOrder.objects.create(
            project=project, enterprise=company, unit=zj, content="整改", issued_on=d(2026, 9, 1),
            deadline=deadline, status=status, closed_on=closed, issued_by=dispatcher,
        )  # fmt: skip
    meeting = JointMeeting.objects.create(
        requested_by_unit=zj, requested_by=dispatcher, subject="联席会议", reason="欠薪"
    )
    MeetingTask.objects.create(
        meeting=meeting, unit=zj, content="一", deadline=d(2026, 9, 14), done_on=d(2026, 9, 14)
    )
    MeetingTask.objects.create(meeting=meeting, unit=zj, content="二", deadline=d(2026, 9, 14))
    MeetingTask.objects.create(meeting=meeting, unit=zj, content="三", deadline=d(2026, 9, 15))  # due today

    card = next(
        c for c in cards.scorecards(leader, period=dash.period_for("month"), now=NOW).rows if c.unit == zj
    )
    assert (card.notices_in_time, card.notices_due, card.scores["notices"]) == (1, 3, Decimal("33.3"))
    assert (card.orders_on_time, card.orders_due, card.scores["rectifications"]) == (1, 4, Decimal("25.0"))
    assert (card.tasks_on_time, card.tasks_due, card.tasks_done, card.scores["tasks"]) == (
        1,
        2,
        1,
        Decimal("50.0"),
    )


# --- V6 snapshots: no request computes -------------------------------------------------------------------------


MONTH = dash.period_for(
    "month"
)  # 2026-09-01 … 2026-09-15 (computed at import: the date is the clock's below)


def month():
    return dash.period_for("month")


def refresh(period=None, when=NOW):
    snapshot, stored = cards.scorecard_refresh(period or month(), now=when)
    assert stored
    return snapshot


def page(client, **params):
    return client.get(reverse("supervision:scorecard_list"), {"period": "month", **params})


def unit_cells(body: str) -> list[str]:
    """The unit names in the scorecard table's rows (the second cell of each)."""
    import re

    return re.findall(r'<td class="nowrap">([^<]+)</td>', body)


def refresh_jobs():
    return Job.objects.filter(kind=cards.REFRESH_JOB_KIND)


@pytest.mark.django_db
def test_a_clerk_sees_only_their_own_scorecard_with_its_rank(client, small_district, zhujian, leader):
    """V6 + access: the computed table scoped by common.access, a clerk's row keeping its district rank."""
    table = cards.scorecards(zhujian, period=month(), now=NOW)
    assert [c.unit.name for c in table.rows] == ["区住房城乡建设局"]
    full = {c.unit.pk: c.rank for c in cards.scorecards(leader, period=month(), now=NOW).rows}
    assert table.rows[0].rank == full[zhujian.unit_id] is not None


@pytest.mark.django_db
def test_v6_a_clerk_sees_only_their_units_row_of_the_district_snapshot(
    client, small_district, zhujian, leader
):
    snapshot = refresh()
    stored = {row["unit"]["name"]: row for row in snapshot.data["rows"]}
    assert len(stored) == Unit.objects.filter(is_active=True).count()  # the district's table, whoever looks
    client.force_login(zhujian)
    body = page(client).content.decode()
    assert unit_cells(body) == ["区住房城乡建设局"]
    rank = stored["区住房城乡建设局"]["rank"]
    assert rank is not None and f'<td class="num">{rank}</td><td class="nowrap">区住房城乡建设局' in body
    assert "数据截至 2026-09-15 10:00" in body and f"全区 {snapshot.data['ranked']} 个参与排名单位" in body
    for m in cards.MEASURES:  # the formula of each score is on the page
        assert m.formula in body
    client.force_login(leader)
    assert len(unit_cells(page(client).content.decode())) == len(stored)


@pytest.mark.django_db
def test_v6_the_page_without_a_snapshot_starts_one_refresh_job_and_shows_its_progress(
    client, small_district, leader, zhujian, django_capture_on_commit_callbacks
):
    client.force_login(leader)
    with django_capture_on_commit_callbacks() as queued:
        first = page(client)
        body = first.content.decode()
        assert first.status_code == 200 and refresh_jobs().count() == 1
        job = refresh_jobs().get()
        assert job.status == JobStatus.QUEUED and job.params == {"period": "month", "start": "2026-09-01"}
        assert "正在计算考核评分" in body and 'http-equiv="refresh"' in body and unit_cells(body) == []
        assert "导出 Excel" not in body  # nothing to export yet
        page(client)  # the same user again,
        client.force_login(zhujian)
        page(client)  # another one,
        client.post(reverse("supervision:scorecard_list"), {"period": "month"})  # and 重新计算: no second job
        assert refresh_jobs().count() == 1
    assert len(queued) == 1
    # The job's progress as the page shows it (the worker writes it to the cache: common.jobs.Progress).
    from common.jobs import Progress

    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=NOW)
    Progress(job.pk)(3, 10)
    body = page(client).content.decode()
    assert "已完成 30%（3 / 10）" in body and 'value="3"' in body
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, started_at=None)

    queued[0]()  # the worker runs it (eager Celery)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert (job.progress_done, job.progress_total) == (10, 10)  # 5 clues + 5 other tables
    assert job.result["links"][0]["url"] == cards.scorecard_page_url(month())
    client.force_login(leader)
    body = page(client).content.decode()
    assert "数据截至 2026-09-15 10:00" in body and 'http-equiv="refresh"' not in body
    assert len(unit_cells(body)) == Unit.objects.filter(is_active=True).count()
    assert "重新计算" in body and "导出 Excel" in body
    assert refresh_jobs().count() == 1  # a snapshot: nothing started


@pytest.mark.django_db
def test_v6_recompute_is_a_post_that_starts_the_job_once(
    client, small_district, leader, django_capture_on_commit_callbacks
):
    refresh()
    client.force_login(leader)
    assert 'action="/supervision/dashboard/scorecards/"' in page(client).content.decode()
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("supervision:scorecard_list"), {"period": "month", "on": "2026-09-01"})
        assert response.status_code == 302 and response["Location"] == cards.scorecard_page_url(month())
        # The address names the period by the day its 所在日期 field shows (the walk-through saw two dates).
        shown = client.get(response["Location"]).content.decode()
        on = response["Location"].split("on=", 1)[1]
        assert f'name="on" id="id_on" value="{on}"' in shown
        body = page(client).content.decode()
        # The old table stays on the page while it is recomputed; no second button, no second job.
        assert "正在重新计算" in body and len(unit_cells(body)) > 1 and 'http-equiv="refresh"' in body
        client.post(reverse("supervision:scorecard_list"), {"period": "month"})
    assert refresh_jobs().count() == 1 and len(queued) == 1


@pytest.mark.django_db
def test_v6_a_failed_refresh_is_shown_and_not_restarted_by_every_visit(
    client, small_district, leader, time_machine
):
    client.force_login(leader)
    page(client)
    job = refresh_jobs().get()
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, message="测试：后台任务失败。", finished_at=NOW
    )
    body = page(client).content.decode()
    assert "考核评分计算未完成：测试：后台任务失败。" in body and refresh_jobs().count() == 1
    time_machine.move_to(NOW + cards.RETRY_AFTER_FAILURE + dt.timedelta(seconds=1), tick=False)
    page(client)  # a quarter of an hour later, opening the page tries again
    assert refresh_jobs().count() == 2


@pytest.mark.django_db
def test_v6_the_page_reads_the_snapshot_in_a_constant_few_queries(client, small_district, leader, dispatcher):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def measured():
        refresh()
        client.get(reverse("supervision:scorecard_list"), {"period": "month"})  # warm-up
        with CaptureQueriesContext(connection) as ctx:
            assert page(client).status_code == 200
        return [q["sql"] for q in ctx.captured_queries]

    client.force_login(leader)
    small = measured()
    zj, hrss = small_district["zj"], small_district["hrss"]
    street = Unit.objects.get(name="李封街道办事处")
    for n in range(40):  # nine times the clues
        _clue(100 + n, unit=zj, street=street, user=dispatcher, hrss=hrss, received=at(2026, 9, 2, 9),
              dispatched=at(2026, 9, 2, 10))  # fmt: skip
    large = measured()
    # The request's own: the period's newest refresh job and its snapshot; the rest is the session, the user and
    # the base template's unread-notification count (and the session's renewal).
    assert len(small) == len(large) <= 8, "\n".join(q[:150] for q in large)
    own = [q for q in large if "common_job" in q or "supervision_" in q]
    assert len(own) == 2 and "supervision_scorecardsnapshot" in own[1]
    assert not [q for q in large if "clues_clue" in q or "projects_project" in q]  # nothing computed


@pytest.mark.django_db
def test_v6_the_sweep_refreshes_the_four_current_periods(small_district, leader):
    from common import sweeps

    entry = sweeps.sweep(cards.SWEEP)
    assert entry.every == dt.timedelta(minutes=15) and "考核" in entry.label
    assert cards.scorecards_waiting(NOW) == 4  # nothing stored yet
    run = sweeps.sweep_run(cards.SWEEP, now=NOW)
    assert run.ok and run.counts == {"refreshed": 4} and run.waiting == 0
    from supervision.models import ScorecardSnapshot

    stored = sorted(
        ScorecardSnapshot.objects.values_list("period", "period_start", "period_end", "computed_at")
    )
    d = dt.date
    assert stored == [
        ("month", d(2026, 9, 1), d(2026, 9, 15), NOW),
        ("quarter", d(2026, 7, 1), d(2026, 9, 15), NOW),
        ("week", d(2026, 9, 14), d(2026, 9, 15), NOW),
        ("year", d(2026, 1, 1), d(2026, 9, 15), NOW),
    ]
    # Stale at the edge: exactly 15 minutes old is fresh, a second more is waiting.
    assert cards.scorecards_waiting(NOW + dt.timedelta(minutes=15)) == 0
    assert cards.scorecards_waiting(NOW + dt.timedelta(minutes=15, seconds=1)) == 4
    ScorecardSnapshot.objects.filter(period="week").update(computed_at=NOW - dt.timedelta(minutes=16))
    assert cards.scorecards_waiting(NOW) == 1
    ScorecardSnapshot.objects.filter(period="year").delete()
    assert cards.scorecards_waiting(NOW) == 2
    sweeps.sweep_run(cards.SWEEP, now=NOW)
    assert cards.scorecards_waiting(NOW) == 0
    later = cards.scorecards_sweep(NOW + dt.timedelta(minutes=15))
    assert later == {"refreshed": 4}
    assert ScorecardSnapshot.objects.count() == 4  # upserted, not added


@pytest.mark.django_db
def test_v6_a_refresh_upserts_and_never_goes_back_in_time(small_district):
    from supervision.models import ScorecardSnapshot

    first = refresh()
    second, stored = cards.scorecard_refresh(month(), now=NOW + dt.timedelta(minutes=1))
    assert stored and second.pk == first.pk and ScorecardSnapshot.objects.count() == 1
    older, stored = cards.scorecard_refresh(month(), now=NOW - dt.timedelta(minutes=5))
    assert not stored  # a slow refresh that began earlier does not overwrite the newer one
    assert ScorecardSnapshot.objects.get().computed_at == NOW + dt.timedelta(minutes=1)


@pytest.mark.django_db
def test_v6_the_refresh_reports_its_progress_clue_by_clue(small_district):
    calls = []
    cards.district_scorecards(
        period=month(), now=NOW, progress=lambda done, total: calls.append((done, total))
    )
    assert calls[0] == (0, 10) and calls[-1] == (
        10,
        10,
    )  # 5 clues + projects, letters, notices, orders, tasks
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


@pytest.mark.django_db
def test_v6_the_snapshot_redisplays_the_computed_table_exactly(small_district, leader):
    from supervision.models import ScorecardSnapshot

    table = cards.scorecards(leader, period=month(), now=NOW)
    again = cards.snapshot_table(refresh())
    assert cards.scorecard_rows_json(again) == cards.scorecard_rows_json(table)
    columns = cards.scorecard_columns(table)
    assert [[get(c) for _, get in columns] for c in again.rows] == [
        [get(c) for _, get in columns] for c in table.rows
    ]
    assert again.ranked == table.ranked and again.now == NOW
    snapshot = refresh()
    row = next(r for r in snapshot.data["rows"] if r["unit"]["name"] == "区住房城乡建设局")
    assert row["scores"]["steps"] == "77.8"  # Decimals stored as strings
    # A snapshot of another format (a formula changed since) counts as missing: the page recomputes it.
    ScorecardSnapshot.objects.filter(pk=snapshot.pk).update(data={**snapshot.data, "version": 0})
    assert cards.scorecard_snapshot(month()) is None


def _change_the_data():
    """A project due in the period, pushed on time, added after the snapshot: computing now would count it."""
    from common.models import User

    zj = Unit.objects.get(name="区住房城乡建设局")
    street = Unit.objects.get(name="李封街道办事处")
    user = User.objects.get(username="renshe_t")
    _project(zj, street, user, name="F", deadline=dt.date(2026, 9, 5), pushed_at=at(2026, 9, 4))


@pytest.mark.django_db
def test_scorecard_excel_has_the_period_one_row_per_unit_and_the_formulas(client, small_district, leader):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    refresh()
    _change_the_data()
    client.force_login(leader)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(
            reverse("supervision:scorecard_export"), {"period": "month", "on": "2026-09-10"}
        )
    assert response.status_code == 200
    assert not [q for q in ctx.captured_queries if "clues_clue" in q["sql"] or "projects_project" in q["sql"]]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "%E8%80%83%E6%A0%B8" in response["Content-Disposition"]  # 考核… (RFC 6266)
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "中站区根治欠薪工作2026年9月考核评分表"
    assert "2026年9月（2026-09-01 至 2026-09-15）" in rows[1][0] and "数据截至 2026-09-15 10:00" in rows[1][0]
    assert "仅本单位" not in rows[1][0]
    assert rows[2][:2] == ("排名", "单位") and rows[2][-1] == "总分"
    units = [r[1] for r in rows[3:] if r[1]]
    assert units.count("区住房城乡建设局") == 1 and len(units) == Unit.objects.filter(is_active=True).count()
    zj = next(r for r in rows if r[1] == "区住房城乡建设局")
    assert zj[2:4] == (2, 4)  # the snapshot's P6 figures (按时, 应推): D was still never pushed when computed
    recomputed = next(
        c for c in cards.scorecards(leader, period=month()).rows if c.unit.name == "区住房城乡建设局"
    )
    assert f"{recomputed.push_on_time}/{recomputed.push_due}" == "3/5"  # (what computing now would say)
    stored = next(
        r for r in cards.scorecard_snapshot(month()).data["rows"] if r["unit"]["name"] == "区住房城乡建设局"
    )
    assert zj[-1] == float(stored["total"])
    text = "\n".join(str(r[0]) for r in rows if r[0])
    assert (
        "计分方法" in text and all(m.formula in text for m in cards.MEASURES) and cards.TOTAL_FORMULA in text
    )


@pytest.mark.django_db
def test_v6_excel_of_a_period_not_computed_starts_its_refresh_and_says_so(client, small_district, zhujian):
    client.force_login(zhujian)
    response = client.get(reverse("supervision:scorecard_export"), {"period": "month"}, follow=True)
    assert response.redirect_chain[0][0] == cards.scorecard_page_url(month())
    body = response.content.decode()
    assert "正在计算，完成后请再导出" in body and refresh_jobs().count() == 1
    # The clerk's workbook, once computed, has their own row only.
    refresh()
    response = client.get(reverse("supervision:scorecard_export"), {"period": "month"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=5, values_only=True))  # after the two header rows
    assert [r[1] for r in rows if r and r[1]] == ["区住房城乡建设局"]
    assert "仅本单位；排名为全区名次" in sheet["A2"].value  # it says it is one unit's, ranked among all


@pytest.mark.django_db
def test_scorecard_pdf_is_a_background_job_reading_the_snapshot(
    client, small_district, leader, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    refresh()
    client.force_login(leader)
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("supervision:scorecard_print"), {"period": "month", "on": "2026-09-15"}
        )
    job = Job.objects.get(kind=cards.PDF_JOB_KIND)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert not [q for q in ctx.captured_queries if "clues_clue" in q["sql"]]  # printed, not recomputed
    download = client.get(reverse("common:job_download", args=[job.pk]))
    data = b"".join(download.streaming_content) if download.streaming else download.content
    assert data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "区住房城乡建设局" in text and "计分方法" in text and "2026-09-15 10:00" in text


@pytest.mark.django_db
def test_v6_print_of_a_period_not_computed_starts_the_refresh_not_the_pdf(client, small_district, leader):
    client.force_login(leader)
    response = client.post(reverse("supervision:scorecard_print"), {"period": "month"})
    assert response.status_code == 302 and response["Location"] == cards.scorecard_page_url(month())
    assert refresh_jobs().count() == 1 and not Job.objects.filter(kind=cards.PDF_JOB_KIND).exists()


@pytest.mark.django_db
def test_v6_api_answers_202_while_computing_then_the_snapshot(small_district, leader, zhujian):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIRequestFactory, force_authenticate

    from supervision.api_dashboard import ScorecardViewSet

    def get(user, **params):
        request = APIRequestFactory().get("/api/scorecards/", {"period": "month", **params})
        force_authenticate(request, user=user)
        response = ScorecardViewSet.as_view({"get": "list"})(request)
        response.render()
        return response

    waiting = get(leader)
    assert waiting.status_code == 202 and waiting["Retry-After"] == "5"
    assert "正在计算" in waiting.data["detail"] and waiting.data["job"]["status"] == "queued"
    assert get(zhujian).status_code == 202 and refresh_jobs().count() == 1  # one job, whoever asks
    refresh()
    _change_the_data()
    with CaptureQueriesContext(connection) as ctx:
        body = get(leader).data
    assert not [q for q in ctx.captured_queries if "clues_clue" in q["sql"] or "projects_project" in q["sql"]]
    assert body["computed_at"] == NOW and len(body["rows"]) == Unit.objects.filter(is_active=True).count()
    zj = next(r for r in body["rows"] if r["unit"]["name"] == "区住房城乡建设局")
    assert zj["push"] == {"on_time": 2, "late": 1, "overdue": 1} and zj["scores"]["push"] == Decimal("50.0")
    assert [r["unit"]["name"] for r in get(zhujian).data["rows"]] == ["区住房城乡建设局"]
    assert get(leader, period="decade").status_code == 400


@pytest.mark.django_db
def test_scorecard_print_needs_post(client, small_district, leader):
    client.force_login(leader)
    assert client.get(reverse("supervision:scorecard_print")).status_code == 405


# --- V6 on PostgreSQL: two refreshes at once ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_v6_two_refreshes_at_once_keep_one_snapshot_pg(units, time_machine, monkeypatch):
    """Both refreshes find no row and INSERT; the unique constraint refuses the second, which then updates the
    row the first committed. Run with `DATABASE_URL=postgres://… pytest --create-db`."""
    import threading

    from django.db import connection

    from supervision.models import ScorecardSnapshot
    from tests.clues.test_concurrency_c4_pg import _Thread

    if connection.vendor != "postgresql":
        pytest.skip("两个线程同时写入需要 PostgreSQL：SQLite 一次只允许一个写入者")
    time_machine.move_to(NOW, tick=True)
    arrived, both = [], threading.Event()
    insert = ScorecardSnapshot.save

    def save(self, *args, **kwargs):
        if kwargs.get("force_insert"):  # get_or_create found no row: wait until the other one found none too
            arrived.append(self)
            if len(arrived) >= 2:
                both.set()
            both.wait(10)
        return insert(self, *args, **kwargs)

    monkeypatch.setattr(ScorecardSnapshot, "save", save)
    period = dash.period_for("month")
    threads = [_Thread(lambda: cards.scorecard_refresh(period)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [t.error for t in threads] == [None, None]
    assert len(arrived) == 2  # both tried to INSERT
    assert ScorecardSnapshot.objects.filter(period="month", period_start=period.start).count() == 1


@pytest.mark.parametrize(
    ("code", "on", "name"),
    [
        ("year", dt.date(2025, 6, 1), "2025年度"),
        ("quarter", dt.date(2026, 5, 20), "2026年第二季度"),
        ("quarter", dt.date(2026, 12, 31), "2026年第四季度"),
        ("month", dt.date(2026, 3, 31), "2026年3月"),
        ("week", dt.date(2026, 1, 1), "2026年第1周"),  # ISO: Thu 2026-01-01 is in week 1 of 2026
        ("week", dt.date(2027, 1, 1), "2026年第53周"),  # Fri 2027-01-01 is still in 2026's week 53
    ],
)
def test_v6_periods_are_named_as_the_assessment_names_them(code, on, name):
    assert dash.period_for(code, on, today=dt.date(2027, 6, 1)).name == name


@pytest.mark.django_db
def test_v6_letters_of_a_clue_nobody_was_given_count_for_hrss(units, dispatcher, leader, now, monkeypatch):
    """The formula: 未交办的线索计区人社局 — the 提醒函 of a clue never dispatched goes to the unit C2 suggests,
    but it costs HRSS, whose dispatch is late, not that unit."""
    from clues import services
    from clues.models import Letter
    from tests.clues.conftest import register

    monkeypatch.setattr("common.documents.render_pdf", lambda *a, **kw: b"%PDF-1.7 letter")
    clue = register(dispatcher, units, received_at=at(2026, 9, 10, 9))
    services.clue_process_deadlines(NOW)
    reminder = Letter.objects.get(clue=clue, kind="reminder")
    assert reminder.responsible_unit_id is None
    table = cards.scorecards(leader, period=dash.period_for("month"), now=NOW)
    letters = {r.unit.pk: r.letters["reminder"] for r in table.rows}
    assert letters[units["区人力资源社会保障局"].pk] == 1
    if reminder.addressee_unit_id != units["区人力资源社会保障局"].pk:
        assert letters.get(reminder.addressee_unit_id, 0) == 0
