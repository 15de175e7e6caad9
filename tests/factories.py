"""Test data builders. Units come from the real fixture (tests/conftest.py `units`)."""

import datetime as dt
from decimal import Decimal

import factory
from stdnum.cn import uscc

from common.models import Role, Unit, User
from projects.services import ProjectData, project_create

PASSWORD = "test-pass-123"


def make_uscc(serial: int) -> str:
    base = f"91410803MA{serial:07d}"
    return base + uscc.calc_check_digit(base)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.LazyAttribute(lambda o: o.username)
    role = Role.CLERK

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


def project_data(*, street: Unit, bidder_unit: Unit, serial: int = 1, **overrides) -> ProjectData:
    """A complete, valid 附件1 record; override any field."""
    values = dict(
        name=f"测试项目{serial}",
        street=street,
        category="municipal",
        funding_type="government",
        trigger_type="industry_info",
        trigger_date=dt.date(2026, 9, 1),
        bidder_unit=bidder_unit,
        unit_leader_name="周主任",
        unit_leader_phone="0391-2958100",
        owner_name="焦作市中站区城市建设投资有限公司",
        owner_uscc=make_uscc(1),
        owner_manager_name="孙工",
        owner_manager_phone="13903910001",
        contractor_name=f"河南测试建设工程有限公司{serial}",
        contractor_uscc=make_uscc(1000 + serial),
        contractor_manager_name="吴经理",
        contractor_manager_phone="13803910002",
        contract_total_wan=Decimal("1234.56"),
        contract_signed_on=dt.date(2026, 9, 1),
        planned_start_on=dt.date(2026, 10, 15),
        remarks="",
    )
    values.update(overrides)
    return ProjectData(**values)


def create_project(*, user: User, street: Unit, push: bool = False, serial: int = 1, **overrides):
    unit = overrides.pop("unit", None) or user.unit
    data = project_data(
        street=street, bidder_unit=overrides.pop("bidder_unit", unit), serial=serial, **overrides
    )
    return project_create(user=user, unit=unit, data=data, push=push)


def project_fields(units: dict, *, serial: int = 1, bidder: str = "区住房城乡建设局", **overrides) -> dict:
    """What a clerk types into the form or a client posts to the API: a complete 附件1 record, as text and ids."""
    values = {
        "name": f"测试项目{serial}",
        "street": units["李封街道办事处"].pk,
        "category": "municipal",
        "funding_type": "government",
        "trigger_type": "industry_info",
        "trigger_date": "2026-09-01",
        "bidder_unit": units[bidder].pk,
        "unit_leader_name": "周主任",
        "unit_leader_phone": "0391-2958100",
        "owner_name": "焦作市中站区城市建设投资有限公司",
        "owner_uscc": make_uscc(1),
        "owner_manager_name": "孙工",
        "owner_manager_phone": "13903910001",
        "contractor_name": f"河南测试建设工程有限公司{serial}",
        "contractor_uscc": make_uscc(1000 + serial),
        "contractor_manager_name": "吴经理",
        "contractor_manager_phone": "13803910002",
        "contract_total_wan": "1234.56",
        "contract_signed_on": "2026-09-01",
        "planned_start_on": "2026-10-15",
        "remarks": "",
    }
    values.update(overrides)
    return values
