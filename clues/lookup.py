"""Part 9 (C1 receipt): the complainant's query code and the public progress lookup at /chaxun/.

The code is 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L), drawn with `secrets`; only its
keyed hash is stored (Clue.query_code_hash: HMAC-SHA256 under the site's secret key). Not a password hash: a
slow PBKDF2 cost 0.5 s of every intake (bench/clue_bench.py) and buys little for a code the lookup rate-limits
and a database that holds no key. The lookup answers number + code with the stage and the date of
each step, nothing else: no names, no unit or staff, no amounts. A wrong number and a wrong code get the same
sentence, and the hash is checked either way, so neither the answer nor its time tells which part was wrong.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils import timezone

from .models import Clue, ClueStatus

QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 6
NOT_FOUND = "未查到，请核对线索编号和查询码"
NO_CODE = "该线索登记时尚未发放查询码，请携带身份证件联系区人力资源和社会保障局查询"
_HASH_PREFIX = "hmac-sha256$"

# The steps shown publicly, in order, with the Clue field holding each one's time.
PUBLIC_STEPS = (
    ("received_at", "接收线索"),
    ("dispatched_at", "交办责任单位"),
    ("acknowledged_at", "责任单位签收"),
    ("first_progress_at", "首次办理进展"),
    ("result_at", "提交办理结果"),
    ("closed_at", "办结"),
)


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def hash_query_code(code: str) -> str:
    key = f"clue-query-code:{settings.SECRET_KEY}".encode()
    return _HASH_PREFIX + hmac.new(key, normalize_query_code(code).encode(), hashlib.sha256).hexdigest()


def query_code_matches(code: str, stored: str) -> bool:
    return bool(code) and hmac.compare_digest(hash_query_code(code), stored or "")


def normalize_query_code(typed: str) -> str:
    return "".join((typed or "").split()).upper()


def public_progress(number: str, code: str) -> dict:
    """{"found": bool, "message": str, "stage": label, "steps": [(label, local date or None)]}."""
    number = "".join((number or "").split()).upper()
    code = normalize_query_code(code)
    clue = Clue.objects.filter(number=number).only("status", "query_code_hash", *(f for f, _ in PUBLIC_STEPS))
    clue = clue.first() if number else None
    if clue is not None and not clue.query_code_hash:
        return {"found": False, "message": NO_CODE}
    ok = query_code_matches(code, clue.query_code_hash if clue else "")
    if clue is None or not code or not ok:
        return {"found": False, "message": NOT_FOUND}
    steps = []
    for field, label in PUBLIC_STEPS:
        value = getattr(clue, field)
        steps.append((label, timezone.localtime(value).date() if value else None))
    return {"found": True, "message": "", "stage": ClueStatus(clue.status).label, "steps": steps}
