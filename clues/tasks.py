"""The clue tasks: the C3 letters sweep and the Friday review (beat, zhongzhan_wages/celery.py), and the sending
of one letter. They take primary keys (or nothing) and are idempotent: acks_late redelivers a task whose worker
died, and running any of them twice changes nothing the first run did."""

from celery import shared_task

from common.sweeps import sweep_run


@shared_task(ignore_result=True)
def process_deadlines() -> dict:
    """Every 5 minutes: C3 steps 3 and 4 (clues.services.clue_process_deadlines), recorded as a SweepRun."""
    return sweep_run("clues.letters").counts


@shared_task(ignore_result=True)
def weekly_review() -> dict:
    """C3 step 5: builds the week's review once its review day has begun (and a missed one late)."""
    return sweep_run("clues.weekly_review").counts


@shared_task(ignore_result=True)
def letter_send(letter_id: int) -> None:
    from .services import letter_send as send

    send(letter_id)
