"""Uploaded workbooks made safe to hand to calamine, the fast reader behind every import.

calamine turns a sheet into a dense grid from its first cell to its last, so a 1.5 KB .xlsx with one
cell at XFD1048576 asks for 17 billion cells; it reserves memory by counts the file declares (a lying
`uniqueCount` aborts the process); and it opens every sheet of an .xls at once, inside a container that
can send it round in circles. So before calamine sees an upload:

- the cells of every sheet it will read are walked, streaming, and their real extent is checked against
  the importer's limits; a declared <dimension> is not trusted (it may be absent or lie);
- zip members are inflated by us and counted as they come out (`dudao.core.zips`);
- what passed is repacked into a fresh, minimal workbook, so calamine reads exactly the bytes that were
  checked and nothing else (other sheets, pictures, a container built to mislead it).
"""

from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from xml.parsers import expat

from dudao.core.errors import DomainError
from dudao.core.zips import ZipLimits, ZipRefused, open_zip, read_member

MB = 1024 * 1024
# One part of an .xlsx unpacked (a 20,000-row roster's sheet is about 12 MB), and all parts read.
PART_LIMIT = 64 * MB
READ_LIMIT = 128 * MB
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Shape:
    """The most a sheet may hold: `rows` counts the header row too."""

    rows: int
    columns: int

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def too_large(shape: Shape, sheet: str = "") -> DomainError:
    where = f"（{sheet}）" if sheet else ""
    return DomainError(
        f"表格过大{where}：最多 {shape.rows - 1} 行、{shape.columns} 列，请删除多余的行列或分批导入",
        code="sheet_too_large",
    )


def unreadable(detail: str = "文件结构异常") -> DomainError:
    return DomainError(
        f"无法读取该 Excel 文件：{detail}。请用 Excel 或 WPS 打开后另存为 .xlsx 再上传",
        code="upload_unreadable",
    )


def zip_refusal(exc: ZipRefused) -> DomainError:
    if exc.reason == "encrypted":
        return DomainError("文件设有打开密码，请取消密码后重新上传", code="upload_encrypted")
    if exc.reason in {"too_large", "member_too_large", "too_many_members"}:
        return DomainError(
            f"Excel 文件解压后内容过大（上限 {max(exc.limit // MB, 1)} MB），不像是正常的名册或台账。"
            "请删除多余的工作表、图片和格式，另存为新的 .xlsx 后重新上传",
            code="upload_too_large",
        )
    if exc.reason == "unsupported":
        return unreadable("压缩方式不受支持")
    return unreadable("文件已损坏")


def safe_workbook(data: bytes, shape: Shape) -> bytes:
    """A workbook calamine may open: checked against `shape`, repacked. Raises DomainError otherwise."""
    if data.startswith(OLE_MAGIC):
        return _safe_xls(data, shape)
    try:
        return _safe_xlsx(data, shape)
    except ZipRefused as exc:
        raise zip_refusal(exc) from exc


# ----- .xlsx ------------------------------------------------------------------------------------------------

XLSX_ZIP = ZipLimits(total=READ_LIMIT, member=PART_LIMIT)
_NUMBER = re.compile(r"[0-9]{1,10}")


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _parse(xml: bytes, start: Callable[[str, dict[str, str]], None], end: Callable[[str], None] | None = None) -> None:
    """Stream `xml` through expat. A DOCTYPE is refused: entities could hide markup from calamine's
    parser, which does not expand them. UTF-8 is forced, the only encoding both parsers agree on."""
    parser = expat.ParserCreate(encoding="UTF-8")

    def refuse_doctype(*_: object) -> None:
        raise unreadable()

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    try:
        parser.Parse(xml, True)
    except expat.ExpatError as exc:
        raise unreadable() from exc


class _Parts:
    """Members of the package by case-insensitive name (as calamine finds them), read within the budget."""

    def __init__(self, data: bytes, archive: zipfile.ZipFile) -> None:
        self.data = data
        self.archive = archive
        self.names = {name.lower(): name for name in archive.namelist()}
        self.left = READ_LIMIT

    def read(self, path: str) -> bytes | None:
        name = self.names.get(path.lower())
        if name is None:
            return None
        try:
            content = read_member(self.data, self.archive, name, min(PART_LIMIT, self.left))
        except ZipRefused as exc:
            exc.limit = PART_LIMIT if self.left >= PART_LIMIT else READ_LIMIT
            raise
        self.left -= len(content)
        return content


