"""Small health tasks: prove a worker is reachable, has Django loaded and reaches the database.

`celery -A zhongzhan_wages call common.tasks.ping` from the web container checks the production wiring.
"""

from celery import shared_task
from django.db import connection
from django.utils import timezone


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
