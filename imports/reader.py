"""Turn an uploaded CSV or XLSX file into a header map and rows of text (or dates), or refuse it.

CSV: UTF-8 (with or without a byte-order mark), falling back to Latin-1; comma, semicolon or
tab separated (detected). XLSX: the first sheet. Every refusal is an `ImportFileError` with a
translated message; nothing here touches the database.
"""

import csv
import dataclasses
import datetime
import io
import zipfile

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from imports.columns import CASE_COLUMNS, ColumnSet

XLSX_MAGIC = b"PK\x03\x04"


class ImportFileError(Exception):
    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclasses.dataclass
class Table:
    fields: list[str | None]  # the field of each column (None: an empty header, ignored)
    rows: list[tuple[int, list]]  # (row number in the file, header = 1; cell values)

    def records(self):
        """(row number, {field: value}) for every row that has any content."""
        for number, cells in self.rows:
            values = {
                field: cells[index] if index < len(cells) else ""
                for index, field in enumerate(self.fields)
                if field
            }
            yield number, values


def max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


def read_table(data: bytes, filename: str = "", columns: ColumnSet = CASE_COLUMNS) -> Table:
    if len(data) > max_bytes():
        raise ImportFileError(
            _("The file is larger than %(size)s.") % {"size": filesizeformat(max_bytes())},
            "too_large",
        )
    if not data.strip():
        raise ImportFileError(_("The file is empty."), "empty")
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        grid = _xlsx_rows(data)
    else:
        grid = _csv_rows(data)
    grid = [(number, cells) for number, cells in grid]
    if not grid:
        raise ImportFileError(_("The file is empty."), "empty")
    header_number, headers = grid[0]
    fields = _fields(headers, columns)
    rows = [(number, cells) for number, cells in grid[1:] if any(_filled(c) for c in cells)]
    if not rows:
        raise ImportFileError(_("The file has headers but no rows."), "no_rows")
    return Table(fields=fields, rows=rows)


def _filled(value) -> bool:
    return value is not None and str(value).strip() != ""


def _fields(headers: list, columns: ColumnSet) -> list[str | None]:
    fields: list[str | None] = []
    unknown = []
    for header in headers:
        text = str(header or "").strip()
        if not text:
            fields.append(None)
            continue
        field = columns.match_header(text)
        if field is None:
            unknown.append(text[:60])
        fields.append(field)
    if unknown:
        raise ImportFileError(
            _("Unknown columns: %(columns)s. See the list of columns in the template.")
            % {"columns": ", ".join(f"“{name}”" for name in unknown[:10])},
            "unknown_columns",
        )
    repeated = sorted({f for f in fields if f and fields.count(f) > 1})
    if repeated:
        raise ImportFileError(
            _("Columns given more than once: %(columns)s.")
            % {"columns": ", ".join(columns.label(f) for f in repeated)},
            "repeated_columns",
        )
    missing = [f for f in columns.required_fields if f not in fields]
    if missing:
        raise ImportFileError(
            _("Required columns are missing: %(columns)s.")
            % {"columns": ", ".join(columns.label(f) for f in missing)},
            "missing_columns",
        )
    if columns.required_any and not any(
        all(f in fields for f in group) for group in columns.required_any
    ):
        first, *others = (
            " + ".join(f"“{columns.label(f)}”" for f in group) for group in columns.required_any
        )
        raise ImportFileError(
            _("The file needs the column %(first)s, or else the columns %(others)s.")
            % {"first": first, "others": "; ".join(others)},
            "missing_columns",
        )
    return fields


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")  # Windows' Latin-1, as spreadsheets save it
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    # A text file has no control characters besides tabs and line ends.
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
    controls += sum(1 for ch in text if 0x7F <= ord(ch) < 0xA0)
    if controls:
        raise ImportFileError(
            _("This is not a CSV or XLSX file (it contains binary data)."), "not_text"
        )
    return text


def _csv_rows(data: bytes) -> list[tuple[int, list]]:
    text = _decode(data)
    first_line = text.lstrip("\r\n").splitlines()[0] if text.strip() else ""
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = max(",;\t", key=first_line.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file cannot be read: %(error)s") % {"error": error}, "bad_csv"
        ) from error
    # Leading blank lines are skipped (row numbers stay those of the file).
    numbered = list(enumerate(rows, start=1))
    while numbered and not any(c.strip() for c in numbered[0][1]):
        numbered.pop(0)
    return numbered


def _xlsx_cell(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        return ""
    return value if isinstance(value, datetime.date) else str(value)


def _xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            rows = [[_xlsx_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError) as error:
        raise ImportFileError(
            _("This XLSX file cannot be read; save it again from your spreadsheet program."),
            "bad_xlsx",
        ) from error
    numbered = list(enumerate(rows, start=1))
    while numbered and not any(_filled(c) for c in numbered[0][1]):
        numbered.pop(0)
    return numbered
