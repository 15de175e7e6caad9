"""`manage.py process_deadlines [--now ISO-8601] [--json] [--sweep NAME]`: run the deadline sweeps once.

The same run beat makes every 5 minutes (common.sweeps); by hand for catching up, for a demo ("what would happen
at day 4?") or from cron if Celery is not available. --now sweeps as of another moment (naive times are
Asia/Shanghai). --json prints one line: what this run created, by kind.
"""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from common.sweeps import registered_sweeps, sweep_run


def parse_now(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"--now 的时间格式不正确：{text!r}，应为 ISO-8601，如 2026-12-04T09:00:00+08:00"
        ) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_current_timezone())
    return value


class Command(BaseCommand):
    help = "运行期限巡检（提醒函、通报等）一次"

    def add_arguments(self, parser):
        parser.add_argument("--now", help="按此时间点巡检（ISO-8601；不带时区按北京时间）")
        parser.add_argument("--json", action="store_true", help="输出一行 JSON：本次生成的数量（按类型）")
        parser.add_argument("--sweep", action="append", help="只运行指定巡检（可多次）；默认全部")

    def handle(self, *args, **options):
        now = parse_now(options["now"])
        known = [s.name for s in registered_sweeps()]
        names = options["sweep"] or known
        unknown = [n for n in names if n not in known]
        if unknown:
            raise CommandError(f"没有名为 {'、'.join(unknown)} 的巡检；可选：{'、'.join(known)}")
        created: dict[str, int] = {"reminder": 0, "escalation": 0}
        failed = []
        for name in names:
            try:
                run = sweep_run(name, now=now)
            except Exception as e:
                failed.append(f"{name}: {e}")
                continue
            for kind, n in run.counts.items():
                created[kind] = created.get(kind, 0) + n
            if not options["json"]:
                summary = "，".join(f"{k} {v}" for k, v in run.counts.items()) or "无新生成"
                self.stdout.write(f"{name}：{summary}；仍待处理 {run.waiting}")
        if options["json"]:
            self.stdout.write(json.dumps(created, ensure_ascii=False, sort_keys=True))
        if failed:
            raise CommandError("巡检失败：" + "；".join(failed))
