"""Official documents (公文) in the national layout, GB/T 9704-2012: a .docx builder and the blocks of a print view.

Any app describes its document as an `OfficialDocument` (masthead, 发文字号, title, addressee, body text, signer,
date, 版记) and gets a Word file that opens in WPS and Word as the bureau's own templates do:

- A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (版心 156 × 225 mm);
- 发文机关标志 in red 方正小标宋简体, centred; 发文字号 centred below it; a red separator line;
- 标题 in 2号 小标宋, centred; 主送机关 flush left, ending with a full-width colon;
- 正文 in 3号 仿宋_GB2312, exact line spacing 28.9 pt (22 lines to the 版心), first line indented 2 characters;
  headings 一、 in 黑体 and （一） in 楷体, 1. and （1） in 仿宋;
- 发文机关署名 and 成文日期 (Arabic numerals, 2026年12月7日) right-aligned, four characters in from the right;
- 版记 after the signature: 抄送 and 印发机关 + 印发日期 between lines, the first and last thick, the one between thin
  (not framed at the page foot: LibreOffice 7 ignores a frame's position and drops its borders);
- page numbers "— 1 —" in 4号 宋体, at the outside edge (right on odd pages, left on even ones).

Chinese fonts are named for East Asian text (`w:eastAsia`) as well as Latin text, so Word does not fall back to
its Latin font for the characters. The fonts themselves are not embedded: a machine without 方正小标宋 shows its
substitute, as with every government template. `blocks()` splits the body text into the same headings and
paragraphs for the HTML print view (template `core/officialdoc.html`).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from docx import Document
from docx.enum.section import WD_SECTION_START
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

RED = RGBColor(0xFF, 0x00, 0x00)
XIAOBIAOSONG = "方正小标宋简体"
FANGSONG = "仿宋_GB2312"
HEITI = "黑体"
KAITI = "楷体_GB2312"
SONGTI = "宋体"
# Chinese type sizes in points: 初号 42, 小初 36, 2号 22, 3号 16, 4号 14.
SIZE_MASTHEAD = 36
SIZE_TITLE = 22
SIZE_BODY = 16
SIZE_NOTE = 14
LINE = Pt(28.9)  # 22 lines of 3号 in the 225 mm 版心
# The order of w:pPr's children in the WordprocessingML schema (CT_PPr).
PARAGRAPH_PROPERTIES = [
    f"w:{name}"
    for name in (
        "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd tabs "
        "suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
        "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
        "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
    ).split()
]

_H1 = re.compile(r"^[一二三四五六七八九十]+、")
_H2 = re.compile(r"^（[一二三四五六七八九十]+）")
_H3 = re.compile(r"^\d+[.．、]")


class BlockKind(StrEnum):
    HEADING1 = "h1"  # 一、 黑体
    HEADING2 = "h2"  # （一） 楷体
    PARAGRAPH = "p"  # 仿宋, first line indented (1. and （1） too)


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str


def blocks(text: str) -> list[Block]:
    """Body text → headings and paragraphs: a line starting 一、 is a first-level heading, （一） a second-level one,
    anything else a paragraph; blank lines only separate."""
    found = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if _H1.match(line):
            found.append(Block(BlockKind.HEADING1, line))
        elif _H2.match(line):
            found.append(Block(BlockKind.HEADING2, line))
        else:
            found.append(Block(BlockKind.PARAGRAPH, line))
    return found


def chinese_date(day: dt.date) -> str:
    """2026年12月7日: Arabic numerals, no leading zeros (GB/T 9704-2012 7.3.5.1)."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class OfficialDocument:
    masthead: str  # 发文机关标志: 临江市教育局文件
    title: str
    body: str  # headings and paragraphs as text (see `blocks`)
    signer: str  # 发文机关署名
    date: dt.date  # 成文日期
    number: str = ""  # 发文字号: 临教督〔2026〕12号; empty for a draft
    addressee: str = ""  # 主送机关
    copy_to: str = ""  # 抄送
    printer: str = ""  # 印发机关
    print_date: dt.date | None = None  # 印发日期 (the 成文日期 if not given)
    draft_mark: str = ""  # shown top left instead of nothing, e.g. 征求意见稿 / 草稿
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def addressee_line(self) -> str:
        """主送机关 ending with a full-width colon, whatever the writer typed at its end."""
        text = self.addressee.strip().rstrip(":：")
        return f"{text}：" if text else ""

    @property
    def copy_line(self) -> str:
        text = self.copy_to.strip().rstrip("。.")
        return f"抄送：{text}。" if text else ""

    @property
    def date_text(self) -> str:
        return chinese_date(self.date)

    @property
    def print_line_date(self) -> str:
        return f"{chinese_date(self.print_date or self.date)}印发"

    @property
    def blocks(self) -> list[Block]:
        return blocks(self.body)


