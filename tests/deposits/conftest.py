"""Fixtures of the deposit, fund and guarantee tests (units, institutions, users: tests/conftest.py)."""

import pytest


@pytest.fixture
def bank(institutions):
    return institutions["中国农业银行股份有限公司焦作分行"]


@pytest.fixture
def paused(institutions):
    """附件3's 暂停新业务 insurer."""
    return institutions["中国人寿财产保险有限公司焦作市中心支公司"]


@pytest.fixture
def hrss(dispatcher):
    """区人社局: supervises deposits (D1 2), decides penalties (D4), acts for any unit."""
    return dispatcher
