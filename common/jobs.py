"""Background jobs with progress: the one way every app runs a heavy request (issue 5 A4).

A view calls `job_start(kind=…, user=…, params=…, upload=…)` and redirects to `job.get_absolute_url()`; a Celery
worker runs `common.tasks.job_run(job_id)` → `job_execute`, which calls the handler the app registered for the
kind in its AppConfig.ready (`register_job_kind`). The job page polls `job_status` and then offers the file or
shows the outcome. The web process is never blocked for the seconds the work takes.

A handler receives a `JobRun` (the job, its user and params, its upload, a progress reporter, a place for its
result file), calls services, and returns a `JobOutcome` or raises `JobFailed("中文说明")`. Anything else it
raises is logged and shown as an internal error: a job always ends done or failed, never "running" for good —
and one whose worker died (killed, restarted) is shown as failed once it has been silent for JOB_STALE_MINUTES.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from common.models import Job, JobStatus

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "处理时发生内部错误，任务未完成（任务编号 {id}）。请稍后重新提交；如仍失败，请联系管理员。"
INTERRUPTED = "任务被中断（后台任务进程停止），未完成。请重新提交。"
STALE_RUNNING = "任务中断：后台任务进程在处理过程中停止（可能已重启），未完成。请重新提交。"
STALE_QUEUED = "任务长时间未开始：后台任务进程可能未运行。请重新提交；如仍不开始，请联系管理员。"
QUEUED_HINT = "任务仍在排队：后台任务进程繁忙或未启动。若长时间未开始，请联系管理员确认后台任务进程正在运行。"
QUEUED_HINT_AFTER = dt.timedelta(seconds=20)
UNKNOWN_KIND = "未知的任务类型“{kind}”，无法处理。"

# ----------------------------------------------------------------------------------------------- kinds


@dataclasses.dataclass(frozen=True)
class JobKind:
    kind: str
    handler: Callable[[JobRun], JobOutcome]
    label: str  # Chinese, shown as the job page's title and in "我的导出与导入"


_KINDS: dict[str, JobKind] = {}


def register_job_kind(kind: str, handler: Callable[[JobRun], JobOutcome], *, label: str) -> None:
    """Each app registers its kinds in AppConfig.ready, e.g. `projects.ledger_export`; `common` knows none."""
    _KINDS[kind] = JobKind(kind=kind, handler=handler, label=label)


def job_label(job: Job) -> str:
    registered = _KINDS.get(job.kind)
    return registered.label if registered else "后台任务"


# ------------------------------------------------------------------------------------------- handlers


class JobFailed(Exception):
    """An expected failure (bad filters, a refused file): the message, in Chinese, is shown as it is."""


@dataclasses.dataclass
class JobOutcome:
    """What a handler returns. `ok=False` ends the job as failed with its message and data (e.g. an import
    refused for row errors: nothing was saved). The job page shows `message` at `level` (success, warning,
    error), the rows of `errors` ({row, column, message}) as a table, and `links` ({url, label}) as buttons."""

    ok: bool = True
    message: str = ""
    level: str = ""
    errors: list[dict] = dataclasses.field(default_factory=list)
    links: list[dict] = dataclasses.field(default_factory=list)
    data: dict = dataclasses.field(default_factory=dict)


def _progress_key(job_id: int) -> str:
    return f"common.job.{job_id}.progress"


class Progress:
    """`progress(done, total=None)` from inside a handler: how far the job has got.

    Written to the cache, not to the Job row: a handler often runs inside one long transaction (the ledger
    import is all rows or none). On PostgreSQL a row updated in that transaction stays invisible to the
    polling page until the commit, and on SQLite the transaction holds the database's only write lock, so a
    progress UPDATE through a second connection would wait for it. The cache (Redis in production, a folder
    under var/ for `make run`) is outside both. Each write is also the job's heartbeat (see job_expire_stale).
    """

    MIN_INTERVAL = 0.5  # seconds between cache writes: the page polls once a second

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.done = 0
        self.total = 0
        self._last_write = 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None:
            self.total = max(int(total), 0)
        self.done = max(int(done), 0)
        now = time.monotonic()
        if now - self._last_write >= self.MIN_INTERVAL or (self.total and self.done >= self.total):
            self._last_write = now
            self.beat()

    def beat(self) -> None:
        cache.set(
            _progress_key(self.job_id),
            {"done": self.done, "total": self.total, "at": time.time()},
            timeout=24 * 3600,
        )


class JobRun:
    """The handler's view of its job."""

    def __init__(self, job: Job):
        self.job = job
        self.progress = Progress(job.pk)
        self.result_path: Path | None = None
        self.result_name = ""

    @property
    def user(self):
        return self.job.user

    @property
    def params(self) -> dict:
        return self.job.params

    def open_upload(self) -> File:
        """The uploaded file, opened for reading, named as the user's file was."""
        if not self.job.upload_file:
            raise JobFailed("任务缺少上传的文件，请重新上传。")
        path = files_root() / self.job.upload_file
        if not path.is_file():
            raise JobFailed("上传的文件已不存在（可能已过保留期），请重新上传。")
        return File(path.open("rb"), name=self.job.upload_name or path.name)

    def result_file(self, download_name: str) -> BinaryIO:
        """A new private file for the job's result; the user downloads it as `download_name`."""
        path = _new_private_path("results", Path(download_name).suffix)
        self.result_path, self.result_name = path, download_name[:200]
        return _open_private(path)


