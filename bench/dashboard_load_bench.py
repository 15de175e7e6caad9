"""Issue 9 figure: 20 users for 60 s over the dashboard, the clue list and a letter's PDF download (gunicorn, 2
workers, PostgreSQL) — p95 and errors (goal 0 errors), on the large data set.

    .venv/bin/python bench/dashboard_load_bench.py                                   # 100,000 clues, 10,000 projects
    .venv/bin/python bench/dashboard_load_bench.py --clues 5000 --projects 500 --seconds 15   # a quick look

Production's shape on 127.0.0.1, as bench/load_bench.py (issue 5) runs it: a PostgreSQL database of the bench's
own (`zz_bench_load9`, dropped afterwards) — migrated, set up and filled by bench/dashboard_bench.py's children
(units and institutions fixtures, the two emergency funds, then supervision.bulk_demo.build, what `seed_demo
--projects N --clues M` runs, and VACUUM ANALYZE) — gunicorn with 2 sync workers and a Celery worker on Redis
(127.0.0.1:6379 db 13, purged first).

The users log in through the login page (CSRF, password): 8 leaders (unit none), 8 HRSS dispatchers and 4 clerks
of 区住房城乡建设局 (they see their unit's clues and letters only). Each loops without think time, in turn: the
dashboard (period week, month, year in rotation), the clue list (first page, ?status=open&colour=red, a search
for an employer, page 3 in rotation), a letter's PDF (提醒函/通报, ?download=1).

The bulk data's letters carry an unrendered version 1 (in production the worker renders it right after the
issue). Before the run `--pdfs` of them (half visible to the clerks) are rendered through
common.documents.document_render_version, the render task's body, into the bench's own DOCUMENT_FILES_ROOT: those
downloads are reads of a stored file. Another `--first-downloads` letters stay unrendered and are downloaded once
each during the run (now and then in place of a stored one): each renders in the request, as a download that
beats the worker does; they are reported in a row of their own and counted in the overall row.

Printed per page kind (and per variant) and overall: requests, req/s, p50/p95/max in ms, errors (any answer but
200, or an exception; the first few samples, and the first traceback in gunicorn's log), the load average during
the run, and the data size. Every loop is bounded by time; nothing leaves 127.0.0.1. No timing is asserted.
"""

import argparse
import json
import random
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import ROOT, Browser, Stack, drop_pg_database, run_python  # noqa: E402
from load_bench import PASSWORD, percentile, stack_env  # noqa: E402

PG_NAME = "zz_bench_load9"
REDIS_DB = "redis://127.0.0.1:6379/13"  # not load_bench's 14: each bench purges its own
DASHBOARD_BENCH = str(Path(__file__).resolve().parent / "dashboard_bench.py")
CLERK_UNIT = "区住房城乡建设局"
MIX = {"leader": 8, "dispatcher": 8, "clerk": 4}  # out of 20; other --users counts keep the proportions

DASHBOARD_PATHS = [f"/supervision/dashboard/?period={p}" for p in ("week", "month", "year")]
LIST_VARIANTS = ["第1页", "筛选 在办+红", "搜索欠薪单位", "第3页"]


