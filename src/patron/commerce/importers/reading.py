"""Turning an export file into a header and a stream of rows, in constant memory.

Handles what real exports look like: UTF-8 with or without BOM, CP949/EUC-KR from Korean
spreadsheets, UTF-16 with tabs (Excel's "Unicode text"), any of , ; tab | as the delimiter,
NUL bytes, XLSX workbooks (read through defusedxml, with a guard against zip bombs), legacy
.xls workbooks (xlrd), password-protected workbooks (msoffcrypto-tool), and a title or
instruction row above the header (the header is the row whose cells are known headers).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes
from django.views.decorators.debug import sensitive_variables

from patron.core.problems import Problem

from .profiles import looks_like_header

_SAMPLE_BYTES = 256 * 1024
_MAX_FIELD_CHARS = 1_000_000  # csv's own limit; fields over FIELD_LIMIT are rejected per row
FIELD_LIMIT = 10_000
_HANGUL = re.compile("[\uac00-\ud7a3]")
_XLSX_MAX_EXPANSION = 200  # an uncompressed workbook this many times its file size is a bomb
# Limits that keep memory bounded whatever the file (an export never comes near them):
MAX_COLUMNS = 1_000
_MAX_LINE_CHARS = 4 * 1024 * 1024  # one line of the file; a row is read whole
# openpyxl keeps a workbook's shared strings in memory (the sheets it streams): a small file
# whose shared-strings part unpacks to hundreds of MB would take gigabytes.
_XLSX_MAX_SHARED_STRINGS = 64 * 1024 * 1024
_XLSX_MAX_PART_RATIO = 100  # a part this many times its compressed size is a bomb
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and encrypted workbooks
# Excel hashes a password 100,000 times; a file asking for far more would hold a worker for
# minutes on every try of a password (the format allows 10,000,000).
_MAX_SPIN_COUNT = 500_000
# xlrd reads a legacy workbook whole, as Python objects (several times its size in memory);
# Excel 97-2003 workbooks hold at most 65,536 rows, far less than this.
_XLS_MAX_BYTES = 48 * 1024 * 1024
# A password-protected workbook is opened in memory: far above any marketplace download.
_PROTECTED_MAX_BYTES = 64 * 1024 * 1024
# The header is looked for among the first rows: SmartStore puts an instruction row above it,
# 11번가 and G마켓 a title row.
HEADER_SEARCH_ROWS = 20
_HEADER_HOLD = 1024 * 1024  # characters of those rows held at most


class UnreadableFile(Problem):
    """The file cannot be read at all; the message code says why (see commerce.wording)."""


@dataclass(frozen=True)
class TableSource:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells)
    encoding: str
    delimiter: str
    fraction: Callable[[], float] = lambda: 0.0  # how much of the file has been read
    # A message when the encoding was a guess the reader should check (or None).
    encoding_note: dict | None = None


def open_table(
    path: Path, max_bytes: int, encoding: str | None = None, password: str | None = None
) -> TableSource:
    """The file's header and rows. `encoding` names the text encoding when the person knows
    it better than the guess; `password` opens a password-protected workbook (it is used
    here and nowhere kept)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise UnreadableFile("file.too_large", megabytes=size / 1e6, limit=max_bytes / 1e6)
    if size == 0:
        raise UnreadableFile("file.empty")
    with path.open("rb") as handle:
        head = handle.read(512)
    if head.startswith(_OLE_MAGIC):
        return _open_ole(path, size, password)
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, size)
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        raise UnreadableFile("file.not_a_workbook")
    if path.suffix.lower() == ".xls" and head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        # Some shops' ".xls" downloads are web pages; their text exports (tabs) read as text.
        raise UnreadableFile("file.web_page")
    return _open_csv(path, encoding)


