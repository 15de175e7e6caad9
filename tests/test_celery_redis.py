"""Celery wiring: eager on a clerk's PC (no Redis), real Redis + a real worker in production.

The Redis test runs only when REDIS_URL is set — .ci/run sets it on its PostgreSQL pass
(REDIS_URL=redis://127.0.0.1:6379/15). The settings checks run everywhere.
"""

import os
import runpy
import subprocess
import sys
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from django.utils import timezone

REDIS_URL = os.environ.get("REDIS_URL", "")
BASE_DIR = settings.BASE_DIR


def _settings_from_env(monkeypatch, **env) -> dict:
    """Evaluate zhongzhan_wages/settings.py afresh under the given environment (sys.modules untouched)."""
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_DIR / "zhongzhan_wages" / "settings.py"))


def test_it_schedules_in_asia_shanghai():
    # Beat ignores TIME_ZONE: a Friday-morning job (C3 周调度) must be Friday morning in 中站区, not in UTC.
    from zhongzhan_wages.celery import app

    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    assert app.conf.timezone == "Asia/Shanghai"


def test_it_runs_tasks_eagerly_without_a_broker(monkeypatch):
    assert _settings_from_env(monkeypatch)["CELERY_TASK_ALWAYS_EAGER"] is True
    production = _settings_from_env(monkeypatch, CELERY_BROKER_URL="redis://redis:6379/0")
    assert production["CELERY_TASK_ALWAYS_EAGER"] is False


def test_it_needs_no_redis_on_a_clerks_pc():
    """A fresh process without CELERY_BROKER_URL runs a task in-process and gets its result."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env["DJANGO_SETTINGS_MODULE"] = "zhongzhan_wages.settings"
    code = (
        "import django; django.setup()\n"
        "from zhongzhan_wages.celery import app\n"
        "from common.tasks import ping\n"
        "r = ping.delay()\n"
        "print(app.conf.broker_url, type(r).__name__, r.get(timeout=1))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["memory://", "EagerResult", "pong"]


def _drop_cached_connections(app) -> None:
    # The app caches its broker pool, producer pool and result backend on first use; drop them so the
    # broker and backend settings below (and their restoration afterwards) take effect.
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.__dict__.pop("amqp", None)
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def redis_app():
    from zhongzhan_wages.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    _drop_cached_connections(app)
    yield app
    app.conf.update(saved)
    _drop_cached_connections(app)


@pytest.mark.skipif(
    not REDIS_URL,
    reason="REDIS_URL 未设置：真实 Redis 的 Celery 检查只在 .ci/run 的 PostgreSQL 轮运行"
    "（REDIS_URL=redis://127.0.0.1:6379/15）",
)
@pytest.mark.django_db
def test_it_delivers_a_task_through_redis_to_a_real_worker(redis_app):
    from common.tasks import ping, worker_check

    # A queue of our own: a stale message from another run on the same Redis database can't interfere.
    queue = f"zz-test-{uuid.uuid4().hex[:12]}"
    with start_worker(redis_app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=30):
        pong = ping.apply_async(queue=queue)
        check = worker_check.apply_async(queue=queue)
        assert pong.get(timeout=20) == "pong"
        seen = check.get(timeout=20)
    assert type(pong).__name__ == "AsyncResult"  # not an EagerResult: it went through the broker
    assert redis_app.connection_for_write().transport.driver_type == "redis"
    assert type(redis_app.backend).__name__ == "RedisBackend"
    assert seen == {
        "database": connection.vendor,
        "query_ok": True,
        "time_zone": "Asia/Shanghai",
        "today": timezone.localdate().isoformat(),
    }
    pong.forget()
    check.forget()
    # Leave nothing behind in the shared Redis database: kombu keeps the queue's binding in two sets.
    redis.Redis.from_url(REDIS_URL).delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
