"""Background jobs (issue 5 A4, common.jobs): start → run → progress → done → download; failures end failed
with a Chinese message; a job is its user's alone; a job whose worker died shows as failed; old files go.

The last test starts a real `celery worker` on the filesystem transport (as `make run` does) and runs a ledger
export end to end through it.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from common import jobs
from common.models import Job, JobStatus
from tests.helpers import at

TEST_KIND = "tests.count"


def count_handler(run: jobs.JobRun) -> jobs.JobOutcome:
    """Counts to params["n"], writing one line per step; params pick a failure to simulate."""
    params = run.params
    if params.get("refuse"):
        raise jobs.JobFailed("筛选条件有误，未导出：日期格式不正确")
    n = params.get("n", 10)
    calls = params.get("_calls")
    if calls is not None:
        CALLS.append(run.job.pk)
    with run.result_file("计数结果.txt") as out:
        for i in range(1, n + 1):
            out.write(f"{i}\n".encode())
            run.progress(i, n)
            if i == n // 2 and params.get("peek"):
                PEEKS.append(peek(run.job.pk))
            if i == n // 2 and params.get("crash"):
                raise RuntimeError("boom")
    if run.job.upload_file:
        with run.open_upload() as upload:
            return jobs.JobOutcome(
                message=f"已读取 {upload.read().decode()}", data={"upload_name": upload.name}
            )
    return jobs.JobOutcome(message=f"已完成 {n} 步。", links=[{"url": "/projects/", "label": "返回台账"}])


CALLS: list[int] = []
PEEKS: list[dict] = []


def peek(job_id: int) -> dict:
    """What the polling page sees in the middle of the run, and what the Job row holds at that moment."""
    row = Job.objects.get(pk=job_id)
    return {"status": jobs.job_status(row), "row_done": row.progress_done}


@pytest.fixture(autouse=True)
def test_kind(monkeypatch):
    monkeypatch.setitem(jobs._KINDS, TEST_KIND, jobs.JobKind(TEST_KIND, count_handler, "测试计数"))
    monkeypatch.setattr(jobs.Progress, "MIN_INTERVAL", 0)  # every step written: the test peeks at step 5
    CALLS.clear()
    PEEKS.clear()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """job_start queues the task on commit; run it (eagerly, as the worker would) when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.mark.django_db
def test_it_runs_a_job_from_start_to_download(client, zhujian, run_on_commit):
    client.force_login(zhujian)
    with run_on_commit() as callbacks:
        job = jobs.job_start(kind=TEST_KIND, user=zhujian, params={"n": 10, "peek": True})
        assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED  # nothing runs before the commit
    assert len(callbacks) == 1

    # Halfway through, the page saw the progress; the Job row didn't hold it (it lives in the cache).
    (middle,) = PEEKS
    assert middle["status"]["status"] == "running" and middle["status"]["status_label"] == "进行中"
    assert (middle["status"]["done"], middle["status"]["total"], middle["status"]["percent"]) == (5, 10, 50)
    assert middle["row_done"] == 0

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.message == "已完成 10 步。"
    assert (job.progress_done, job.progress_total) == (10, 10)
    assert job.started_at and job.finished_at

    status = client.get(reverse("common:job_status", args=[job.pk])).json()
    assert status["finished"] is True and status["percent"] == 100 and status["status_label"] == "已完成"
    assert status["download_url"] == reverse("common:job_download", args=[job.pk])

    page = client.get(reverse("common:job", args=[job.pk])).content.decode()
    assert (
        "测试计数" in page and "已完成 10 步。" in page and "下载 计数结果.txt" in page and "返回台账" in page
    )

    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"".join(f"{i}\n".encode() for i in range(1, 11))
    assert (
        "attachment" in download["Content-Disposition"]
        and "filename*=utf-8''" in download["Content-Disposition"]
    )


