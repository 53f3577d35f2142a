"""Turn an uploaded CSV or XLSX file into a header map and rows of text (or dates), or refuse it.

CSV: UTF-8 (with or without a byte-order mark) or UTF-16 with one, falling back to Latin-1;
comma, semicolon or tab separated (detected). XLSX: the first sheet. Every refusal is an
`ImportFileError` with a translated message, whatever the parsers raise; nothing here touches
the database.

An uploaded file is hostile until read (docs/imports.md, "Files"): a few kilobytes of XLSX can
declare a sheet of a million rows by sixteen thousand columns, or inflate to gigabytes. So the
work a file can cause is bounded before it is done: rows, columns per row and cells
(`IMPORT_MAX_ROWS`, `MAX_COLUMNS`, `IMPORT_MAX_CELLS`), for both kinds of file; for an XLSX,
also its declared sheet size, its members' unpacked size (`IMPORT_MAX_UNZIPPED_BYTES`: the sizes
the archive declares first, then the bytes inflating actually gives), and the XML elements
openpyxl would build objects for, counted by a streaming pass (`_XmlScan`) before openpyxl reads
the sheet, itself in read-only (streaming) mode. XML is parsed by defusedxml: entity
declarations (billion laughs, external entities) are refused.
"""

import csv
import dataclasses
import datetime
import io
import logging
import re
import zipfile

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from imports.columns import CASE_COLUMNS, ColumnSet

logger = logging.getLogger(__name__)

XLSX_MAGIC = b"PK\x03\x04"
# Compound documents: Excel 97-2003 (.xls), and any Office file protected with a password.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The case file has 22 columns; a sheet wider than this is not one of ours.
MAX_COLUMNS = 200
# An XLSX's shared strings are all held in memory by openpyxl: a legitimate file of 100,000 rows
# has a few hundred thousand.
MAX_SHARED_STRINGS = 500_000
MAX_ZIP_MEMBERS = 1_000
# XML elements inside one row, and inside one shared string (rich text runs); and outside rows
# and strings in any one part (styles, merged cells…): openpyxl keeps those in memory.
MAX_ROW_ELEMENTS = MAX_COLUMNS * 10
MAX_STRING_ELEMENTS = 200
MAX_LOOSE_ELEMENTS = 100_000
CHUNK = 64 * 1024


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


def unpacked_size(upload) -> int:
    """The work an uploaded file (a binary file object) stands for: for an XLSX, its members'
    size unpacked as the archive declares it; for any other file, its own size."""
    upload.seek(0)
    try:
        if upload.read(len(XLSX_MAGIC)) == XLSX_MAGIC:
            with zipfile.ZipFile(upload) as archive:
                return sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        pass  # damaged: the check says so
    finally:
        upload.seek(0)
    return upload.size


def read_table(data: bytes, filename: str = "", columns: ColumnSet = CASE_COLUMNS) -> Table:
    if len(data) > max_bytes():
        raise ImportFileError(
            _("The file is larger than %(size)s.") % {"size": filesizeformat(max_bytes())},
            "too_large",
        )
    if not data.strip():
        raise ImportFileError(_("The file is empty."), "empty")
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(
            _(
                "This is an old Excel file (.xls) or one protected with a password: save it as "
                "XLSX without a password, or as CSV, and upload that."
            ),
            "xls",
        )
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


class _Caps:
    """Rows, columns per row and cells of a file, counted as they are read."""

    def __init__(self):
        self.max_rows = settings.IMPORT_MAX_ROWS
        self.max_cells = settings.IMPORT_MAX_CELLS
        self.cells = 0

    def row(self, number: int, width: int) -> None:
        if number > self.max_rows + 1:  # the header is not a row of data
            raise too_many_rows()
        if width > MAX_COLUMNS:
            raise ImportFileError(
                _("Row %(row)s has more than %(count)s columns: delete the columns after the data.")
                % {"row": number, "count": MAX_COLUMNS},
                "too_many_columns",
            )
        self.cells += width
        if self.cells > self.max_cells:
            raise too_many_cells()


def too_many_rows() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(count)s rows: split it into smaller files.")
        % {"count": number_format(settings.IMPORT_MAX_ROWS, force_grouping=True)},
        "too_many_rows",
    )


