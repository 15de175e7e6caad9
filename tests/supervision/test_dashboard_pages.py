"""Issue 9 part 5, from the new-user walk-through of the leaders' dashboard (督办看板) and the lists its numbers open:
the page as it prints and reads, and the list pages' filter bar (templates/includes/list_filters.html, static/css).

- The trend chart's key prints: a browser prints without background graphics by default, so the key's CSS
  backgrounds came out as two empty boxes and the two series (new, closed) could not be told apart in black and
  white; the swatches ask to be printed (print-color-adjust: exact).
- The sweep alarm names each state once (“A”、“B”…已停止或从未运行), not the state after each of nine sweeps.
- The filter bar: a field in error is marked and keeps its input level with the row's; a date range's two ends
  stay side by side when the bar wraps (the clue list's 12 fields at 1366×768 put 接收日期自 at the end of one row
  and 接收日期至 at the start of the next); a unit's long name fits its select; a field's help text is its tooltip.
"""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from common import sweeps

REVERSED = {"closed_from": "2026-12-01", "closed_to": "2026-11-01"}
RANGE_ERROR = "截止日期不能早于起始日期"


class _Tree(HTMLParser):
    """For each element with an id: its ancestors' (tag, classes, serial) — enough to ask "same group?"."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "wbr", "rect", "line", "path"}

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, tuple[str, ...], int]] = []
        self.ancestors: dict[str, list[tuple[str, tuple[str, ...], int]]] = {}
        self.attrs: dict[str, dict] = {}
        self.serial = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.serial += 1
        if attrs.get("id"):
            self.ancestors[attrs["id"]] = list(self.stack)
            self.attrs[attrs["id"]] = attrs
        if tag not in self.VOID:
            self.stack.append((tag, tuple((attrs.get("class") or "").split()), self.serial))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def group(self, element_id: str, css: str):
        """The nearest ancestor with class `css` of the element (None if there is none)."""
        return next((a for a in reversed(self.ancestors[element_id]) if css in a[1]), None)


def tree(html: str) -> _Tree:
    t = _Tree()
    t.feed(html)
    return t


def page(client, user, name, params=None) -> str:
    client.force_login(user)
    response = client.get(reverse(name), params or {})
    assert response.status_code == 200
    return response.content.decode()


# ------------------------------------------------------------------------------------------ the dashboard


@pytest.mark.django_db
def test_c3_trend_key_prints_without_background_graphics(client, leader):
    """The key's swatches are CSS backgrounds, which a browser leaves out when printing unless the element asks
    for them (print-color-adjust: exact): without it the key printed as two empty boxes, and in black and white
    nothing else tells the solid series (new) from the hatched one (closed)."""
    html = page(client, leader, "supervision:dashboard")
    key = re.search(r'<p class="legend">(.*?)</p>', html, re.S).group(1)
    assert re.search(r'<span class="sw solid"></span>新收.*<span class="sw hatch"></span>办结', key)
    rule = re.search(r"\.legend \.sw \{([^}]*)\}", html).group(1)
    assert "-webkit-print-color-adjust: exact" in rule and re.search(r"(?<!-)print-color-adjust: exact", rule)
    assert "border: 1px solid #000" in rule  # the swatch's outline prints in any case
    assert 'fill="url(#dash-hatch)"' in html  # the bars it keys: the closed series by pattern, not colour


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["supervision:dashboard", "clues:clue_list", "clues:letter_list", "projects:ledger"]
)
def test_no_template_comment_shows_on_the_page(client, leader, dispatcher, name):
    """A multi-line {# … #} is not a Django comment: it would print on the page as text."""
    html = page(client, leader if name == "supervision:dashboard" else dispatcher, name)
    assert "{#" not in html and "#}" not in html and "{%" not in html


@pytest.mark.django_db
def test_sweep_alarm_names_each_state_once(client, leader):
    """Issue 8: a leader must see a stopped sweep; with none run yet, every registered sweep is in the alarm —
    named once each, the state said once (it was repeated after each of nine sweeps)."""
    registered = sweeps.registered_sweeps()
    assert len(registered) >= 2
    html = page(client, leader, "supervision:dashboard")
    alarm = re.search(r'<div class="msg msg-error sweep-alarm" role="alert">(.*?)</div>', html, re.S).group(1)
    assert alarm.count("已停止或从未运行") == 1
    for entry in registered:
        assert f"“{entry.label}”" in alarm
    assert "查看巡检状态" in alarm


# ------------------------------------------------------------------------------------------ the filter bar


@pytest.mark.django_db
def test_c3_clue_filters_mark_the_field_in_error(client, dispatcher):
    html = page(client, dispatcher, "clues:clue_list", REVERSED)
    t = tree(html)
    field = t.group("id_closed_to", "field")
    assert field is not None and "has-error" in field[1]
    assert "has-error" not in t.group("id_closed_from", "field")[1]
    assert html.count(RANGE_ERROR) == 1
    assert t.attrs["id_closed_from"]["value"] == "2026-12-01"  # the reader's input stays in the form


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name, pairs",
    [
        ("clues:clue_list", [("received_from", "received_to"), ("closed_from", "closed_to")]),
        ("clues:letter_list", [("date_from", "date_to")]),
        ("projects:ledger", [("date_from", "date_to")]),
    ],
)
def test_a_date_ranges_two_ends_are_one_group(client, dispatcher, name, pairs):
    t = tree(page(client, dispatcher, name))
    groups = []
    for start, end in pairs:
        group = t.group(f"id_{start}", "range")
        assert group is not None, f"{start} is in no .range group"
        assert t.group(f"id_{end}", "range") == group, f"{start} and {end} are not in one group"
        groups.append(group)
    assert len(set(groups)) == len(groups)  # each range its own group
    # Nothing else is grouped with them (the search box, the selects).
    for other in ("id_q", "id_status", "id_unit"):
        if other in t.ancestors:
            assert t.group(other, "range") is None


