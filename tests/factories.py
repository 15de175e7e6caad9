"""Test data builders. Units come from the real fixture (tests/conftest.py `units`)."""

import datetime as dt
from decimal import Decimal

import factory

from common.models import Role, Unit, User
from projects.columns import DATA_COLUMNS
from projects.services import ProjectData, project_create
from tests.helpers import make_uscc

__all__ = ["PASSWORD", "UserFactory", "create_project", "make_uscc", "project_data", "project_fields"]

PASSWORD = "test-pass-123"


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
    """What a clerk types into the form or a client posts to the API: project_data's complete record, one
    value per 附件1 column (projects.columns.DATA_COLUMNS), as text and ids."""
    data = project_data(street=units["李封街道办事处"], bidder_unit=units[bidder], serial=serial)
    values = {column.field: _as_typed(getattr(data, column.field)) for column in DATA_COLUMNS}
    values.update(overrides)
    return values


def _as_typed(value):
    if isinstance(value, Unit):
        return value.pk
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return "" if value is None else value