def too_many_cells() -> ImportFileError:
    return ImportFileError(
        _("The file has more than %(count)s cells: split it into smaller files.")
        % {"count": number_format(settings.IMPORT_MAX_CELLS, force_grouping=True)},
        "too_many_cells",
    )


def bad_xlsx() -> ImportFileError:
    return ImportFileError(
        _("This XLSX file cannot be read; save it again from your spreadsheet program."),
        "bad_xlsx",
    )


# CSV ---------------------------------------------------------------------------------------------

_HIGH_BYTES = bytes(range(0x80, 0x100))
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _mostly_utf8(data: bytes) -> bool:
    """Whether most non-ASCII bytes of a file that is not valid UTF-8 form UTF-8 characters: a
    UTF-8 file with a few bytes of another encoding pasted in. Latin-1 text almost never does."""
    high = len(data) - len(data.translate(None, _HIGH_BYTES))
    in_sequences = sum(len(match) for match in _UTF8_SEQUENCE.findall(data))
    return high > 0 and in_sequences >= high / 2


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ImportFileError(
                _("The file starts as UTF-16 text but is damaged: save it again as “CSV UTF-8”."),
                "bad_encoding",
            ) from error
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            if _mostly_utf8(data):
                raise ImportFileError(
                    _(
                        "The file mixes text encodings (mostly UTF-8, partly another): save it "
                        "again as “CSV UTF-8”."
                    ),
                    "mixed_encoding",
                ) from None
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
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    caps, numbered = _Caps(), []
    try:
        for number, cells in enumerate(reader, start=1):
            caps.row(number, len(cells))
            numbered.append((number, cells))
    except csv.Error as error:
        raise ImportFileError(
            _(
                "The CSV file cannot be read from line %(line)s: a quotation mark is not closed, "
                "or a cell is longer than %(limit)s characters."
            )
            % {
                "line": reader.line_num,
                "limit": number_format(csv.field_size_limit(), force_grouping=True),
            },
            "bad_csv",
        ) from error
    # Leading blank lines are skipped (row numbers stay those of the file).
    while numbered and not any(c.strip() for c in numbered[0][1]):
        numbered.pop(0)
    return numbered


# XLSX --------------------------------------------------------------------------------------------


