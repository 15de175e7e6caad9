"""Issue 5 B13: a 2,000-row ledger import as a background job, end to end, on SQLite and on PostgreSQL.

    .venv/bin/python bench/job_import_bench.py                 # both databases
    .venv/bin/python bench/job_import_bench.py --db sqlite     # or --db postgres, --rows 1000

For each database: a fresh database (SQLite: a file under /tmp; PostgreSQL: `zz_bench_import` on 127.0.0.1,
dropped afterwards) with `--rows` pushed projects (bulk_create, bench/ledger_bench.py `build`), their export
renamed as new projects — the workbook a clerk would upload. Then the app runs as it does for real: gunicorn
and a Celery worker as separate processes (SQLite: `make run`'s filesystem transport and `--pool=solo`;
PostgreSQL: production's Redis, 127.0.0.1:6379 db 14, prefork with 2 processes). A browser session logs in as
an HRSS dispatcher, uploads the file and polls the job's status every 0.25 s until it ends.

Printed: the upload request's own time (the web worker is free again after it), seconds from upload to the
finished job (end to end, what the clerk waits), the worker's own seconds (started → finished), how many
distinct progress values the polling saw, and the projects created.
"""

import argparse
import io
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import ROOT, Browser, Stack, base_env, drop_pg_database, recreate_pg_database, run_python  # noqa: E402

REDIS_DB = "redis://127.0.0.1:6379/14"
PG_NAME = "zz_bench_import"


# ------------------------------------------------------------------------------------ children (Django)


def _django() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongzhan_wages.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def child_seed(rows: int, workbook: str) -> dict:
    _django()
    import openpyxl
    from ledger_bench import build

    from common.models import User
    from projects.filters import ledger_filterset
    from projects.ledger_export import export_ledger

    build("", rows * 10 // 9 + 20)  # 1 in 10 stays a draft; the import needs pushed rows' facts
    viewer = User.objects.select_related("unit").get(username="bench_dispatcher")
    out = io.BytesIO()
    export_ledger(ledger_filterset({"status": "pushed"}, user=viewer).qs[:rows], out, viewer=viewer)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    ws = wb.worksheets[0]
    for row in range(4, ws.max_row + 1):
        if ws[f"B{row}"].value:
            ws[f"B{row}"] = f"{ws[f'B{row}'].value}（导入）"
    wb.save(workbook)
    return {"rows": ws.max_row - 3}


def child_report(job_id: int) -> dict:
    _django()
    from common.models import Job
    from projects.models import Project

    job = Job.objects.get(pk=job_id)
    return {
        "status": job.status,
        "message": job.message,
        "worker_seconds": (job.finished_at - job.started_at).total_seconds(),
        "imported": Project.objects.filter(name__endswith="（导入）").count(),
    }


# ------------------------------------------------------------------------------------------- driver


def measure(database: str, rows: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"job_import_{database}_"))
    try:
        if database == "sqlite":
            env = base_env(
                DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
                CELERY_FS_ROOT=str(workdir / "celery"),
                DJANGO_CACHE_URL=f"file://{workdir / 'cache'}",
                JOB_FILES_ROOT=str(workdir / "jobs"),
            )
            worker_args = ("--pool=solo", "--without-mingle", "--without-gossip")  # as `make run`
        else:
            env = base_env(
                DATABASE_URL=recreate_pg_database(PG_NAME),
                DATABASE_CONN_MAX_AGE="60",
                CELERY_BROKER_URL=REDIS_DB,
                DJANGO_CACHE_URL=REDIS_DB,
                JOB_FILES_ROOT=str(workdir / "jobs"),
            )
            run_python(env, "-m", "celery", "-A", "zhongzhan_wages", "purge", "-f")
            worker_args = ("--concurrency", "2")  # as docker-compose
        workbook = workdir / "import.xlsx"
        seeded = json.loads(
            run_python(env, __file__, "--child", "seed", "--rows", str(rows), "--workbook", str(workbook))
        )
        with Stack(env, workdir, web_workers=2, worker_args=worker_args) as stack:
            browser = Browser(stack.base)
            browser.login("bench_dispatcher", "x")
            browser.get("/projects/import/")
            started = time.perf_counter()
            status, _, headers, post_seconds = browser.post_file(
                "/projects/import/", "file", "台账.xlsx", workbook.read_bytes()
            )
            if status != 302 or "/jobs/" not in headers["Location"]:
                raise SystemExit(f"upload answered {status}")
            page = headers["Location"]
            seen, state = set(), {}
            while time.perf_counter() - started < 600:
                _, body, _, _ = browser.get(page + "status/")
                state = json.loads(body)
                if state["status"] == "running":
                    seen.add(state["done"])
                if state["finished"]:
                    break
                time.sleep(0.25)
            end_to_end = time.perf_counter() - started
        job_id = int(page.rstrip("/").rsplit("/", 1)[-1])
        report = json.loads(run_python(env, __file__, "--child", "report", "--job", str(job_id)))
        return {
            "database": database,
            "rows": seeded["rows"],
            "post_seconds": post_seconds,
            "end_to_end_seconds": end_to_end,
            "progress_values_seen": len(seen),
            **report,
        }
    finally:
        if database == "postgres":
            drop_pg_database(PG_NAME)
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--child", choices=["seed", "report"])
    parser.add_argument("--workbook")
    parser.add_argument("--job", type=int)
    args = parser.parse_args()
    if args.child == "seed":
        print(json.dumps(child_seed(args.rows, args.workbook)))
        return
    if args.child == "report":
        print(json.dumps(child_report(args.job)))
        return

    print(
        f"批量导入 {args.rows} 行，作为后台任务（gunicorn 2 个进程 + Celery worker，浏览器会话每 0.25 秒查询进度）"
    )
    print(
        f"{'数据库':<10} {'上传请求(秒)':>12} {'端到端(秒)':>10} {'worker(秒)':>10} {'进度取值数':>10} {'新增项目':>8}  结果"
    )
    for database in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        r = measure(database, args.rows)
        print(
            f"{database:<10} {r['post_seconds']:>12.2f} {r['end_to_end_seconds']:>10.1f} {r['worker_seconds']:>10.1f} "
            f"{r['progress_values_seen']:>10} {r['imported']:>8}  {r['status']}：{r['message'][:40]}"
        )


if __name__ == "__main__":
    main()
