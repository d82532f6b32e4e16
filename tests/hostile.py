"""Files made to hurt an importer (shared by the tests and bench/hostile_inputs.py)."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Orders" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
_SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>
</sheetData></worksheet>"""


def wide_header(path: Path, columns: int = 80_000) -> Path:
    """A small CSV whose header has tens of thousands of columns."""
    header = ",".join(f"c{i}" for i in range(columns))
    path.write_text(header + "\n" + ",".join("1" for _ in range(columns)) + "\n", "utf-8")
    return path


def shared_strings_bomb(
    path: Path, expanded_mb: int = 80, seed: int = 1, repeat: int | None = None
) -> Path:
    """A workbook whose shared-strings part unpacks to `expanded_mb` MB. By default the text is
    varied (it compresses about 10x); with `repeat`, each string repeats a phrase that many times
    before a counter (17 gives about 110x: a 5 MB file unpacking to 600 MB, as reported)."""
    rng = random.Random(seed)
    words = ["고객", "주문", "액자", "촬영", "album", "print", "studio", "session"]
    words += [f"{rng.randrange(10**8):08d}" for _ in range(200)]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", _SHEET)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(
                b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            written = 0
            count = 0
            while written < expanded_mb * 1_000_000:
                count += 1
                if repeat:
                    text = "studio session print album " * repeat + f"{count:08d}"
                else:
                    text = " ".join(rng.choice(words) for _ in range(40))
                chunk = f"<si><t>{text}</t></si>".encode()
                part.write(chunk)
                written += len(chunk)
            part.write(b"</sst>")
    return path


def all_rejected(path: Path, megabytes: int = 20) -> Path:
    """A big CSV whose every row is rejected (a date that is not one)."""
    line = "O{0},not a date,고객{0},c{0}@example.com,12000\n"
    with path.open("w", encoding="utf-8") as out:
        out.write("Order ID,Date,Name,Email,Amount\n")
        i = 0
        while out.tell() < megabytes * 1_000_000:
            out.write("".join(line.format(i + k) for k in range(1000)))
            i += 1000
    return path


def normal_orders(path: Path, megabytes: int) -> Path:
    """A well-formed CSV of about the same size, for comparison."""
    line = "O{0},2024-03-05 10:00,고객{1},c{1}@example.com,12000\n"
    with path.open("w", encoding="utf-8") as out:
        out.write("Order ID,Date,Name,Email,Amount\n")
        i = 0
        while out.tell() < megabytes * 1_000_000:
            out.write("".join(line.format(i + k, (i + k) % 5000) for k in range(1000)))
            i += 1000
    return path
