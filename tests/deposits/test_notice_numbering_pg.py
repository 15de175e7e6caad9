"""D2 under contention: two processes issuing 50 notices each for one unit get exactly 第1号..第100号.

Needs PostgreSQL (SQLite admits one writer at a time: no race to lose). Run with
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> pytest --create-db tests/deposits/test_notice_numbering_pg.py`.
bench/notice_bench.py measures the same race on a database of its own."""

import json
import os
import re
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from deposits.models import Notice
from projects.models import Project
from tests.factories import create_project

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="两个进程争用编号行锁需要 PostgreSQL：SQLite 一次只允许一个写入者",
)

PER_PROCESS = 50

# Each process waits for the go file, then issues a notice for each of its projects (notice_issue, one
# transaction each: the number's row lock, the notice, the document, the log), and prints the numbers.
# The PDF rendering after commit is left out: it is not part of the race, and these processes have no worker.
WORKER = """
import json, os, sys, time
import django
django.setup()
import common.documents
common.documents._enqueue_render = lambda *args: None
from deposits.services import notice_issue
from projects.models import Project

ids = [int(i) for i in sys.argv[2].split(",")]
go = sys.argv[1]
open(go + "." + str(os.getpid()), "w").close()
while not os.path.exists(go):
    time.sleep(0.002)
numbers, started = [], time.time()
for pk in ids:
    numbers.append(notice_issue(project=Project(pk=pk), actor=None).sequence_number)
print(json.dumps({"numbers": numbers, "started": started, "ended": time.time()}))
"""


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def race(project_ids: list[int], tmp_path, url: str) -> tuple[list[dict], float]:
    """Run the two issuing processes over alternate projects; returns their results and the wall time."""
    go = tmp_path / "go"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "zhongzhan_wages.settings",
        "DJANGO_SECRET_KEY": "tests-only-key-for-the-notice-race-0123456789-abcdefghij",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    halves = [project_ids[0::2], project_ids[1::2]]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(go), ",".join(map(str, ids))],
            env=env,
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for ids in halves
    ]
    deadline = time.monotonic() + 30
    while len(list(tmp_path.glob("go.*"))) < len(workers) and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    go.touch()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err.decode()
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    return results, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
def test_two_processes_issuing_notices_at_once_get_exactly_1_to_100_d2(zhujian, units, tmp_path, monkeypatch):
    import projects.signals

    # Pushed projects without notices yet (as if pushed before notices existed): the race issues them.
    monkeypatch.setattr(projects.signals.project_pushed, "send", lambda **kwargs: [])
    for serial in range(1, 2 * PER_PROCESS + 1):
        create_project(user=zhujian, street=units["李封街道办事处"], serial=serial, push=True)
    assert not Notice.objects.exists()
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))

    results, elapsed = race(ids, tmp_path, database_url())

    first, second = (r["numbers"] for r in results)
    assert sorted(first + second) == list(range(1, 2 * PER_PROCESS + 1))
    assert max(r["started"] for r in results) < min(r["ended"] for r in results)  # they really overlapped
    numbers = sorted(
        int(re.search(r"第(\d+)号", n).group(1)) for n in Notice.objects.values_list("number", flat=True)
    )
    assert numbers == list(range(1, 2 * PER_PROCESS + 1))
    assert Notice.objects.filter(unit=units["区住房城乡建设局"], year=2026).count() == 2 * PER_PROCESS
    print(f"2 processes × {PER_PROCESS} notices in {elapsed:.2f} s")
