"""Every small Excel download names its file the same way: the Chinese name, RFC 6266-encoded."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from common.xlsx import XLSX, xlsx_response


def test_the_chinese_file_name_is_encoded_for_every_browser():
    response = xlsx_response(b"PK", "保证金缴存台账.xlsx")
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('保证金缴存台账.xlsx')}"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", ["deposits:deposit_export", "deposits:overdue_export", "deposits:notice_export"]
)
def test_the_deposit_exports_use_it(client, dispatcher, name):
    client.force_login(dispatcher)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
