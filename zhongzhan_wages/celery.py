"""The Celery app and the whole beat schedule, in one place.

Without CELERY_BROKER_URL tasks run eagerly (settings.CELERY_TASK_ALWAYS_EAGER), so a clerk's PC needs no Redis.
Deadlines are stored on the rows and swept by periodic jobs, never scheduled as countdown/ETA tasks
(Redis redelivers those after the visibility timeout).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongzhan_wages.settings")

app = Celery("zhongzhan_wages")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.broker_url = app.conf.broker_url or "memory://"
app.autodiscover_tasks()

# The beat schedule. Later issues add the clue sweeps (C3) here.
app.conf.beat_schedule = {}
