"""Issue 9 figures for the leaders' dashboard and the V6 scorecards, on a PostgreSQL database of the bench's own
(`zz_bench_dashboard` on 127.0.0.1, dropped afterwards):

    .venv/bin/python bench/dashboard_bench.py                  # 1,000 → 100,000 clues, 100 → 10,000 projects
    .venv/bin/python bench/dashboard_bench.py --million        # then on to 1,000,000 clues (if the fill < 10 min)

1. The fill: supervision.bulk_demo.build (what `seed_demo --projects N --clues M` runs) — seconds per step.
2. The dashboard (supervision:dashboard) as a leader and as a clerk (区住房城乡建设局), period week and year:
   median server time of `--repeat` requests through Django's test client (without the test environment's
   template instrumentation) after one warm-up, and the number of SQL queries — at each size (the count must not change with the data; tests assert it at 20 vs 200).
3. The scorecards for all units over a year: the refresh (compute + store the table: what its job and the
   sweep run), the page reading the stored table (ms, queries), the Excel export and the PDF render (what its
   job runs) — seconds.

Each figure runs in its own child process; the machine's load average is printed with the figures (2 shared
cores: medians, not means). No timing is asserted anywhere.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import ROOT, base_env, drop_pg_database, recreate_pg_database, run_python  # noqa: E402

PG_NAME = "zz_bench_dashboard"


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def child_setup() -> None:
    _django()
    from django.core.management import call_command

    from common.models import Role, Unit, User
    from deposits.models import Fund, FundKind

    call_command("loaddata", "units", verbosity=0)
    call_command("loaddata", "institutions", verbosity=0)
    hrss = Unit.objects.get(unit_type="hrss")
    User.objects.create(username="renshe", unit=hrss, role=Role.DISPATCHER, full_name="调度员")
    User.objects.create(username="lingdao", unit=None, role=Role.LEADER, full_name="区领导")
    User.objects.create(
        username="zhujian", unit=Unit.objects.get(name="区住房城乡建设局"), role=Role.CLERK, full_name="住建"
    )
    finance = Unit.objects.get(short_name="财政")
    Fund.objects.create(kind=FundKind.REVOLVING, name="应急周转金", unit=finance, balance=950000)
    Fund.objects.create(kind=FundKind.RESERVE, name="应急储备金", unit=finance, balance=4000000)
    print(json.dumps({"ok": True}))


def child_fill(projects: int, clues: int) -> None:
    _django()
    from django.db import connection

    from supervision import bulk_demo

    started = time.perf_counter()
    counts = bulk_demo.build(projects=projects, clues=clues)
    seconds = time.perf_counter() - started
    # What autovacuum does on a server within minutes of a bulk load (insert-triggered since PostgreSQL 13): the
    # statistics, and the visibility map that lets the dashboard's index-only scans skip the table. Measured
    # before it, every index-only scan also reads the freshly loaded table pages (the closing note of issue 9 gives
    # both figures).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    from clues.models import Clue
    from projects.models import Project

    print(
        json.dumps(
            {
                "seconds": seconds,
                "added": counts,
                "clues": Clue.objects.count(),
                "projects": Project.objects.count(),
            }
        )
    )


def _timed(client, url, params, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)  # warm-up: templates, url resolver, content types
    times, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url, params)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        queries = len(ctx.captured_queries)
    return statistics.median(times) * 1000, queries


def child_dashboard(repeat: int) -> None:
    """The dashboard's server time as a server spends it: Django's test client without setup_test_environment(),
    whose instrumented template rendering copies the context for every template rendered (some 40 ms of this
    page that production never spends)."""
    _django()
    from django.test import Client
    from django.urls import reverse

    from common.models import User

    url = reverse("supervision:dashboard")
    results = []
    for username in ("lingdao", "zhujian"):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username=username))
        for period in ("week", "month", "quarter", "year"):
            ms, queries = _timed(client, url, {"period": period}, repeat)
            results.append({"case": f"{username} {period}", "ms": ms, "queries": queries})
    print(json.dumps(results))


def child_scorecards(repeat: int) -> None:
    """V6 for all units over this year: (b) the refresh (supervision.scorecards.scorecard_refresh: compute and
    store the snapshot — what the sweep and the refresh job run), then (a) the page reading that snapshot (median
    ms and SQL queries, as the dashboard's), the Excel export (a request: snapshot → workbook) and the PDF render
    (scorecard_pdf of the snapshot, what its job runs). Keys `compute` (= the refresh) and `page` (s) are kept for
    main()'s line."""
    _django()
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from common.models import User
    from supervision import dashboard, scorecards

    setup_test_environment()
    period = dashboard.period_for("year")
    out = {}
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        snapshot, _stored = scorecards.scorecard_refresh(period)
        times.append(time.perf_counter() - started)
    out["refresh"] = out["compute"] = statistics.median(times)
    client = Client()
    client.force_login(User.objects.get(username="lingdao"))
    url = reverse("supervision:scorecard_list")
    body = client.get(url, {"period": "year"}).content.decode()
    assert "数据截至" in body and "正在计算" not in body, "the page must show the stored table"
    out["page_ms"], out["page_queries"] = _timed(client, url, {"period": "year"}, repeat)
    out["page"] = out["page_ms"] / 1000
    out["excel_as_job"] = False  # written from the snapshot in the request at any size
    export = reverse("supervision:scorecard_export")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(export, {"period": "year"})
        times.append(time.perf_counter() - started)
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    out["excel"] = statistics.median(times)
    table = scorecards.snapshot_table(snapshot)
    times = []
    for _ in range(max(3, repeat // 2)):
        started = time.perf_counter()
        pdf = scorecards.scorecard_pdf(table)
        times.append(time.perf_counter() - started)
    out["pdf_first"], out["pdf"] = times[0], statistics.median(times[1:])
    out["pdf_bytes"], out["units"] = len(pdf), len(table.rows)
    print(json.dumps(out))


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--million", action="store_true", help="go on to 1,000,000 clues")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--arg", type=int, nargs="*", default=[], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        {"setup": child_setup, "fill": lambda: child_fill(*args.arg), "dashboard": lambda: child_dashboard(*args.arg),
         "scorecards": lambda: child_scorecards(*args.arg)}[args.child]()  # fmt: skip
        return

    url = recreate_pg_database(PG_NAME)
    env = base_env(DATABASE_URL=url)
    me = str(Path(__file__).resolve())

    def child(name, *numbers, timeout=3600):
        out = run_python(env, me, "--child", name, "--arg", *map(str, numbers), timeout=timeout)
        return json.loads(out.splitlines()[-1])

    print(f"PostgreSQL {PG_NAME}, {os.cpu_count()} cores, load {_load()}; medians of {args.repeat} requests")
    try:
        run_python(env, "manage.py", "migrate", "--noinput", "-v", "0")
        run_python(env, me, "--child", "setup")
        steps = [(100, 1_000), (9_900, 99_000)]
        if args.million:
            steps.append((0, 900_000))
        for projects, clues in steps:
            fill = child("fill", projects, clues)
            print(
                f"\n{fill['clues']:,} clues / {fill['projects']:,} projects "
                f"(fill +{clues:,} clues +{projects:,} projects: {fill['seconds']:.0f} s; "
                f"letters +{fill['added'].get('letters', 0):,}); load {_load()}"
            )
            for row in child("dashboard", args.repeat):
                print(f"   dashboard {row['case']:<14} {row['ms']:8.1f} ms  {row['queries']:3d} queries")
            sc = child("scorecards", max(3, args.repeat // 3))
            print(
                f"   scorecards, all {sc['units']} units, this year: refresh {sc['refresh']:.2f} s (a job), "
                f"page {sc['page_ms']:.1f} ms ({sc['page_queries']} queries, the stored table), "
                f"Excel {sc['excel']:.2f} s, PDF {sc['pdf']:.2f} s "
                f"(first {sc['pdf_first']:.2f} s, {sc['pdf_bytes'] // 1024} KB)"
            )
    finally:
        drop_pg_database(PG_NAME)


if __name__ == "__main__":
    main()
