"""Issue 5 figure: 20 users on the ledger pages for 60 s, without and then with 5 of them exporting 12,000 rows.

    .venv/bin/python bench/load_bench.py                    # 20 users, 5 exporters, 60 s per phase, 12,000 projects
    .venv/bin/python bench/load_bench.py --seconds 20       # a quicker look

Production's shape on 127.0.0.1: PostgreSQL (a database of the bench's own, `zz_bench`, created and seeded here
with bulk_create — bench/ledger_bench.py `build` — and dropped afterwards), gunicorn with 2 sync workers, a
Celery worker on Redis (127.0.0.1:6379 db 14, purged first) with 2 processes, as docker-compose runs them.

Each simulated user is a logged-in HRSS dispatcher (they see the whole district) looping without think time
over the ledger pages: the list, a filter, page N, a project's page. Phase 1 measures that alone. In phase 2
the same 20 users browse the same way while 5 of them also export the whole ledger again and again: the
export becomes a job (common.jobs), the user's job page polls its status once a second and downloads the file
when it is ready. Printed per phase: page requests/s and p50/p95/max, errors, and the exports finished with
their seconds. Goal: page p95 with exports ≤ 1.5 × without. Every loop is bounded by time; nothing leaves
127.0.0.1.
"""

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import ROOT, Browser, Stack, base_env, drop_pg_database, recreate_pg_database, run_python  # noqa: E402

REDIS_DB = "redis://127.0.0.1:6379/14"
PG_NAME = "zz_bench"
PASSWORD = "bench-pass-2026"


def child_seed(projects: int, users: int) -> dict:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongzhan_wages.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from ledger_bench import build

    from common.models import Role, Unit, UnitType, User
    from projects.models import Project

    build("", projects)
    hrss = Unit.objects.get(unit_type=UnitType.HRSS)
    for i in range(users):
        User.objects.create_user(f"bench_u{i:02d}", password=PASSWORD, unit=hrss, role=Role.DISPATCHER)
    ids = list(Project.objects.values_list("id", flat=True))
    return {"projects": len(ids), "first_id": min(ids), "last_id": max(ids)}


def stack_env(pg_name: str, workdir: Path, *, redis: str = REDIS_DB, **extra) -> dict:
    """The environment of a load bench's stack: a fresh PostgreSQL database `pg_name` of its own, Celery and the
    cache on the Redis database `redis`, the job files under `workdir`."""
    return base_env(
        DATABASE_URL=recreate_pg_database(pg_name),
        DATABASE_CONN_MAX_AGE="60",
        CELERY_BROKER_URL=redis,
        DJANGO_CACHE_URL=redis,
        JOB_FILES_ROOT=str(workdir / "jobs"),
        **extra,
    )


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Phase:
    def __init__(self):
        self.lock = threading.Lock()
        self.pages: list[float] = []
        self.errors: list[str] = []
        self.exports: list[float] = []
        self.status_polls = 0


def browse(browser: Browser, seed: dict, phase: Phase, until: float, rng: random.Random) -> None:
    pages = seed["projects"] // 20
    while time.monotonic() < until:
        choice = rng.random()
        if choice < 0.25:
            path = "/projects/"
        elif choice < 0.5:
            path = rng.choice(
                ["/projects/?category=municipal", "/projects/?timeliness=late", "/projects/?q=0999",
                 "/projects/?status=pushed&ordering=-contract_total_wan"]
            )  # fmt: skip
        elif choice < 0.75:
            path = f"/projects/?page={rng.randint(2, pages)}"
        else:
            path = f"/projects/{rng.randint(seed['first_id'], seed['last_id'])}/"
        status, _, _, seconds = browser.get(path, timeout=60)
        with phase.lock:
            if status == 200:
                phase.pages.append(seconds)
            else:
                phase.errors.append(f"{status} {path}")


def export_loop(browser: Browser, phase: Phase, until: float) -> None:
    """Export the whole ledger, wait on the job page (one status poll a second), download; again."""
    while time.monotonic() < until:
        started = time.monotonic()
        status, _, headers, _ = browser.get("/projects/export.xlsx", timeout=60)
        if status != 302 or "/jobs/" not in headers.get("Location", ""):
            with phase.lock:
                phase.errors.append(f"export answered {status}")
            return
        job_page = headers["Location"]
        state = {}
        while time.monotonic() < until + 120:  # an export started in time is waited for
            time.sleep(1)
            _, body, _, _ = browser.get(job_page + "status/", timeout=60)
            with phase.lock:
                phase.status_polls += 1
            state = json.loads(body)
            if state["finished"]:
                break
        if state.get("download_url"):
            status, body, _, _ = browser.get(state["download_url"], timeout=60)
            if status == 200 and body[:2] == b"PK":
                with phase.lock:
                    phase.exports.append(time.monotonic() - started)
                continue
        with phase.lock:
            phase.errors.append(f"export job {state.get('status')}: {state.get('message', '')[:60]}")


