"""The unit list: every role reads it (SPEC "Units"), filtered by type."""

import pytest


@pytest.mark.django_db
def test_every_role_reads_the_units_and_filters_the_10_streets(zhujian, leader, api_as):
    for user in (zhujian, leader):
        response = api_as(user).get("/api/units/?unit_type=street")
        assert response.status_code == 200
        data = response.json()
        assert data["count"] == 10
        assert {u["unit_type_display"] for u in data["results"]} == {"街道办事处"}
        assert "李封街道办事处" in {u["name"] for u in data["results"]}


@pytest.mark.django_db
def test_the_unit_list_has_the_single_lead_unit_hrss(zhujian, api_as):
    data = api_as(zhujian).get("/api/units/?unit_type=hrss").json()
    assert [(u["name"], u["phone"]) for u in data["results"]] == [("区人力资源社会保障局", "2958033")]


@pytest.mark.django_db
def test_units_are_read_only_even_for_an_admin(admin_user, api_as, units):
    unit = units["区交通运输局"]
    response = api_as(admin_user).patch(f"/api/units/{unit.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 405
    unit.refresh_from_db()
    assert unit.name == "区交通运输局"