def _safe_xlsx(data: bytes, shape: Shape) -> bytes:
    with open_zip(data, members=XLSX_ZIP.members) as archive:
        parts = _Parts(data, archive)
        workbook = parts.read("xl/workbook.xml")
        relationships = parts.read("xl/_rels/workbook.xml.rels")
        if workbook is None or relationships is None:
            raise unreadable()
        sheet_id, is_1904 = _first_sheet(workbook)
        targets = _relationships(relationships)
        if sheet_id not in targets:
            raise unreadable("找不到工作表")
        sheet = parts.read(targets[sheet_id][0])
        if sheet is None:
            raise unreadable("找不到工作表")
        _check_cells(sheet, shape)

        def by_type(kind: str, default: str) -> str:
            return next((path for path, typ in targets.values() if typ.endswith("/" + kind)), default)

        shared = parts.read(by_type("sharedStrings", "xl/sharedStrings.xml"))
        if shared is not None:
            _check_shared_strings(shared)
        styles = parts.read(by_type("styles", "xl/styles.xml"))
    return _repack(sheet=sheet, shared=shared, styles=styles, is_1904=is_1904)


def _first_sheet(workbook: bytes) -> tuple[str, bool]:
    """The relationship id of the first sheet (the one every importer reads) and the 1904 date flag."""
    found: list[str] = []
    is_1904 = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal is_1904
        local = _local(name)
        if local == "sheet" and not found:
            found.append(next((value for key, value in attrs.items() if _local(key) == "id"), ""))
        elif local == "workbookPr":
            is_1904 = attrs.get("date1904") in {"1", "true"}

    _parse(workbook, start)
    if not found:
        raise unreadable("找不到工作表")
    return found[0], is_1904


def _relationships(xml: bytes) -> dict[str, tuple[str, str]]:
    """Relationship id → (member path, type), paths resolved against xl/."""
    targets: dict[str, tuple[str, str]] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship" and "Id" in attrs and "Target" in attrs:
            target = attrs["Target"]
            path = target[1:] if target.startswith("/") else posixpath.normpath("xl/" + target)
            targets.setdefault(attrs["Id"], (path, attrs.get("Type", "")))

    _parse(xml, start)
    return targets


class _CellWalk:
    """Where calamine will put each cell, found the way its reader does (a cell without `r` follows the one
    before; a row without `r` follows the row before), refusing as soon as one falls outside the shape.

    The structure is held strict (cells in rows in sheetData, nothing nested in a cell that could be read
    as another cell), so what is walked here and what calamine reads cannot drift apart. Only cells with
    content count: calamine drops empty ones, and Excel writes formatted empty cells far out."""

    def __init__(self, shape: Shape) -> None:
        self.shape = shape
        self.depth = 0
        self.sheet_data = -1  # depth of the sheetData being read; -1 before it, -2 after
        self.row = 0  # calamine's 0-based row and column counters
        self.column = 0
        self.cell: tuple[int, int] | None = None
        self.has_value = False
        self.cells = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        # Called for every element of a sheet (a 20,000-row roster has 700,000): kept lean.
        depth = self.depth
        self.depth = depth + 1
        top = self.sheet_data
        if top < 0:
            if top == -1 and name.rpartition(":")[2] == "sheetData":
                self.sheet_data = depth
            return
        if ":" in name:
            name = name.rpartition(":")[2]
        level = depth - top  # 1: a row, 2: a cell, 3 and more: inside a cell
        if level == 2:
            if name == "c":
                ref = attrs.get("r")
                if ref is not None:
                    self.cell = _position(ref)
                    self.column = self.cell[1]
                else:
                    self.cell = (self.row, self.column)
                self.has_value = False
            elif name in _STRUCTURE:
                raise unreadable()
        elif level >= 3:
            if name in _STRUCTURE:
                raise unreadable()
            if self.cell is not None:
                self.has_value = True
        elif name == "row":
            if "r" in attrs:
                self.row = self._number(attrs["r"]) - 1
        elif name in _STRUCTURE:
            raise unreadable()

    def end(self, name: str) -> None:
        self.depth -= 1
        top = self.sheet_data
        if top < 0:
            return
        level = self.depth - top
        if level == 2:
            if self.cell is not None and name.rpartition(":")[2] == "c":
                if self.has_value:
                    self._count(*self.cell)
                self.cell = None
                self.column += 1
        elif level == 1:
            if name.rpartition(":")[2] == "row":
                self.row += 1
                self.column = 0
        elif level == 0:
            self.sheet_data = -2

    def _count(self, row: int, column: int) -> None:
        self.cells += 1
        if row >= self.shape.rows or column >= self.shape.columns or self.cells > self.shape.cells:
            raise too_large(self.shape)

    @staticmethod
    def _number(text: str) -> int:
        if _NUMBER.fullmatch(text) is None or int(text) < 1:
            raise unreadable()
        return int(text)


