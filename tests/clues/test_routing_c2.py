"""C2 routing: one named test per branch of the pure function, and the dispatcher's override (reason, logged)."""

import pytest
from django.core.exceptions import ValidationError

from clues.models import Category, Nature
from clues.routing import PATH_COURTS, PATH_UPWARD, RouteFacts, UnitFact, suggest_route
from common.models import ActionLog

from .conftest import dispatch, register

LIFENG = UnitFact("李封", "李封街道办事处", "street")
WANGFENG = UnitFact("王封", "王封街道办事处", "street")
ZHUJIAN = UnitFact("住建", "区住房城乡建设局", "industry")
JIAOTONG = UnitFact("交通", "区交通运输局", "industry")
ZONE = UnitFact("经开", "焦作经开区管委会", "other")


def _project(unit, bidder=None, **kw) -> RouteFacts:
    kw.setdefault("funding_type", "government")
    return RouteFacts(
        street=LIFENG, project_unit=unit, project_bidder=bidder or unit, project_street=LIFENG, **kw
    )


def test_an_industry_authoritys_project_goes_to_that_authority_c2():
    route = suggest_route(_project(ZHUJIAN))
    assert (route.unit_short_name, route.assisting_street) == ("住建", None)
    assert "区住房城乡建设局" in route.reason_text


def test_a_street_self_implemented_project_goes_to_the_street_c2():
    route = suggest_route(_project(LIFENG, street_self_implemented=True))
    assert route.unit_short_name == "李封" and "街道自主实施" in route.reason_text


@pytest.mark.parametrize("funding", ["special_bond", "ultra_long_bond", "central_budget"])
def test_a_special_fund_project_bid_and_contracted_by_a_street_goes_to_the_street_c2(funding):
    route = suggest_route(_project(ZHUJIAN, bidder=WANGFENG, funding_type=funding))
    assert route.unit_short_name == "王封" and "专项资金" in route.reason_text


def test_a_government_funded_project_of_an_authority_bid_by_a_street_stays_with_the_authority_c2():
    assert (
        suggest_route(_project(ZHUJIAN, bidder=WANGFENG, funding_type="government")).unit_short_name == "住建"
    )


def test_a_project_in_a_street_bid_by_an_industry_authority_goes_to_the_authority_the_street_assists_c2():
    route = suggest_route(_project(LIFENG, bidder=JIAOTONG))
    assert (route.unit_short_name, route.assisting_street) == ("交通", "李封")
    assert "街道协助" in route.reason_text


def test_a_city_level_or_cross_border_project_goes_to_the_authority_liaising_upward_c2():
    route = suggest_route(_project(ZHUJIAN, city_level_or_cross_border=True))
    assert (route.unit_short_name, route.outcome_path) == ("住建", PATH_UPWARD)
    assert "对接上级" in route.reason_text


def test_a_zone_project_goes_to_the_zone_committee_c2():
    route = suggest_route(_project(ZONE))
    assert route.unit_short_name == "经开" and "经开区" in route.reason_text


@pytest.mark.parametrize(
    ("category", "department"),
    [
        (Category.FINANCE, "财政"),
        (Category.SANITATION, "城管"),
        (Category.URBAN_MANAGEMENT, "城管"),
        (Category.HOUSING_SECURITY, "住保"),
        (Category.EDUCATION, "教育"),
        (Category.HEALTH, "卫健"),
        (Category.TRANSPORT, "交通"),
        (Category.AGRICULTURE, "农业"),
        (Category.CULTURE_TOURISM, "文旅"),
    ],
)
def test_other_fields_go_to_that_department_c2(category, department):
    route = suggest_route(RouteFacts(street=LIFENG, category=category))
    assert (route.unit_short_name, route.assisting_street) == (department, "李封")


@pytest.mark.parametrize(
    "nature", [Nature.CONTRACT, Nature.EQUITY, Nature.PRICE, Nature.QUANTITY, Nature.QUALITY]
)
def test_contract_equity_price_quantity_quality_disputes_go_to_the_bidder_by_the_courts_c2(nature):
    route = suggest_route(_project(LIFENG, bidder=JIAOTONG, nature=nature))
    assert (route.unit_short_name, route.outcome_path) == ("交通", PATH_COURTS)
    assert "司法途径" in route.reason_text


def test_a_civil_dispute_without_a_project_goes_to_the_street_by_the_courts_c2():
    route = suggest_route(RouteFacts(street=LIFENG, nature=Nature.QUALITY))
    assert (route.unit_short_name, route.outcome_path) == ("李封", PATH_COURTS)


def test_a_construction_clue_without_a_project_goes_to_its_street_c2():
    route = suggest_route(RouteFacts(street=WANGFENG))
    assert route.unit_short_name == "王封" and "属地街道" in route.reason_text


@pytest.mark.django_db
def test_intake_stores_the_suggestion_from_the_projects_facts_c2(dispatcher, zhujian, units, now):
    from tests.factories import create_project

    project = create_project(user=zhujian, street=units["王封街道办事处"], push=True)
    clue = register(dispatcher, units, project=project, street=None)
    assert clue.street == units["王封街道办事处"]  # 属地 taken from the project
    assert clue.suggested_unit == units["区住房城乡建设局"] and clue.route_reason


@pytest.mark.django_db
def test_the_dispatchers_override_needs_a_reason_which_is_logged_c2(dispatcher, units, now):
    clue = register(dispatcher, units)  # suggested: 李封 (属地)
    assert clue.suggested_unit == units["李封街道办事处"]
    with pytest.raises(ValidationError) as e:
        dispatch(dispatcher, clue, units["区交通运输局"], override_reason="")
    assert "请填写调整理由" in e.value.message_dict["override_reason"][0]
    clue = dispatch(dispatcher, clue, units["区交通运输局"], override_reason="欠薪单位为交通局监管的运输企业")
    assert clue.route_override_reason == "欠薪单位为交通局监管的运输企业"
    entry = ActionLog.objects.get(object_id=str(clue.pk), action="clue.dispatched")
    assert entry.data["override_reason"] == "欠薪单位为交通局监管的运输企业"


@pytest.mark.django_db
def test_confirming_the_suggestion_needs_no_reason_c2(dispatcher, units, now):
    clue = register(dispatcher, units)
    clue = dispatch(dispatcher, clue, units["李封街道办事处"])
    assert clue.route_override_reason == ""