# --------------------------------------------------------------------------------------------- files


def files_root() -> Path:
    return Path(settings.JOB_FILES_ROOT)


_SAFE_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,8}")


def _new_private_path(folder: str, suffix: str) -> Path:
    # A random name: nothing the user typed reaches the file system. The folder is outside MEDIA_ROOT and
    # STATIC_ROOT, so no URL serves it; only job_download does, to the job's own user.
    suffix = suffix.lower() if _SAFE_SUFFIX.fullmatch(suffix or "") else ""
    directory = files_root() / folder / timezone.localdate().strftime("%Y%m")
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return directory / f"{uuid.uuid4().hex}{suffix}"


def _open_private(path: Path) -> BinaryIO:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def _relative(path: Path) -> str:
    return str(path.relative_to(files_root()))


def _remove(relative: str) -> None:
    if relative:
        (files_root() / relative).unlink(missing_ok=True)


def job_result_path(job: Job) -> Path | None:
    """The result file on disk, or None if there is none (yet, or any more)."""
    if not job.result_file:
        return None
    path = files_root() / job.result_file
    return path if path.is_file() else None


# ------------------------------------------------------------------------------------------ start/run


def job_start(*, kind: str, user, params: dict | None = None, upload=None) -> Job:
    """Record the job, keep its upload privately, and queue it once this transaction commits (so the worker
    finds the row). `params` must be JSON: primary keys and query strings, never objects."""
    if kind not in _KINDS:
        raise ValueError(f"job kind {kind!r} is not registered")
    fields = {}
    if upload is not None:
        path = _new_private_path("uploads", Path(upload.name or "").suffix)
        with _open_private(path) as out:
            for chunk in upload.chunks():
                out.write(chunk)
        fields = {"upload_file": _relative(path), "upload_name": (upload.name or "")[:200]}
    with transaction.atomic():
        job = Job.objects.create(kind=kind, user=user, params=params or {}, **fields)
        transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from common.tasks import job_run  # common.tasks imports this module

    job_run.delay(job_id)


def job_execute(job_id: int) -> None:
    """Run one job (the body of common.tasks.job_run). Claims it queued → running with a conditional UPDATE,
    so a message delivered twice never runs the work twice."""
    now = timezone.now()
    if not Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now
    ):
        logger.info("job %s is not queued any more; skipped", job_id)
        return
    job = Job.objects.select_related("user", "user__unit").get(pk=job_id)
    run = JobRun(job)
    run.progress.beat()
    registered = _KINDS.get(job.kind)
    try:
        if registered is None:
            raise JobFailed(UNKNOWN_KIND.format(kind=job.kind))
        outcome = registered.handler(run)
    except JobFailed as failed:
        _finish(run, ok=False, outcome=JobOutcome(ok=False, message=str(failed), level="error"))
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(
            run,
            ok=False,
            outcome=JobOutcome(ok=False, message=INTERNAL_ERROR.format(id=job.pk), level="error"),
        )
    except BaseException:
        # The worker is shutting down hard (second Ctrl+C, SystemExit): record it before going.
        _finish(run, ok=False, outcome=JobOutcome(ok=False, message=INTERRUPTED, level="error"))
        raise
    else:
        _finish(run, ok=outcome.ok, outcome=outcome)


