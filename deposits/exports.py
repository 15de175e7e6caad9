"""Excel exports of the deposit, overdue and fund lists: one small table writer (common.xlsx styles and
formula escaping, common.formats number formats), bytes out."""

import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook

from common.formats import EXCEL_DATE_FORMAT, EXCEL_MONEY_FORMAT
from common.xlsx import CellStyles, text


def write_table(*, title: str, headers: list[str], rows) -> bytes:
    """A one-sheet workbook: a title row, a header row, then `rows` (dates, Decimals as money, ints, text)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    styles = CellStyles(ws)
    as_date = styles.formatter(EXCEL_DATE_FORMAT, value_type=dt.date)
    as_money = styles.formatter(EXCEL_MONEY_FORMAT)
    ws.append([styles.title(title)])
    ws.append([styles.header(h) for h in headers])
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, Decimal):
                cells.append(as_money(value))
            elif isinstance(value, dt.date):
                cells.append(as_date(value))
            elif isinstance(value, int | float) or value is None:
                cells.append(value)
            else:
                cells.append(text(value))
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
