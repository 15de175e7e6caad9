"""Helpers every test module shares: the local timezone, aware datetimes, valid 统一社会信用代码."""

import datetime as dt

from stdnum.cn import uscc

# Asia/Shanghai has kept UTC+8 without daylight saving since 1991: a fixed offset is exact.
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    """An aware datetime in Asia/Shanghai (10:00 unless told), for time_machine and comparisons."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def make_uscc(serial: int) -> str:
    """A valid 统一社会信用代码 (check digit computed), distinct for each serial."""
    base = f"91410803MA{serial:07d}"
    return base + uscc.calc_check_digit(base)