@pytest.mark.django_db(transaction=True)
def test_it_shows_progress_to_another_connection_while_the_handler_holds_a_transaction(zhujian, units):
    """The import runs in one long transaction: a progress write inside it would be invisible (PostgreSQL) or
    wait for the write lock (SQLite). The polling request, on its own connection, still sees it."""
    from tests.factories import create_project

    seen = {}
    client = Client()
    client.force_login(zhujian)  # before the transaction: logging in writes the session

    def handler(run):
        with transaction.atomic():
            create_project(
                user=zhujian, street=units["李封街道办事处"]
            )  # the transaction now holds written rows
            run.progress(3, 10)

            def poll():
                seen["status"] = client.get(reverse("common:job_status", args=[run.job.pk])).json()
                connection.close()

            thread = threading.Thread(target=poll)
            thread.start()
            thread.join(timeout=30)
        return jobs.JobOutcome(message="完成")

    jobs._KINDS["tests.transaction"] = jobs.JobKind("tests.transaction", handler, "事务中的进度")
    try:
        job = jobs.job_start(kind="tests.transaction", user=zhujian)  # autocommit: runs at once (eager)
    finally:
        del jobs._KINDS["tests.transaction"]
    assert (seen["status"]["status"], seen["status"]["done"], seen["status"]["total"]) == ("running", 3, 10)
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE


