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


class UnreadableFile(Problem):
    """The file cannot be read at all; the message code says why (see commerce.wording)."""


@dataclass(frozen=True)
class TableSource:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number as a spreadsheet shows it, cells)
    encoding: str
    delimiter: str
    fraction: Callable[[], float] = lambda: 0.0  # how much of the file has been read


def open_table(path: Path, max_bytes: int) -> TableSource:
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
    return _open_csv(path)


def _open_csv(path: Path) -> TableSource:
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    encoding = detect_encoding(sample)
    text_sample = sample.decode(encoding, errors="ignore").replace("\x00", "")
    delimiter = detect_delimiter(text_sample)
    csv.field_size_limit(_MAX_FIELD_CHARS)
    handle = path.open("r", encoding=encoding, errors="replace", newline="")
    reader = csv.reader(_without_nul(handle), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        handle.close()
        raise UnreadableFile("file.no_header") from None
    except csv.Error as exc:
        handle.close()
        raise UnreadableFile("file.header_unreadable", detail=str(exc)) from None
    size = max(path.stat().st_size, 1)

    def fraction() -> float:
        # The raw file's position (it runs ahead of the parser by one buffer at most).
        return 1.0 if handle.closed else min(handle.buffer.tell() / size, 1.0)

    return TableSource(header, _numbered(reader, handle), encoding, delimiter, fraction)


def _without_nul(lines: io.TextIOBase) -> Iterator[str]:
    for line in lines:
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


def detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if _looks_utf16_without_bom(sample):
        return "utf-16-le" if sample[1::2].count(0) > len(sample) // 4 else "utf-16-be"
    if _decodes(sample, "utf-8"):
        return "utf-8"
    # CP949 (a superset of EUC-KR) decodes many byte soups; trust it only if Hangul appears.
    if _decodes(sample, "cp949") and _HANGUL.search(sample.decode("cp949", errors="ignore")):
        return "cp949"
    best = from_bytes(sample).best()
    return best.encoding if best else "latin-1"


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


def _looks_utf16_without_bom(sample: bytes) -> bool:
    head = sample[:200]
    return len(head) >= 4 and head.count(0) >= len(head) // 3


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
            expanded = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise UnreadableFile("file.damaged_zip") from None
    if "xl/workbook.xml" not in names:
        raise UnreadableFile("file.zip_not_workbook")
    if expanded > max(size * _XLSX_MAX_EXPANSION, 50_000_000):
        raise UnreadableFile("file.zip_bomb")
    import openpyxl  # openpyxl parses the XML with defusedxml when it is installed

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken workbooks
        raise UnreadableFile("file.workbook_unreadable", detail=str(exc)[:200]) from None
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
