"""Removing web-page and converter debris before analysis, and Traditional → Simplified for analysis.

`clean()` returns the text the user sees (original characters kept); `simplified()` returns a text of the
same length for the rules, so every offset found in one is valid in the other. `clean_marked()` also says
which paragraphs lost converter debris (pinyin with tone marks, GBK mis-decoding), so rows from them can be
flagged for checking against the original.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass, field

# Whole lines that are page furniture, never content.
_DEBRIS_LINE = re.compile(
    r"^\s*(?:"
    r"(?:来源|作者|编辑|责任编辑|审核|校对|发布时间|发布日期|浏览次数|阅读量|点击数|访问量|字号|【字体"
    r"|上传人|上传者|上传时间|上传日期|贡献者|文档贡献者|格式|页数|文件大小|大小|下载|下载次数|下载积分|浏览|阅读|收藏)[:：].*"
    r"|.*(?:【字体|字体[:：]\s*[大中小]|打印本页|关闭窗口|分享到|扫一扫|扫描二维码|收藏本页|返回顶部|网站地图|联系我们).*"
    r"|.*(?:版权所有|Copyright|©|ICP备|ICP证|公网安备|技术支持[:：]|主办单位[:：]|承办单位[:：]).*"
    r"|(?:附件下载|下载附件|点击下载|相关附件|相关推荐|推荐阅读|相关阅读|相关链接|热点推荐|猜你喜欢|上一篇|下一篇"
    r"|相关文档|相关资源|热门文档|最新文档|同类文档|精品文档|更多文档)[:：]?.*"
    r"|(?:首页|当前位置|您现在的位置)\s*[:：>＞].*"
    # Document-sharing sites: their name, disclaimers, download prompts, file names and "范文（精选5篇）" lists.
    r"|.*(?:免责声明|下载提示|本文档由|本站所有|仅供学习交流|仅供参考学习|如有侵权|侵权请联系|侵权必究).*"
    r"|温馨提示[:：].*(?:下载|本站|文档|资源).*"
    r"|(?=.{0,40}$).*(?:立即下载|免费下载|全文阅读|开通会员|VIP|原创力文档|道客巴巴|豆丁|百度文库|文库|doc88|book118|wenku).*"
    r"|[^。；！？]{1,80}\.(?:docx?|pdf|pptx?|wps|txt|xlsx?)"
    r"|[^。；！？]{1,60}[（(](?:精选|通用|最新|优选|热门)?\s*\d+\s*篇[）)]"
    r"|.*共\s*\d+\s*页.*(?:[|｜]|页数|下载|阅读|浏览).*|(?:本文档)?共\s*\d+\s*页.*"
    r"|[-—－–\s]*\d{1,3}[-—－–\s]*"
    r"|第\s*\d+\s*页\s*(?:[,，/／]?\s*共\s*\d+\s*页)?"
    r"|\d+\s*/\s*\d+"
    r")\s*$",
    re.IGNORECASE,
)
# A heading that opens a list of other documents' titles (the lines under it go too).
_RELATED_LIST = re.compile(
    r"^\s*(?:相关推荐|推荐阅读|相关阅读|相关文档|相关资源|热门文档|最新文档|同类文档|猜你喜欢|热点推荐)[:：]?\s*$"
)
# Pinyin a converter put in brackets after characters: 学(xué)校 → 学校.
_PINYIN = re.compile(
    r"[(（]\s*[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńň]{1,7}\d?(?:\s+[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńň]{1,7}\d?)*\s*[)）]"
)
# Letters with pinyin tone marks: no speech needs them, so none may survive into a row.
TONE_MARKED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿĀÁǍÀĒÉĚÈĪÍǏÌŌÓǑÒŪÚǓÙǕǗǙǛŃŇǸḾ"
_TONE_CHAR = re.compile(f"[{TONE_MARKED}]")
# A run of Latin words (with its brackets, whole or half) that holds at least one tone-marked letter.
_LATIN_RUN = re.compile(rf"[(（]?[ \t]*[A-Za-züÜ{TONE_MARKED}]+(?:[ \t]+[A-Za-züÜ{TONE_MARKED}]+)*[ \t]*\d?[)）]?")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_HEADING_START = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)]|\d{1,2}[、.．)）]|[（(]\d{1,2}[）)]|第[一二三四五六七八九十]+[部分条章]|附件)"
)
_TITLE_END = re.compile(r"(?:通知|讲话|意见|方案|要点|纪要|决定|报告|办法|细则|的函)$")
_SENTENCE_END = "。！？；：:!?;”’」』）)"
# PDF text layers often put a space between every two characters.
_CJK_GAP = re.compile(
    r"(?<=[\u4e00-\u9fff，。、；：“”（）！？《》])[ \u3000]+(?=[\u4e00-\u9fff，。、；：“”（）！？《》])"
)
# A table row pasted as text keeps its own line: "9月15日前｜完成家访｜各中小学".
_TABLE_ROW = re.compile(r"[｜|].*[｜|]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\u200b-\u200f\ufeff]")
# A page number a document-sharing site put at the top of each page: "3、" alone, or glued to the page's text.
_PAGE_PREFIX = re.compile(r"^(\d{1,3})[、.．]\s*")
# Numbered headings in the middle of a long line: "…提出几点要求：一、高度重视……。二、……".
_INLINE_TOP = re.compile(r"(?<=[。！？；：:!?;\s”])\s*(?P<n>[一二三四五六七八九十]{1,2})、(?![一二三四五六七八九十\d])")
_INLINE_SUB = re.compile(r"(?P<m>[（(](?P<n>[一二三四五六七八九十]{1,2})[）)])")
_CN_DIGITS = "一二三四五六七八九十"


def _cn_value(word: str) -> int:
    if word == "十":
        return 10
    if len(word) == 2 and word[0] == "十":
        return 10 + _CN_DIGITS.index(word[1]) + 1
    if len(word) == 2 and word[1] == "十":
        return (_CN_DIGITS.index(word[0]) + 1) * 10
    return _CN_DIGITS.index(word[0]) + 1 if word and word[0] in _CN_DIGITS else 0


@dataclass
class Cleaned:
    text: str
    damaged: list[int] = field(default_factory=list)  # indices of paragraphs (lines of `text`) that lost debris


def _gbk_mojibake_end(text: str, end: int) -> int:
    """Where a run of UTF-8-read-as-GBK characters ending at `end` starts (`end` when there is none): the run
    re-encodes to bytes that are valid UTF-8 Chinese (姘村煙 → 水域)."""
    start = end
    while start > 0 and (_CJK.match(text[start - 1]) or text[start - 1] == "\ufffd"):
        start -= 1
    for k in range(min(18, end - start), 2, -1):
        piece = text[end - k : end]
        if "\ufffd" in piece:
            continue
        try:
            decoded = piece.encode("gbk").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if decoded and all(_CJK.match(ch) for ch in decoded):
            return end - k
    return end


def _gbk_mojibake_start(text: str, start: int) -> int:
    end = start
    while end < len(text) and (_CJK.match(text[end]) or text[end] == "\ufffd"):
        end += 1
    for k in range(min(18, end - start), 2, -1):
        piece = text[start : start + k]
        try:
            decoded = piece.encode("gbk").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if decoded and all(_CJK.match(ch) for ch in decoded):
            return start + k
    return start


def strip_converter_debris(line: str) -> tuple[str, bool]:
    """Remove pinyin with tone marks (bracketed, half-bracketed or bare: 防溺(nì)水, 内nèi), 情绪qíng xù) and
    the GBK mis-decoding next to it (水域姘村煙(shuǐ yù)). Returns the line and whether anything was removed."""
    damaged = False
    if _TONE_CHAR.search(line):
        pieces: list[str] = []
        at = 0
        for m in _LATIN_RUN.finditer(line):
            if not _TONE_CHAR.search(m.group(0)):
                continue
            start, end = _gbk_mojibake_end(line, m.start()), _gbk_mojibake_start(line, m.end())
            while end < len(line) and line[end] == "\ufffd":
                end += 1
            if start < at:
                start = at
            pieces.append(line[at:start])
            at = end
            damaged = True
        pieces.append(line[at:])
        line = _TONE_CHAR.sub("", "".join(pieces))
    without = _PINYIN.sub("", line)
    return without, damaged or without != line


def _page_numbers(lines: list[str]) -> set[int]:
    """Indices of lines that start with a document-sharing site's page number (not a section number): alone on
    the line, before a real heading, or cutting a sentence; the numbers rise page by page."""
    candidates: list[tuple[int, int, bool]] = []  # (line index, number, sure?)
    previous = ""
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        m = _PAGE_PREFIX.match(line)
        if m:
            rest = line[m.end() :]
            alone = not rest
            before_heading = bool(rest) and bool(_HEADING_START.match(rest)) and not rest[:1].isdigit()
            cut = (
                bool(previous)
                and previous[-1] not in _SENTENCE_END
                and len(previous) >= 15
                and not _TITLE_END.search(previous)
                and not (_HEADING_START.match(previous) and len(previous) < 30)
            )
            if alone or before_heading or cut:
                candidates.append((i, int(m.group(1)), alone or before_heading))
        previous = line
    pages: set[int] = set()
    last = 0
    for i, number, sure in candidates:
        if not last < number <= last + 3:
            continue
        if not sure and len(candidates) < 2:
            continue  # one unpunctuated line before "1、" is more likely a list's lead than a page break
        pages.add(i)
        last = number
    return pages


def _split_inline_headings(paragraph: str) -> list[str]:
    """Cut a long line before the numbered headings inside it, when they run in order (一、 then 二、 …, and
    （一）（二）… under them); "一、二年级" and a lone "三、" in a sentence are left alone."""
    top = [m for m in _INLINE_TOP.finditer(paragraph) if m.start("n") > 0]
    cuts: list[int] = []
    expected = None
    for m in top:
        value = _cn_value(m.group("n"))
        if expected is None:
            lead = re.match(r"^\s*([一二三四五六七八九十]{1,2})、", paragraph)
            expected = _cn_value(lead.group(1)) + 1 if lead else value if value == 1 else None
            if expected is None:
                continue
        if value == expected:
            cuts.append(m.start("n"))
            expected += 1
    if len(cuts) < 2 and not (cuts and re.match(r"^\s*[一二三四五六七八九十]{1,2}、", paragraph)):
        cuts = []
    bounds = [0, *cuts, len(paragraph)]
    parts = [paragraph[s:e].strip() for s, e in itertools.pairwise(bounds)]
    out: list[str] = []
    for part in parts:
        out.extend(_split_sub_headings(part))
    return [p for p in out if p]


def _split_sub_headings(part: str) -> list[str]:
    cuts: list[int] = []
    expected = 1
    for m in _INLINE_SUB.finditer(part):
        if m.start() == 0:
            expected = _cn_value(m.group("n")) + 1
            continue
        if _cn_value(m.group("n")) == expected:
            cuts.append(m.start())
            expected += 1
    if len(cuts) < 2:
        return [part]
    bounds = [0, *cuts, len(part)]
    return [part[s:e].strip() for s, e in itertools.pairwise(bounds)]


def clean_marked(text: str) -> Cleaned:
    """Drop debris lines, page numbers, pinyin artefacts and control characters; re-join lines a PDF, a web page
    or a page break cut in the middle of a sentence; put numbered headings that sit inside a line on lines of
    their own."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    # A table copied from Word or a spreadsheet arrives with tabs between cells: keep the cells apart.
    raw_lines = [
        "｜".join(c.strip() for c in line.split("\t")) if line.count("\t") >= 2 else line.replace("\t", " ")
        for line in text.split("\n")
    ]
    pages = _page_numbers(raw_lines)
    paragraphs: list[str] = []
    damaged: list[bool] = []
    in_related = False
    page_break = False  # the line follows a page number: it may go on with the sentence the page cut
    for i, raw in enumerate(raw_lines):
        line = raw.strip().replace("\u3000", " ").strip()
        if i in pages:
            line = _PAGE_PREFIX.sub("", line, count=1)
            page_break = True
            if not line:
                continue  # a page break is no paragraph break
        line, hurt = strip_converter_debris(line)
        line = line.strip()
        if in_related and line and len(line) <= 40 and line[-1] not in "。；！？":
            continue
        in_related = bool(_RELATED_LIST.match(line))
        if not line or _DEBRIS_LINE.match(line):
            line = ""
        else:
            line = _CJK_GAP.sub("", line)
        if not line:
            if paragraphs and paragraphs[-1] != "" and not page_break:
                paragraphs.append("")
                damaged.append(False)
            continue
        continues_page = (
            page_break
            and bool(paragraphs)
            and bool(paragraphs[-1])
            and paragraphs[-1][-1] not in _SENTENCE_END
            and not _HEADING_START.match(line)
            and len(paragraphs[-1]) >= 15
        )
        page_break = False
        if continues_page or (
            paragraphs
            and paragraphs[-1]
            and paragraphs[-1][-1] not in _SENTENCE_END
            and not _HEADING_START.match(line)
            and not _HEADING_START.match(paragraphs[-1])
            and not _TITLE_END.search(paragraphs[-1])
            and len(paragraphs[-1]) >= 15
            and not _TABLE_ROW.search(line)
            and not _TABLE_ROW.search(paragraphs[-1])
        ):
            paragraphs[-1] += line
            damaged[-1] = damaged[-1] or hurt
        else:
            if paragraphs and paragraphs[-1] == "":
                paragraphs.pop()
                damaged.pop()
            paragraphs.append(line)
            damaged.append(hurt)
    out: list[str] = []
    hurt_at: list[int] = []
    for paragraph, hurt in zip(paragraphs, damaged, strict=True):
        if not paragraph:
            continue
        for piece in _split_inline_headings(paragraph):
            if hurt:
                hurt_at.append(len(out))
            out.append(piece)
    return Cleaned("\n".join(out), hurt_at)


def clean(text: str) -> str:
    return clean_marked(text).text


@functools.lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Simplified characters for the rules, the same length as `text` (converted phrase by phrase when
    lengths agree, else character by character)."""
    converter = _converter()
    out = converter.convert(text)
    if len(out) == len(text):
        return str(out)
    chars = []
    for ch in text:
        c = converter.convert(ch)
        chars.append(c if len(c) == 1 else ch)
    return "".join(chars)