def child_users(users: int, pdfs: int, first: int) -> dict:
    """The bench's users with passwords, `pdfs` letters rendered and `first` left unrendered, the data's size."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhongzhan_wages.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from clues.models import Clue, Letter
    from clues.selectors import letter_visible_to
    from common.documents import document_render_version
    from common.models import DocumentVersion, Role, Unit, UnitType, User
    from projects.models import Project

    hrss = Unit.objects.get(unit_type=UnitType.HRSS)
    clerk_unit = Unit.objects.get(name=CLERK_UNIT)
    roles = {
        "leader": (Role.LEADER, None),
        "dispatcher": (Role.DISPATCHER, hrss),
        "clerk": (Role.CLERK, clerk_unit),
    }
    counts = {k: v * users // sum(MIX.values()) for k, v in MIX.items()}
    counts["dispatcher"] += users - sum(counts.values())
    made = []
    for kind, n in counts.items():
        role, unit = roles[kind]
        for i in range(n):
            username = f"bench9_{kind}{i:02d}"
            User.objects.create_user(
                username, password=PASSWORD, role=role, unit=unit, full_name=f"压测{kind}{i}"
            )
            made.append([username, kind])

    clerk = User.objects.filter(role=Role.CLERK, unit=clerk_unit).first()
    half_p, half_f = pdfs // 2, first // 2
    clerk_list = list(letter_visible_to(clerk).order_by("pk").values_list("pk", flat=True)[: half_p + half_f])
    clerk_pdfs, clerk_first = clerk_list[:half_p], clerk_list[half_p:]
    rest = list(
        Letter.objects.exclude(pk__in=clerk_list)
        .order_by("pk")
        .values_list("pk", flat=True)[: pdfs + first - len(clerk_list)]
    )
    other_pdfs, other_first = rest[: pdfs - len(clerk_pdfs)], rest[pdfs - len(clerk_pdfs) :]

    render_ms, sizes = [], []
    letters = dict(Letter.objects.filter(pk__in=clerk_pdfs + other_pdfs).values_list("pk", "document_id"))
    for pk in clerk_pdfs + other_pdfs:
        started = time.perf_counter()
        row = document_render_version(document_id=letters[pk], version=1)
        render_ms.append((time.perf_counter() - started) * 1000)
        sizes.append(row.size)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        db_bytes = cursor.fetchone()[0]
    return {
        "users": made,
        "pdfs": {"clerk": clerk_pdfs, "other": other_pdfs},
        "first": {"clerk": clerk_first, "other": other_first},
        "render_ms": render_ms,
        "pdf_kb": sum(sizes) / len(sizes) / 1024 if sizes else 0,
        "clues": Clue.objects.count(),
        "clerk_clues": Clue.objects.filter(owner_unit=clerk_unit).count(),
        "projects": Project.objects.count(),
        "letters": Letter.objects.count(),
        "clerk_letters": letter_visible_to(clerk).count(),
        "rendered": DocumentVersion.objects.exclude(file="").count(),
        "db_mb": db_bytes / 2**20,
    }


class Run:
    """What the users' threads record: (kind, variant, seconds) of every 200, the errors."""

    def __init__(self, first: dict):
        self.lock = threading.Lock()
        self.samples: list[tuple[str, str, float]] = []
        self.errors: list[tuple[str, str]] = []  # (kind, what happened)
        self.first = {k: list(v) for k, v in first.items()}  # unrendered letters, each downloaded once
        self.loads: list[float] = []
        self.cpu: dict = {}

    def take_first(self, kind: str) -> int | None:
        with self.lock:
            for group in ("clerk",) if kind == "clerk" else ("other", "clerk"):
                if self.first[group]:
                    return self.first[group].pop(0)
        return None


def _request(browser: Browser, run: Run, kind: str, variant: str, path: str, pdf: bool = False) -> None:
    try:
        status, body, _, seconds = browser.get(path, timeout=120)
    except Exception as exc:  # a timeout, a reset connection: an error, and the user goes on
        with run.lock:
            run.errors.append((kind, f"{type(exc).__name__}: {exc} {path}"))
        return
    ok = status == 200 and (body[:5] == b"%PDF-" if pdf else b"</html>" in body[-200:])
    with run.lock:
        if ok:
            run.samples.append((kind, variant, seconds))
        else:
            run.errors.append((kind, f"HTTP {status} {path} {body[:120]!r}"))


def next_request(step: int, kind: str, seed: dict, rng: random.Random, run: "Run | None" = None) -> tuple:
    """(page kind, variant, path, is a PDF) of a user's `step`: dashboard, clue list, PDF, each in rotation."""
    turn = step // 3
    if step % 3 == 0:
        period = ("week", "month", "year")[turn % 3]
        return "看板", period, f"/supervision/dashboard/?period={period}", False
    if step % 3 == 1:
        pages = max(1, seed["clerk_clues"] if kind == "clerk" else seed["clues"]) // 20
        path = [
            "/clues/",
            "/clues/?status=open&colour=red",
            "/clues/?" + urlencode({"q": f"第{rng.randint(1, 3000)}劳务"}),
            f"/clues/?page={min(3, pages)}",
        ][turn % 4]
        return "线索列表", LIST_VARIANTS[turn % 4], path, False
    pk = run.take_first(kind) if run is not None and rng.random() < 0.1 else None
    if pk is not None:
        return "PDF 首次下载", "请求内生成", f"/clues/letters/{pk}/pdf/?download=1", True
    pdfs = seed["pdfs"]["clerk"] if kind == "clerk" else seed["pdfs"]["clerk"] + seed["pdfs"]["other"]
    return "PDF 下载", "已生成文件", f"/clues/letters/{pdfs[turn % len(pdfs)]}/pdf/?download=1", True


