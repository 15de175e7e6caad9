"""{% load formats %}: {{ d|cn_date }} 2026-12-01, {{ t|cn_datetime }} 2026-12-01 16:28, {{ x|money }} 6,120.80."""

from django import template

from common.formats import format_date, format_datetime, format_money

register = template.Library()


@register.filter
def cn_date(value) -> str:
    return format_date(value) if value else ""


@register.filter
def cn_datetime(value) -> str:
    return format_datetime(value) if value else ""


@register.filter
def money(value) -> str:
    return format_money(value) if value not in (None, "") else ""
