"""The deadline sweeps: one mechanism for every stored deadline (clue letters, the Friday review, later the
rectification orders and meeting tasks of supervision).

Deadlines are stored on their rows and swept (STYLE: healthchecks' `sendalerts`, zulip's
`deliver_scheduled_messages`), never scheduled as countdown/ETA tasks: a sweep asks the database "what is due
at `now`?" through a partial index, claims each due row in its own short transaction and records what it
created. Missing a run loses nothing — the next run finds everything whose time has passed.

An app registers a sweep in its AppConfig.ready:

    register_sweep("clues.letters", label="提醒函与通报", run=clue_process_deadlines, waiting=clue_letters_waiting,
                   every=timedelta(minutes=5))

`run(now) -> {"reminder": 1, …}` does the work and returns what it created, by kind; `waiting(now) -> int`
counts the due items still unhandled (the health page shows it, so a stopped scheduler is never silent).
`sweeps_run()` runs them and writes a SweepRun row each; beat calls it (zhongzhan_wages/celery.py), and so does
`manage.py process_deadlines`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from common.models import SweepRun
from common.policy import policy_snapshot

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Sweep:
    name: str
    label: str
    run: Callable[[dt.datetime], dict[str, int]]
    waiting: Callable[[dt.datetime], int]
    every: dt.timedelta  # the beat interval: a sweep not run for 3 intervals is reported as stopped
    labels: dict[str, str] = dataclasses.field(default_factory=dict)  # count code → Chinese, for the pages

    @property
    def every_display(self) -> str:
        minutes = int(self.every.total_seconds() // 60)
        return f"{minutes // 60}小时" if minutes >= 60 and minutes % 60 == 0 else f"{minutes}分钟"


_SWEEPS: dict[str, Sweep] = {}
STALE_AFTER_INTERVALS = 3


def register_sweep(
    name: str,
    *,
    label: str,
    run: Callable[[dt.datetime], dict[str, int]],
    waiting: Callable[[dt.datetime], int],
    every: dt.timedelta,
    labels: dict[str, str] | None = None,
) -> None:
    _SWEEPS[name] = Sweep(name=name, label=label, run=run, waiting=waiting, every=every, labels=labels or {})


def counts_display(run: SweepRun | None) -> str:
    """ "提醒函 2，通报 1" — what a run created, in words; "无" when nothing."""
    if run is None:
        return "—"
    labels = _SWEEPS[run.name].labels if run.name in _SWEEPS else {}
    shown = [f"{labels.get(k, k)} {v}" for k, v in run.counts.items() if v]
    return "，".join(shown) or "无"


def registered_sweeps() -> list[Sweep]:
    return list(_SWEEPS.values())


def sweep(name: str) -> Sweep:
    try:
        return _SWEEPS[name]
    except KeyError:
        raise ValueError(f"sweep {name!r} is not registered") from None


def sweep_run(name: str, *, now: dt.datetime | None = None) -> SweepRun:
    """Run one sweep as of `now` (default: the current time) and record it. A failure is recorded (and logged)
    with its error and re-raised, so the task's log shows it too."""
    entry = sweep(name)
    started = timezone.now()
    as_of = now or started
    record = SweepRun.objects.create(name=name, started_at=started, as_of=as_of)
    try:
        with policy_snapshot():  # one run, one set of policy values, each read once
            counts = entry.run(as_of)
    except Exception as e:
        record.error = f"{type(e).__name__}: {e}"[:2000]
        record.finished_at = timezone.now()
        record.save(update_fields=["error", "finished_at"])
        logger.exception("sweep %s failed", name)
        raise
    record.ok = True
    record.counts = {k: v for k, v in counts.items() if v}
    record.waiting = entry.waiting(as_of)
    record.finished_at = timezone.now()
    record.save(update_fields=["ok", "counts", "waiting", "finished_at"])
    return record


def sweeps_run(*, now: dt.datetime | None = None, names: list[str] | None = None) -> dict[str, SweepRun]:
    """Run the named sweeps (default all), in registration order; one failing does not stop the others."""
    runs = {}
    for entry in registered_sweeps():
        if names is not None and entry.name not in names:
            continue
        try:
            runs[entry.name] = sweep_run(entry.name, now=now)
        except Exception:
            runs[entry.name] = SweepRun.objects.filter(name=entry.name).order_by("-started_at", "-id").first()
    return runs


@dataclasses.dataclass(frozen=True)
class SweepHealth:
    sweep: Sweep
    last_run: SweepRun | None
    last_ok: SweepRun | None
    waiting: int
    stale: bool

    @property
    def last_counts(self) -> str:
        return counts_display(self.last_ok)

    @property
    def state(self) -> str:
        if self.last_run is None:
            return "从未运行"
        if self.stale:
            return "已停止"
        if not self.last_run.ok:
            return "上次运行失败"
        return "正常"


