"""Personal data in lists and exports (P5 ledger contacts, C1 complainants): the masks. Who sees data whole is
common.access.sees_personal_data.

The rule, used by every list and export: a contact's phone (and a complainant's name and ID number) is shown
whole to the unit the record belongs to, to HRSS dispatchers (who act on it) and to administrators. Everyone
else — other units, and leaders, who read everything but act on nothing — sees it masked.
"""

import re

_MOBILE_RE = re.compile(r"^(?:\+?86)?(1[3-9]\d)(\d{4})(\d{4})$")
_LANDLINE_RE = re.compile(r"^(0\d{2,3}-)?(\d+)(-\d{1,6})?$")


def mask_phone(value: str | None) -> str:
    """139****0001 for a mobile; the area code and the last 4 digits of a landline (0391-***8100)."""
    if not value:
        return ""
    phone = re.sub(r"\s", "", str(value))
    if m := _MOBILE_RE.match(phone):
        return f"{m.group(1)}****{m.group(3)}"
    if m := _LANDLINE_RE.match(phone):
        area, local, ext = m.group(1) or "", m.group(2), m.group(3) or ""
        keep = 4 if len(local) > 4 else max(len(local) - 2, 0)
        return f"{area}{'*' * (len(local) - keep)}{local[len(local) - keep :]}{'-' + '*' * (len(ext) - 1) if ext else ''}"
    # Anything else: keep the last 4 characters at most, never more than a third of the value.
    keep = min(4, len(phone) // 3)
    return "*" * (len(phone) - keep) + phone[len(phone) - keep :]


def mask_name(value: str | None) -> str:
    """张*、张*丰、欧阳**: the surname's first character stays (and the last of a name of 3+ characters)."""
    if not value:
        return ""
    name = str(value).strip()
    if len(name) <= 2:
        return name[0] + "*" * (len(name) - 1) if len(name) == 2 else name
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(value: str | None) -> str:
    """居民身份证号: the first 6 (region) and last 4 characters stay: 410803********1234."""
    if not value:
        return ""
    text = str(value).strip()
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]
