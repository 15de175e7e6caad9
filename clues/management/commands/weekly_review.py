"""`manage.py weekly_review [--date YYYY-MM-DD] [--now ISO-8601] [--json]`: build a week's Friday review (C3
step 5) once — the same service beat runs (clues.review.weekly_review_build).

Without --date: the latest week whose review day has begun by now (or --now), so a review missed while the
system was down is built (marked 补生成). --date: the week containing that date; a date that is not its week's
review day is taken as that week's review day, and the command says so. Running it twice for one week creates
one review. --json prints one line: {"created": …, "review_date": "…", "clues": n, "units": m}.
Bad input (a malformed date or time, a review day still to come) is a Chinese message, exit code 1, nothing
created.
"""

import datetime as dt
import json
import re

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clues.review import weekly_review_build
from common.cli import add_now_arguments, parse_now
from common.formats import format_date, format_datetime

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    value = text.strip()
    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--date 的日期格式不正确：“{text}”，应为 YYYY-MM-DD，如 2026-12-04；未生成任何内容"
        ) from None


class Command(BaseCommand):
    help = "生成周调度（C3 第5步）：每周调度日列出已交办、尚未办结的线索，按责任单位分组并通知各单位"

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="生成该日期所在周的周调度（YYYY-MM-DD）；默认为最近一个已到的调度日"
        )
        add_now_arguments(parser)
        parser.add_argument(
            "--json", action="store_true", help="输出一行 JSON：created、review_date、clues、units"
        )

    def handle(self, *args, **options):
        date = parse_date(options["date"])
        now = parse_now(options["now"], allow_future=options["allow_future"])
        as_json = options["json"]
        try:
            review, created = weekly_review_build(now=now, date=date)
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from None
        if date is not None and review.review_date != date:
            # In --json mode stdout carries the one JSON line only; the notice goes to stderr.
            out = self.stderr if as_json else self.stdout
            out.write(f"{format_date(date)} 不是调度日，按该周调度日 {format_date(review.review_date)} 处理")
        if as_json:
            line = {
                "created": created,
                "review_date": review.review_date.isoformat(),
                "clues": review.clue_count,
                "units": review.unit_count,
            }
            self.stdout.write(json.dumps(line, ensure_ascii=False))
            return
        day = format_date(review.review_date)
        if created:
            late = "（补生成）" if review.built_late else ""
            self.stdout.write(
                f"已生成 {day} 周调度{late}：{review.unit_count} 个单位 {review.clue_count} 件线索"
            )
        else:
            self.stdout.write(
                f"{day} 周调度已存在（生成于 {format_datetime(review.built_at)}），未重复生成："
                f"{review.unit_count} 个单位 {review.clue_count} 件线索"
            )