@sensitive_variables("password")
def decrypt_workbook(path: Path, password: str | None, out: io.BufferedIOBase) -> bool:
    """Write the workbook at `path`, opened with `password`, to `out`; False when the file is
    not password-protected (nothing written). Wrong or missing passwords are refused."""
    import msoffcrypto
    from msoffcrypto import exceptions
    from msoffcrypto.format.ooxml import OOXMLFile
    from msoffcrypto.format.xls97 import Xls97File

    with path.open("rb") as handle:
        # A protected workbook, .xlsx or .xls, is always an OLE container: anything else
        # (a plain .xlsx's zip, a CSV) is not handed to msoffcrypto, which would unpack it
        # before the zip-bomb checks.
        if handle.read(len(_OLE_MAGIC)) != _OLE_MAGIC:
            return False
        try:
            office = msoffcrypto.OfficeFile(handle)
            if not isinstance(office, OOXMLFile | Xls97File) or not office.is_encrypted():
                return False  # a Word or PowerPoint file is refused as no workbook later
        except Exception:  # msoffcrypto raises many kinds for what it cannot parse
            return False
        if not password:
            raise UnreadableFile("file.password_needed")
        size = path.stat().st_size
        if size > _PROTECTED_MAX_BYTES:
            # msoffcrypto opens the whole workbook in memory, twice over.
            raise UnreadableFile(
                "file.protected_too_large", megabytes=size / 1e6, limit=_PROTECTED_MAX_BYTES / 1e6
            )
        info = getattr(office, "info", None)
        spin = info.get("spinValue", 0) if isinstance(info, dict) else 0
        if spin > _MAX_SPIN_COUNT:
            raise UnreadableFile("file.password_unusual", rounds=spin)
        try:
            if isinstance(office, OOXMLFile):
                office.load_key(password=password, verify_password=True)
            else:
                office.load_key(password=password)  # checks the password itself
            office.decrypt(out)
        except exceptions.InvalidKeyError:
            raise UnreadableFile("file.password_wrong") from None
        except Exception as exc:
            raise UnreadableFile("file.password_unsupported", detail=type(exc).__name__) from None
    return True


def _open_ole(path: Path, size: int, password: str | None) -> TableSource:
    """A legacy .xls workbook, or a password-protected workbook of either kind (Office keeps
    an encrypted .xlsx inside the same container format as an .xls)."""
    # Unlinked as soon as it is made: the opened workbook is never left on the disk. It lives
    # as long as the rows are read from it, past this function: no context manager.
    decrypted = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        opened = decrypt_workbook(path, password, decrypted)
    except BaseException:
        decrypted.close()
        raise
    if not opened:
        decrypted.close()
        if size > _XLS_MAX_BYTES:
            raise UnreadableFile(
                "file.xls_too_large", megabytes=size / 1e6, limit=_XLS_MAX_BYTES / 1e6
            )
        return _open_xls(path.read_bytes())
    decrypted.seek(0)
    if decrypted.read(4) == b"PK\x03\x04":
        return _open_xlsx(decrypted, decrypted.seek(0, io.SEEK_END))
    decrypted.seek(0)
    contents = decrypted.read(_XLS_MAX_BYTES + 1)
    decrypted.close()
    if len(contents) > _XLS_MAX_BYTES:
        raise UnreadableFile("file.xls_too_large", megabytes=size / 1e6, limit=_XLS_MAX_BYTES / 1e6)
    return _open_xls(contents)


def _open_csv(path: Path, chosen: str | None = None) -> TableSource:
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    note = None
    if chosen:
        encoding = _check_encoding(chosen)
    else:
        encoding, sure = detect_encoding(sample)
        if not sure:
            note = {"code": "import.encoding_guessed", "encoding": encoding}
    text_sample = sample.decode(encoding, errors="ignore").replace("\x00", "")
    delimiter = detect_delimiter(text_sample)
    csv.field_size_limit(_MAX_FIELD_CHARS)
    handle = path.open("r", encoding=encoding, errors="replace", newline="")
    reader = csv.reader(_bounded_lines(handle), delimiter=delimiter)
    try:
        header, rows = find_header(_numbered(reader, handle))
        if chosen and any("\ufffd" in cell for cell in header):
            # The header garbled: the file is not in the encoding the person chose (else
            # the refusal would be "no date column", over column names nobody can read).
            raise UnreadableFile(
                "file.wrong_encoding", encoding=encoding, detected=detect_encoding(sample)[0]
            )
    except BaseException:
        handle.close()
        raise
    size = max(path.stat().st_size, 1)

    def fraction() -> float:
        # The raw file's position (it runs ahead of the parser by one buffer at most).
        return 1.0 if handle.closed else min(handle.buffer.tell() / size, 1.0)

    return TableSource(header, rows, encoding, delimiter, fraction, note)


