"""`manage.py sweep_status [--json]`: when each deadline sweep last ran and how many due items wait.

Exits 1 when a sweep has stopped (no run for 3 intervals) or its last run failed — usable as a monitoring check
or a container health check of the beat."""

import json

from django.core.management.base import BaseCommand

from common.formats import format_datetime
from common.sweeps import sweep_health


class Command(BaseCommand):
    help = "显示期限巡检的最近运行时间与待处理数量；巡检停止或失败时退出码为1"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        health = sweep_health()
        rows = [
            {
                "name": h.sweep.name,
                "state": h.state,
                "last_run": h.last_run.started_at.isoformat() if h.last_run else None,
                "last_ok": h.last_ok.started_at.isoformat() if h.last_ok else None,
                "waiting": h.waiting,
            }
            for h in health
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
        else:
            for h in health:
                last = format_datetime(h.last_run.started_at) if h.last_run else "—"
                self.stdout.write(
                    f"{h.sweep.label}（{h.sweep.name}）：{h.state}，最近运行 {last}，待处理 {h.waiting}"
                )
        if any(h.state != "正常" for h in health):
            raise SystemExit(1)