def _xlsx_cell(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        return ""
    return value if isinstance(value, datetime.date) else str(value)


class _Unpacked:
    """The archive's budget of unpacked bytes, spent as members inflate."""

    def __init__(self, limit: int):
        self.limit = limit
        self.left = limit

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise self.refusal()

    def refusal(self) -> ImportFileError:
        return ImportFileError(
            _(
                "Unpacked, this XLSX file would be larger than %(size)s: split it into "
                "smaller files, or save it as CSV."
            )
            % {"size": filesizeformat(self.limit)},
            "too_large_unzipped",
        )


class _Inflating:
    """A member of the archive as it inflates, in chunks, each paid for from the budget."""

    def __init__(self, stream, budget: _Unpacked):
        self.stream = stream
        self.budget = budget

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(CHUNK if size is None or size < 0 else min(size, CHUNK))
        self.budget.spend(len(chunk))
        return chunk


class _XmlScan:
    """Counts, in one streaming pass over each XML part (constant memory: every element is
    dropped once closed), what openpyxl would build: rows, cells and their elements in a sheet,
    strings of the shared-string table, anything else. Refuses the file past the caps."""

    CONTAINERS = {"row": MAX_ROW_ELEMENTS, "si": MAX_STRING_ELEMENTS}

    def __init__(self, caps: _Caps):
        self.caps = caps
        self.rows = self.strings = 0

    def part(self, source: _Inflating) -> None:
        open_elements = []
        container, container_depth, inside, loose = None, 0, 0, 0
        for event, element in iterparse(source, events=("start", "end")):
            if event == "end":
                if container is not None and len(open_elements) == container_depth:
                    container = None
                open_elements.pop()
                element.clear()
                if open_elements:
                    open_elements[-1].remove(element)
                continue
            open_elements.append(element)
            tag = element.tag.rpartition("}")[2]
            if container is not None:
                inside += 1
                if inside > self.CONTAINERS[container]:
                    raise self._too_big(container)
                if tag == "c":
                    self._cell()
            elif tag in self.CONTAINERS:
                container, container_depth, inside = tag, len(open_elements), 0
                self._container(tag)
            else:
                loose += 1
                if loose > MAX_LOOSE_ELEMENTS:
                    raise bad_xlsx()

    def _container(self, tag: str) -> None:
        if tag == "row":
            self.rows += 1
            if self.rows > self.caps.max_rows + 1:
                raise too_many_rows()
        else:
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS:
                raise self._too_big("si")

    def _cell(self) -> None:
        self.caps.cells += 1
        if self.caps.cells > self.caps.max_cells:
            raise too_many_cells()

    def _too_big(self, container: str) -> ImportFileError:
        if container == "row":
            return ImportFileError(
                _("Row %(row)s has more than %(count)s columns: delete the columns after the data.")
                % {"row": self.rows, "count": MAX_COLUMNS},
                "too_many_columns",
            )
        return ImportFileError(
            _("The file has too many different texts: split it into smaller files."),
            "too_many_strings",
        )


def _inspect_archive(archive: zipfile.ZipFile) -> None:
    """Refuse an archive that is not a spreadsheet we read, or that would cost too much."""
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        raise bad_xlsx()
    mimetype = next((m for m in members if m.filename == "mimetype"), None)
    if (
        mimetype is not None
        and mimetype.file_size < 100
        and archive.read(mimetype).startswith(b"application/vnd.oasis.opendocument")
    ):
        raise ImportFileError(
            _("This is an OpenDocument file (.ods): save it as XLSX or CSV and upload that."),
            "ods",
        )
    budget = _Unpacked(settings.IMPORT_MAX_UNZIPPED_BYTES)
    if sum(member.file_size for member in members) > budget.limit:  # as the archive declares
        raise budget.refusal()
    scan = _XmlScan(_Caps())
    for member in members:
        with archive.open(member) as stream:
            source = _Inflating(stream, budget)
            if member.filename.endswith((".xml", ".rels")):
                scan.part(source)
            else:
                while source.read(CHUNK):
                    pass


def _check_declared_size(sheet) -> None:
    rows, columns = sheet.max_row, sheet.max_column  # from the sheet's <dimension>, if any
    if not rows or not columns:
        return
    max_rows = settings.IMPORT_MAX_ROWS
    if rows > max_rows + 1 or columns > MAX_COLUMNS or rows * columns > settings.IMPORT_MAX_CELLS:
        raise ImportFileError(
            _(
                "The sheet declares %(rows)s rows by %(columns)s columns (%(range)s); at most "
                "%(max_rows)s rows, %(max_columns)s columns and %(max_cells)s cells are read. "
                "Delete the empty rows and columns after the data, or save the sheet as CSV."
            )
            % {
                "rows": number_format(rows, force_grouping=True),
                "columns": number_format(columns, force_grouping=True),
                "range": sheet.calculate_dimension(),
                "max_rows": number_format(max_rows, force_grouping=True),
                "max_columns": MAX_COLUMNS,
                "max_cells": number_format(settings.IMPORT_MAX_CELLS, force_grouping=True),
            },
            "too_large_sheet",
        )


def _sheet_rows(data: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        _check_declared_size(sheet)
        # Rows and cells as the file has them, not padded to a declared size.
        sheet.reset_dimensions()
        caps, numbered = _Caps(), []
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            caps.row(number, len(row))
            numbered.append((number, [_xlsx_cell(v) for v in row]))
    finally:
        workbook.close()
    return numbered


def _xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _inspect_archive(archive)
        numbered = _sheet_rows(data)
    except ImportFileError:
        raise
    except DefusedXmlException as error:
        raise ImportFileError(
            _("This XLSX file declares XML entities, which a spreadsheet never needs: refused."),
            "xml_entities",
        ) from error
    except Exception as error:
        # A damaged or hostile file can make zipfile, zlib, the XML parser or openpyxl raise
        # anything (BadZipFile, ParseError, KeyError…). Only its type is logged: a message can
        # quote the file's cells.
        logger.info("An XLSX upload could not be read: %s", type(error).__name__)
        raise bad_xlsx() from error
    while numbered and not any(_filled(c) for c in numbered[0][1]):
        numbered.pop(0)
    return numbered