def _finish(run: JobRun, *, ok: bool, outcome: JobOutcome) -> None:
    job = run.job
    if not ok and run.result_path is not None:
        run.result_path.unlink(missing_ok=True)  # a half-written file is never offered
    total = run.progress.total
    done = total if ok and total else run.progress.done
    result = {
        "level": outcome.level or ("success" if ok else "error"),
        "errors": outcome.errors,
        "links": outcome.links,
        **outcome.data,
    }
    # Written whatever the row says now: if the job had been shown as stale meanwhile, the real end wins.
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE if ok else JobStatus.FAILED,
        message=outcome.message,
        result=result,
        result_file=_relative(run.result_path) if ok and run.result_path is not None else "",
        result_name=run.result_name if ok and run.result_path is not None else "",
        progress_done=done,
        progress_total=total,
        finished_at=timezone.now(),
        upload_file="",
    )
    # The upload (with contacts' phone numbers) is not kept once read: the outcome holds what the user needs.
    _remove(job.upload_file)
    cache.delete(_progress_key(job.pk))


# --------------------------------------------------------------------------------------------- status


def job_expire_stale(job: Job, *, now=None) -> Job:
    """Show a job whose worker died as failed: running without a heartbeat (a progress write) for
    JOB_STALE_MINUTES, or queued that long without a worker taking it. The conditional UPDATE leaves a job
    that finished meanwhile alone."""
    if job.is_finished:
        return job
    now = now or timezone.now()
    limit = dt.timedelta(minutes=settings.JOB_STALE_MINUTES)
    if job.status == JobStatus.RUNNING:
        last = job.started_at or job.created_at
        progress = cache.get(_progress_key(job.pk))
        if progress:
            last = max(last, dt.datetime.fromtimestamp(progress["at"], tz=dt.UTC))
        message = STALE_RUNNING
    else:
        last, message = job.created_at, STALE_QUEUED
    if now - last <= limit:
        return job
    if Job.objects.filter(pk=job.pk, status=job.status).update(
        status=JobStatus.FAILED, message=message, finished_at=now, result={"level": "error"}
    ):
        logger.warning("job %s (%s) marked failed: %s since %s", job.pk, job.kind, job.status, last)
    job.refresh_from_db()
    return job


def job_progress(job: Job) -> tuple[int, int]:
    """(done, total): live from the cache while running, from the row once finished."""
    if job.status == JobStatus.RUNNING:
        progress = cache.get(_progress_key(job.pk))
        if progress:
            return progress["done"], progress["total"]
    return job.progress_done, job.progress_total


def job_status(job: Job, *, now=None) -> dict:
    """What the job page shows, as JSON for its polling script (common.job_views.job_status_json)."""
    from django.urls import reverse

    now = now or timezone.now()
    job = job_expire_stale(job, now=now)
    done, total = job_progress(job)
    percent = min(100, round(done * 100 / total)) if total else (100 if job.status == JobStatus.DONE else 0)
    has_file = job.status == JobStatus.DONE and job_result_path(job) is not None
    return {
        "id": job.pk,
        "kind": job.kind,
        "label": job_label(job),
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.is_finished,
        "done": done,
        "total": total,
        "percent": percent,
        "message": job.message,
        "hint": QUEUED_HINT
        if job.status == JobStatus.QUEUED and now - job.created_at > QUEUED_HINT_AFTER
        else "",
        "download_url": reverse("common:job_download", args=[job.pk]) if has_file else None,
        "page_url": job.get_absolute_url(),
    }


def jobs_for_user(user, *, limit: int = 30) -> list[Job]:
    return [job_expire_stale(job) for job in Job.objects.filter(user=user)[:limit]]


# -------------------------------------------------------------------------------------------- cleanup


def job_files_cleanup(*, now=None) -> int:
    """Delete job files older than JOB_FILES_KEEP_DAYS (the daily beat task): exports hold contacts' phone
    numbers and the whole ledger, so they don't pile up. Returns how many files went."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.JOB_FILES_KEEP_DAYS)
    removed = 0
    for job in Job.objects.filter(created_at__lt=cutoff).exclude(result_file="", upload_file=""):
        for relative in (job.result_file, job.upload_file):
            if relative and (files_root() / relative).is_file():
                _remove(relative)
                removed += 1
        Job.objects.filter(pk=job.pk).update(result_file="", upload_file="")
    # Files no job points at (a transaction that rolled back after the upload was saved).
    root = files_root()
    kept = {
        root / relative
        for pair in Job.objects.filter(created_at__gte=cutoff).values_list("result_file", "upload_file")
        for relative in pair
        if relative
    }
    if root.is_dir():
        for path in root.rglob("*"):
            if path.is_file() and path not in kept and path.stat().st_mtime < cutoff.timestamp():
                path.unlink(missing_ok=True)
                removed += 1
    return removed