def find_header(
    rows: Iterator[tuple[int, list[str]]],
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and the rows after it. The header is the first row; when it does not name
    an order's date and its amount or person, the first of the next rows that does (a title
    or an instruction row above the header is dropped). Row numbers stay the spreadsheet's."""
    first: list[tuple[int, list[str]]] = []
    held = 0
    for numbered in rows:
        first.append(numbered)
        cells = numbered[1]
        if len(first) == 1 and looks_like_header(cells[:MAX_COLUMNS]):
            break  # the common case: the header is the first row
        held += sum(len(cell) for cell in cells[: MAX_COLUMNS + 1])
        # Rows are held while the header is looked for: a few, not a file of giant ones.
        if len(first) >= HEADER_SEARCH_ROWS or len(cells) > MAX_COLUMNS or held > _HEADER_HOLD:
            break
    if not first:
        raise UnreadableFile("file.no_header")
    found = (i for i, (_, cells) in enumerate(first) if looks_like_header(cells[:MAX_COLUMNS]))
    at = next(found, 0)
    header = first[at][1]
    if len(header) > MAX_COLUMNS:
        raise UnreadableFile("file.too_many_columns", columns=len(header), limit=MAX_COLUMNS)

    def after() -> Iterator[tuple[int, list[str]]]:
        yield from first[at + 1 :]
        yield from rows

    return header, after()


def _check_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise UnreadableFile("file.unknown_encoding", encoding=name) from None


def _bounded_lines(handle: io.TextIOBase) -> Iterator[str]:
    """The file's lines without NUL bytes, each at most _MAX_LINE_CHARS long: a file of one
    giant line is refused instead of read whole into memory."""
    while line := handle.readline(_MAX_LINE_CHARS + 1):
        if len(line) > _MAX_LINE_CHARS:
            raise UnreadableFile("file.line_too_long", limit=_MAX_LINE_CHARS)
        yield line.replace("\x00", "") if "\x00" in line else line


def _numbered(reader: csv.Reader, handle: io.TextIOBase) -> Iterator[tuple[int, list[str]]]:
    # Numbered as a spreadsheet numbers its rows; quoted newlines make a row span lines,
    # so the row number counts records, not lines.
    try:
        for row_no, row in enumerate(reader, start=1):
            if "".join(row).strip():  # a row of blank cells is skipped (one C call a row)
                yield row_no, row
    except csv.Error as exc:
        raise UnreadableFile("file.row_unreadable", line=reader.line_num, detail=str(exc)) from None
    finally:
        handle.close()


def detect_encoding(sample: bytes) -> tuple[str, bool]:
    """The sample's encoding, and whether it is known for sure (a BOM, valid UTF-8, Korean
    text in CP949) rather than a statistical guess the person should check."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", True
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", True
    utf16 = _utf16_without_bom(sample)
    if utf16:
        return utf16, True
    if _decodes(sample, "utf-8"):
        return "utf-8", True
    # CP949 (a superset of EUC-KR) decodes many byte soups; trust it only if Hangul appears.
    if _decodes(sample, "cp949") and _HANGUL.search(sample.decode("cp949", errors="ignore")):
        return "cp949", True
    best = from_bytes(sample).best()
    return (best.encoding if best else "latin-1"), False


def _decodes(sample: bytes, encoding: str) -> bool:
    # A full sample may end inside a multi-byte character: allow up to 3 bytes to be cut.
    cuts = 4 if len(sample) >= _SAMPLE_BYTES else 1
    for cut in range(cuts):
        try:
            sample[: len(sample) - cut].decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 without a byte-order mark puts a NUL in every other byte of Latin text: on one
    side only. NUL bytes strewn in a UTF-8 file do not make that pattern."""
    head = sample[:400]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / max(len(odd), 1)
    if odd_nul > 0.4 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.4 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines[:20]), delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: lines[0].count(d) for d in ",;\t|"}
        return max(counts, key=counts.get) if max(counts.values()) else ","