_STRUCTURE = frozenset({"sheetData", "row", "c"})


_COLUMNS: dict[str, int] = {}


def _position(ref: str) -> tuple[int, int]:
    """A1 → (0, 0), the way calamine reads a cell reference; anything calamine would read otherwise is refused."""
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters) :]
    column = _COLUMNS.get(letters)
    if column is None:
        if not (0 < len(letters) <= 3 and letters.isascii() and letters.isalpha()):
            raise unreadable()
        column = 0
        for letter in letters.upper():
            column = column * 26 + ord(letter) - 64
        column -= 1
        if len(_COLUMNS) < 20_000:
            _COLUMNS[letters] = column
    if not (0 < len(digits) <= 7 and digits.isascii()) or int(digits) < 1:
        raise unreadable()
    return int(digits) - 1, column


# The plain form that Excel, WPS and every writer we know produce: each cell carries its own reference.
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"')
_CELL_START = re.compile(rb"<c[\s/>]")
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:(?:c|row|sheetData)[\s/>]")
_PREFIXED_SST = re.compile(rb"<[A-Za-z_][\w.-]*:(?:sst|si)[\s/>]")


def _fits_at_a_glance(sheet: bytes, shape: Shape) -> bool:
    """True when every cell of `sheet` is written `<c r="A1"` and all of them lie inside `shape`: then no cell can
    land outside it, content or not, and the element-by-element walk (3× slower) is not needed. Anything less
    plain (a cell without its reference, prefixed names, a DOCTYPE, a cell outside) goes to the walk, which
    decides exactly."""
    if b"<!DOCTYPE" in sheet or _PREFIXED.search(sheet):
        return False
    refs = _CELL_REF.findall(sheet)
    if len(refs) > shape.cells or len(refs) != len(_CELL_START.findall(sheet)):
        return False
    rows = max((int(row) for _, row in refs), default=0)
    columns = max((_position(f"{letters.decode()}1")[1] + 1 for letters in {col for col, _ in refs}), default=0)
    return rows <= shape.rows and columns <= shape.columns


def _check_cells(sheet: bytes, shape: Shape) -> None:
    if _fits_at_a_glance(sheet, shape):
        return
    walk = _CellWalk(shape)
    _parse(sheet, walk.start, walk.end)


_UNIQUE_COUNT = re.compile(rb'<sst\b[^>]*?\suniqueCount="([0-9]{1,10})"')


