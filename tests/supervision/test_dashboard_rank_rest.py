"""From the new-user walk-through of the leaders' dashboard at 30 units with overdue clues: the ranking by unit
shows 10 rows and folds the rest under “其余 N 个单位” in a second table. That table is numbered on from 11 and
has the same header and fixed columns as the first (it had no header and its own column widths, so a leader
could not tell 交办 from 签收反馈 in rows 11…)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

UNITS = (
    "区住房城乡建设局",
    "区交通运输局",
    "区农业农村局",
    "区城市管理局",
    "区教育局",
    "区卫生健康委",
    "区文化广电和旅游局",
    "区发展改革委",
    "区财政局（国资办）",
    "区司法局",
    "区工业和信息化局",
    "区市场监管局",
)


def red_clue_at_each(dispatcher, units, names, *, registered_by=None, **fields):
    """One clue per unit in `names` (a name twice: two clues), three days old and never signed for: red (签收反馈
    overdue) there. Registered by `registered_by` (default the dispatcher) with `fields` over the defaults."""
    from clues.services import clue_dispatch, clue_register

    for i, unit in enumerate(names):
        values = {
            "channel": "hotline",
            "received_at": timezone.now() - dt.timedelta(days=3, hours=i),
            "complainant_name": f"投诉人{i}",
            "complainant_phone": f"139000000{i:02d}",
            "workers_affected": 3,
            "amount_owed": Decimal("1000"),
            "street": units["龙翔街道办事处"],
            "employer_name": f"测试劳务有限公司{i}",
            "description": "拖欠工资",
            **fields,
        }
        clue = clue_register(user=registered_by or dispatcher, **values)
        clue_dispatch(
            user=dispatcher,
            clue=clue,
            unit=units[unit],
            person="王科长",
            phone="13900001111",
            override_reason="测试",
        )


@pytest.mark.django_db
def test_c3_ranking_rest_is_numbered_on_from_11_under_the_same_header(client, units, dispatcher, leader):
    red_clue_at_each(dispatcher, units, UNITS)
    client.force_login(leader)
    html = client.get(reverse("supervision:dashboard")).content.decode()
    section = html[html.index("按责任单位") : html.index("按属地街道")]
    top, rest = section.split('<details class="more-rows">')
    assert "其余 2 个单位" in rest
    numbers = lambda part: [int(n) for n in re.findall(r"<tr><td>(\d+)</td>", part)]  # noqa: E731
    assert numbers(top) == list(range(1, 11))
    assert numbers(rest) == [11, 12]
    header = re.search(r"<thead>.*?</thead>", top, re.S).group(0)
    assert header in rest  # the same columns, named
    assert (
        top.count('class="table compact rank-unit"') == 1
        and rest.count('class="table compact rank-unit"') == 1
    )
