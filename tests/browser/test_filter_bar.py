"""The clue list's filter bar (issue 9's new C3 filters: 12 fields) at an office PC's 1366 px."""

import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_c3_clue_filter_bar_at_1366_keeps_rows_level_and_ranges_whole(live_server, units, page):
    from tests.factories import PASSWORD, UserFactory

    UserFactory(username="renshe_qa", unit=units["区人力资源社会保障局"], role="dispatcher")
    p = page
    p.goto(f"{live_server.url}/login/")
    p.get_by_label("用户名").fill("renshe_qa")
    p.get_by_label("密码").fill(PASSWORD)
    p.get_by_role("button", name="登录").click()
    p.wait_for_load_state("networkidle")
    unit = units["区人力资源社会保障局"].pk  # the longest name a dispatcher picks most
    p.goto(f"{live_server.url}/clues/?closed_from=2026-12-01&closed_to=2026-11-01&unit={unit}")

    def box(selector):
        b = p.locator(selector).bounding_box()
        assert b is not None, selector
        return b

    for start, end in (("received_from", "received_to"), ("closed_from", "closed_to")):
        assert abs(box(f"#id_{start}")["y"] - box(f"#id_{end}")["y"]) < 1, (
            f"{start}/{end} split over two rows"
        )
    # The field in error (its message under it, two lines at 150 px) keeps its input level with the row's,
    # and the buttons stand level with the inputs.
    assert p.locator("#id_closed_to").evaluate("e => e.closest('.field').querySelector('.error').innerText")
    row_y = box("#id_closed_from")["y"]
    assert abs(box("#id_closed_to")["y"] - row_y) < 1
    assert abs(box("form.filters button[type=submit]")["y"] - row_y) < 4
    assert abs(box("#id_reached")["y"] - row_y) < 1
    # The chosen unit's name is not cut off in its select (text width within the box, less the arrow).
    fits = p.locator("#id_unit").evaluate(
        """s => { const c = document.createElement('canvas').getContext('2d');
                  c.font = getComputedStyle(s).font;
                  return c.measureText(s.options[s.selectedIndex].text).width <= s.clientWidth - 28; }"""
    )
    assert fits
    # Nothing overflows the card at 1366 px.
    assert p.evaluate(
        "() => { const f = document.querySelector('form.filters'); return f.scrollWidth <= f.clientWidth; }"
    )
