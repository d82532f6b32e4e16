"""Turning an export file into a header and a stream of rows, in constant memory.

Handles what real exports look like: UTF-8 with or without BOM, CP949/EUC-KR from Korean
spreadsheets, UTF-16 with tabs (Excel's "Unicode text"), any of , ; tab | as the delimiter,
NUL bytes, and XLSX workbooks (read through defusedxml, with a guard against zip bombs).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from patron.core.problems import Problem

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


def open_table(path: Path, max_bytes: int, encoding: str | None = None) -> TableSource:
    """The file's header and rows. `encoding` names the text encoding when the person knows
    it better than the guess."""
    size = path.stat().st_size
    if size > max_bytes:
        raise UnreadableFile("file.too_large", megabytes=size / 1e6, limit=max_bytes / 1e6)
    if size == 0:
        raise UnreadableFile("file.empty")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, size)
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        raise UnreadableFile("file.not_a_workbook")
    if path.suffix.lower() == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile("file.old_excel")
    return _open_csv(path, encoding)


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
        header = next(reader)
    except StopIteration:
        handle.close()
        raise UnreadableFile("file.no_header") from None
    except csv.Error as exc:
        handle.close()
        raise UnreadableFile("file.header_unreadable", detail=str(exc)) from None
    except UnreadableFile:
        handle.close()
        raise
    if len(header) > MAX_COLUMNS:
        handle.close()
        raise UnreadableFile("file.too_many_columns", columns=len(header), limit=MAX_COLUMNS)
    size = max(path.stat().st_size, 1)

    def fraction() -> float:
        # The raw file's position (it runs ahead of the parser by one buffer at most).
        return 1.0 if handle.closed else min(handle.buffer.tell() / size, 1.0)

    rows = _numbered(reader, handle)
    return TableSource(header, rows, encoding, delimiter, fraction, note)


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
    # Row 1 is the header, as in a spreadsheet; quoted newlines make a row span lines,
    # so the row number counts records, not lines.
    try:
        for row_no, row in enumerate(reader, start=2):
            if any(cell.strip() for cell in row):
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


def _open_xlsx(path: Path, size: int) -> TableSource:
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
        # Its messages can name the stored upload's path on the server: the file's name only.
        detail = str(exc).replace(str(path), path.name).replace(str(path.parent) + "/", "")
        raise UnreadableFile("file.workbook_unreadable", detail=detail[:200]) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = [_cell_text(cell) for cell in next(rows)]
    except StopIteration:
        workbook.close()
        raise UnreadableFile("file.sheet_empty") from None
    counter = _RowCounter(sheet.max_row or 0)
    return TableSource(
        header, counter.count(_xlsx_rows(rows, workbook)), "xlsx", "", counter.fraction
    )


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
        for row_no, row in enumerate(rows, start=2):
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
