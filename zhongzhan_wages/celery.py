"""The Celery app and the whole beat schedule, in one place.

Always a real worker: Redis in production (CELERY_BROKER_URL), kombu's filesystem transport under var/celery for
`make run` (scripts/run_local.py starts the worker with the beat embedded). Tests run tasks eagerly
(tests/conftest.py). Deadlines are stored on the rows and swept by periodic jobs, never scheduled as
countdown/ETA tasks (Redis redelivers those after the visibility timeout).
"""

import contextlib
import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init, celeryd_init
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongzhan_wages.settings")

app = Celery("zhongzhan_wages")
# The letters sweep's beat interval: 5 minutes; the CI integration test shortens it (tests/test_celery_redis.py).
SUPERVISION_SWEEPS = (
    "supervision.five_systems",
    "supervision.inspections",
    "supervision.rectifications",
    "supervision.declarations",
    "supervision.meeting_tasks",
    "supervision.scorecards",  # V6: keeps the current periods' stored scorecards fresh (not a deadline)
)
SWEEP_INTERVAL_SECONDS = float(os.environ.get("SWEEP_INTERVAL_SECONDS", "300"))
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Two queues, both consumed by every worker (declared here, so a worker started without -Q takes both). A clerk's
# job waits for at most the one task in hand, not behind a backlog: an import of 1,500 pushed projects queues
# 1,500 notice PDFs (P4), and in one queue the next export sat 3 minutes as 排队中. The consumer takes from
# the queues in turn (kombu's fair cycle; prefetch 1).
app.conf.task_queues = (Queue("celery"), Queue("documents"))
app.conf.task_default_queue = "celery"
app.conf.task_routes = {"common.tasks.document_render": {"queue": "documents"}}


@app.on_after_configure.connect
def _create_filesystem_broker_folders(sender, **kwargs) -> None:
    # kombu's filesystem transport expects its folders to exist; the web server (producer) and the worker
    # (consumer) both configure the app, so whichever starts first creates them.
    options = sender.conf.broker_transport_options or {}
    if str(sender.conf.broker_url).startswith("filesystem://"):
        for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
            if options.get(key):
                Path(options[key]).mkdir(parents=True, exist_ok=True)


@celeryd_init.connect
def _yield_the_cpu_to_pages(**kwargs) -> None:
    # Jobs are batch work beside the web server on the same cores: when the CPU is short, pages come first
    # (a niced export only takes longer while pages are busy; bench/load_bench.py measures pages under
    # exports). Sent by `celery worker` only (pool processes and the embedded beat inherit it), never in a
    # test's in-process worker. JOB_WORKER_NICE=0 turns it off.
    from django.conf import settings

    nice = settings.JOB_WORKER_NICE
    if not nice:
        return
    os.nice(nice)
    # Linux's autogroups share the CPU fairly between sessions whatever the processes' nice values, and
    # scripts/run_local.py (like any supervisor) starts the worker in a session of its own: lower the session's
    # share too. Only as the session's leader, so that a worker started by hand never slows its shell's session.
    if os.getsid(0) == os.getpid():
        with contextlib.suppress(OSError):
            Path("/proc/self/autogroup").write_text(str(nice))


# The beat schedule (Asia/Shanghai, CELERY_TIMEZONE). Exactly one beat runs it: `worker -B` in `make run`,
# the `beat` service in docker-compose. Two beats would be harmless (every sweep claims its rows and every letter,
# review and notification is guarded by a unique constraint) but wasteful; docs/architecture.md says why one.
app.conf.beat_schedule = {
    # C3 steps 3 and 4: the 提醒函 and 通报 due (clues.services.clue_process_deadlines, common.sweeps).
    "clue-letters-sweep": {
        "task": "clues.tasks.process_deadlines",
        "schedule": SWEEP_INTERVAL_SECONDS,
    },
    # C3 step 5: the Friday review, built once its review day has begun; a cheap check otherwise.
    "clue-weekly-review": {
        "task": "clues.tasks.weekly_review",
        "schedule": 15 * 60,
    },
    # Job uploads and result files (exports) are kept JOB_FILES_KEEP_DAYS days (common.jobs).
    "job-files-cleanup": {
        "task": "common.tasks.job_files_cleanup",
        "schedule": crontab(hour=3, minute=30),
    },
    # Issue 9: the supervision deadlines (五制, V1–V3 inspections, orders and declarations, V5 meeting tasks).
    **{
        f"sweep-{name}": {"task": "common.tasks.run_sweep", "args": (name,), "schedule": 15 * 60}
        for name in SUPERVISION_SWEEPS
    },
    "sweep-runs-cleanup": {
        "task": "common.tasks.sweep_runs_cleanup",
        "schedule": crontab(hour=3, minute=40),
    },
}


@beat_init.connect
def _sweep_at_start(sender, **kwargs) -> None:
    # django_celery_beat first runs an interval entry one interval after it starts: sweep at once instead, so a
    # restart after an outage catches up immediately and a new `make run` shows the health page's first run.
    for task in ("clues.tasks.process_deadlines", "clues.tasks.weekly_review"):
        sender.app.send_task(task)
    for name in SUPERVISION_SWEEPS:
        sender.app.send_task("common.tasks.run_sweep", args=(name,))