def user_loop(browser: Browser, kind: str, seed: dict, run: Run, until: float, i: int) -> None:
    rng = random.Random(i)
    step = i * 4  # users start at different points of the cycles
    while time.monotonic() < until:
        _request(browser, run, *next_request(step, kind, seed, rng, run))
        step += 1


def single_user(browsers: list, seed: dict, rounds: int) -> None:
    """The server time of each variant without queueing: one user at a time, sequential requests (medians)."""
    print(f"\n单用户顺序请求（无并发，每项 {rounds} 次的中位数，毫秒）：")
    for browser, kind in (next(x for x in browsers if x[1] == k) for k in ("leader", "clerk")):
        run, rng = Run({"clerk": [], "other": []}), random.Random(0)
        for step in range(12 * rounds):
            _request(browser, run, *next_request(step, kind, seed, rng))
        variants = dict.fromkeys((k, v) for k, v, _ in run.samples)
        cells = [
            f"{v if k != 'PDF 下载' else 'PDF'} {statistics.median(s for kk, vv, s in run.samples if (kk, vv) == (k, v)) * 1000:.0f}"
            for k, v in variants
        ]
        print(
            f"  {kind:<8}"
            + "，".join(cells)
            + (f"；错误 {len(run.errors)}：{run.errors[0][1]}" if run.errors else "")
        )


