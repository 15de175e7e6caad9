"""Demo users, one per role (make run prints their logins). Not test data: tests use tests/factories.py."""

from common.models import Role, Unit, UnitType, User

DEMO_PASSWORD = "zhongzhan2026"

# username, full name, role, unit name (None: district level)
DEMO_USERS = [
    ("zhujian", "王建国（住建局经办人）", Role.CLERK, "区住房城乡建设局"),
    ("jiaotong", "李明（交通局经办人）", Role.CLERK, "区交通运输局"),
    ("lifeng", "赵丽（李封街道经办人）", Role.CLERK, "李封街道办事处"),
    ("renshe", "张华（人社局调度员）", Role.DISPATCHER, "区人力资源社会保障局"),
    ("xinfang", "陈静（信访局经办人）", Role.PETITION_CLERK, "区信访局"),
    ("lingdao", "刘强（区领导）", Role.LEADER, None),
    ("admin", "系统管理员", Role.ADMIN, None),
]


def seed_users() -> list[tuple[str, str, str]]:
    units = {u.name: u for u in Unit.objects.all()}
    logins = []
    for username, full_name, role, unit_name in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "role": role,
                "unit": units.get(unit_name) if unit_name else None,
                # So `make run` shows the notifications' e-mails (console backend, in the worker's output).
                "email": f"{username}@zhongzhan.example",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            if role == Role.ADMIN:
                user.is_staff = user.is_superuser = True
            user.save()
        logins.append((username, DEMO_PASSWORD, f"{user.get_role_display()}｜{user.unit or '区级'}"))
    return logins


def hrss() -> Unit:
    return Unit.objects.get(unit_type=UnitType.HRSS)
