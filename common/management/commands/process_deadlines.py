"""`manage.py process_deadlines [--now ISO-8601] [--json] [--sweep NAME]`: run the deadline sweeps once.

The same run beat makes every 5 minutes (common.sweeps); by hand for catching up, for a demo ("what would happen
at day 4?") or from cron if Celery is not available. --now sweeps as of an earlier moment (naive times are
Asia/Shanghai): a catch-up "as it should have been". A time in the future is refused unless --allow-future is given
(a demo or a test database: it would issue real, numbered letters before they are due). --json prints one line:
what this run created, by kind.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from common.cli import add_now_arguments, parse_now
from common.sweeps import counts_display, registered_sweeps, sweep, sweep_run


class Command(BaseCommand):
    help = "运行期限巡检（提醒函、通报等）一次"

    def add_arguments(self, parser):
        add_now_arguments(parser)
        parser.add_argument("--json", action="store_true", help="输出一行 JSON：本次生成的数量（按类型）")
        parser.add_argument("--sweep", action="append", help="只运行指定巡检（可多次）；默认全部")

    def handle(self, *args, **options):
        now = parse_now(options["now"], allow_future=options["allow_future"])
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
                self.stdout.write(f"{sweep(name).label}：{counts_display(run)}；仍待处理 {run.waiting}")
        if options["json"]:
            self.stdout.write(json.dumps(created, ensure_ascii=False, sort_keys=True))
        if failed:
            raise CommandError("巡检失败：" + "；".join(failed))
