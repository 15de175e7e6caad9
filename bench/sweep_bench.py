"""Issue 8 figures for the C3 letters sweep (clues.services.clue_process_deadlines), on a PostgreSQL database of
the bench's own (`zz_bench_sweep` on 127.0.0.1, dropped afterwards):

    .venv/bin/python bench/sweep_bench.py
    # defaults: --sizes 10000,100000,1000000 --repeat 15 --due 1000 --due-runs 3 --pdfs 50

The open clues are one valid clue written by the ORM (the template) copied by `INSERT … SELECT … FROM
generate_series` with varied number (QX2025-0000001…), phone, received_at, status, the C3 ladder timestamps,
next_deadline_at and sweep_at, then ANALYZE. Of every 100: 80 in progress (acknowledged, with progress) and 8
with a result submitted — both sweep_at NULL, outside the partial index clue_sweep_due; 6 acknowledged without
progress, 3 dispatched and 3 registered, all received in the last 46 hours — sweep_at in the future (the 通报 or
the 提醒函 not yet due). Sampled rows are checked against clues.ladder (next_deadline, next_sweep_at). The sizes
are filled incrementally (10,000, then to 100,000, then to 1,000,000).

1. Nothing due, at each size: median (and min–max) milliseconds of `--repeat` runs of clue_process_deadlines(now)
   after one warm-up, its SQL queries, and the first lines of EXPLAIN (ANALYZE, BUFFERS) of its due query
   (`sweep_at <= now ORDER BY sweep_at, pk`) — an index scan on clue_sweep_due, flat in N.
2. On top of the 100,000 set: 100 (the peer's size), then `--due` clues past day 3 and not taken on (half
   registered, half dispatched and not signed for), each batch added and swept `--due-runs` times: seconds (and
   the median), the sweep process's CPU and its wait on PostgreSQL, SQL queries per clue (each clue is one
   transaction, BEGIN to COMMIT: the same count for every clue) and the letters created (all 提醒函). The sweep
   writes no PDF and queues nothing in here: in the children clues.services._enqueue_letter_send and
   common.documents._enqueue_render (the on_commit hooks that queue the Celery tasks) are replaced by no-ops.
3. The worker's PDF throughput: `--pdfs` of those letters rendered by common.documents.document_render_version
   (the body of the render task) into a temporary DOCUMENT_FILES_ROOT — the first render (WeasyPrint, fonts)
   apart, then letters per second. Then every letter is marked sent (as clues.services.letter_send would) and the
   swept clues wait for their day-4 step (sweep_at in the future), so the 1,000,000 set has nothing due either.

Each figure runs in its own child process; no timing is asserted anywhere (the counts are).
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import ROOT, base_env, drop_pg_database, recreate_pg_database, run_python  # noqa: E402

PG_NAME = "zz_bench_sweep"
HRSS = "区人力资源社会保障局"
PLAN_LINES = 12  # the whole plan: the scan, the sort, planning and execution time


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _no_tasks() -> None:
    """No Celery task is queued by a child: the on_commit hooks of the sweep and of document_issue are no-ops (the
    PDFs are measured apart, part 3)."""
    from clues import services
    from common import documents

    services._enqueue_letter_send = lambda letter_id: None
    documents._enqueue_render = lambda document_id, version: None


def _days(code: str) -> int:
    from common.policy import policy_parameter

    value, kind = policy_parameter(code)
    assert kind != "working_days", f"{code} counts working days: the fill's SQL counts calendar days"
    return int(value)


def child_setup() -> None:
    """Units, the HRSS dispatcher and the template clue (in progress, acknowledged, with progress)."""
    _django()
    import datetime as dt
    from decimal import Decimal

    from django.core.management import call_command
    from django.utils import timezone

    from clues import ladder
    from clues.models import Channel, Clue, ClueStatus
    from common.models import Role, Unit, UnitType, User

    call_command("loaddata", "units", verbosity=0)
    hrss = Unit.objects.get(name=HRSS)
    user = User.objects.create(username="bench_hrss", unit=hrss, role=Role.DISPATCHER, full_name="调度员")
    unit = Unit.objects.exclude(unit_type=UnitType.STREET).exclude(pk=hrss.pk).order_by("pk").first()
    received = timezone.now() - dt.timedelta(days=10)
    clue = Clue(
        number=f"QX{timezone.localdate().year}-000001",
        channel=Channel.HOTLINE,
        received_at=received,
        complainant_name="王建国",
        complainant_phone="13900000000",
        workers_affected=12,
        amount_owed=Decimal("86000.50"),
        employer_name="焦作市第一劳务有限公司",
        street=Unit.objects.filter(unit_type=UnitType.STREET).order_by("pk").first(),
        description="十二名农民工2026年10月工资未付",
        registered_by=user,
        registering_unit=hrss,
        registered_at=received + dt.timedelta(minutes=10),
        owner_unit=unit,
        responsible_unit=unit,
        responsible_person="周主任",
        responsible_phone="13803910002",
        status=ClueStatus.IN_PROGRESS,
        dispatched_at=received + dt.timedelta(hours=3),
        acknowledged_at=received + dt.timedelta(hours=8),
        first_progress_at=received + dt.timedelta(hours=30),
    )
    clue.next_deadline_at = ladder.next_deadline(clue)
    clue.sweep_at = ladder.next_sweep_at(clue, set())
    clue.full_clean(exclude=["status"])
    clue.save()
    print(json.dumps({"template": clue.pk}))


def _insert(template: int, first: int, last: int, overrides: dict[str, str], params: dict) -> None:
    """Rows g = first..last, copies of the template clue with `overrides` (column → SQL over g, k = g % 100,
    rcv = the row's received_at)."""
    from django.db import connection

    from clues.models import Clue

    columns = [f.column for f in Clue._meta.concrete_fields if f.column != "id"]
    exprs = [overrides.get(c, f"t.{c}") for c in columns]
    sql = (
        f"INSERT INTO clues_clue ({', '.join(columns)}) "
        f"SELECT {', '.join(exprs)} FROM clues_clue t "
        "CROSS JOIN LATERAL (SELECT g, g % 100 AS k FROM generate_series(%(first)s, %(last)s) g) s "
        "CROSS JOIN LATERAL (SELECT " + params.pop("rcv") + " AS rcv) r "
        "WHERE t.id = %(template)s"
    )
    sql = sql.replace(" % ", " %% ")  # the modulo operator, not a placeholder
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "first": first, "last": last, "template": template})