def build_docx(document: OfficialDocument) -> bytes:
    """The document as a .docx file (bytes)."""
    word = Document()
    _page(word)
    _defaults(word)
    if document.draft_mark:
        _paragraph(word, document.draft_mark, font=HEITI, size=SIZE_NOTE, align=WD_ALIGN_PARAGRAPH.LEFT)
    _masthead(word, document)
    _paragraph(word, "", size=SIZE_BODY)
    _paragraph(
        word,
        document.title,
        font=XIAOBIAOSONG,
        size=SIZE_TITLE,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        spacing=Pt(35),
    )
    _paragraph(word, "", size=SIZE_BODY)
    if document.addressee_line:
        _paragraph(word, document.addressee_line, align=WD_ALIGN_PARAGRAPH.LEFT)
    for block in document.blocks:
        font = {BlockKind.HEADING1: HEITI, BlockKind.HEADING2: KAITI}.get(block.kind, FANGSONG)
        _paragraph(word, block.text, font=font, indent=True)
    _signature(word, document)
    _imprint(word, document)
    word.core_properties.title = document.title
    word.core_properties.subject = document.number
    word.core_properties.author = document.signer
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def _page(word: Any) -> None:
    section = word.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(24)
    # Odd pages carry the number on the right, even pages on the left (the outside edge when printed both sides).
    word.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _defaults(word: Any) -> None:
    style = word.styles["Normal"]
    _set_font(style.font, style.element, FANGSONG, SIZE_BODY)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)


def _set_font(font: Any, element: Any, name: str, size: float, color: RGBColor | None = None) -> None:
    font.name = name
    font.size = Pt(size)
    if color is not None:
        font.color.rgb = color
    properties = element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def _paragraph(
    word: Any,
    text: str,
    *,
    font: str = FANGSONG,
    size: float = SIZE_BODY,
    align: Any = None,
    indent: bool = False,
    color: RGBColor | None = None,
    spacing: Any = None,
) -> Any:
    paragraph = word.add_paragraph()
    fmt = paragraph.paragraph_format
    if align is not None:
        fmt.alignment = align
    if indent:
        fmt.first_line_indent = Pt(2 * size)
        _ind = fmt.element.get_or_add_pPr().get_or_add_ind()
        _ind.set(qn("w:firstLineChars"), "200")
    if spacing is not None:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = spacing
    if text:
        run = paragraph.add_run(text)
        _set_font(run.font, run._element, font, size, color)
    return paragraph


def _masthead(word: Any, document: OfficialDocument) -> None:
    _paragraph(word, "", size=SIZE_BODY)
    _paragraph(
        word,
        document.masthead,
        font=XIAOBIAOSONG,
        size=SIZE_MASTHEAD,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        color=RED,
        spacing=Pt(SIZE_MASTHEAD * 1.25),
    )
    _paragraph(word, "", size=SIZE_BODY)
    # The 发文字号 paragraph carries the red separator as its bottom border (4 mm below the number).
    number = _paragraph(word, document.number, align=WD_ALIGN_PARAGRAPH.CENTER)
    number.paragraph_format.space_after = Mm(4)
    _border(number, "bottom", size=12, color="FF0000")