def _open_xlsx(path: Path | io.BufferedIOBase, size: int) -> TableSource:
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except zipfile.BadZipFile:
        raise UnreadableFile("file.damaged_zip") from None
    if "xl/workbook.xml" not in {part.filename for part in parts}:
        raise UnreadableFile("file.zip_not_workbook")
    if sum(part.file_size for part in parts) > max(size * _XLSX_MAX_EXPANSION, 50_000_000):
        raise UnreadableFile("file.zip_bomb")
    for part in parts:
        too_dense = part.file_size > 10_000_000 and (
            part.file_size > _XLSX_MAX_PART_RATIO * max(part.compress_size, 1)
        )
        shared = part.filename.lower().endswith("sharedstrings.xml")
        if too_dense or (shared and part.file_size > _XLSX_MAX_SHARED_STRINGS):
            raise UnreadableFile("file.zip_bomb")
    import openpyxl  # openpyxl parses the XML with defusedxml when it is installed

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise UnreadableFile("file.workbook_unreadable", detail=_without_path(exc, path)) from None
    sheet = workbook.worksheets[0]
    try:
        header, rows = find_header(_xlsx_rows(sheet.iter_rows(values_only=True), workbook))
    except UnreadableFile as exc:
        workbook.close()
        if exc.code == "file.no_header":
            raise UnreadableFile("file.sheet_empty") from None
        raise
    counter = _RowCounter(sheet.max_row or 0)
    return TableSource(header, counter.count(rows), "xlsx", "", counter.fraction)


def _without_path(exc: Exception, path: object) -> str:
    # Libraries' messages can name the stored upload's path on the server: the name only.
    detail = str(exc)
    if isinstance(path, Path):
        detail = detail.replace(str(path), path.name).replace(str(path.parent) + "/", "")
    return detail[:200]


def _open_xls(contents: bytes) -> TableSource:
    """A legacy Excel 97-2003 workbook (G마켓/옥션 and 11번가 still give some). xlrd reads
    the whole workbook, whose size the upload limit bounds; only the first sheet is used."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=contents, on_demand=True)
        sheet = book.sheet_by_index(0)
    except Exception as exc:  # xlrd raises many types for broken workbooks
        raise UnreadableFile("file.workbook_unreadable", detail=str(exc)[:200]) from None
    try:
        header, rows = find_header(_xls_rows(book, sheet))
    except UnreadableFile as exc:
        book.release_resources()
        if exc.code == "file.no_header":
            raise UnreadableFile("file.sheet_empty") from None
        raise
    counter = _RowCounter(sheet.nrows)
    return TableSource(header, counter.count(rows), "xls", "", counter.fraction)


def _xls_rows(book, sheet) -> Iterator[tuple[int, list[str]]]:
    import xlrd

    try:
        for index in range(sheet.nrows):
            cells = [
                _xls_cell_text(book, sheet.cell_type(index, column), value)
                for column, value in enumerate(sheet.row_values(index, 0, MAX_COLUMNS + 1))
            ]
            if any(cell.strip() for cell in cells):
                yield index + 1, cells
    except xlrd.XLRDError as exc:
        raise UnreadableFile("file.workbook_unreadable", detail=str(exc)[:200]) from None
    finally:
        book.release_resources()


def _xls_cell_text(book, kind: int, value: object) -> str:
    import xlrd

    if kind == xlrd.XL_CELL_DATE:
        try:
            moment = xlrd.xldate_as_datetime(value, book.datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return str(value)
        return _cell_text(moment if moment.time() != dt.time() else moment.date())
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    return _cell_text(value)


class _RowCounter:
    """Progress through a sheet by rows, against the row count the workbook declares."""

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0

    def count(self, rows: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
        for row_no, cells in rows:
            self.done = row_no
            yield row_no, cells

    def fraction(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else 0.0


def _xlsx_rows(rows: Iterator[tuple], workbook) -> Iterator[tuple[int, list[str]]]:
    try:
        for row_no, row in enumerate(rows, start=1):
            cells = [_cell_text(cell) for cell in row]
            if any(cell.strip() for cell in cells):
                yield row_no, cells
    finally:
        workbook.close()


def _cell_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if hasattr(cell, "isoformat"):
        return cell.isoformat(sep=" ") if hasattr(cell, "hour") else cell.isoformat()
    return str(cell)
