"""Celery wiring: a real worker everywhere but in tests — the filesystem transport on a clerk's PC (`make run`,
no server), Redis in production.

The Redis tests run only when REDIS_URL is set — .ci/run sets it on its PostgreSQL pass
(REDIS_URL=redis://127.0.0.1:6379/15). The settings checks run everywhere.
"""

import os
import runpy
import subprocess
import sys
import time
import uuid

import kombu.pools
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

REDIS_URL = os.environ.get("REDIS_URL", "")
BASE_DIR = settings.BASE_DIR


def _settings_from_env(monkeypatch, **env) -> dict:
    """Evaluate zhongzhan_wages/settings.py afresh under the given environment (sys.modules untouched)."""
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CELERY_TASK_ALWAYS_EAGER", "CELERY_FS_ROOT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_DIR / "zhongzhan_wages" / "settings.py"))


def test_it_schedules_in_asia_shanghai():
    # Beat ignores TIME_ZONE: a Friday-morning job (C3 周调度) must be Friday morning in 中站区, not in UTC.
    from zhongzhan_wages.celery import app

    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    assert app.conf.timezone == "Asia/Shanghai"


def test_it_runs_a_real_worker_unless_told_to_run_tasks_eagerly(monkeypatch, tmp_path):
    """Eager mode is for tests only: `make run` has a worker on the filesystem transport, production on Redis."""
    local = _settings_from_env(monkeypatch, CELERY_FS_ROOT=str(tmp_path))
    assert local["CELERY_TASK_ALWAYS_EAGER"] is False
    assert local["CELERY_BROKER_URL"] == "filesystem://localhost//"
    assert local["CELERY_BROKER_TRANSPORT_OPTIONS"]["data_folder_in"] == str(tmp_path / "queue")
    assert local["CELERY_BROKER_TRANSPORT_OPTIONS"]["data_folder_out"] == str(tmp_path / "queue")
    assert local["CELERY_WORKER_ENABLE_REMOTE_CONTROL"] is False  # no broadcast on this transport
    production = _settings_from_env(monkeypatch, CELERY_BROKER_URL="redis://redis:6379/0")
    assert production["CELERY_TASK_ALWAYS_EAGER"] is False
    assert "CELERY_BROKER_TRANSPORT_OPTIONS" not in production
    assert _settings_from_env(monkeypatch, CELERY_TASK_ALWAYS_EAGER="1")["CELERY_TASK_ALWAYS_EAGER"] is True


def test_it_queues_a_task_as_a_file_without_any_server(tmp_path):
    """A fresh process without CELERY_BROKER_URL (a clerk's PC) queues a task as a message file under
    CELERY_FS_ROOT, creating the folders itself: no Redis needed. tests/common/test_jobs.py runs a worker on it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELERY_")}
    env.update(DJANGO_SETTINGS_MODULE="zhongzhan_wages.settings", CELERY_FS_ROOT=str(tmp_path / "celery"))
    env.setdefault("DJANGO_SECRET_KEY", "celery-test-" + "x" * 40)
    code = (
        "import django; django.setup()\n"
        "from zhongzhan_wages.celery import app\n"
        "from common.tasks import ping\n"
        "r = ping.delay()\n"
        "print(app.conf.broker_url, app.connection_for_write().transport.driver_type, type(r).__name__)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["filesystem://localhost//", "filesystem", "AsyncResult"]
    (message,) = (tmp_path / "celery" / "queue").iterdir()
    assert message.name.endswith(".celery.msg") and b"common.tasks.ping" in message.read_bytes()


def _drop_cached_connections(app) -> None:
    # The app caches its broker pool, producer pool and result backend on first use; drop them so the
    # broker and backend settings below (and their restoration afterwards) take effect.
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.__dict__.pop("amqp", None)
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)
    # kombu's global producer pools outlive the app's: a pool a finished worker closed would be reused.
    kombu.pools.reset()


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


@pytest.mark.skipif(
    not REDIS_URL, reason="REDIS_URL 未设置：真实 Redis 的后台任务检查只在 .ci/run 的 PostgreSQL 轮运行"
)
@pytest.mark.django_db(transaction=True)
def test_it_runs_a_job_through_redis_with_progress_seen_during_its_transaction(
    redis_app, monkeypatch, settings, zhujian, units, client
):
    """Production wiring for common.jobs: the web side queues the job on Redis, a worker runs it, and the
    polling page (another connection) sees its progress from the Redis cache while the handler's transaction
    is still open — on PostgreSQL a progress UPDATE there would stay invisible until the commit."""
    import threading

    from common import jobs
    from common.models import Job, JobStatus
    from common.tasks import job_run
    from tests.factories import create_project

    queue = f"zz-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": queue,
        }
    }
    monkeypatch.setattr(jobs, "_enqueue", lambda job_id: job_run.apply_async((job_id,), queue=queue))
    release = threading.Event()

    def handler(run):
        with transaction.atomic():
            create_project(user=zhujian, street=units["李封街道办事处"])
            run.progress(1, 2)
            assert release.wait(timeout=30), "the test never saw the progress"
            run.progress(2, 2)
        return jobs.JobOutcome(message="完成")

    monkeypatch.setitem(jobs._KINDS, "tests.redis", jobs.JobKind("tests.redis", handler, "Redis 任务"))
    client.force_login(zhujian)
    with start_worker(redis_app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=30):
        job = jobs.job_start(kind="tests.redis", user=zhujian)
        status_url = reverse("common:job_status", args=[job.pk])
        try:
            for _ in range(200):
                status = client.get(status_url).json()
                if status["done"] == 1:
                    break
                time.sleep(0.1)
            assert (status["status"], status["done"], status["total"]) == ("running", 1, 2)
        finally:
            release.set()
        for _ in range(200):
            if Job.objects.get(pk=job.pk).status == JobStatus.DONE:
                break
            time.sleep(0.1)
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == (JobStatus.DONE, 2, 2)
    redis.Redis.from_url(REDIS_URL).delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
