"""CSV files that spreadsheet programs open as data, never as formulas.

Every CSV the app writes goes through `csv_writer`: message texts, customers' names and
agents' names are typed by people outside our control, and Excel, LibreOffice and Google
Sheets run a cell that starts with "=" (or "+", "-", "@", a tab, a carriage return) as a
formula: `=HYPERLINK(...)` leaks data on a click, `=cmd|...` runs programs on old Excel.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

# The byte-order mark that makes Excel read UTF-8 (Thai, Japanese) rather than guess.
BYTE_ORDER_MARK = "\ufeff"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: Any) -> Any:
    """OWASP's rule: text a spreadsheet would run as a formula is written behind a single
    quote, which spreadsheets show as text. Numbers the product writes (ids, counts) are not
    text and stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SpreadsheetSafeWriter:
    """`csv.writer` whose every cell is neutralised first."""

    def __init__(self, stream: IO[str]) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutralised(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
