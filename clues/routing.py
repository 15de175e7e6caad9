"""C2 routing: who is responsible for a clue, suggested by rules and confirmed (or overridden, with a reason) by
the dispatcher in clues.services.clue_dispatch.

`suggest_route` is a pure function of plain facts (no database): each C2 branch is one `if`, in the order the
policy's exceptions need, and each has a named test in tests/clues/test_routing_c2.py.
"""

from dataclasses import dataclass

from .models import CIVIL_DISPUTE_NATURES, Category, Nature

SPECIAL_FUNDS = ("special_bond", "ultra_long_bond", "central_budget")  # 专项债 / 超长期国债 / 中央预算内投资
ZONE_SHORT_NAME = "经开"  # 焦作经开区管委会

# C2 "other fields": the department responsible for each field outside construction (units' 简称).
FIELD_DEPARTMENTS = {
    Category.FINANCE: "财政",
    Category.SANITATION: "城管",
    Category.URBAN_MANAGEMENT: "城管",
    Category.HOUSING_SECURITY: "住保",
    Category.EDUCATION: "教育",
    Category.HEALTH: "卫健",
    Category.TRANSPORT: "交通",
    Category.AGRICULTURE: "农业",
    Category.CULTURE_TOURISM: "文旅",
}

PATH_WAGES = "督促支付欠薪"
PATH_COURTS = "司法途径"
PATH_UPWARD = "对接上级主管部门"


@dataclass(frozen=True)
class UnitFact:
    short_name: str
    name: str
    unit_type: str  # common.models.UnitType value: hrss, industry, street, other


@dataclass(frozen=True)
class RouteFacts:
    """What routing needs. `project_*` are None/blank when no project is known."""

    street: UnitFact | None  # the clue's 属地
    category: str = Category.CONSTRUCTION
    nature: str = Nature.WAGE_ARREARS
    project_unit: UnitFact | None = None  # the owning unit (所属行业部门)
    project_bidder: UnitFact | None = None  # 招投标单位
    project_street: UnitFact | None = None
    funding_type: str = ""
    street_self_implemented: bool = False  # P2: a street's own project
    city_level_or_cross_border: bool = False


@dataclass(frozen=True)
class Route:
    unit_short_name: str | None
    assisting_street: str | None
    reason_text: str
    outcome_path: str


def _is_zone(unit: UnitFact | None) -> bool:
    return unit is not None and unit.short_name == ZONE_SHORT_NAME


def suggest_route(facts: RouteFacts) -> Route:
    """C2, branch by branch. The reason is written for the dispatcher to read."""
    street = facts.project_street or facts.street
    street_name = street.short_name if street else None
    unit, bidder = facts.project_unit, facts.project_bidder

    if facts.nature in CIVIL_DISPUTE_NATURES:
        label = Nature(facts.nature).label
        if bidder is not None:
            return Route(
                bidder.short_name,
                street_name,
                f"属{label}，由招投标单位{bidder.name}协助投诉人通过司法途径解决并做好稳定工作",
                PATH_COURTS,
            )
        return Route(
            street_name,
            None,
            f"属{label}且未关联项目，由属地街道引导通过司法途径解决并做好稳定工作",
            PATH_COURTS,
        )

    if unit is not None:
        if _is_zone(unit) or _is_zone(bidder):
            return Route(ZONE_SHORT_NAME, None, "经开区项目，由焦作经开区管委会负责", PATH_WAGES)
        authority = (
            unit
            if unit.unit_type == "industry"
            else bidder
            if bidder and bidder.unit_type == "industry"
            else None
        )
        if facts.city_level_or_cross_border and authority is not None:
            return Route(
                authority.short_name,
                street_name,
                f"市级或跨区域项目，由行业主管部门{authority.name}负责并对接上级主管部门",
                PATH_UPWARD,
            )
        if facts.funding_type in SPECIAL_FUNDS and bidder is not None and bidder.unit_type == "street":
            return Route(
                bidder.short_name,
                None,
                f"专项资金项目由{bidder.name}招标、签订合同，由该街道负责",
                PATH_WAGES,
            )
        if unit.unit_type == "street" and bidder is not None and bidder.unit_type == "industry":
            return Route(
                bidder.short_name,
                unit.short_name,
                f"项目位于{unit.name}但由行业主管部门{bidder.name}招标，由{bidder.name}负责，街道协助做好维稳",
                PATH_WAGES,
            )
        if unit.unit_type == "street" or facts.street_self_implemented:
            return Route(unit.short_name, None, f"街道自主实施项目，由{unit.name}负责", PATH_WAGES)
        if unit.unit_type == "industry":
            return Route(unit.short_name, None, f"行业主管部门{unit.name}的项目，由该部门负责", PATH_WAGES)
        return Route(unit.short_name, street_name, f"项目所属单位{unit.name}负责", PATH_WAGES)

    department = FIELD_DEPARTMENTS.get(facts.category)
    if department is not None:
        return Route(
            department,
            street_name,
            f"{Category(facts.category).label}领域，由行业主管部门负责，属地街道协助",
            PATH_WAGES,
        )
    return Route(street_name, None, "未关联项目，由属地街道负责", PATH_WAGES)


def _fact(unit) -> UnitFact | None:
    return UnitFact(unit.short_name, unit.name, unit.unit_type) if unit is not None else None


def route_facts_for(clue, *, city_level_or_cross_border: bool = False) -> RouteFacts:
    """The facts of a clue (and its project, when known) — the one place that reads models for routing."""
    project = clue.project
    return RouteFacts(
        street=_fact(clue.street),
        category=clue.category,
        nature=clue.nature,
        project_unit=_fact(project.unit) if project else None,
        project_bidder=_fact(project.bidder_unit) if project else None,
        project_street=_fact(project.street) if project else None,
        funding_type=project.funding_type if project else "",
        street_self_implemented=bool(project and project.trigger_type == "street_self"),
        city_level_or_cross_border=city_level_or_cross_border,
    )
