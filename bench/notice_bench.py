"""Issue 6 figures for the 附件2 notice (P4/D2), on a PostgreSQL database of the bench's own (`zz_bench_notice`
on 127.0.0.1, dropped afterwards):

    .venv/bin/python bench/notice_bench.py            # --runs 20 --batch 100 --per-process 50

1. One notice PDF (templates/deposits/notice_pdf.html through common.documents), in a fresh process: the first
   render after start (fontconfig, fonts, the first subsetting), then the median of `--runs` warm renders.
2. `--batch` notices in one PDF as the batch-print job (common.documents print job, run by `job_execute` in a
   fresh process as a worker would): seconds and peak RSS of that process — once with none of the PDFs
   rendered yet (the job renders each, the worst case) and once with all stored (merge only).
3. Notice issue under contention: 2 processes × `--per-process` notice_issue calls for one unit at the same
   moment — wall time, and whether the numbers are exactly 1..N.

Each figure runs in its own child process (`child` mode below), so one's warm caches never flatter another.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import ROOT, base_env, drop_pg_database, recreate_pg_database, run_python  # noqa: E402

PG_NAME = "zz_bench_notice"
UNIT = "区住房城乡建设局"
RACE_UNIT = "区交通运输局"  # its own unit: the race's numbers start at 第1号


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _no_render_queue() -> None:
    # Setup and the race issue notices without a worker: rendering after commit is not what they measure.
    import common.documents

    common.documents._enqueue_render = lambda *args: None


def child_setup(count: int, unpushed: int) -> None:
    """`count` pushed projects with their notices (PDFs not rendered) and, for the race, `unpushed` pushed
    projects of another unit without a notice yet."""
    _django()
    _no_render_queue()
    import datetime as dt
    from decimal import Decimal

    from django.core.management import call_command

    import projects.signals
    from common.models import Role, Unit, User
    from projects.services import ProjectData, project_create

    call_command("loaddata", "units", verbosity=0)
    unit = Unit.objects.get(name=UNIT)
    clerk = User.objects.create(username="bench_clerk", unit=unit, role=Role.CLERK, full_name="经办人")
    User.objects.create(
        username="bench_hrss", unit=Unit.objects.get(name="区人力资源社会保障局"), role="dispatcher"
    )
    street = Unit.objects.get(name="李封街道办事处")

    race_unit = Unit.objects.get(name=RACE_UNIT)
    race_clerk = User.objects.create(
        username="bench_race", unit=race_unit, role=Role.CLERK, full_name="经办人"
    )
    OWNER = "91410803MA0000001"

    def make(serial: int, unit=unit, clerk=clerk) -> None:
        from stdnum.cn import uscc

        base = f"91410803MB{serial:07d}"
        data = ProjectData(
            name=f"中站区第{serial}号安置房建设工程",
            street=street,
            category="municipal",
            funding_type="government",
            trigger_type="industry_info",
            trigger_date=dt.date.today() - dt.timedelta(days=2),
            bidder_unit=unit,
            unit_leader_name="周主任",
            unit_leader_phone="0391-2958100",
            owner_name="焦作市中站区城市建设投资有限公司",
            owner_uscc=OWNER + uscc.calc_check_digit(OWNER),
            owner_manager_name="孙工",
            owner_manager_phone="13903910001",
            contractor_name=f"河南省中站建设工程有限公司第{serial}分公司",
            contractor_uscc=base + uscc.calc_check_digit(base),
            contractor_manager_name="吴经理",
            contractor_manager_phone="13803910002",
            contract_total_wan=Decimal("1234.56"),
            contract_signed_on=dt.date.today() - dt.timedelta(days=2),
            planned_start_on=dt.date.today() + dt.timedelta(days=20),
            remarks="",
        )
        project_create(user=clerk, unit=unit, data=data, push=True)

    for serial in range(1, count + 1):
        make(serial)
    projects.signals.project_pushed.send = lambda **kwargs: []  # the race's projects: pushed, no notice yet
    for serial in range(count + 1, count + unpushed + 1):
        make(serial, race_unit, race_clerk)
    print(json.dumps({"ok": True}))


def child_single(runs: int) -> None:
    _django()
    import statistics

    from common import documents
    from deposits.models import Notice

    notice = Notice.objects.select_related("document").order_by("pk").first()
    start = time.perf_counter()
    documents._weasyprint()
    imported = time.perf_counter() - start
    start = time.perf_counter()
    pdf = documents._render_document(notice.document)
    first = time.perf_counter() - start
    warm = []
    for _ in range(runs):
        start = time.perf_counter()
        documents._render_document(notice.document)
        warm.append(time.perf_counter() - start)
    print(
        json.dumps(
            {
                "import": imported,
                "first": first,
                "median": statistics.median(warm),
                "min": min(warm),
                "max": max(warm),
                "size": len(pdf),
            }
        )
    )


def child_batch(count: int) -> None:
    _django()
    import resource

    from django.db import transaction

    import common.jobs
    from common.documents import documents_print_start
    from common.jobs import job_execute
    from common.models import Job, User
    from deposits.models import Notice

    common.jobs._enqueue = lambda job_id: None  # this process is the worker
    user = User.objects.get(username="bench_clerk")
    notices = list(Notice.objects.select_related("document").order_by("pk")[:count])
    with transaction.atomic():
        job = documents_print_start(user=user, documents=[n.document for n in notices], filename="bench.pdf")
    start = time.perf_counter()
    job_execute(job.pk)
    elapsed = time.perf_counter() - start
    job = Job.objects.get(pk=job.pk)
    path = common.jobs.job_result_path(job)
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "status": job.status,
                "message": job.message,
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "size": path.stat().st_size if path else 0,
            }
        )
    )


RACE_WORKER = """
import json, os, sys, time
import django
django.setup()
import common.documents
common.documents._enqueue_render = lambda *args: None
from deposits.services import notice_issue
from projects.models import Project
go, ids = sys.argv[1], [int(i) for i in sys.argv[2].split(",")]
open(go + "." + str(os.getpid()), "w").close()
while not os.path.exists(go):
    time.sleep(0.002)
