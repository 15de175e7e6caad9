"""Django's own date display (the admin's lists and read-only fields) written like common.formats (issue 5 B9):
2026-12-01 and 2026-12-01 16:28, not Django's zh_Hans "2026年12月1日 16:28". Input formats stay Django's."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