@pytest.mark.django_db
def test_it_ends_a_crashed_job_as_failed_with_a_chinese_message(client, zhujian, run_on_commit, caplog):
    client.force_login(zhujian)
    with run_on_commit():
        job = jobs.job_start(kind=TEST_KIND, user=zhujian, params={"n": 10, "crash": True})
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert (
        job.message
        == f"处理时发生内部错误，任务未完成（任务编号 {job.pk}）。请稍后重新提交；如仍失败，请联系管理员。"
    )
    assert job.result_file == ""
    assert not [
        p for p in (jobs.files_root() / "results").rglob("*") if p.is_file()
    ]  # half-written file gone
    assert "boom" in caplog.text  # the traceback is logged for the administrator, not shown to the clerk
    status = client.get(reverse("common:job_status", args=[job.pk])).json()
    assert status["finished"] and status["status_label"] == "失败" and status["download_url"] is None
    assert client.get(reverse("common:job_download", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_it_shows_a_handlers_refusal_as_it_is(client, zhujian, run_on_commit):
    client.force_login(zhujian)
    with run_on_commit():
        job = jobs.job_start(kind=TEST_KIND, user=zhujian, params={"refuse": True})
    job.refresh_from_db()
    assert (job.status, job.message) == (JobStatus.FAILED, "筛选条件有误，未导出：日期格式不正确")
    assert "筛选条件有误，未导出：日期格式不正确" in client.get(job.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_it_runs_a_job_once_if_its_message_comes_twice(zhujian, run_on_commit):
    with run_on_commit():
        job = jobs.job_start(kind=TEST_KIND, user=zhujian, params={"n": 2, "_calls": True})
    jobs.job_execute(job.pk)  # a redelivered message: the job is no longer queued
    assert [job.pk] == CALLS


@pytest.mark.django_db
def test_it_keeps_a_job_from_other_users(client, zhujian, jiaotong, dispatcher, run_on_commit):
    with run_on_commit():
        job = jobs.job_start(kind=TEST_KIND, user=zhujian, params={"n": 3})
    for other in (jiaotong, dispatcher):  # another unit's clerk, and HRSS who sees the whole district
        client.force_login(other)
        for name in ("common:job", "common:job_status", "common:job_download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (other, name)
        assert "测试计数" not in client.get(reverse("common:jobs")).content.decode()
    client.force_login(zhujian)
    listing = client.get(reverse("common:jobs")).content.decode()
    assert "我的导出与导入" in listing and "测试计数" in listing and "已完成" in listing and "下载" in listing


@pytest.mark.django_db
def test_it_shows_a_running_job_whose_worker_died_as_failed(client, zhujian, time_machine, settings):
    settings.JOB_STALE_MINUTES = 15
    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    client.force_login(zhujian)
    job = Job.objects.create(
        kind=TEST_KIND, user=zhujian, status=JobStatus.RUNNING, started_at=at(2026, 11, 2)
    )
    jobs.Progress(job.pk)(4, 10)  # its last heartbeat, at 10:00

    time_machine.move_to(at(2026, 11, 2, 10, 14), tick=False)
    status = client.get(reverse("common:job_status", args=[job.pk])).json()
    assert (status["status"], status["done"]) == ("running", 4)  # 14 minutes silent: still believed alive

    time_machine.move_to(at(2026, 11, 2, 10, 16), tick=False)
    status = client.get(reverse("common:job_status", args=[job.pk])).json()
    assert status["status"] == "failed" and status["finished"]
    assert status["message"] == "任务中断：后台任务进程在处理过程中停止（可能已重启），未完成。请重新提交。"
    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED


@pytest.mark.django_db
def test_it_tells_when_a_job_waits_and_gives_up_on_one_no_worker_takes(
    client, zhujian, time_machine, settings
):
    settings.JOB_STALE_MINUTES = 15
    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    client.force_login(zhujian)
    job = jobs.job_start(kind=TEST_KIND, user=zhujian)  # queued; in this test no commit runs it

    page = client.get(job.get_absolute_url()).content.decode()
    # Without JavaScript the page reloads itself; with it, jobs.js polls the status endpoint.
    assert (
        f'<noscript><meta http-equiv="refresh" content="2;url={job.get_absolute_url()}?from=running">' in page
    )
    assert "排队中" in page and "等待后台处理" in page and "js/jobs.js" in page
    assert 'data-job-status-url="' + reverse("common:job_status", args=[job.pk]) in page

    time_machine.move_to(at(2026, 11, 2, 10, 1), tick=False)
    assert (
        "后台任务进程繁忙或未启动" in client.get(reverse("common:job_status", args=[job.pk])).json()["hint"]
    )

    time_machine.move_to(at(2026, 11, 2, 10, 16), tick=False)
    status = client.get(reverse("common:job_status", args=[job.pk])).json()
    assert status["status"] == "failed" and "长时间未开始" in status["message"]
    jobs.job_execute(job.pk)  # a worker that finally comes up doesn't run what the user was told failed
    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED


@pytest.mark.django_db
def test_it_does_not_renew_the_session_while_polling(client, zhujian, run_on_commit):
    """SESSION_SAVE_EVERY_REQUEST renews the idle logout on every request; the polling must not (it would
    wait for SQLite's write lock during an import, and keep a shared PC logged in)."""
    from django.contrib.sessions.models import Session

    client.force_login(zhujian)
    with run_on_commit():
        job = jobs.job_start(kind=TEST_KIND, user=zhujian, params={"n": 2})
    session = Session.objects.get()
    Session.objects.filter(pk=session.pk).update(expire_date=at(2030, 1, 1))
    client.get(reverse("common:job_status", args=[job.pk]))
    client.get(job.get_absolute_url())
    assert Session.objects.get().expire_date == at(2030, 1, 1)
    client.get(reverse("common:jobs"))  # any other page renews it as before
    assert Session.objects.get().expire_date != at(2030, 1, 1)


@pytest.mark.django_db
def test_it_keeps_an_upload_privately_and_drops_it_once_read(settings, zhujian, run_on_commit):
    upload = SimpleUploadedFile("台账 (1).xlsx", b"hello")
    with run_on_commit():
        job = jobs.job_start(kind=TEST_KIND, user=zhujian, params={"n": 1}, upload=upload)
        saved = jobs.files_root() / job.upload_file
        assert saved.read_bytes() == b"hello" and saved.suffix == ".xlsx" and "台账" not in str(saved)
        assert oct(saved.stat().st_mode & 0o777) == "0o600"
        assert not saved.is_relative_to(settings.MEDIA_ROOT) and not saved.is_relative_to(
            settings.STATIC_ROOT
        )
    job.refresh_from_db()
    assert job.message == "已读取 hello" and job.result["upload_name"] == "台账 (1).xlsx"
    assert job.upload_file == "" and not saved.exists()


@pytest.mark.django_db
def test_it_auto_downloads_once_on_the_page_that_watched_the_job(client, zhujian, run_on_commit):
    client.force_login(zhujian)
    with run_on_commit():
        job = jobs.job_start(kind=TEST_KIND, user=zhujian, params={"n": 2})
    download = reverse("common:job_download", args=[job.pk])
    watched = client.get(job.get_absolute_url(), {"from": "running"}).content.decode()
    assert f'data-auto-download="{download}"' in watched
    assert f'<noscript><meta http-equiv="refresh" content="0;url={download}"></noscript>' in watched
    revisited = client.get(job.get_absolute_url()).content.decode()
    assert "data-auto-download" not in revisited and f'href="{download}"' in revisited


@pytest.mark.django_db
def test_it_deletes_job_files_older_than_7_days(zhujian, run_on_commit, time_machine):
    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    with run_on_commit():
        old = jobs.job_start(kind=TEST_KIND, user=zhujian, params={"n": 1})
        recent = jobs.job_start(kind=TEST_KIND, user=zhujian, params={"n": 1})
    Job.objects.filter(pk=old.pk).update(created_at=at(2026, 10, 25, 9, 0))  # 8 days before
    Job.objects.filter(pk=recent.pk).update(created_at=at(2026, 10, 27, 11, 0))  # 6 days before
    old.refresh_from_db()
    recent.refresh_from_db()
    old_file, recent_file = jobs.job_result_path(old), jobs.job_result_path(recent)
    orphan = jobs.files_root() / "uploads" / "202610" / "left-over.xlsx"  # a rolled-back upload
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x")
    os.utime(orphan, (at(2026, 10, 20).timestamp(),) * 2)
    os.utime(recent_file, (at(2026, 10, 20).timestamp(),) * 2)  # a job's own file goes by the job's age

    from common.tasks import job_files_cleanup

    assert job_files_cleanup.delay().get() == 2
    assert not old_file.exists() and not orphan.exists() and recent_file.exists()
    old.refresh_from_db()
    assert old.result_file == "" and jobs.job_result_path(old) is None


def test_it_schedules_the_cleanup_daily_in_the_beat():
    from zhongzhan_wages.celery import app

    entry = app.conf.beat_schedule["job-files-cleanup"]
    assert entry["task"] == "common.tasks.job_files_cleanup" and entry["task"] in app.tasks
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {30})


# ------------------------------------------------------------------------------------------ real worker


def test_it_runs_a_ledger_export_through_a_real_worker_on_the_filesystem_transport(tmp_path, settings):
    """`make run` without any service: a `celery worker` process, messages as files under var/celery, SQLite
    in WAL mode shared with the web process, progress in a file cache. A job started by one process is run by
    the worker and its file holds every project."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="zhongzhan_wages.settings",
        DJANGO_SECRET_KEY="worker-test-" + "x" * 40,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        CELERY_FS_ROOT=str(tmp_path / "celery"),
        JOB_FILES_ROOT=str(tmp_path / "jobs"),
        DJANGO_CACHE_URL=f"file://{tmp_path / 'cache'}",
        PYTHONUNBUFFERED="1",
    )
    base = settings.BASE_DIR

    def manage(*args, **kwargs):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=base,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            **kwargs,
        )

    manage("migrate", "-v", "0")
    started = manage(
        "shell",
        "-c",
        "from django.core.management import call_command\n"
        "call_command('loaddata', 'units', verbosity=0)\n"
        "from common.models import Unit\n"
        "from common.jobs import job_start\n"
        "from tests.factories import UserFactory, create_project\n"
        "u = UserFactory(username='zhujian_w', unit=Unit.objects.get(name='区住房城乡建设局'))\n"
        "street = Unit.objects.get(name='李封街道办事处')\n"
        "for i in range(3): create_project(user=u, street=street, serial=i, push=True)\n"
        "print(job_start(kind='projects.ledger_export', user=u, params={'query': ''}).pk)\n",
    )
    job_id = int(started.stdout.split()[-1])
    assert list((tmp_path / "celery" / "queue").iterdir()), "the web side queued a message file"

    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "zhongzhan_wages", "worker", "--pool=solo", "--without-mingle",
         "--without-gossip", "--loglevel=INFO"],
        cwd=base, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            with sqlite3.connect(tmp_path / "db.sqlite3", timeout=20) as db:
                status, result_file = db.execute(
                    "SELECT status, result_file FROM common_job WHERE id = ?", (job_id,)
                ).fetchone()
            if status in ("done", "failed"):
                break
            time.sleep(0.3)
    finally:
        worker.send_signal(signal.SIGTERM)  # warm shutdown, as Ctrl+C in scripts/run_local.py
        output, _ = worker.communicate(timeout=30)
    assert status == "done", output
    assert "ready." in output and "common.tasks.job_run" in output
    wb = openpyxl.load_workbook(tmp_path / "jobs" / result_file, read_only=True)
    names = [r[1] for r in wb.worksheets[0].iter_rows(min_row=4, values_only=True) if r[1]]
    assert sorted(names) == ["测试项目0", "测试项目1", "测试项目2"]


def test_document_renders_have_their_own_queue_so_a_clerks_job_never_waits_behind_them():
    """A4: an import queues one notice PDF per pushed project; user jobs go to the default queue, renders to
    "documents", and every worker consumes both in turn."""
    from zhongzhan_wages.celery import app

    queues = {q.name for q in app.conf.task_queues}
    assert queues == {"celery", "documents"}
    assert app.amqp.router.route({}, "common.tasks.document_render")["queue"].name == "documents"
    assert app.amqp.router.route({}, "common.tasks.job_run")["queue"].name == "celery"
