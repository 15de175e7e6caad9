"""Idempotent demo data: units come from fixtures; this adds demo users and each capability's demo records."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clues import demo as clues_demo
from common import demo as common_demo
from common.models import Unit
from deposits import demo as deposits_demo
from deposits.models import Institution
from projects import demo as projects_demo


class Command(BaseCommand):
    help = "载入演示数据（可重复执行）：单位、演示用户、演示项目；--projects N --clues M 另加批量数据"

    def add_arguments(self, parser):
        # Issue 9 part 7: a large data set on top (supervision.bulk_demo), for benchmarks and load tests.
        parser.add_argument(
            "--projects", type=int, default=0, help="另加 N 个批量演示项目（含通知书、五制、整改、会议任务）"
        )
        parser.add_argument(
            "--clues", type=int, default=0, help="另加 M 条批量演示线索（各阶段、函件、检讨记录）"
        )

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "生产环境（DJANGO_ALLOW_DEMO_DATA=0）不能载入演示数据：演示账号的密码是公开的。"
                "请用 createsuperuser 创建管理员，再在管理后台建立各单位用户。"
            )
        # Units come from fixtures/units.json once; later edits in the admin are never overwritten.
        if not Unit.objects.exists():
            call_command("loaddata", "units", verbosity=0)
            # loaddata saves raw, which simple-history skips: record each unit's starting state so the
            # first admin edit shows old → new (audit, issue 2 part 8).
            call_command("populate_history", "common.Unit", verbosity=0)
        if not Institution.objects.exists():
            call_command("loaddata", "institutions", verbosity=0)  # 附件3 (D3)
        with transaction.atomic():
            logins = common_demo.seed_users()
            created = projects_demo.seed_projects()
            deposits_demo.seed_notices()
            deposits_demo.seed_deposits_and_funds()  # D1, D3, D4: one deposit used for arrears, fund movements
            clues_demo.seed_clues()  # issue 7: a clue at every stage, a repeat, a P6 petition
            # issue 9: 五制 records, inspections and orders, key monitoring, the blacklist, joint meetings
            from supervision import blacklist, five_systems, meetings, oversight

            for part in (five_systems, oversight, blacklist, meetings):
                part.seed_demo_records()
        self.stdout.write(f"演示项目：新增 {created} 个")
        if options.get("projects") or options.get("clues"):
            from supervision import bulk_demo

            added = bulk_demo.build(
                projects=max(0, options["projects"]),
                clues=max(0, options["clues"]),
                progress=self.stdout.write,
            )
            self.stdout.write("批量演示数据：" + "，".join(f"{k} {v}" for k, v in added.items()))
        self.stdout.write("演示账号（密码相同）：")
        for username, password, who in logins:
            self.stdout.write(f"  {username:<10} / {password}   {who}")
