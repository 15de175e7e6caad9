"""V4 失信联合惩戒名单: HRSS lists an employer with one of V4's reasons and the restrictions that apply; every unit
sees and searches the list; a listed enterprise carries a red mark wherever it is named (project page, ledger,
enterprise page, clue page) at a constant query count."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from rest_framework.routers import DefaultRouter
from rest_framework.test import APIClient

from clues.services import clue_register
from projects.models import Enterprise
from supervision import blacklist
from supervision.api_blacklist import BlacklistEntryViewSet
from supervision.models import BlacklistEntry, BlacklistStatus
from tests.factories import create_project, make_uscc
from tests.helpers import at
from zhongzhan_wages.urls import urlpatterns as site_urlpatterns

# The API under test is routed here as well (the coordinator adds the same line to zhongzhan_wages/api_urls.py).
router = DefaultRouter()
router.register("blacklist", BlacklistEntryViewSet, basename="blacklist")
urlpatterns = [path("api-v4/", include(router.urls)), *site_urlpatterns]
API = "/api-v4/blacklist/"

pytestmark = pytest.mark.urls(__name__)

MARK = "已列入失信联合惩戒名单"


@pytest.fixture
def today(time_machine):
    time_machine.move_to(at(2026, 10, 20), tick=False)
    return dt.date(2026, 10, 20)


@pytest.fixture
def project(zhujian, units, today):
    return create_project(user=zhujian, street=units["李封街道办事处"], serial=7)


@pytest.fixture
def contractor(project):
    return project.contractor


def listing(user, enterprise, **overrides):
    values = dict(
        reason="mass_incident",
        details="拖欠四十余名农民工工资引发聚集讨薪",
        restrictions=["bidding", "procurement"],
        responsible_persons="法定代表人 张某",
    )
    values.update(overrides)
    return blacklist.blacklist_add(user=user, enterprise=enterprise, **values)


def other_enterprises(n: int) -> list[Enterprise]:
    return [
        Enterprise.objects.create(uscc=make_uscc(5000 + i), name=f"焦作测试劳务有限公司{i}") for i in range(n)
    ]


# --- listing -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_v4_listing_without_a_reason_is_refused_at_the_field_and_saves_nothing(dispatcher, contractor):
    with pytest.raises(ValidationError) as refused:
        listing(dispatcher, contractor, reason="")
    assert "列入事由" in refused.value.message_dict["reason"][0]
    with pytest.raises(ValidationError) as refused:
        listing(dispatcher, contractor, reason="unpaid_bills")  # not one of V4's
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        listing(dispatcher, contractor, restrictions=[])
    assert refused.value.message_dict["restrictions"] == ["请至少选择一项惩戒措施"]
    assert not BlacklistEntry.objects.exists()


@pytest.mark.django_db
def test_v4_listing_page_without_a_reason_shows_the_message_and_saves_nothing(client, dispatcher, contractor):
    client.force_login(dispatcher)
    page = client.post(
        reverse("supervision:blacklist_create"),
        {
            "uscc": contractor.uscc,
            "details": "聚集讨薪",
            "restrictions": ["bidding"],
            "listed_on": "2026-10-20",
        },
    )
    assert page.status_code == 400
    assert "请选择列入事由" in page.context["form"].errors["reason"][0]
    assert "未保存任何数据" in page.content.decode()
    assert not BlacklistEntry.objects.exists()


@pytest.mark.django_db
def test_v4_listing_page_lists_with_the_enterprises_clues(client, dispatcher, contractor, units):
    clue = clue_register(
        user=dispatcher,
        channel="hotline",
        received_at=at(2026, 10, 19),
        complainant_name="王建国",
        complainant_phone="13903911234",
        workers_affected=12,
        amount_owed="86000.50",
        street=units["李封街道办事处"],
        employer=contractor,
        description="工资未付",
    )
    client.force_login(dispatcher)
    found = client.post(reverse("supervision:blacklist_create"), {"uscc": contractor.uscc, "find": "1"})
    assert found.status_code == 200 and clue.number in found.content.decode()
    saved = client.post(
        reverse("supervision:blacklist_create"),
        {
            "uscc": contractor.uscc,
            "save": "1",
            "reason": "petition_beijing",
            "details": "赴京上访",
            "restrictions": ["bidding", "government_funds"],
            "listed_on": "2026-10-20",
            "clues": [clue.pk],
        },
    )
    entry = BlacklistEntry.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse(
        "supervision:blacklist_detail", args=[entry.pk]
    )
    assert (entry.status, entry.reason, entry.listed_on) == (
        "listed",
        "petition_beijing",
        dt.date(2026, 10, 20),
    )
    assert entry.restrictions == ["government_funds", "bidding"]  # in V4's order
    assert list(entry.clues.all()) == [clue]


@pytest.mark.django_db
def test_v4_a_clue_of_another_employer_cannot_be_linked(dispatcher, contractor, units):
    clue = clue_register(
        user=dispatcher,
        channel="hotline",
        received_at=at(2026, 10, 19),
        complainant_name="王建国",
        complainant_phone="13903911234",
        workers_affected=3,
        amount_owed="9000",
        street=units["李封街道办事处"],
        employer_name="另一家劳务公司",
        description="工资未付",
    )
    with pytest.raises(ValidationError) as refused:
        listing(dispatcher, contractor, clues=[clue])
    assert "不是该企业的欠薪线索" in refused.value.message_dict["clues"][0]


@pytest.mark.django_db
def test_v4_a_second_live_listing_of_the_same_enterprise_is_refused(dispatcher, contractor):
    listing(dispatcher, contractor)
    with pytest.raises(ValidationError) as refused:
        listing(dispatcher, contractor, reason="public_opinion")
    assert "不能重复列入" in refused.value.message_dict["enterprise"][0]
    assert BlacklistEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_v4_the_unique_constraint_guards_a_race_and_the_transaction_survives(dispatcher, contractor):
    """Two requests that both passed the check: the second insert loses at the constraint, in its savepoint."""
    from django.db import transaction

    listing(dispatcher, contractor)
    with transaction.atomic():
        with pytest.raises(ValidationError) as refused:
            blacklist._save_new(
                BlacklistEntry(
                    enterprise=contractor,
                    status=BlacklistStatus.LISTED,
                    reason="mass_incident",
                    details="x",
                    restrictions=["bidding"],
                    listed_on=dt.date(2026, 10, 20),
                    created_by=dispatcher,
                )
            )
        assert "不能重复列入" in refused.value.message_dict["enterprise"][0]
        assert BlacklistEntry.objects.count() == 1  # the outer transaction is still usable


@pytest.mark.django_db
def test_v4_after_removal_the_enterprise_can_be_listed_again(dispatcher, contractor):
    entry = listing(dispatcher, contractor, listed_on=dt.date(2026, 1, 5))
    blacklist.blacklist_remove(
        user=dispatcher, entry=entry, reason="已支付全部工资", removed_on=dt.date(2026, 9, 1)
    )
    again = listing(dispatcher, contractor)
    assert again.pk != entry.pk and again.status == "listed"


# --- removal -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_v4_removal_needs_a_reason_and_a_date_not_before_the_listing(dispatcher, contractor):
    entry = listing(dispatcher, contractor, listed_on=dt.date(2026, 10, 1))
    with pytest.raises(ValidationError) as refused:
        blacklist.blacklist_remove(user=dispatcher, entry=entry, reason="  ")
    assert refused.value.message_dict["reason"] == ["请填写移出理由"]
    with pytest.raises(ValidationError) as refused:
        blacklist.blacklist_remove(
            user=dispatcher, entry=entry, reason="已整改", removed_on=dt.date(2026, 9, 30)
        )
    assert "不能早于列入日期" in refused.value.message_dict["removed_on"][0]
    entry.refresh_from_db()
    assert entry.status == "listed" and entry.removed_on is None
    blacklist.blacklist_remove(user=dispatcher, entry=entry, reason="已支付全部拖欠工资")
    entry.refresh_from_db()
    assert (entry.status, entry.removed_on, entry.removal_reason) == (
        "removed",
        dt.date(2026, 10, 20),
        "已支付全部拖欠工资",
    )


@pytest.mark.django_db
def test_v4_removal_page_without_a_reason_keeps_the_listing(client, dispatcher, contractor):
    entry = listing(dispatcher, contractor)
    client.force_login(dispatcher)
    page = client.post(
        reverse("supervision:blacklist_act", args=[entry.pk, "remove"]),
        {"remove-removed_on": "2026-10-20", "remove-reason": ""},
    )
    assert page.status_code == 400
    assert "请填写移出理由" in page.content.decode()
    entry.refresh_from_db()
    assert entry.status == "listed"


# --- proposals (V2 → V4) -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_v4_a_proposal_waits_for_hrss_who_names_the_reason(dispatcher, contractor):
    entry = blacklist.blacklist_propose(user=dispatcher, enterprise=contractor, details="拒不整改")
    assert (entry.status, entry.reason, entry.listed_on) == ("proposed", "", None)
    assert not blacklist.blacklist_enterprise_flags()  # a proposal is not a listing: no red mark yet
    again = blacklist.blacklist_propose(user=dispatcher, enterprise=contractor, details="再次拒不整改")
    assert again.pk == entry.pk and BlacklistEntry.objects.count() == 1
    with pytest.raises(ValidationError) as refused:
        blacklist.blacklist_accept(user=dispatcher, entry=entry, reason="", restrictions=["bidding"])
    assert "reason" in refused.value.message_dict
    listed = blacklist.blacklist_accept(
        user=dispatcher, entry=entry, reason="mass_incident", restrictions=["loans"]
    )
    assert (listed.status, listed.listed_on, listed.restrictions) == (
        "listed",
        dt.date(2026, 10, 20),
        ["loans"],
    )
    assert contractor.pk in blacklist.blacklist_enterprise_flags()


@pytest.mark.django_db
def test_v4_rejecting_a_proposal_needs_a_reason(dispatcher, contractor):
    entry = blacklist.blacklist_propose(user=dispatcher, enterprise=contractor, details="拒不整改")
    with pytest.raises(ValidationError) as refused:
        blacklist.blacklist_reject(user=dispatcher, entry=entry, reason="")
    assert refused.value.message_dict["reason"] == ["请填写不予列入的理由"]
    blacklist.blacklist_reject(user=dispatcher, entry=entry, reason="已于次日整改到位")
    entry.refresh_from_db()
    assert entry.status == "rejected"


@pytest.mark.django_db
def test_v4_a_clerk_without_an_order_cannot_propose(zhujian, contractor):
    with pytest.raises(PermissionDenied):
        blacklist.blacklist_propose(user=zhujian, enterprise=contractor, details="x")


# --- who may -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_v4_only_hrss_lists_leaders_and_clerks_cannot(client, zhujian, leader, contractor, dispatcher):
    for user in (zhujian, leader):
        with pytest.raises(PermissionDenied):
            listing(user, contractor)
        client.force_login(user)
        assert client.get(reverse("supervision:blacklist_create")).status_code == 403
    entry = listing(dispatcher, contractor)
    client.force_login(leader)
    removal = client.post(
        reverse("supervision:blacklist_act", args=[entry.pk, "remove"]),
        {"remove-removed_on": "2026-10-20", "remove-reason": "领导想移出"},
    )
    assert removal.status_code == 403
    api = APIClient()
    api.force_authenticate(leader)
    assert api.post(f"{API}{entry.pk}/remove/", {"reason": "x"}, format="json").status_code == 403
    entry.refresh_from_db()
    assert entry.status == "listed"


@pytest.mark.django_db
def test_v4_every_unit_sees_the_list_but_not_the_proposals(client, dispatcher, street_clerk, contractor):
    listed = listing(dispatcher, contractor)
    (other,) = other_enterprises(1)
    proposal = blacklist.blacklist_propose(user=dispatcher, enterprise=other, details="拒不整改")
    client.force_login(street_clerk)
    page = client.get(reverse("supervision:blacklist_list"))
    assert [e.pk for e in page.context["page"].object_list] == [listed.pk]
    assert client.get(reverse("supervision:blacklist_detail", args=[proposal.pk])).status_code == 404
    client.force_login(dispatcher)
    proposed = client.get(reverse("supervision:blacklist_list"), {"status": "proposed"})
    assert [e.pk for e in proposed.context["page"].object_list] == [proposal.pk]


# --- search --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_v4_search_by_uscc_or_name_on_the_page_the_export_and_the_api(
    client, dispatcher, jiaotong, contractor
):
    listed = listing(dispatcher, contractor)
    for e in other_enterprises(3):
        listing(dispatcher, e)
    client.force_login(jiaotong)  # any unit
    by_uscc = client.get(reverse("supervision:blacklist_list"), {"q": contractor.uscc.lower()})
    assert [e.pk for e in by_uscc.context["page"].object_list] == [listed.pk]
    by_name = client.get(reverse("supervision:blacklist_list"), {"q": "测试劳务"})
    assert by_name.context["page"].paginator.count == 3
    export = client.get(reverse("supervision:blacklist_export"), {"q": contractor.uscc})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    api = APIClient()
    api.force_authenticate(jiaotong)
    body = api.get(API, {"q": contractor.uscc}).json()
    assert [r["id"] for r in body["results"]] == [listed.pk]
    assert body["results"][0]["restrictions_display"] == ["政府采购", "招投标"]


@pytest.mark.django_db
def test_v4_api_listing_without_a_reason_is_a_400_at_reason(dispatcher, contractor):
    api = APIClient()
    api.force_authenticate(dispatcher)
    refused = api.post(
        API, {"uscc": contractor.uscc, "details": "x", "restrictions": ["bidding"]}, format="json"
    )
    assert refused.status_code == 400 and "列入事由" in refused.json()["errors"]["reason"][0]
    made = api.post(
        API,
        {"uscc": contractor.uscc, "reason": "extreme_incident", "details": "x", "restrictions": ["bidding"]},
        format="json",
    )
    assert made.status_code == 201 and made.json()["status"] == "listed"
    twice = api.post(
        API,
        {"enterprise": contractor.pk, "reason": "extreme_incident", "details": "x", "restrictions": ["tax"]},
        format="json",
    )
    assert twice.status_code == 400 and "不能重复列入" in twice.json()["errors"]["enterprise"][0]


# --- the red mark --------------------------------------------------------------------------------------------


def _clue_against(dispatcher, units, employer):
    return clue_register(
        user=dispatcher,
        channel="hotline",
        received_at=at(2026, 10, 19),
        complainant_name="王建国",
        complainant_phone="13903911234",
        workers_affected=12,
        amount_owed="86000.50",
        street=units["李封街道办事处"],
        employer=employer,
        description="工资未付",
    )


@pytest.mark.django_db
def test_v4_red_mark_on_the_project_and_clue_pages_of_a_listed_employer_only(
    client, dispatcher, project, units
):
    clue = _clue_against(dispatcher, units, project.contractor)
    clean_clue = _clue_against(dispatcher, units, project.owner)
    client.force_login(dispatcher)
    assert MARK not in client.get(project.get_absolute_url()).content.decode()
    listing(dispatcher, project.contractor)
    page = client.get(project.get_absolute_url()).content.decode()
    assert page.count(MARK) == 1  # the contractor, not the owner
    assert MARK in client.get(reverse("clues:clue_detail", args=[clue.pk])).content.decode()
    assert MARK not in client.get(reverse("clues:clue_detail", args=[clean_clue.pk])).content.decode()
    enterprise_page = client.get(project.contractor.get_absolute_url()).content.decode()
    assert MARK in enterprise_page and "招投标" in enterprise_page  # the panel shows the restrictions
    assert MARK not in client.get(project.owner.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_v4_a_removed_listing_shows_no_mark(client, dispatcher, project):
    entry = listing(dispatcher, project.contractor, listed_on=dt.date(2026, 1, 1))
    blacklist.blacklist_remove(user=dispatcher, entry=entry, reason="已支付")
    client.force_login(dispatcher)
    assert MARK not in client.get(project.get_absolute_url()).content.decode()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.django_db
def test_v4_mark_query_count_is_the_same_with_1_or_5_listed(client, dispatcher, zhujian, project, units):
    clue = _clue_against(dispatcher, units, project.contractor)
    for serial in range(20, 24):
        create_project(user=zhujian, street=units["李封街道办事处"], serial=serial)
    listing(dispatcher, project.contractor)
    client.force_login(dispatcher)
    urls = [
        project.get_absolute_url(),
        reverse("clues:clue_detail", args=[clue.pk]),
        reverse("projects:ledger"),
        project.contractor.get_absolute_url(),
    ]
    one = {url: _queries(client, url) for url in urls}
    assert client.get(reverse("projects:ledger")).content.decode().count(MARK) == 1
    contractors = [p.contractor for p in project.__class__.objects.exclude(pk=project.pk)]
    for enterprise in contractors:
        listing(dispatcher, enterprise)
    assert BlacklistEntry.objects.filter(status="listed").count() == 5
    five = {url: _queries(client, url) for url in urls}
    assert five == one
    assert client.get(reverse("projects:ledger")).content.decode().count(MARK) == 5


@pytest.mark.django_db
def test_v4_mark_on_the_edit_form_of_a_project_with_a_listed_contractor(client, dispatcher, zhujian, project):
    client.force_login(zhujian)
    edit = reverse("projects:edit", args=[project.pk])
    assert MARK not in client.get(edit).content.decode()
    listing(dispatcher, project.contractor)
    assert MARK in client.get(edit).content.decode()


@pytest.mark.django_db
def test_v4_intake_of_a_listed_employer_stops_at_the_confirm_step_with_the_mark(
    client, dispatcher, contractor, units
):
    """Even without duplicates the dispatcher sees that the employer is listed before the clue is registered."""
    from clues.models import Clue

    listing(dispatcher, contractor)
    client.force_login(dispatcher)
    data = {
        "channel": "hotline",
        "received_at": "2026-10-20 09:00",
        "complainant_name": "李师傅",
        "complainant_phone": "13903911234",
        "workers_affected": "5",
        "amount_owed": "30000",
        "employer_uscc": contractor.uscc,
        "employer_name": "",
        "street": units["李封街道办事处"].pk,
        "nature": "wage_arrears",
        "category": "construction",
        "description": "五名工人8月工资未付",
    }
    first = client.post(reverse("clues:clue_create"), {**data, "register": "1"})
    assert first.status_code == 200 and not Clue.objects.exists()
    assert "已列入失信联合惩戒名单（V4）" in first.content.decode()
    second = client.post(reverse("clues:clue_create"), {**data, "confirm": "1"})
    assert second.status_code == 302 and Clue.objects.get().employer == contractor
