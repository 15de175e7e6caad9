"""C3/C4 with the production wiring: a real Celery worker with its embedded beat on real Redis, against the test
database (PostgreSQL — another process must see the committed rows). A clue past day 3 gets its 提醒函 within
one beat interval, shortened for the test (SWEEP_INTERVAL_SECONDS). Runs in .ci/run's PostgreSQL pass."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from clues.models import Letter, LetterKind
from common.models import SweepRun

from .conftest import register

REDIS_URL = os.environ.get("REDIS_URL", "")
INTERVAL = 2.0


@pytest.mark.skipif(
    not REDIS_URL or connection.vendor != "postgresql",
    reason="真实 worker 与 beat 的集成测试需要 Redis（REDIS_URL）和 PostgreSQL：只在 .ci/run 的 PostgreSQL 轮运行",
)
@pytest.mark.django_db(transaction=True)
def test_a_real_beat_and_worker_write_the_day_3_letter_within_one_interval_c3(dispatcher, units):
    # The worker runs on the real clock: received 3 days and an hour ago, so day 3 has begun.
    clue = register(dispatcher, units, received_at=timezone.now() - dt.timedelta(days=3, hours=1))
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env.update(
        DJANGO_SETTINGS_MODULE="zhongzhan_wages.settings",
        DJANGO_SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=REDIS_URL,
        SWEEP_INTERVAL_SECONDS=str(INTERVAL),
        JOB_WORKER_NICE="0",
        PYTHONUNBUFFERED="1",
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "zhongzhan_wages", "worker", "--beat", "--pool=solo",
         "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if Letter.objects.filter(clue=clue, kind=LetterKind.REMINDER).exists():
                break
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.2)
        else:
            os.killpg(worker.pid, signal.SIGTERM)
            pytest.fail("no 提醒函 within 90 s:\n" + worker.communicate(timeout=30)[0][-4000:])
        first_run = SweepRun.objects.filter(name="clues.letters").order_by("started_at").first()
        letter = Letter.objects.get(clue=clue, kind=LetterKind.REMINDER)
        # Written by the first sweep that ran after the worker came up, within one interval of it.
        assert (letter.created_at - first_run.started_at).total_seconds() <= INTERVAL + 1
        # And the beat keeps firing: more runs follow, and none writes the letter again (C4).
        time.sleep(INTERVAL * 2.5)
        assert SweepRun.objects.filter(name="clues.letters").count() >= 2
        assert Letter.objects.filter(clue=clue, kind=LetterKind.REMINDER).count() == 1
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
