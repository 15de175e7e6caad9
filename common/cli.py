"""What the management commands share: parsing `--now` and refusing a future one."""

import datetime as dt

from django.core.management.base import CommandError
from django.utils import timezone

FUTURE_TOLERANCE = dt.timedelta(minutes=1)


def parse_now(text: str | None, *, allow_future: bool = False) -> dt.datetime | None:
    """`--now` as an aware datetime (naive: Asia/Shanghai). A time in the future is refused unless allowed: it
    would issue real, numbered letters and reviews before they are due (a demo or a test database may)."""
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"--now 的时间格式不正确：“{text}”，应为 ISO-8601，如 2026-12-04T09:00:00+08:00；未生成任何内容"
        ) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_current_timezone())
    if value > timezone.now() + FUTURE_TOLERANCE and not allow_future:
        raise CommandError(
            "--now 不能晚于当前时间：未到期的函件、周调度不能提前生成；未生成任何内容（演示或测试库可加 --allow-future）"
        )
    return value


def add_now_arguments(parser) -> None:
    parser.add_argument("--now", help="按此时间点运行（ISO-8601；不带时区按北京时间；默认当前时间）")
    parser.add_argument(
        "--allow-future",
        action="store_true",
        help="允许 --now 晚于当前时间（仅用于演示或测试库：会提前生成）",
    )