def _check_shared_strings(xml: bytes) -> None:
    """calamine reserves room for `uniqueCount` strings before reading them: a lie aborts the process."""
    if b"<!DOCTYPE" not in xml and not _PREFIXED_SST.search(xml):
        # The plain form: the declared count against the strings written (each costs the file bytes, so a count
        # that only looks large cannot ask calamine for more than the file itself could hold).
        declared_match = _UNIQUE_COUNT.search(xml)
        written = xml.count(b"<si>") + xml.count(b"<si ") + xml.count(b"<si/>")
        if declared_match is None or int(declared_match.group(1)) <= written:
            return
    declared: list[str] = []
    count = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal count
        local = _local(name)
        if local == "sst" and not declared:
            declared.append(attrs.get("uniqueCount", "0"))
        elif local == "si":
            count += 1

    _parse(xml, start)
    if declared and (_NUMBER.fullmatch(declared[0]) is None or int(declared[0]) > count):
        raise unreadable()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _repack(*, sheet: bytes, shared: bytes | None, styles: bytes | None, is_1904: bool) -> bytes:
    """A minimal .xlsx of the checked parts only (stored, not compressed: it lives a moment in memory)."""
    overrides = [("/xl/workbook.xml", "sheet.main"), ("/xl/worksheets/sheet1.xml", "worksheet")]
    relations = [("rId1", "worksheet", "worksheets/sheet1.xml")]
    if shared is not None:
        overrides.append(("/xl/sharedStrings.xml", "sharedStrings"))
        relations.append(("rId2", "sharedStrings", "sharedStrings.xml"))
    if styles is not None:
        overrides.append(("/xl/styles.xml", "styles"))
        relations.append(("rId3", "styles", "styles.xml"))
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{part}" ContentType="{_TYPES}.{kind}+xml"/>' for part, kind in overrides)
        + "</Types>"
    )
    root = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_DOC}">'
        f'<workbookPr date1904="{"1" if is_1904 else "0"}"/>'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">'
        + "".join(f'<Relationship Id="{i}" Type="{_DOC}/{kind}" Target="{target}"/>' for i, kind, target in relations)
        + "</Relationships>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("_rels/.rels", root)
        package.writestr("xl/workbook.xml", workbook)
        package.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        package.writestr("xl/worksheets/sheet1.xml", sheet)
        if shared is not None:
            package.writestr("xl/sharedStrings.xml", shared)
        if styles is not None:
            package.writestr("xl/styles.xml", styles)
    return out.getvalue()


# ----- .xls -------------------------------------------------------------------------------------------------

# BIFF records calamine turns into cells: Number, Label, RString, BoolErr, RK, LabelSst, Formula (row and
# column first), MulRk (a run of columns); String places a formula's text where the Formula was.
_CELL_RECORDS = frozenset({0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006})
_MULRK, _STRING, _DIMENSIONS, _BOF, _EOF = 0x00BD, 0x0207, 0x0200, 0x0809, 0x000A
_BOUNDSHEET, _FILEPASS = 0x0085, 0x002F


def _safe_xls(data: bytes, shape: Shape) -> bytes:
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            if name is None:
                raise unreadable()
            stream = bytearray(ole.openstream(name).read())
    except DomainError:
        raise
    except Exception as exc:  # olefile raises several kinds for a damaged container
        raise unreadable("文件已损坏") from exc
    _check_biff(stream, shape)
    return compound_file(bytes(stream))


def _records(stream: bytearray, position: int) -> Iterator[tuple[int, int, int]]:
    """(type, start of data, end of data) of each record from `position`, framed as calamine frames them."""
    while position < len(stream):
        if len(stream) - position < 4:
            raise unreadable()
        kind, length = struct.unpack_from("<HH", stream, position)
        if len(stream) - position < length + 4:
            raise unreadable()
        yield kind, position + 4, position + 4 + length
        position += length + 4


def _check_biff(stream: bytearray, shape: Shape) -> None:
    """Walk the globals, then every sheet (calamine reads them all on opening), as calamine does.

    Declared dimensions are zeroed on the way; a second walk then checks the bytes calamine will read,
    should zeroing have changed how sheets that overlap (never in a real file) are framed."""
    _walk_biff(stream, shape, patch=True)
    _walk_biff(stream, shape, patch=False)


def _walk_biff(stream: bytearray, shape: Shape, *, patch: bool) -> None:
    sheets: list[int] = []
    for kind, start, end in _records(stream, 0):
        if kind == _FILEPASS and end - start >= 2 and stream[start : start + 2] != b"\0\0":
            raise DomainError("文件设有打开密码，请取消密码后重新上传", code="upload_encrypted")
        if kind == _BOUNDSHEET:
            if end - start < 6:
                raise unreadable()
            sheets.append(struct.unpack_from("<I", stream, start)[0])
        elif kind == _EOF:
            break
    for number, position in enumerate(sheets, start=1):
        if position > len(stream):
            raise unreadable()
        try:
            _walk_biff_sheet(stream, position, shape, patch=patch)
        except DomainError as exc:
            if exc.code == "sheet_too_large" and number > 1:
                raise too_large(shape, f"第 {number} 个工作表") from None
            raise


