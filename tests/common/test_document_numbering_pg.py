"""Two clerks issuing at the same moment (common.documents.next_document_number): two processes × 50 numbers
for one unit get exactly 1..100 — no number twice, none skipped.

Needs PostgreSQL: the second process really waits on the sequence row's lock there. SQLite lets one writer in
at a time, so there is no race to lose. Run with
`DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> pytest --create-db tests/common/test_document_numbering_pg.py`.
"""

import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from common.models import DocumentSequence

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="两个进程争用编号行锁需要 PostgreSQL：SQLite 一次只允许一个写入者，select_for_update 不起作用",
)

PER_PROCESS = 50
KIND = "tests.race"

# Each process waits for the go file, then takes 50 numbers, each in its own transaction that holds the row
# lock a little while (as an issuing service does while it writes the notice), and prints them as JSON.
WORKER = """
import json, os, sys, time
import django
django.setup()
from django.db import transaction
from common.documents import next_document_number
from common.models import Unit

unit = Unit.objects.get(pk=int(sys.argv[1]))
go = sys.argv[2]
open(go + "." + str(os.getpid()), "w").close()  # ready
while not os.path.exists(go):
    time.sleep(0.002)
numbers, started = [], time.time()
for _ in range(int(sys.argv[3])):
    with transaction.atomic():
        numbers.append(next_document_number(unit=unit, kind=sys.argv[4], year=2026))
        time.sleep(0.002)
print(json.dumps({"numbers": numbers, "started": started, "ended": time.time()}))
"""


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_two_processes_issuing_at_once_get_exactly_1_to_100(units, tmp_path):
    unit = units["区人力资源社会保障局"]
    go = tmp_path / "go"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),  # the test database: committed rows are visible to both
        "DJANGO_SETTINGS_MODULE": "zhongzhan_wages.settings",
        "DJANGO_SECRET_KEY": "tests-only-key-for-the-numbering-race-0123456789-abcdefghij",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    args = [sys.executable, "-c", WORKER, str(unit.pk), str(go), str(PER_PROCESS), KIND]
    workers = [
        subprocess.Popen(args, env=env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    deadline = time.monotonic() + 30
    while len(list(tmp_path.glob("go.*"))) < len(workers) and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    go.touch()  # both have loaded Django: they start together
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err.decode()
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    elapsed = time.monotonic() - started

    first, second = (r["numbers"] for r in results)
    assert sorted(first + second) == list(range(1, 2 * PER_PROCESS + 1))
    assert first == sorted(first) and second == sorted(second)
    # The two really ran at the same time, so they contended for the row.
    assert max(r["started"] for r in results) < min(r["ended"] for r in results)
    assert DocumentSequence.objects.get(unit=unit, kind=KIND, year=2026).last_number == 2 * PER_PROCESS
    print(f"2 processes × {PER_PROCESS} numbers in {elapsed:.2f} s")
