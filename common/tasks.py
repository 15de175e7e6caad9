"""Health tasks (prove a worker is reachable, has Django loaded and reaches the database) and the background
jobs runner (common.jobs).

`celery -A zhongzhan_wages call common.tasks.ping` from the web container checks the production wiring.
"""

from celery import shared_task
from django.db import connection
from django.utils import timezone

from common import jobs


@shared_task
def ping() -> str:
    return "pong"


@shared_task
def worker_check() -> dict:
    """What the worker sees: its database (one query) and its time zone (deadlines are Asia/Shanghai dates)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return {
        "database": connection.vendor,
        "query_ok": one == 1,
        "time_zone": timezone.get_current_timezone_name(),
        "today": timezone.localdate().isoformat(),
    }


@shared_task(ignore_result=True)
def job_run(job_id: int) -> None:
    """A background job (common.jobs): loaded by primary key, claimed, run, marked done or failed."""
    jobs.job_execute(job_id)


@shared_task(ignore_result=True)
def job_files_cleanup() -> int:
    """Daily (zhongzhan_wages/celery.py): job uploads and results older than JOB_FILES_KEEP_DAYS go."""
    return jobs.job_files_cleanup()


@shared_task(ignore_result=True)
def document_render(document_id: int, version: int) -> None:
    """An issued document's PDF (common.documents), queued when the issuing transaction commits: rendered
    and stored once; a second delivery, or a download that rendered it first, finds it done."""
    from common.documents import document_render_version

    document_render_version(document_id=document_id, version=version)


@shared_task(ignore_result=True)
def notifications_deliver(event: str) -> dict:
    """The other channels (e-mail, …) of an event's inbox entries (common.notifications), queued when the
    notifying transaction commits. Idempotent: each (notification, channel) is claimed by inserting its
    NotificationDelivery row before sending, so a retried or duplicated task never sends twice; a worker killed
    between the claim and the send leaves a "sending" row (at most once, shown to admins), never a duplicate."""
    from common.notifications import notification_deliver

    return notification_deliver(event)


@shared_task(ignore_result=True)
def sweep_runs_cleanup() -> int:
    """Daily (zhongzhan_wages/celery.py): keep 30 days of deadline-sweep runs, and each sweep's newest."""
    from common.sweeps import sweep_runs_cleanup as cleanup

    return cleanup()


@shared_task(ignore_result=True)
def run_sweep(name: str) -> dict:
    """Beat's entry for any registered deadline sweep (common.sweeps) by name; recorded as a SweepRun."""
    from common.sweeps import sweep_run

    return sweep_run(name).counts