def _signature(word: Any, document: OfficialDocument) -> None:
    for _ in range(2):  # room for the seal
        _paragraph(word, "")
    right = Pt(4 * SIZE_BODY)
    for text in (document.signer, chinese_date(document.date)):
        paragraph = _paragraph(word, text, align=WD_ALIGN_PARAGRAPH.RIGHT)
        paragraph.paragraph_format.right_indent = right
        # The signer never ends a page without its date.
        paragraph.paragraph_format.keep_with_next = text == document.signer


def _imprint(word: Any, document: OfficialDocument) -> None:
    """版记: 抄送, then 印发机关 and 印发日期; lines between them (thick first and last, thin between)."""
    _paragraph(word, "")
    lines: list[Any] = []
    if document.copy_line:
        lines.append(_note(word, document.copy_line))
    printed = _note(word, document.printer or document.signer)
    tab = printed.paragraph_format.tab_stops
    tab.add_tab_stop(Mm(156 - 3.5 * 2), WD_TAB_ALIGNMENT.RIGHT)
    run = printed.add_run("\t" + document.print_line_date)
    _set_font(run.font, run._element, FANGSONG, SIZE_NOTE)
    lines.append(printed)
    for line in lines[:-1]:
        line.paragraph_format.keep_with_next = True
    _border(lines[0], "top", size=8, color="000000")
    for line in lines[:-1]:
        _border(line, "bottom", size=4, color="000000")
    _border(lines[-1], "bottom", size=8, color="000000")


def _insert(properties: Any, element: Any) -> None:
    """Add a paragraph property where the schema's sequence puts it (Word refuses a file whose w:pPr children are
    out of order)."""
    tags = [qn(name) for name in PARAGRAPH_PROPERTIES]
    later = PARAGRAPH_PROPERTIES[tags.index(element.tag) + 1 :]
    properties.insert_element_before(element, *later)


def _note(word: Any, text: str) -> Any:
    paragraph = _paragraph(word, text, size=SIZE_NOTE, align=WD_ALIGN_PARAGRAPH.LEFT)
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = Pt(SIZE_NOTE)
    return paragraph


def _border(paragraph: Any, side: str, *, size: int, color: str) -> None:
    """A line above or below the paragraph; `size` in eighths of a point (12 = 1.5 pt, 8 = 1 pt, 4 = 0.5 pt)."""
    properties = paragraph._p.get_or_add_pPr()
    borders = properties.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        _insert(properties, borders)
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), str(size))
    edge.set(qn("w:space"), "1")
    edge.set(qn("w:color"), color)
    borders.append(edge)


def _page_number(paragraph: Any, align: Any) -> None:
    """— 1 —: an em dash, the PAGE field, an em dash, in 4号 宋体, a quarter-em in from the outside edge."""
    paragraph.paragraph_format.alignment = align
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        paragraph.paragraph_format.right_indent = Pt(SIZE_NOTE)
    else:
        paragraph.paragraph_format.left_indent = Pt(SIZE_NOTE)
    _run(paragraph, "— ")
    begin = _run(paragraph, "")
    _field_char(begin, "begin")
    code = _run(paragraph, "")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    code._element.append(instruction)
    separate = _run(paragraph, "")
    _field_char(separate, "separate")
    _run(paragraph, "1")
    end = _run(paragraph, "")
    _field_char(end, "end")
    _run(paragraph, " —")


def _run(paragraph: Any, text: str) -> Any:
    run = paragraph.add_run(text)
    _set_font(run.font, run._element, SONGTI, SIZE_NOTE)
    return run


def _field_char(run: Any, kind: str) -> None:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    run._element.append(char)


def paragraph_texts(data: bytes) -> list[str]:
    """The paragraphs' text of a .docx (tests and checks of what was built)."""
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def join_names(names: Iterable[str], limit: int = 0) -> str:
    """甲、乙、丙 (等 N 个) for lists of units in the text."""
    listed: Sequence[str] = list(names)
    if limit and len(listed) > limit:
        return "、".join(listed[:limit]) + f"等 {len(listed)} 个"
    return "、".join(listed)