def run_phase(browsers: list[Browser], seed: dict, seconds: float, exporters: int) -> tuple[Phase, float]:
    phase = Phase()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=browse, args=(b, seed, phase, until, random.Random(i)))
        for i, b in enumerate(browsers)
    ]
    exports = [threading.Thread(target=export_loop, args=(b, phase, until)) for b in browsers[:exporters]]
    started = time.monotonic()
    for t in threads + exports:
        t.start()
    for t in threads:
        t.join()
    browsing = time.monotonic() - started  # requests/s over the browsing only, not the last exports' tail
    for t in exports:
        t.join()
    return phase, browsing


def report(label: str, phase: Phase, seconds: float) -> dict:
    pages = phase.pages
    row = {
        "phase": label,
        "requests_per_s": len(pages) / seconds,
        "p50_ms": percentile(pages, 50) * 1000,
        "p95_ms": percentile(pages, 95) * 1000,
        "max_ms": max(pages) * 1000 if pages else float("nan"),
        "pages": len(pages),
        "errors": len(phase.errors),
        "exports": len(phase.exports),
        "export_s": statistics.mean(phase.exports) if phase.exports else float("nan"),
    }
    print(
        f"{label:<22} {row['requests_per_s']:>8.1f} {row['p50_ms']:>8.0f} {row['p95_ms']:>8.0f} {row['max_ms']:>8.0f} "
        f"{row['pages']:>7} {row['errors']:>5} {row['exports']:>6} {row['export_s']:>10.1f}"
    )
    for error in phase.errors[:5]:
        print(f"    错误：{error}")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--exporters", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--projects", type=int, default=12_000)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1, help="repeat both phases (the machine's noise)")
    parser.add_argument("--child", choices=["seed"])
    args = parser.parse_args()
    if args.child == "seed":
        print(json.dumps(child_seed(args.projects, args.users)))
        return

    workdir = Path(tempfile.mkdtemp(prefix="load_bench_"))
    try:
        env = stack_env(PG_NAME, workdir)
        started = time.perf_counter()
        seed = json.loads(
            run_python(
                env, __file__, "--child", "seed", "--projects", str(args.projects), "--users", str(args.users)
            )
        )
        print(
            f"PostgreSQL 数据库 {PG_NAME}：{seed['projects']} 个项目，建库 {time.perf_counter() - started:.0f} 秒"
        )
        run_python(env, "-m", "celery", "-A", "zhongzhan_wages", "purge", "-f")
        worker_args = ("--concurrency", str(args.worker_concurrency))
        with Stack(env, workdir, web_workers=2, worker_args=worker_args) as stack:
            browsers = []
            for i in range(args.users):
                browser = Browser(stack.base)
                browser.login(f"bench_u{i:02d}", PASSWORD)
                browsers.append(browser)
            run_phase(browsers, seed, 5, 0)  # warm-up: workers' imports, connections, caches
            print(
                f"\ngunicorn 2 个进程，Celery worker {args.worker_concurrency} 个进程（Redis），{args.users} 个用户无间隔浏览台账页面，"
                f"每阶段 {args.seconds:.0f} 秒"
            )
            print(
                f"{'阶段':<20} {'请求/秒':>8} {'p50毫秒':>8} {'p95毫秒':>8} {'最长毫秒':>8} {'页面数':>7} {'错误':>5} "
                f"{'导出数':>6} {'导出平均秒':>10}"
            )
            ratios = []
            for n in range(1, args.rounds + 1):
                suffix = f"（第{n}轮）" if args.rounds > 1 else ""
                quiet = report("仅浏览" + suffix, *run_phase(browsers, seed, args.seconds, 0))
                busy = report(
                    f"浏览+{args.exporters}人导出{seed['projects']}行" + suffix,
                    *run_phase(browsers, seed, args.seconds, args.exporters),
                )
                ratios.append(
                    (busy["p95_ms"] / quiet["p95_ms"], busy["requests_per_s"] / quiet["requests_per_s"])
                )
        for n, (p95, rps) in enumerate(ratios, start=1):
            print(
                f"\n{'第' + str(n) + '轮：' if args.rounds > 1 else ''}有导出时页面 p95 为无导出时的 {p95:.2f} 倍"
                f"（目标 ≤ 1.5），请求/秒为 {rps:.2f} 倍",
                end="",
            )
        print()
    finally:
        drop_pg_database(PG_NAME)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
