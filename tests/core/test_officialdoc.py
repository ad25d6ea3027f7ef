"""The GB/T 9704-2012 .docx: page, masthead, number, red line, title, body fonts, signature, 版记, page numbers."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

from dudao.core.officialdoc import PARAGRAPH_PROPERTIES, BlockKind, OfficialDocument, blocks, build_docx, chinese_date

DOC = OfficialDocument(
    masthead="临江市教育局文件",
    number="临教督〔2026〕12号",
    title="关于第49周重点工作推进情况的调度通报",
    addressee="各区县教育局，市直属各学校:",
    body="一、总体情况\n本周各项工作总体平稳。\n（一）报送情况\n1. 按时报送率 92.3%。",
    signer="临江市教育局",
    date=dt.date(2026, 12, 7),
    copy_to="市委教育工委。",
    printer="临江市教育局办公室",
)


@pytest.fixture(scope="module")
def word():
    return Document(io.BytesIO(build_docx(DOC)))


def _paragraph(word, text):
    return next(p for p in word.paragraphs if p.text == text)


def _east_asian_font(run):
    return run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


def test_page_is_a4_with_the_standard_margins(word):
    section = word.sections[0]
    # Word stores twips (1/1440 inch): compare in whole millimetres.
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]


def test_masthead_is_red_centred_xiaobiaosong(word):
    paragraph = _paragraph(word, "临江市教育局文件")
    run = paragraph.runs[0]
    assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert run.font.color.rgb == RGBColor(0xFF, 0, 0)
    assert _east_asian_font(run) == "方正小标宋简体"


def test_number_is_centred_above_a_red_line(word):
    paragraph = _paragraph(word, "临教督〔2026〕12号")
    assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
    bottom = paragraph._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert bottom.get(qn("w:color")) == "FF0000"


def test_title_is_2hao_xiaobiaosong_centred(word):
    paragraph = _paragraph(word, DOC.title)
    assert paragraph.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert paragraph.runs[0].font.size == Pt(22)
    assert _east_asian_font(paragraph.runs[0]) == "方正小标宋简体"


def test_addressee_ends_with_one_full_width_colon(word):
    assert _paragraph(word, "各区县教育局，市直属各学校：").alignment == WD_ALIGN_PARAGRAPH.LEFT


def test_body_is_fangsong_3hao_fixed_lines_indented_two_characters(word):
    paragraph = _paragraph(word, "本周各项工作总体平稳。")
    run = paragraph.runs[0]
    assert run.font.size == Pt(16)
    assert _east_asian_font(run) == "仿宋_GB2312"
    normal = word.styles["Normal"].paragraph_format
    assert normal.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert normal.line_spacing == Pt(28.9)
    assert paragraph.paragraph_format.first_line_indent == Pt(32)


def test_headings_are_heiti_and_kaiti(word):
    assert _east_asian_font(_paragraph(word, "一、总体情况").runs[0]) == "黑体"
    assert _east_asian_font(_paragraph(word, "（一）报送情况").runs[0]) == "楷体_GB2312"
    assert _east_asian_font(_paragraph(word, "1. 按时报送率 92.3%。").runs[0]) == "仿宋_GB2312"


def test_date_is_in_arabic_numerals_right_aligned(word):
    paragraph = _paragraph(word, "2026年12月7日")
    assert paragraph.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert paragraph.paragraph_format.right_indent == Pt(64)


def test_imprint_has_copy_to_and_printer_between_lines(word):
    copy = _paragraph(word, "抄送：市委教育工委。")
    printed = _paragraph(word, "临江市教育局办公室\t2026年12月7日印发")
    copy_borders = copy._p.pPr.find(qn("w:pBdr"))
    printed_borders = printed._p.pPr.find(qn("w:pBdr"))
    assert copy_borders.find(qn("w:top")).get(qn("w:sz")) == "8"  # thick first line
    assert copy_borders.find(qn("w:bottom")).get(qn("w:sz")) == "4"  # thin line between
    assert printed_borders.find(qn("w:bottom")).get(qn("w:sz")) == "8"  # thick last line
    assert word.paragraphs[-1].text == printed.text


def test_page_numbers_sit_at_the_outside_edge_with_dashes(word):
    section = word.sections[0]
    assert word.settings.odd_and_even_pages_header_footer
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert (odd.alignment, even.alignment) == (WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.LEFT)
    for footer in (odd, even):
        assert footer.text == "— 1 —"
        assert "PAGE" in footer._p.xml
        assert footer.runs[0].font.size == Pt(14)


def test_without_copy_to_the_printer_line_carries_both_thick_lines():
    word = Document(
        io.BytesIO(
            build_docx(OfficialDocument(masthead="甲", title="乙", body="丙", signer="丁", date=dt.date(2026, 1, 5)))
        )
    )
    last = word.paragraphs[-1]
    assert last.text == "丁\t2026年1月5日印发"
    assert last._p.pPr is not None
    borders = last._p.pPr.find(qn("w:pBdr"))
    assert borders.find(qn("w:top")).get(qn("w:sz")) == borders.find(qn("w:bottom")).get(qn("w:sz")) == "8"


def test_body_text_splits_into_headings_and_paragraphs():
    found = blocks("一、总体情况\n\n本周平稳。\n（二）问题\n十一、其他\n1. 第一")
    assert [b.kind for b in found] == [
        BlockKind.HEADING1,
        BlockKind.PARAGRAPH,
        BlockKind.HEADING2,
        BlockKind.HEADING1,
        BlockKind.PARAGRAPH,
    ]


def test_dates_have_no_leading_zeros():
    assert chinese_date(dt.date(2026, 3, 5)) == "2026年3月5日"


def test_paragraph_properties_follow_the_schema_order():
    """Word refuses a document whose w:pPr children are out of the schema's order (e.g. w:pBdr after w:jc)."""
    order = [qn(name) for name in PARAGRAPH_PROPERTIES]
    word = Document(io.BytesIO(build_docx(DOC)))
    parts = [word.element.body, *(s.footer._element for s in word.sections), word.sections[0].even_page_footer._element]
    checked = 0
    for part in parts:
        for pPr in part.iter(qn("w:pPr")):
            positions = [order.index(child.tag) for child in pPr if child.tag in order]
            assert positions == sorted(positions), [child.tag for child in pPr]
            checked += 1
    assert checked > 10


def test_signer_and_imprint_lines_are_kept_together(word):
    assert _paragraph(word, "临江市教育局").paragraph_format.keep_with_next
    assert _paragraph(word, "抄送：市委教育工委。").paragraph_format.keep_with_next