def _load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _cpu_ticks() -> tuple[int, int]:
    """(busy, all) jiffies of the whole machine since boot (/proc/stat's first line)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def run_users(browsers: list, seed: dict, seconds: float, first: bool) -> tuple[Run, float]:
    run = Run(seed["first"] if first else {"clerk": [], "other": []})
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=user_loop, args=(b, kind, seed, run, until, i))
        for i, (b, kind) in enumerate(browsers)
    ]

    def sample_load():
        while time.monotonic() < until:
            run.loads.append(_load())
            time.sleep(5)

    started, ticks, me = time.monotonic(), _cpu_ticks(), resource.getrusage(resource.RUSAGE_SELF)
    for t in [*threads, threading.Thread(target=sample_load, daemon=True)]:
        t.start()
    for t in threads:
        t.join()
    busy, total = (b - a for a, b in zip(ticks, _cpu_ticks(), strict=True))
    after = resource.getrusage(resource.RUSAGE_SELF)
    run.cpu = {
        "machine": busy / max(1, total),
        "client_s": after.ru_utime + after.ru_stime - me.ru_utime - me.ru_stime,
    }
    return run, time.monotonic() - started


def _row(label: str, times: list[float], seconds: float, errors: int | str = "") -> None:
    if not times:
        print(f"{label:<24} {0:>7} {'':>8} {'':>8} {'':>8} {'':>8} {errors!s:>5}")
        return
    print(
        f"{label:<24} {len(times):>7} {len(times) / seconds:>8.1f} {percentile(times, 50) * 1000:>8.0f} "
        f"{percentile(times, 95) * 1000:>8.0f} {max(times) * 1000:>8.0f} {errors!s:>5}"
    )


def report(run: Run, seconds: float, web_log: Path) -> None:
    print(
        f"{'页面':<22} {'请求数':>7} {'请求/秒':>8} {'p50毫秒':>8} {'p95毫秒':>8} {'最长毫秒':>8} {'错误':>5}"
    )
    kinds = ["看板", "线索列表", "PDF 下载", "PDF 首次下载"]
    for kind in kinds:
        times = [s for k, _, s in run.samples if k == kind]
        errors = sum(1 for k, _ in run.errors if k == kind)
        if kind == "PDF 首次下载" and not times and not errors:
            continue
        _row(kind, times, seconds, errors)
        variants = dict.fromkeys(v for k, v, _ in run.samples if k == kind)
        if len(variants) > 1:
            for variant in variants:
                _row("  " + variant, [s for k, v, s in run.samples if k == kind and v == variant], seconds)
    everything = [s for _, _, s in run.samples]
    _row("合计", everything, seconds, len(run.errors))
    slowest = sorted(run.samples, key=lambda x: -x[2])[: max(1, len(everything) // 20)]
    share = {k: sum(1 for kk, _, _ in slowest if kk == k) for k in kinds}
    print(
        "最慢 5% 请求的构成："
        + "，".join(f"{k} {n}" for k, n in share.items() if n)
        + f"；负载（1 分钟平均）{min(run.loads):.1f}–{max(run.loads):.1f}，整机 CPU {run.cpu['machine']:.0%}"
        f"（压测客户端本身 {run.cpu['client_s'] / seconds:.2f} 核）"
    )
    for _, error in run.errors[:5]:
        print(f"    错误：{error}")
    if run.errors:
        log = web_log.read_text(errors="replace")
        at = log.find("Traceback")
        if at >= 0:
            print("gunicorn 日志中的第一个 traceback：\n" + "\n".join(log[at:].splitlines()[:60]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clues", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--pdfs", type=int, default=20, help="letters rendered before the run (file reads)")
    parser.add_argument(
        "--first-downloads", type=int, default=20, help="unrendered letters downloaded once each"
    )
    parser.add_argument("--single-rounds", type=int, default=3, help="sequential requests per variant, first")
    parser.add_argument("--child", choices=["users"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "users":
        print(json.dumps(child_users(args.users, args.pdfs, args.first_downloads)))
        return

    workdir = Path(tempfile.mkdtemp(prefix="dashboard_load_bench_"))
    try:
        env = stack_env(PG_NAME, workdir, redis=REDIS_DB, DOCUMENT_FILES_ROOT=str(workdir / "documents"))
        print(f"负载（1/5/15 分钟）开始时 {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
        started = time.perf_counter()
        run_python(env, "manage.py", "migrate", "--noinput", "-v", "0")
        run_python(env, DASHBOARD_BENCH, "--child", "setup")
        fill = json.loads(
            run_python(
                env,
                DASHBOARD_BENCH,
                "--child",
                "fill",
                "--arg",
                str(args.projects),
                str(args.clues),
                timeout=3600,
            ).splitlines()[-1]
        )
        seed = json.loads(
            run_python(
                env, __file__, "--child", "users", "--users", str(args.users), "--pdfs", str(args.pdfs),
                "--first-downloads", str(args.first_downloads),
            ).splitlines()[-1]
        )  # fmt: skip
        render = sorted(seed["render_ms"])
        print(
            f"PostgreSQL {PG_NAME}：{seed['clues']:,} 条线索（{CLERK_UNIT} {seed['clerk_clues']:,}），"
            f"{seed['projects']:,} 个项目，{seed['letters']:,} 份函件（住建可见 {seed['clerk_letters']:,}），"
            f"{seed['db_mb']:,.0f} MB；bulk_demo.build {fill['seconds']:.0f} 秒，建库共 {time.perf_counter() - started:.0f} 秒"
        )
        if render:
            print(
                f"预先生成 {len(render)} 份函件 PDF（document_render_version，平均 {seed['pdf_kb']:.0f} KB）："
                f"首份 {seed['render_ms'][0]:.0f} 毫秒，中位数 {render[len(render) // 2]:.0f} 毫秒；"
                f"另 {sum(map(len, seed['first'].values()))} 份留待请求内生成"
            )
        run_python(env, "-m", "celery", "-A", "zhongzhan_wages", "purge", "-f")
        with Stack(env, workdir, web_workers=2, worker_args=("--concurrency", "2")) as stack:
            browsers = []
            for username, kind in seed["users"]:
                browser = Browser(stack.base)
                status, body, _, _ = browser.get("/login/")
                if not any(c.name == "csrftoken" for c in browser.jar):  # say what the page answered
                    raise SystemExit(
                        f"登录页未给出 CSRF cookie：HTTP {status} {body[:300]!r}；见 {workdir}/web.log"
                    )
                browser.login(username, PASSWORD)
                browsers.append((browser, kind))
            warm, _ = run_users(browsers, seed, 5, first=False)  # workers' imports, connections, caches
            single_user(browsers, seed, args.single_rounds)
            mix = "，".join(f"{k} {sum(1 for _, kk in seed['users'] if kk == k)}" for k in MIX)
            print(
                f"\ngunicorn 2 个进程，{len(browsers)} 个用户（{mix}）登录后无间隔循环：看板、线索列表、函件 PDF，"
                f"{args.seconds:.0f} 秒（预热 5 秒，{len(warm.samples)} 个请求，{len(warm.errors)} 个错误，不计入）"
            )
            run, seconds = run_users(browsers, seed, args.seconds, first=True)
            report(run, seconds, workdir / "web.log")
        print(f"负载（1/5/15 分钟）结束时 {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    finally:
        drop_pg_database(PG_NAME)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