def _common_overrides() -> dict[str, str]:
    return {
        "number": "'QX2025-' || lpad(g::text, 7, '0')",
        "complainant_phone": "'138' || lpad(g::text, 8, '0')",
        "workers_affected": "1 + g % 40",
        "amount_owed": "1000 + g % 90000",
        "received_at": "rcv",
        "registered_at": "rcv + interval '10 minutes'",
    }


def _check_sample(since_pk: int) -> int:
    """Rows the SQL wrote agree with clues.ladder: the C3 next deadline and sweep_at, recomputed in Python."""
    from clues import ladder
    from clues.models import Clue

    checked = 0
    for clue in Clue.objects.filter(pk__gt=since_pk).order_by("?")[:300]:
        assert clue.full_clean(exclude=["status"]) is None
        assert ladder.next_deadline(clue) == clue.next_deadline_at, (clue.number, clue.status)
        assert ladder.next_sweep_at(clue, set()) == clue.sweep_at, (clue.number, clue.status)
        checked += 1
    return checked


def child_fill(template: int, total: int) -> None:
    """Open clues up to `total`, none due (see the module docstring for the mix)."""
    _django()
    import datetime as dt

    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone

    from clues.models import Clue

    escalation, reminder = _days("C3.escalation_days"), _days("C3.reminder_days")
    first_pk = Clue.objects.aggregate(m=Max("pk"))["m"]
    first = Clue.objects.count()  # g runs on from the previous fill: numbers stay unique
    if total > first:
        started = time.perf_counter()
        recent = "%(now)s - interval '60 minutes' - ((g::bigint * 7919) % 2700) * interval '1 minute'"
        old = "%(now)s - interval '5 days' - (g % 300000) * interval '1 minute'"
        held = "k < 97"
        _insert(
            template,
            first,
            total - 1,
            {
                **_common_overrides(),
                "status": "CASE WHEN k < 80 THEN 'in_progress' WHEN k < 88 THEN 'result_submitted' "
                "WHEN k < 94 THEN 'acknowledged' WHEN k < 97 THEN 'dispatched' ELSE 'registered' END",
                "owner_unit_id": f"CASE WHEN {held} THEN t.owner_unit_id ELSE t.registering_unit_id END",
                "responsible_unit_id": f"CASE WHEN {held} THEN t.responsible_unit_id END",
                "responsible_person": f"CASE WHEN {held} THEN t.responsible_person ELSE '' END",
                "responsible_phone": f"CASE WHEN {held} THEN t.responsible_phone ELSE '' END",
                "dispatched_at": "CASE WHEN k < 88 THEN rcv + interval '3 hours' "
                f"WHEN {held} THEN rcv + interval '20 minutes' END",
                "acknowledged_at": "CASE WHEN k < 88 THEN rcv + interval '8 hours' "
                "WHEN k < 94 THEN rcv + interval '45 minutes' END",
                "first_progress_at": "CASE WHEN k < 88 THEN rcv + interval '30 hours' END",
                "result_at": "CASE WHEN k >= 80 AND k < 88 THEN rcv + interval '60 hours' END",
                "next_deadline_at": "CASE WHEN k < 88 THEN NULL WHEN k < 94 THEN rcv + %(escalation)s "
                "WHEN k < 97 THEN rcv + %(feedback)s ELSE rcv + %(dispatch)s END",
                "sweep_at": "CASE WHEN k < 88 THEN NULL WHEN k < 94 THEN rcv + %(escalation)s "
                "ELSE rcv + %(reminder)s END",
            },
            {
                "rcv": f"CASE WHEN k < 88 THEN {old} ELSE {recent} END",
                "now": timezone.now(),
                "escalation": dt.timedelta(days=escalation),
                "reminder": dt.timedelta(days=reminder),
                "feedback": dt.timedelta(days=_days("C3.feedback_days")),
                "dispatch": dt.timedelta(days=_days("C3.dispatch_days")),
            },
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE clues_clue")
        seconds = time.perf_counter() - started
    else:
        seconds = 0.0
    checked = _check_sample(first_pk)
    in_index = Clue.objects.filter(sweep_at__isnull=False).count()
    print(
        json.dumps(
            {"count": Clue.objects.count(), "seconds": seconds, "in_index": in_index, "checked": checked}
        )
    )


def child_add_due(template: int, count: int) -> None:
    """`count` clues past day 3 (by 1 to 600 minutes) and not taken on: half registered, half dispatched to a unit
    and a named person but not signed for. Each owes a 提醒函 now, its 通报 in 14 hours or more."""
    _django()
    import datetime as dt

    from django.db.models import Max
    from django.utils import timezone

    from clues.models import Clue

    reminder = _days("C3.reminder_days")
    first_pk = Clue.objects.aggregate(m=Max("pk"))["m"]
    first = Clue.objects.count()
    dispatched = "k % 2 = 1"
    _insert(
        template,
        first,
        first + count - 1,
        {
            **_common_overrides(),
            "status": f"CASE WHEN {dispatched} THEN 'dispatched' ELSE 'registered' END",
            "owner_unit_id": f"CASE WHEN {dispatched} THEN t.owner_unit_id ELSE t.registering_unit_id END",
            "responsible_unit_id": f"CASE WHEN {dispatched} THEN t.responsible_unit_id END",
            "responsible_person": f"CASE WHEN {dispatched} THEN t.responsible_person ELSE '' END",
            "responsible_phone": f"CASE WHEN {dispatched} THEN t.responsible_phone ELSE '' END",
            "dispatched_at": f"CASE WHEN {dispatched} THEN rcv + interval '3 hours' END",
            "acknowledged_at": "NULL",
            "first_progress_at": "NULL",
            "result_at": "NULL",
            "next_deadline_at": f"CASE WHEN {dispatched} THEN rcv + %(feedback)s ELSE rcv + %(dispatch)s END",
            "sweep_at": "rcv + %(reminder)s",
        },
        {
            "rcv": "%(now)s - %(reminder)s - (1 + g % 600) * interval '1 minute'",
            "now": timezone.now(),
            "reminder": dt.timedelta(days=reminder),
            "feedback": dt.timedelta(days=_days("C3.feedback_days")),
            "dispatch": dt.timedelta(days=_days("C3.dispatch_days")),
        },
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clues_clue")
    _check_sample(first_pk)
    print(
        json.dumps(
            {"count": Clue.objects.count(), "due": Clue.objects.filter(sweep_at__lte=timezone.now()).count()}
        )
    )


def child_nothing_due(repeat: int) -> None:
    _django()
    _no_tasks()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from clues.models import Clue
    from clues.services import clue_process_deadlines

    now = timezone.now()
    counts = clue_process_deadlines(now)  # warm-up: connection, ContentType and policy caches
    assert not any(counts.values()), counts
    times, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            counts = clue_process_deadlines(now)
            times.append(time.perf_counter() - started)
        assert not any(counts.values()), counts
        queries = len(ctx.captured_queries)
    due = Clue.objects.filter(sweep_at__lte=now).order_by("sweep_at", "pk").values_list("pk", flat=True)
    plan = due.explain(analyze=True, buffers=True)
    print(
        json.dumps(
            {
                "count": Clue.objects.count(),
                "ms": statistics.median(times) * 1000,
                "min": min(times) * 1000,
                "max": max(times) * 1000,
                "queries": queries,
                "plan": plan.splitlines(),
                "load": os.getloadavg()[0],
            }
        )
    )


def child_sweep_due(expected: int) -> None:
    _django()
    _no_tasks()
    import collections

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from clues.models import Clue, Letter, LetterKind
    from clues.services import clue_process_deadlines

    connection.ensure_connection()
    connection.queries_log = collections.deque(maxlen=40 * expected + 1000)  # Django keeps 9,000 by default
    now = timezone.now()
    due = Clue.objects.filter(sweep_at__lte=now).count()
    before = Letter.objects.count()
    with CaptureQueriesContext(connection) as ctx:
        started, cpu = time.perf_counter(), time.process_time()
        counts = clue_process_deadlines(now)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    sqls = [q["sql"] for q in ctx.captured_queries]
    waited = sum(float(q["time"]) for q in ctx.captured_queries)
    committing = sum(float(q["time"]) for q in ctx.captured_queries if q["sql"] == "COMMIT")
    # Each batch of clues (clues.services.SWEEP_BATCH) is one transaction: its statements from BEGIN to COMMIT.
    begins = [i for i, sql in enumerate(sqls) if sql == "BEGIN"]
    commits = [i for i, sql in enumerate(sqls) if sql == "COMMIT"]
    per_batch = [c - b + 1 for b, c in zip(begins, commits, strict=True)]
    control = sum(1 for sql in sqls if sql.startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")))
    created = Letter.objects.count() - before
    reminders = Letter.objects.filter(kind=LetterKind.REMINDER, created_at=now).count()
    from clues.services import SWEEP_BATCH

    assert due == expected and len(per_batch) == -(-expected // SWEEP_BATCH), (due, expected, len(per_batch))
    assert counts[LetterKind.REMINDER] == expected and counts[LetterKind.ESCALATION] == 0, counts
    assert created == reminders == expected, (created, reminders)
    assert not Clue.objects.filter(sweep_at__lte=now).exists()
    print(
        json.dumps(
            {
                "due": due,
                "seconds": seconds,
                "queries": len(sqls),
                "cpu": cpu,
                "waited": waited,
                "committing": committing,
                "transactions": len(per_batch),
                "batch": SWEEP_BATCH,
                "per_batch": sorted(set(per_batch)),
                "per_clue": len(sqls) / due,
                "control_per_batch": control / len(per_batch),
                "outside": len(sqls) - sum(per_batch),
                "counts": counts,
                "created": created,
                "load": os.getloadavg()[0],
            }
        )
    )


def child_pdfs(count: int) -> None:
    _django()
    _no_tasks()
    import io

    from pypdf import PdfReader

    from clues.models import Letter
    from common.documents import _read, document_render_version

    documents = list(Letter.objects.order_by("-pk").values_list("document_id", flat=True)[: count + 1])
    started = time.perf_counter()
    row = document_render_version(document_id=documents[0], version=1)
    first = time.perf_counter() - started
    reader = PdfReader(io.BytesIO(_read(row)))
    pages = len(reader.pages)
    last_page = " ".join(reader.pages[-1].extract_text().split())[:60]
    times = []
    for document_id in documents[1:]:
        started = time.perf_counter()
        row = document_render_version(document_id=document_id, version=1)
        times.append(time.perf_counter() - started)
        assert row.is_rendered
    print(
        json.dumps(
            {
                "first": first,
                "count": len(times),
                "total": sum(times),
                "median": statistics.median(times),
                "max": max(times),
                "pages": pages,
                "last_page": last_page,
                "size": row.size,
                "load": os.getloadavg()[0],
            }
        )
    )


def child_mark_sent() -> None:
    """What clues.services.letter_send does last for each letter, in one UPDATE (the notifications are not part
    of these figures): after it, nothing is waiting for the requeue either."""
    _django()
    from django.utils import timezone

    from clues.models import Letter, LetterStatus

    n = Letter.objects.filter(status=LetterStatus.CREATED).update(
        status=LetterStatus.SENT, sent_at=timezone.now()
    )
    print(json.dumps({"sent": n}))


def _print_nothing_due(row: dict, fill: dict, repeat: int) -> None:
    print(
        f"   {row['count']:>9,} open clues ({fill['in_index']:,} in clue_sweep_due, fill {fill['seconds']:.0f} s)"
        f"   {row['ms']:6.2f} ms median of {repeat} (min {row['min']:.2f}, max {row['max']:.2f})"
        f"   {row['queries']} queries   load {row['load']:.1f}"
    )
    plan = row["plan"]
    for line in plan[:PLAN_LINES]:
        print(f"      | {line}")
    if len(plan) > PLAN_LINES:
        print(f"      | … ({len(plan) - PLAN_LINES} more lines)")
    text = "\n".join(plan)
    if "clue_sweep_due" not in text or "Seq Scan" in text:
        print("      ! the due query does not read the partial index clue_sweep_due")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--pdfs", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--due-runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--arg", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--template", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        {
            "setup": child_setup,
            "fill": lambda: child_fill(args.template, args.arg),
            "add_due": lambda: child_add_due(args.template, args.arg),
            "nothing_due": lambda: child_nothing_due(args.arg),
            "sweep_due": lambda: child_sweep_due(args.arg),
            "pdfs": lambda: child_pdfs(args.arg),
            "mark_sent": child_mark_sent,
        }[args.child]()
        return

    sizes = sorted(int(s) for s in args.sizes.split(","))
    due_after = 100_000 if 100_000 in sizes else sizes[0]
    url = recreate_pg_database(PG_NAME)
    tmp = Path(tempfile.mkdtemp(prefix="sweep_bench_"))
    env = base_env(
        DATABASE_URL=url, DOCUMENT_FILES_ROOT=str(tmp / "documents"), CELERY_FS_ROOT=str(tmp / "celery")
    )
    me = str(Path(__file__).resolve())

    def child(name: str, *extra: str, timeout: int = 1800) -> dict:
        return json.loads(run_python(env, me, "--child", name, *extra, timeout=timeout).splitlines()[-1])

    try:
        run_python(env, "manage.py", "migrate", "--noinput", "-v", "0")
        template = str(child("setup")["template"])
        print(f"PostgreSQL {PG_NAME}; load average at start {os.getloadavg()[0]:.1f} (2 cores, shared)")
        print(
            "1. sweep with nothing due: clue_process_deadlines(now), then EXPLAIN (ANALYZE, BUFFERS) of its due query"
        )
        for size in sizes:
            fill = child("fill", "--template", template, "--arg", str(size))
            row = child("nothing_due", "--arg", str(args.repeat))
            _print_nothing_due(row, fill, args.repeat)
            if size != due_after:
                continue
            print(
                f"2. sweep with clues due, on top of the {size:,} set ({args.due_runs} runs each; no task queued,"
                " no PDF)"
            )
            for batch in (100, args.due):
                runs = []
                for _ in range(args.due_runs):
                    child("add_due", "--template", template, "--arg", str(batch))
                    r = child("sweep_due", "--arg", str(batch))
                    runs.append(r)
                    per_batch = "/".join(str(n) for n in r["per_batch"])
                    print(
                        f"   {r['due']:>5} due: {r['seconds']:.2f} s = {r['seconds'] / r['due'] * 1000:.1f} ms per"
                        f" clue (CPU of the sweep's process {r['cpu'] / r['due'] * 1000:.1f} ms, waiting on"
                        f" PostgreSQL {r['waited'] / r['due'] * 1000:.1f} ms, of which COMMIT"
                        f" {r['committing'] / r['due'] * 1000:.1f} ms)   load {r['load']:.1f}"
                    )
                    print(
                        f"         {r['queries']} queries = {r['per_clue']:.2f} per clue: {r['transactions']} batches"
                        f" of {r['batch']} clues, {per_batch} statements per batch (one transaction each,"
                        f" {r['control_per_batch']:.0f} of them BEGIN/SAVEPOINT/RELEASE/COMMIT),"
                        f" {r['outside']} outside the batches; created {r['counts']}"
                    )
                median = statistics.median(r["seconds"] for r in runs)
                print(
                    f"   {batch:>5} due: median of {len(runs)} runs {median:.2f} s = {median / batch * 1000:.1f} ms per clue"
                )
            p = child("pdfs", "--arg", str(args.pdfs))
            print("3. letter PDFs (common.documents.document_render_version, one process, sequential)")
            print(
                f"   first render after start {p['first']:.2f} s; then {p['count']} letters in {p['total']:.2f} s"
                f" = {p['count'] / p['total']:.1f} letters/s (median {p['median'] * 1000:.0f} ms, max"
                f" {p['max'] * 1000:.0f} ms); {p['pages']} page(s), {p['size'] / 1024:.0f} KiB   load {p['load']:.1f}"
            )
            if p["pages"] > 1:
                print(f"   (last page begins: {p['last_page']})")
            sent = child("mark_sent")["sent"]
            print(
                f"   ({sent} letters marked sent; their clues wait for day 4: nothing due in the next sizes)"
            )
    finally:
        drop_pg_database(PG_NAME)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