def sweep_health(*, now: dt.datetime | None = None) -> list[SweepHealth]:
    """When each sweep last ran and how many due items wait now (computed now, not at the last run: items
    waiting behind a stopped scheduler grow on this page). One query per sweep for its runs plus its count."""
    now = now or timezone.now()
    health = []
    for entry in registered_sweeps():
        runs = SweepRun.objects.filter(name=entry.name, started_at__lte=now).order_by("-started_at", "-id")
        last_run = runs.first()
        last_ok = last_run if last_run and last_run.ok else runs.filter(ok=True).first()
        stale = last_run is None or now - last_run.started_at > entry.every * STALE_AFTER_INTERVALS
        health.append(
            SweepHealth(
                sweep=entry, last_run=last_run, last_ok=last_ok, waiting=entry.waiting(now), stale=stale
            )
        )
    return health


def sweep_runs_cleanup(*, keep_days: int = 30, now: dt.datetime | None = None) -> int:
    """Runs every 5 minutes make 8,640 rows a month: keep a month of them, and always each sweep's newest run
    (the health page must still say when a long-stopped sweep last ran)."""
    now = now or timezone.now()
    newest = [
        run.pk
        for name in SweepRun.objects.values_list("name", flat=True).distinct()
        if (run := SweepRun.objects.filter(name=name).order_by("-started_at", "-id").first())
    ]
    old = SweepRun.objects.filter(started_at__lt=now - dt.timedelta(days=keep_days)).exclude(pk__in=newest)
    deleted, _ = old.delete()
    return deleted


@dataclasses.dataclass(frozen=True)
class SweepAlarm:
    sweep: Sweep
    state: str  # "已停止或从未运行" | "上次运行失败"


def sweep_alarms(*, now: dt.datetime | None = None) -> list[SweepAlarm]:
    """The sweeps that are not running well, in ONE query (for pages with a query budget, such as the leaders'
    dashboard): the runs of the last 3 intervals of the slowest sweep; a sweep with none in its own 3 intervals
    has stopped (or never ran), one whose newest run failed is reported too. The health page has the detail."""
    now = now or timezone.now()
    sweeps = registered_sweeps()
    if not sweeps:
        return []
    window = max(s.every for s in sweeps) * STALE_AFTER_INTERVALS
    newest: dict[str, SweepRun] = {}
    for run in SweepRun.objects.filter(started_at__gt=now - window, started_at__lte=now).order_by(
        "-started_at"
    ):
        newest.setdefault(run.name, run)
    alarms = []
    for entry in sweeps:
        run = newest.get(entry.name)
        if run is None or now - run.started_at > entry.every * STALE_AFTER_INTERVALS:
            alarms.append(SweepAlarm(entry, "已停止或从未运行"))
        elif not run.ok:
            alarms.append(SweepAlarm(entry, "上次运行失败"))
    return alarms


ALARMS_CACHE_SECONDS = 60


def sweep_alarms_cached() -> list[SweepAlarm]:
    """sweep_alarms for a busy page, kept a minute in the cache: a sweep runs every 5–15 minutes, so a minute's
    delay in showing that it stopped costs nothing, and the dashboard spends no query on it most of the time."""
    from django.core.cache import cache

    names = cache.get("common.sweeps.alarms")
    if names is None:
        names = [(a.sweep.name, a.state) for a in sweep_alarms()]
        cache.set("common.sweeps.alarms", names, ALARMS_CACHE_SECONDS)
    return [SweepAlarm(_SWEEPS[name], state) for name, state in names if name in _SWEEPS]


def sweep_claim_each(
    due: QuerySet, handle: Callable[[Model], int], *, order_by: tuple[str, ...], related: tuple[str, ...] = ()
) -> tuple[int, int]:
    """The rows of `due` (a condition on a partial index), read once, each then claimed in its own short
    transaction: locked with SKIP LOCKED on PostgreSQL (a row another sweep holds is skipped, not waited for; a
    no-op on SQLite, where the notification's unique key keeps it exactly once) and checked against `due` again
    (it may have changed since the list was read), then `handle(row)` writes what is owed in that transaction.
    Returns (rows handled, the sum of what `handle` returned)."""
    handled = total = 0
    for pk in list(due.order_by(*order_by).values_list("pk", flat=True)):
        with transaction.atomic():
            row = (
                due.select_for_update(skip_locked=True, of=("self",))
                .select_related(*related)
                .filter(pk=pk)
                .first()
            )
            if row is None:
                continue
            handled += 1
            total += int(handle(row))
    return handled, total