numbers, started = [], time.time()
for pk in ids:
    numbers.append(notice_issue(project=Project(pk=pk), actor=None).sequence_number)
print(json.dumps({"numbers": numbers, "started": started, "ended": time.time()}))
"""


def race(env: dict, per_process: int, tmp: Path) -> dict:
    probe = run_python(
        env,
        "-c",
        "import django, json; django.setup(); from projects.models import Project; "
        "print(json.dumps(list(Project.objects.filter(notice__isnull=True).order_by('pk')"
        ".values_list('pk', flat=True))))",
    )
    ids = json.loads(probe.strip().splitlines()[-1])[: 2 * per_process]
    go = tmp / "go"
    env = {**env, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", RACE_WORKER, str(go), ",".join(map(str, half))],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for half in (ids[0::2], ids[1::2])
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp.glob("go.*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    start = time.monotonic()
    go.touch()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        if worker.returncode:
            raise SystemExit(err.decode())
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    wall = time.monotonic() - start
    numbers = sorted(results[0]["numbers"] + results[1]["numbers"])
    return {
        "wall": wall,
        "numbers": numbers,
        "overlapped": max(r["started"] for r in results) < min(r["ended"] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--per-process", type=int, default=50)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--arg", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--arg2", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        {"setup": lambda: child_setup(args.arg, args.arg2), "single": lambda: child_single(args.arg),
         "batch": lambda: child_batch(args.arg)}[args.child]()  # fmt: skip
        return

    import tempfile

    url = recreate_pg_database(PG_NAME)
    tmp = Path(tempfile.mkdtemp(prefix="notice_bench_"))
    env = base_env(
        DATABASE_URL=url,
        JOB_FILES_ROOT=str(tmp / "jobs"),
        DOCUMENT_FILES_ROOT=str(tmp / "documents"),
        DJANGO_CACHE_URL=f"file://{tmp / 'cache'}",
    )
    me = str(Path(__file__).resolve())
    try:
        run_python(env, "manage.py", "migrate", "--noinput", "-v", "0")
        t = time.perf_counter()
        run_python(env, me, "--child", "setup", "--arg", str(args.batch), "--arg2", str(2 * args.per_process))
        print(f"setup: {args.batch} pushed projects with notices + {2 * args.per_process} without, "
              f"{time.perf_counter() - t:.1f} s (PostgreSQL {PG_NAME})")  # fmt: skip

        single = json.loads(
            run_python(env, me, "--child", "single", "--arg", str(args.runs)).splitlines()[-1]
        )
        print("1. one notice PDF (附件2, one page), fresh process")
        print(f"   import weasyprint        {single['import']:.3f} s")
        print(f"   first render after start {single['first']:.3f} s")
        print(f"   warm, {args.runs} renders         median {single['median']:.3f} s "
              f"(min {single['min']:.3f}, max {single['max']:.3f}); PDF {single['size'] / 1024:.0f} KiB")  # fmt: skip

        for label in ("none rendered yet: the job renders each", "all stored: merge only"):
            batch = json.loads(
                run_python(env, me, "--child", "batch", "--arg", str(args.batch)).splitlines()[-1]
            )
            print(f"2. {args.batch} notices in one PDF as a job ({label})")
            print(f"   {batch['seconds']:.2f} s, peak RSS {batch['rss_mb']:.0f} MB, "
                  f"PDF {batch['size'] / 1024 / 1024:.1f} MiB, job {batch['status']}: {batch['message']}")  # fmt: skip

        result = race(env, args.per_process, tmp)
        expected = list(range(1, 2 * args.per_process + 1))
        print(f"3. notice issue under contention: 2 processes × {args.per_process}, one unit")
        print(f"   wall {result['wall']:.2f} s ({2 * args.per_process / result['wall']:.0f} notices/s), "
              f"overlapped: {result['overlapped']}")  # fmt: skip
        print(f"   numbers {result['numbers'][0]}..{result['numbers'][-1]}, exactly consecutive, none twice: "
              f"{result['numbers'] == expected}")  # fmt: skip
    finally:
        drop_pg_database(PG_NAME)


if __name__ == "__main__":
    main()
