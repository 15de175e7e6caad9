"""Field validators shared by forms, the API and the Excel import, so each rule has one wording."""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumError

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Local (7–8 digits) or with area code 0xx / 0xxx, optional extension: 2958033, 0391-2958033, 039129580330-12
LANDLINE_RE = re.compile(r"^(0\d{2,3}-?)?[2-9]\d{6,7}(-\d{1,6})?$")


def normalize_uscc(value: str) -> str:
    # NFKC folds full-width characters typed with the IME on (９１４１…) into ASCII before the checksum.
    return stdnum_uscc.compact(unicodedata.normalize("NFKC", value or "")).upper()


def validate_uscc(value: str) -> str:
    """统一社会信用代码: 18 characters with a valid check digit (GB 32100-2015, via python-stdnum)."""
    compact = normalize_uscc(value)
    try:
        stdnum_uscc.validate(compact)
    except StdnumError:
        raise ValidationError("统一社会信用代码无效：应为18位，且校验位正确", code="invalid_uscc") from None
    return compact


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s（）()]", "", value or "").replace("—", "-").replace("－", "-")


def validate_phone(value: str) -> str:
    """A Chinese mobile number (11 digits, 1[3-9]…) or a landline (0391-2958033, 2958033)."""
    phone = normalize_phone(value)
    if phone.startswith("+86"):
        phone = phone[3:]
    if not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
        raise ValidationError(
            "联系电话格式不正确：请填写11位手机号或固定电话（如 0391-2958033）", code="invalid_phone"
        )
    return phone


NOT_A_NUMBER = "请填写数字金额（元），如 123456.78"


def money_yuan(value, *, field: str, errors: dict, label: str = "金额") -> Decimal | None:
    """A positive amount of 元 with at most two decimals (typed with or without thousands commas), or a Chinese
    message put at `field` in `errors` (the services collect them and raise one ValidationError)."""
    if value in (None, ""):
        errors[field] = f"请填写{label}"
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        errors[field] = NOT_A_NUMBER
        return None
    if not amount.is_finite():
        errors[field] = NOT_A_NUMBER
    elif amount <= 0:
        errors[field] = f"{label}必须大于0"
    elif amount != amount.quantize(Decimal("0.01")):
        errors[field] = f"{label}最多保留两位小数（分）"
    elif amount >= Decimal("1e12"):
        errors[field] = f"{label}过大，请核对单位（元）"
    else:
        return amount
    return None
