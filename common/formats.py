"""How dates, times and money are written everywhere (pages, messages, Excel, PDFs): one way each.

Dates: 2026-12-01; date and time: 2026-12-01 16:28 (Asia/Shanghai). Money: thousands separators and two
decimals — 6,120.80 (万元 for contract totals, 元 for wages and funds; the unit is written by the caller).
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
# The same in Excel's number-format language.
EXCEL_DATE_FORMAT = "yyyy-mm-dd"
EXCEL_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
EXCEL_MONEY_FORMAT = "#,##0.00"


def format_date(value: dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.strftime(DATE_FORMAT)


def format_official_date(value: dt.date) -> str:
    """The date of an official document (通知书, 函): 2026年12月1日 — Arabic numerals, no leading zeros."""
    return f"{value.year}年{value.month}月{value.day}日"


def format_datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime(DATETIME_FORMAT)


def format_money(value: Decimal | int | float | None) -> str:
    """6120.8 → "6,120.80"."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"
