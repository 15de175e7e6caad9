"""D3: the 附件3 institutions, exactly as the policy names them; a paused one takes no new deposit."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from deposits.models import Institution, InstitutionKind
from deposits.services import institution_validate_for_new_deposit

pytestmark = pytest.mark.django_db

SEED = Path("/work/shared/seed/policy-zh.txt")
PAUSED = "中国人寿财产保险有限公司焦作市中心支公司"


def test_it_loads_7_banks_4_insurers_and_4_guarantee_firms_d3(institutions):
    by_kind = {k: [i.name for i in institutions.values() if i.kind == k] for k in InstitutionKind.values}
    assert [len(by_kind[k]) for k in ("bank", "insurer", "guarantor")] == [7, 4, 4]
    assert by_kind["bank"][0] == "中国农业银行股份有限公司焦作分行"
    assert by_kind["guarantor"][-1] == "河南华融工程担保有限公司"


@pytest.mark.skipif(not SEED.exists(), reason="the policy text is outside the repository")
def test_the_names_are_the_policys_character_for_character_d3(institutions):
    text = SEED.read_text(encoding="utf-8")
    listing = text[text.index("焦作市农民工工资保证金业务经办机构名录") :]
    lines = [line.strip() for line in listing.splitlines()]
    names = [
        re.sub(r"（暂停新业务）$", "", line)
        for line in lines
        if line.endswith(("分行", "公司", "公司（暂停新业务）"))
    ]
    assert names == [i.name for i in Institution.objects.order_by("sort")]


def test_a_paused_institution_is_hidden_and_refused_for_a_new_deposit_d3(institutions):
    paused = institutions[PAUSED]
    assert not paused.accepts_new
    assert paused not in Institution.objects.accepting_new()
    assert Institution.objects.accepting_new().count() == 14
    with pytest.raises(ValidationError) as raised:
        institution_validate_for_new_deposit(paused)
    assert raised.value.message_dict["institution"] == [f"{PAUSED}已暂停新业务，请选择名录中的其他经办机构"]
    assert institution_validate_for_new_deposit(institutions["中国银行股份有限公司焦作分行"])
    # Still named on an old deposit: its label says why it is no longer offered.
    assert str(paused) == f"{PAUSED}（暂停新业务）"


def test_the_api_lists_institutions_read_only(institutions, zhujian):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(zhujian)
    everything = client.get("/api/institutions/").json()
    accepting = client.get("/api/institutions/?accepts_new=1").json()
    assert len(everything) == 15 and len(accepting) == 14
    assert {"name": PAUSED, "accepts_new": False, "kind_display": "保险公司"}.items() <= next(
        i for i in everything if i["name"] == PAUSED
    ).items()
    assert client.post("/api/institutions/", {"name": "x"}).status_code == 405
