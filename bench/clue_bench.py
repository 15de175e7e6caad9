"""Issue 7 figures for the clues, on a PostgreSQL database of the bench's own (`zz_bench_clues` on 127.0.0.1,
dropped afterwards):

    .venv/bin/python bench/clue_bench.py              # --clues 100000 --creates 1000 --repeat 7

1. Intake through the API (C1): `--creates` sequential POST /api/clues/ as HRSS's dispatcher with an
   integration token, through Django's test client (the full DRF stack and clues.services.clue_register: the
   number from common.documents, routing, the ladder, the action log) — clues per second. Run first, on the
   empty table, so its numbers QX{year}-000001… do not collide with the bulk rows.
2. The clue list page (clues:clue_list) with `--clues` clues, bulk_create'd with valid fields and C3 ladder
   values (a stage cycle; next_deadline_at from clues.ladder): as HRSS, median server time of `--repeat`
   requests (Django test client, after one warm-up) and the number of SQL queries — first page, a filter, a
   search.

Each figure runs in its own child process; no timing is asserted anywhere (tests assert the query counts).
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import ROOT, base_env, drop_pg_database, recreate_pg_database, run_python  # noqa: E402

PG_NAME = "zz_bench_clues"
HRSS = "区人力资源社会保障局"


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def child_setup() -> None:
    _django()
    from django.core.management import call_command

    from common.models import Role, Unit, User

    call_command("loaddata", "units", verbosity=0)
    User.objects.create(
        username="bench_hrss", unit=Unit.objects.get(name=HRSS), role=Role.DISPATCHER, full_name="调度员"
    )
    print(json.dumps({"ok": True}))


def child_intake(count: int) -> None:
    _django()
    import datetime as dt

    from django.test.utils import setup_test_environment
    from rest_framework.test import APIClient

    from common.api import api_token_issue_integration
    from common.models import Unit, User

    setup_test_environment()
    user = User.objects.get(username="bench_hrss")
    street = Unit.objects.get(name="李封街道办事处")
    client = APIClient()
    _, token = api_token_issue_integration(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    received = (dt.datetime.now(tz=dt.UTC) - dt.timedelta(hours=1)).isoformat()

    def body(i: int) -> dict:
        return {
            "channel": "hotline",
            "received_at": received,
            "complainant_name": "王建国",
            "complainant_phone": f"139{i:08d}",
            "complainant_id_number": "11010519491231002X",
            "workers_affected": 12,
            "amount_owed": "86000.50",
            "street": street.pk,
            "employer_name": f"焦作市第{i}劳务有限公司",
            "description": "十二名农民工2026年10月工资未付",
        }

    response = client.post("/api/clues/", body(0), format="json")  # warm-up (counted in the table, not here)
    assert response.status_code == 201, response.content
    started = time.perf_counter()
    for i in range(1, count + 1):
        response = client.post("/api/clues/", body(i), format="json")
        assert response.status_code == 201, response.content
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "per_second": count / elapsed}))


def child_fill(total: int) -> None:
    """`total` clues by bulk_create: valid fields, a stage cycle, ladder timestamps in order, next_deadline_at
    from clues.ladder (policy parameters read once: the values do not change during the fill)."""
    _django()
    import datetime as dt
    import functools
    from decimal import Decimal

    from django.utils import timezone

    from clues import ladder
    from clues.models import Channel, Clue, ClueStatus
    from common.models import Unit, UnitType, User

    ladder.policy_parameter = functools.lru_cache(ladder.policy_parameter)
    user = User.objects.get(username="bench_hrss")
    hrss = user.unit
    streets = list(Unit.objects.filter(unit_type=UnitType.STREET).order_by("pk"))
    units = list(Unit.objects.exclude(unit_type=UnitType.STREET).exclude(pk=hrss.pk).order_by("pk"))
    stages = list(ClueStatus.values)
    channels = list(Channel.values)
    now = timezone.now()
    start = Clue.objects.count() + 1
    year = timezone.localdate().year
    batch = []
    for i in range(total):
        stage = stages[i % len(stages)]
        received = now - dt.timedelta(minutes=3 * i + 60)  # 100,000 × 3 min ≈ 208 days back
        held = stage != ClueStatus.REGISTERED
        unit = units[i % len(units)]
        clue = Clue(
            number=f"QX{year}-{start + i:06d}",
            channel=channels[i % len(channels)],
            is_petition=channels[i % len(channels)] == Channel.PETITION_BUREAU,
            received_at=received,
            complainant_name=f"张{i % 97}",
            complainant_phone=f"138{i:08d}",
            workers_affected=1 + i % 40,
            amount_owed=Decimal(1000 + i % 90000),
            employer_name=f"焦作市第{i % 5000}号劳务有限公司",
            street=streets[i % len(streets)],
            description="农民工工资未付",
            registered_by=user,
            registering_unit=hrss,
            registered_at=received + dt.timedelta(minutes=10),
            owner_unit=unit if held else hrss,
            responsible_unit=unit if held else None,
            responsible_person="周主任" if held else "",
            responsible_phone="13803910002" if held else "",
            status=stage,
        )
        order = stages.index(stage)
        if order >= 1:
            clue.dispatched_at = received + dt.timedelta(hours=3)
        if order >= 2:
            clue.acknowledged_at = received + dt.timedelta(hours=8)
        if order >= 3:
            clue.first_progress_at = received + dt.timedelta(hours=30)
        if order >= 4:
            clue.result_at = received + dt.timedelta(hours=60)
        if order >= 5:
            clue.closed_at = received + dt.timedelta(hours=80)
        clue.next_deadline_at = ladder.next_deadline(clue)
        batch.append(clue)
        if len(batch) == 5000:
            Clue.objects.bulk_create(batch)
            batch = []
    Clue.objects.bulk_create(batch)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE clues_clue")
    print(json.dumps({"count": Clue.objects.count()}))


def child_list(repeat: int) -> None:
    _django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from common.models import User

    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(username="bench_hrss"))
    url = reverse("clues:clue_list")
    cases = [
        ("第1页", {}),
        ("筛选 办理中+投诉举报电话", {"status": "in_progress", "channel": "hotline"}),
        ("筛选 红（逾期）", {"colour": "red"}),
        ("搜索“第4321号”（欠薪单位）", {"q": "第4321号"}),
        ("搜索编号“QX”前缀+数字", {"q": "-012345"}),
    ]
    results = []
    for label, params in cases:
        client.get(url, params)  # warm-up: templates, url resolver
        times, queries = [], 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url, params)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            queries = len(ctx.captured_queries)
        results.append({"case": label, "ms": statistics.median(times) * 1000, "queries": queries})
    print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clues", type=int, default=100_000)
    parser.add_argument("--creates", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--arg", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        {"setup": child_setup, "intake": lambda: child_intake(args.arg), "fill": lambda: child_fill(args.arg),
         "list": lambda: child_list(args.arg)}[args.child]()  # fmt: skip
        return

    url = recreate_pg_database(PG_NAME)
    env = base_env(DATABASE_URL=url)
    me = str(Path(__file__).resolve())
    try:
        run_python(env, "manage.py", "migrate", "--noinput", "-v", "0")
        run_python(env, me, "--child", "setup")
        intake = json.loads(
            run_python(env, me, "--child", "intake", "--arg", str(args.creates)).splitlines()[-1]
        )
        print(f"1. intake through the API (PostgreSQL {PG_NAME}, test client, sequential, one token)")
        print(f"   {args.creates} creates in {intake['seconds']:.2f} s = {intake['per_second']:.0f} clues/s")

        t = time.perf_counter()
        fill = json.loads(run_python(env, me, "--child", "fill", "--arg", str(args.clues)).splitlines()[-1])
        print(f"2. clue list as HRSS, {fill['count']:,} clues (bulk fill {time.perf_counter() - t:.0f} s), "
              f"median of {args.repeat}")  # fmt: skip
        rows = json.loads(run_python(env, me, "--child", "list", "--arg", str(args.repeat)).splitlines()[-1])
        for row in rows:
            print(f"   {row['case']:<28} {row['ms']:8.1f} ms  {row['queries']:3d} queries")
    finally:
        drop_pg_database(PG_NAME)


if __name__ == "__main__":
    main()