def _walk_biff_sheet(stream: bytearray, position: int, shape: Shape, *, patch: bool) -> None:
    seen_bof = False
    depth = 0  # nested substreams (embedded charts) are skipped, as calamine skips them
    cells = 0

    def count(row: int, column: int, number: int = 1) -> None:
        nonlocal cells
        cells += number
        if row >= shape.rows or column >= shape.columns or cells > shape.cells:
            raise too_large(shape)

    for kind, start, end in _records(stream, position):
        if depth:
            depth += {_BOF: 1, _EOF: -1}.get(kind, 0)
            continue
        if kind == _BOF:
            depth, seen_bof = (1, True) if seen_bof else (0, True)
        elif kind == _DIMENSIONS and end - start in {10, 14} and any(stream[start:end]):
            # calamine reserves rows × columns of the declared range up front: a lie would abort the process.
            # Zero says "one cell"; the cells themselves are counted here.
            if not patch:
                raise unreadable()
            stream[start:end] = bytes(end - start)
        elif kind in _CELL_RECORDS:
            if end - start < 4:
                raise unreadable()
            count(*struct.unpack_from("<HH", stream, start))
        elif kind == _MULRK:
            if end - start < 6:
                raise unreadable()
            row, first = struct.unpack_from("<HH", stream, start)
            (last,) = struct.unpack_from("<H", stream, end - 2)
            number = -(-(end - start - 6) // 6)
            count(row, max(first + number - 1, last), number)
        elif kind == _STRING:
            count(0, 0)  # placed where its Formula was, already checked; counted all the same
        elif kind == _EOF:
            break


_ENDOFCHAIN, _FATSECT, _FREESECT, _NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF, 0xFFFFFFFF
_SECTOR = 4096


def compound_file(stream: bytes) -> bytes:
    """A compound file (version 4, 4096-byte sectors) holding one stream, `Workbook`: the .xls container
    written fresh, so its reader meets no loops or lies about sizes."""
    stream = stream.ljust(_SECTOR, b"\0")  # smaller streams would go to the mini stream; zeros are never read
    data_sectors = -(-len(stream) // _SECTOR)
    per_fat = _SECTOR // 4
    fat_sectors = 1
    while fat_sectors * per_fat < data_sectors + fat_sectors + 1:
        fat_sectors += 1
    if fat_sectors > 109:
        raise unreadable("文件过大")
    directory_sector = data_sectors + fat_sectors
    fat = [*range(1, data_sectors), _ENDOFCHAIN, *[_FATSECT] * fat_sectors, _ENDOFCHAIN]
    fat += [_FREESECT] * (fat_sectors * per_fat - len(fat))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        OLE_MAGIC,
        bytes(16),
        0x003E,  # minor version
        4,  # major version: 4096-byte sectors
        0xFFFE,  # little-endian
        12,  # sector shift: 4096
        6,  # mini sector shift: 64
        bytes(6),
        1,  # directory sectors
        fat_sectors,
        directory_sector,
        0,  # transaction signature
        _SECTOR,  # mini stream cutoff
        _ENDOFCHAIN,  # no mini FAT
        0,
        _ENDOFCHAIN,  # no DIFAT sectors
        0,
    )
    header += struct.pack("<109I", *range(data_sectors, directory_sector), *[_FREESECT] * (109 - fat_sectors))
    # No mini stream, so the root's start sector is unused; calamine refuses ENDOFCHAIN there in version 4.
    directory = _directory_entry("Root Entry", 5, child=1, start=0, size=0)
    directory += _directory_entry("Workbook", 2, child=_NOSTREAM, start=0, size=len(stream))
    while len(directory) < _SECTOR:
        directory += _directory_entry("", 0, child=_NOSTREAM, start=0, size=0)
    padding = bytes(data_sectors * _SECTOR - len(stream))
    return header.ljust(_SECTOR, b"\0") + stream + padding + struct.pack(f"<{len(fat)}I", *fat) + directory


def _directory_entry(name: str, kind: int, *, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded,
        len(encoded),
        kind,
        1,  # black
        _NOSTREAM,
        _NOSTREAM,
        child,
        bytes(16),
        0,
        0,
        0,
        start,
        size,
    )
