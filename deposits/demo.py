"""Demo notices for seed_demo (P4/D2): every pushed demo project has its 附件2 notice, at different stages —
issued and waiting, received (deadline from the receipt), overdue (deadline passed without a deposit)."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from common.models import ActionLog, IssuedDocument
from deposits.models import Notice, NoticeStatus
from deposits.services import notice_deadline, notice_issue, notice_record_receipt
from projects.models import Project, ProjectStatus


def seed_notices() -> int:
    """Idempotent. Projects pushed before notices existed get theirs now; each notice is dated on its push
    (the services stamp the real time; the demo's story happened earlier); every third one is received the
    next working morning. Returns the number of notices issued."""
    issued = 0
    for project in Project.objects.filter(status=ProjectStatus.PUSHED, notice__isnull=True).select_related(
        "pushed_by"
    ):
        notice_issue(project=project, actor=project.pushed_by)
        issued += 1
    now = timezone.now()
    notices = (
        Notice.objects.filter(status=NoticeStatus.ISSUED)
        .filter(Q(issued_at__gt=timezone.now() - dt.timedelta(hours=1)))
        .select_related("project", "project__pushed_by", "document")
        .order_by("project__pushed_at", "pk")
    )
    for index, notice in enumerate(notices):
        pushed_at = notice.project.pushed_at or notice.issued_at
        if pushed_at < notice.issued_at:
            _backdate(notice, pushed_at)
        if index % 3 == 1:
            received_at = min(pushed_at + dt.timedelta(days=1), now)
            mark = ActionLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            notice_record_receipt(
                notice=notice,
                actor=notice.project.pushed_by,
                received_at=received_at,
                signer="吴经理",
                position="项目经理",
                phone="13803910002",
            )
            ActionLog.objects.filter(pk__gt=mark).update(created_at=received_at)
    return issued


def _backdate(notice: Notice, when: dt.datetime) -> None:
    deadline = notice_deadline(timezone.localdate(when), notice.deadline_days)
    Notice.objects.filter(pk=notice.pk).update(issued_at=when, deadline=deadline)
    # The history rows too: the notice's timeline diff would otherwise show today's issue time and deadline.
    Notice.history.filter(id=notice.pk).update(history_date=when, issued_at=when, deadline=deadline)
    if notice.document_id:
        IssuedDocument.objects.filter(pk=notice.document_id).update(issued_at=when)
    notice.issued_at, notice.deadline = when, deadline


# ------------------------------------------------------------- deposits, guarantees, fund ledgers (D1, D3, D4)


def seed_deposits_and_funds() -> int:
    """Idempotent (skips what exists): two deposits — one used to pay arrears —, two payment guarantees (one
    expiring within 30 days), the two emergency funds topped up by 区财政局 with an advance and a recovery.
    Everything through the services, as HRSS's demo dispatcher. Returns the number of records created."""
    from decimal import Decimal

    from common.models import User
    from deposits.models import Deposit, Fund, FundKind, Institution, MovementKind, PaymentGuarantee
    from deposits.services import (
        deposit_record,
        deposit_requirement,
        deposit_use_for_arrears,
        fund_move,
        fund_open_emergency,
        guarantee_record,
    )

    actor = User.objects.filter(username="renshe").first()
    if actor is None:
        return 0
    today = timezone.localdate()
    created = 0
    if not Deposit.objects.exists():
        bank = Institution.objects.accepting_new().filter(kind="bank").first()
        insurer = Institution.objects.accepting_new().filter(kind="insurer").first()
        open_notices = (
            Notice.objects.filter(
                status__in=(NoticeStatus.ISSUED, NoticeStatus.RECEIVED), deadline__gte=today
            )
            .select_related("project")
            .order_by("issued_at", "pk")[:2]
        )
        for index, notice in enumerate(open_notices):
            requirement = deposit_requirement(project=notice.project)
            cash = index == 0
            deposit = deposit_record(
                notice=notice,
                actor=actor,
                form="cash" if cash else "insurance",
                institution=bank if cash else insurer,
                amount=requirement.amount or Decimal("100000"),
                document_number=f"演示-{notice.pk:04d}",
                deposited_on=timezone.localdate(notice.issued_at),
                valid_from=None if cash else today,
                valid_to=None if cash else today + dt.timedelta(days=365),
            )
            created += 1
            if cash:
                deposit_use_for_arrears(
                    deposit=deposit, actor=actor, amount=Decimal("20000.00"), used_on=today,
                    note="演示：项目拖欠农民工工资，动用保证金先行支付",
                )  # fmt: skip
    if not PaymentGuarantee.objects.exists():
        for days, project in zip(
            (20, 365), Project.objects.filter(status=ProjectStatus.PUSHED).order_by("pk")[:2], strict=False
        ):
            guarantee_record(
                project=project, actor=actor, guarantor="河南嘉泰工程担保有限公司", document_number=f"演示保函-{project.pk}",
                amount=Decimal("500000"), valid_from=today - dt.timedelta(days=200),
                valid_to=today + dt.timedelta(days=days),
            )  # fmt: skip
            created += 1
    if not Fund.objects.exists():
        funds = {f.kind: f for f in fund_open_emergency(actor=actor)}
        project = Project.objects.filter(status=ProjectStatus.PUSHED).order_by("pk").first()
        moves = [
            (FundKind.REVOLVING, MovementKind.TOP_UP, "1000000", None, "区财政局", "应急周转金注资"),
            (FundKind.RESERVE, MovementKind.TOP_UP, "4000000", None, "区财政局", "应急储备金注资"),
        ]
        if project is not None:
            moves += [
                (
                    FundKind.REVOLVING,
                    MovementKind.ADVANCE,
                    "80000",
                    project,
                    "农民工代表",
                    "演示：垫付拖欠工资",
                ),
                (
                    FundKind.REVOLVING,
                    MovementKind.RECOVERY,
                    "30000",
                    project,
                    "施工总承包单位",
                    "演示：追回垫付款",
                ),
            ]
        for kind, movement_kind, amount, target, counterparty, note in moves:
            fund_move(
                fund=funds[kind], actor=actor, kind=movement_kind, amount=amount, occurred_on=today,
                project=target, counterparty=counterparty, note=note,
            )  # fmt: skip
            created += 1
    return created