@pytest.mark.django_db
def test_c3_overdue_step_filter_explains_itself(client, dispatcher):
    """The new 逾期环节 filter's help text (which clues it lists) is its label's tooltip."""
    html = page(client, dispatcher, "clues:clue_list")
    label = re.search(r'<label for="id_overdue_step"([^>]*)>逾期环节</label>', html)
    assert label and 'title="C3：该环节已到期仍未完成的在办线索"' in label.group(1)


# ------------------------------------------------------------ a registering unit's ranking (C3, C6)


@pytest.mark.django_db
def test_c3_a_registering_units_ranking_links_list_exactly_its_numbers(client, units, dispatcher):
    """A unit sees the clues it registered after they were dispatched elsewhere (clue_visible_to): 信访局's
    dashboard ranks them by their responsible unit, and each number must open exactly those clues."""
    from supervision import dashboard as dash
    from tests.factories import UserFactory
    from tests.supervision.test_dashboard_rank_rest import red_clue_at_each

    petitions = UserFactory(username="xinfang_qa", unit=units["区信访局"], role="petition_clerk")
    red_clue_at_each(
        dispatcher,
        units,
        ("区住房城乡建设局", "区交通运输局", "区交通运输局"),
        registered_by=petitions,
        channel="petition_bureau",
        description="信访转办",
        is_petition=True,
    )
    d = dash.dashboard_figures(petitions, period=dash.period_for("week"))
    ranked = {r.name: r for r in d.by_unit}
    assert int(ranked["区住房城乡建设局"].red) == 1 and int(ranked["区交通运输局"].red) == 2
    client.force_login(petitions)
    for row in ranked.values():
        response = client.get(row.red.url)
        assert response.context["page"].paginator.count == int(row.red), (row.name, row.red.url)


@pytest.mark.parametrize(
    ("top", "axis"),
    [
        (1, 4),
        (4, 4),
        (5, 8),
        (8, 8),
        (9, 12),
        (13, 20),
        (21, 40),
        (40, 40),
        (41, 60),
        (450, 500),
        (901, 1000),
    ],
)
def test_chart_axis_tops_are_close_and_split_in_four_whole_ticks(top, axis):
    from supervision.views_dashboard import _nice_max

    assert _nice_max(top) == axis and axis % 4 == 0
