"""P5 ledger figures (issues 2 and 5): Excel export time and peak RSS at 1,000 and 10,000 projects, the ledger
list page's server time and query count at 10,000 projects, and a 1,000-row import.

    .venv/bin/python bench/ledger_bench.py              # everything
    .venv/bin/python bench/ledger_bench.py --ratio      # issue 5's figure only: export vs raw openpyxl

--ratio times `export_ledger` of 10,000 rows against raw openpyxl write_only writing the same cells (the same
values, the same number formats) in the same process, and prints raw_time / our_time (1.0: no overhead
beyond openpyxl's own writing; issue 5's goal ≥ 0.8), with the export's peak memory at 1,000 and 10,000 rows.

Builds a throwaway SQLite database under /tmp (never touches db.sqlite3), fills it with bulk_create (fast,
bypassing the services), then measures each export in a fresh subprocess so peak RSS (ru_maxrss) is
comparable between sizes: "RSS before" is the process after Django setup and queryset creation, "peak" the
high-water mark after the export; their difference is what the export itself costs. A second subprocess per
size runs the same export under tracemalloc for the Python-heap peak.
"""

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 5_000, 10_000)


def setup_django(db_path: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_LOCAL_DEV", "1")  # a throwaway local database: the dev settings apply
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongzhan_wages.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def vm_rss_kb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# ------------------------------------------------------------------------------------------- building


def build(db_path: str, total: int) -> None:
    from django.core.management import call_command
    from django.utils import timezone
    from stdnum.cn import uscc

    from common.models import Role, Unit, UnitType, User
    from projects.models import Enterprise, Project, ProjectStatus

    call_command("migrate", verbosity=0)
    call_command("loaddata", "units", verbosity=0)
    hrss = Unit.objects.get(unit_type=UnitType.HRSS)
    User.objects.create_user("bench_dispatcher", password="x", unit=hrss, role=Role.DISPATCHER)
    units = list(Unit.objects.filter(pushes_projects=True))  # the units P1/P2 bind
    streets = [u for u in units if u.unit_type == UnitType.STREET]
    creator = User.objects.get(username="bench_dispatcher")

    def code(serial: int) -> str:
        base = f"91410803MA{serial:07d}"
        return base + uscc.calc_check_digit(base)

    Enterprise.objects.bulk_create(
        [Enterprise(uscc=code(i), name=f"河南基准建设工程有限公司{i:04d}") for i in range(400)]
    )
    enterprises = list(Enterprise.objects.order_by("id"))
    now = timezone.now()
    batch = []
    for i in range(total):
        unit = units[i % len(units)]
        street_unit = unit.unit_type == UnitType.STREET
        trigger = dt.date(2026, 1, 5) + dt.timedelta(days=i % 300)
        pushed = i % 10 != 0
        batch.append(
            Project(
                unit=unit,
                unit_leader_name="周主任",
                unit_leader_phone="0391-2958100",
                name=f"中站区基准测试项目{i:05d}（道路及配套管网工程）",
                street=unit if street_unit else streets[i % len(streets)],
                category=("municipal", "housing", "transport", "water")[i % 4],
                funding_type=("government", "enterprise", "special_bond")[i % 3],
                trigger_type="street_self" if street_unit else "industry_info",
                trigger_date=trigger,
                bidder_unit=unit,
                owner=enterprises[i % 200],
                owner_manager_name="孙工",
                owner_manager_phone="13903910001",
                contractor=enterprises[200 + i % 200],
                contractor_manager_name="吴经理",
                contractor_manager_phone="13803910002",
                contract_total_wan=Decimal(f"{1000 + i}.{i % 100:02d}"),
                contract_signed_on=trigger,
                planned_start_on=trigger + dt.timedelta(days=30),
                remarks="=SUM(A1)" if i % 1000 == 0 else "",
                status=ProjectStatus.PUSHED if pushed else ProjectStatus.DRAFT,
                push_deadline=trigger + dt.timedelta(days=7),
                pushed_at=now if pushed else None,
                pushed_by=creator if pushed else None,
                is_late=pushed and i % 7 == 0,
                late_working_days=3 if pushed and i % 7 == 0 else 0,
                created_by=creator,
            )
        )
        if len(batch) == 2000:
            Project.objects.bulk_create(batch)
            batch = []
    Project.objects.bulk_create(batch)


# ------------------------------------------------------------------------------------------- children


def _ledger(n: int):
    from common.models import User
    from projects.filters import ledger_filterset

    viewer = User.objects.select_related("unit").get(username="bench_dispatcher")
    qs = ledger_filterset({}, user=viewer).qs
    return viewer, (qs[:n] if n else qs.none())


def child_export(db_path: str, n: int, trace: bool) -> dict:
    setup_django(db_path)
    from projects.ledger_export import export_ledger

    viewer, qs = _ledger(n)
    if trace:
        import tracemalloc

        tracemalloc.start()
    rss_before = vm_rss_kb()
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        export_ledger(qs, out, viewer=viewer)
        size = out.tell()
    elapsed = time.perf_counter() - started
    result = {
        "n": n,
        "seconds": elapsed,
        "rss_before_mb": rss_before / 1024,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "file_kb": size / 1024,
    }
    if trace:
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    return result


def _raw_cells(qs, viewer) -> list[list]:
    """The cells export_ledger writes for `qs`, as plain values (number-formatted ones marked), read before
    the clock starts: what raw openpyxl is given to write."""
    from common import xlsx
    from projects.columns import COLUMNS

    formats = [c.kind.number_format for c in COLUMNS]
    convert = [c.kind.exporter() for c in COLUMNS[1:]]
    rows = []
    for index, values in enumerate(qs.values_list(*(c.source for c in COLUMNS[1:])), start=1):
        row = [index]
        for f, value in zip(convert, values, strict=True):
            cell = f(value)
            row.append(xlsx.text(cell) if isinstance(cell, str) else cell)
        rows.append(row)
    return [[(v, f) for v, f in zip(row, formats, strict=True)] for row in rows]


def _raw_write(cells: list[list], out) -> None:
    """Raw openpyxl write_only: a plain value per cell, a WriteOnlyCell with its number format where the cell
    needs one (as openpyxl's documentation shows it) — not for a date, whose yyyy-mm-dd openpyxl applies
    by itself."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import TIME_FORMATS

    from projects.columns import COLUMNS

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("项目推送台账")
    ws.append(["中站区在建工程项目信息推送台账"])
    ws.append([c.group or c.label for c in COLUMNS])
    ws.append([c.label if c.group else None for c in COLUMNS])
    for row in cells:
        values = []
        for value, number_format in row:
            if number_format and value is not None and TIME_FORMATS.get(type(value)) != number_format:
                cell = WriteOnlyCell(ws, value)
                cell.number_format = number_format
                value = cell
            values.append(value)
        ws.append(values)
    wb.save(out)


def child_ratio(db_path: str, n: int, repeat: int) -> dict:
    """Our export and raw openpyxl, alternated `repeat` times in this one process; the best of each."""
    setup_django(db_path)
    from projects.ledger_export import export_ledger

    viewer, qs = _ledger(n)
    cells = _raw_cells(qs, viewer)
    with tempfile.TemporaryFile() as out:  # warm-up: imports, the first query, openpyxl's lazy setup
        export_ledger(qs[:100], out, viewer=viewer)
    ours, raw = [], []
    for _ in range(repeat):
        with tempfile.TemporaryFile() as out:
            started = time.perf_counter()
            export_ledger(qs, out, viewer=viewer)
            ours.append(time.perf_counter() - started)
        with tempfile.TemporaryFile() as out:
            started = time.perf_counter()
            _raw_write(cells, out)
            raw.append(time.perf_counter() - started)
    return {"n": n, "ours": min(ours), "raw": min(raw), "ratio": min(raw) / min(ours)}


def child_import(db_path: str, n: int) -> dict:
    setup_django(db_path)
    import io

    import openpyxl
    from django.core.files.uploadedfile import SimpleUploadedFile

    from projects.ledger_export import export_ledger
    from projects.models import Project
    from projects.services import project_ledger_import

    viewer, _ = _ledger(0)
    out = io.BytesIO()
    # Drafts have no push facts to copy; an import pushes, so take pushed projects as the source rows.
    from projects.filters import ledger_filterset

    export_ledger(ledger_filterset({"status": "pushed"}, user=viewer).qs[:n], out, viewer=viewer)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    ws = wb.worksheets[0]
    for row in range(4, ws.max_row + 1):
        ws[f"B{row}"] = f"{ws[f'B{row}'].value}（导入）"
    edited = io.BytesIO()
    wb.save(edited)
    before = Project.objects.count()
    started = time.perf_counter()
    result = project_ledger_import(user=viewer, upload=SimpleUploadedFile("bench.xlsx", edited.getvalue()))
    elapsed = time.perf_counter() - started
    return {
        "n": n,
        "seconds": elapsed,
        "ok": result.ok,
        "errors": [e.message for e in result.errors[:3]],
        "created": Project.objects.count() - before,
        "file_kb": len(edited.getvalue()) / 1024,
    }


def measure_list_page(repeat: int = 7) -> list[dict]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from common.models import User

    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(username="bench_dispatcher"))
    url = reverse("projects:ledger")
    cases = [
        ("第1页", {}),
        ("第250页", {"page": 250}),
        ("搜索“0999”", {"q": "0999"}),
        ("筛选 市政+逾期推送", {"category": "municipal", "timeliness": "late"}),
        ("按合同总额排序", {"ordering": "-contract_total_wan"}),
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
    return results


# ------------------------------------------------------------------------------------------- driver


def run_child(args: list[str]) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"child {args} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", choices=["export", "import", "ratio"])
    parser.add_argument("--ratio", action="store_true", help="only the export-vs-raw-openpyxl figure")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db")
    parser.add_argument("--n", type=int, default=0)
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    args = parser.parse_args()

    if args.child == "export":
        print(json.dumps(child_export(args.db, args.n, args.trace)))
        return
    if args.child == "import":
        print(json.dumps(child_import(args.db, args.n)))
        return
    if args.child == "ratio":
        print(json.dumps(child_ratio(args.db, args.n, args.repeat)))
        return

    workdir = Path(tempfile.mkdtemp(prefix="ledger_bench_"))
    try:
        (run_ratio if args.ratio else run_all)(str(workdir / "bench.sqlite3"), args.repeat)
    finally:
        if args.keep:
            print(f"\n数据库保留在 {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def run_ratio(db_path: str, repeat: int, build_db: bool = True) -> None:
    if build_db:
        setup_django(db_path)
        build(db_path, max(SIZES))
    print(f"台账导出 与 原生 openpyxl write_only 写同样的单元格（同一进程，各取 {repeat} 次中最快）")
    print(
        f"{'行数':>8} {'导出(秒)':>9} {'原生(秒)':>9} {'比值 原生/导出':>14} {'峰值RSS(MB)':>12} {'tracemalloc峰值(MB)':>20}"
    )
    for n in (1_000, 10_000):
        ratio = run_child(["--child", "ratio", "--db", db_path, "--n", str(n), "--repeat", str(repeat)])
        plain = run_child(["--child", "export", "--db", db_path, "--n", str(n)])
        traced = run_child(["--child", "export", "--db", db_path, "--n", str(n), "--trace"])
        print(
            f"{n:>8} {ratio['ours']:>9.2f} {ratio['raw']:>9.2f} {ratio['ratio']:>14.2f} "
            f"{plain['peak_rss_mb']:>12.1f} {traced['tracemalloc_peak_mb']:>20.1f}"
        )


def run_all(db_path: str, repeat: int) -> None:
    setup_django(db_path)
    total = max(SIZES)
    started = time.perf_counter()
    build(db_path, total)
    print(f"数据库 {db_path}：{total} 个项目，建库 {time.perf_counter() - started:.1f} 秒\n")
    run_ratio(db_path, repeat, build_db=False)
    print()

    print("台账导出（openpyxl write_only，每个规模在独立子进程中运行）")
    print(
        f"{'行数':>8} {'耗时(秒)':>9} {'导出前RSS(MB)':>14} {'峰值RSS(MB)':>12} {'增量(MB)':>9} "
        f"{'tracemalloc峰值(MB)':>20} {'文件(KB)':>9}"
    )
    for n in (0, *SIZES):
        plain = run_child(["--child", "export", "--db", db_path, "--n", str(n)])
        traced = run_child(["--child", "export", "--db", db_path, "--n", str(n), "--trace"])
        print(
            f"{n:>8} {plain['seconds']:>9.2f} {plain['rss_before_mb']:>14.1f} {plain['peak_rss_mb']:>12.1f} "
            f"{plain['peak_rss_mb'] - plain['rss_before_mb']:>9.1f} {traced['tracemalloc_peak_mb']:>20.1f} "
            f"{plain['file_kb']:>9.0f}"
        )

    print(f"\n台账列表页（人社局调度员，{total} 个项目，每项取 7 次中位数）")
    print(f"{'场景':<20} {'服务器耗时(毫秒)':>16} {'查询数':>6}")
    for row in measure_list_page():
        print(f"{row['case']:<20} {row['ms']:>16.1f} {row['queries']:>6}")

    imported = run_child(["--child", "import", "--db", db_path, "--n", "1000"])
    print(
        f"\n批量导入 {imported['n']} 行（逐行校验后一次事务推送）：{imported['seconds']:.1f} 秒，"
        f"新增 {imported['created']} 个项目，文件 {imported['file_kb']:.0f} KB"
        + ("" if imported["ok"] else f"，失败：{imported['errors']}")
    )


if __name__ == "__main__":
    main()
