"""Removing web-page and converter debris before analysis, and Traditional → Simplified for analysis.

`clean()` returns the text the user sees (original characters kept); `simplified()` returns a text of the
same length for the rules, so every offset found in one is valid in the other.
"""

from __future__ import annotations

import functools
import re

# Whole lines that are page furniture, never content.
_DEBRIS_LINE = re.compile(
    r"^\s*(?:"
    r"(?:来源|作者|编辑|责任编辑|审核|校对|发布时间|发布日期|浏览次数|阅读量|点击数|访问量|字号|【字体)[:：].*"
    r"|.*(?:【字体|字体[:：]\s*[大中小]|打印本页|关闭窗口|分享到|扫一扫|扫描二维码|收藏本页|返回顶部|网站地图|联系我们).*"
    r"|.*(?:版权所有|Copyright|©|ICP备|ICP证|公网安备|技术支持[:：]|主办单位[:：]|承办单位[:：]).*"
    r"|(?:附件下载|下载附件|点击下载|相关附件|相关推荐|推荐阅读|相关阅读|相关链接|热点推荐|猜你喜欢|上一篇|下一篇)[:：]?.*"
    r"|(?:首页|当前位置|您现在的位置)\s*[:：>＞].*"
    r"|[-—－–\s]*\d{1,3}[-—－–\s]*"
    r"|第\s*\d+\s*页\s*(?:[,，/／]?\s*共\s*\d+\s*页)?"
    r"|\d+\s*/\s*\d+"
    r")\s*$",
    re.IGNORECASE,
)
# Pinyin a converter put in brackets after characters: 学(xué)校 → 学校.
_PINYIN = re.compile(
    r"[(（]\s*[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńň]{1,7}\d?(?:\s+[a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńň]{1,7}\d?)*\s*[)）]"
)
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


def clean(text: str) -> str:
    """Drop debris lines, pinyin artefacts and control characters; re-join lines a PDF or web page broke
    in the middle of a sentence."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    # A table copied from Word or a spreadsheet arrives with tabs between cells: keep the cells apart.
    text = "\n".join(
        "｜".join(c.strip() for c in line.split("\t")) if line.count("\t") >= 2 else line.replace("\t", " ")
        for line in text.split("\n")
    )
    text = _PINYIN.sub("", text)
    paragraphs: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip().replace("\u3000", " ").strip()
        if not line or _DEBRIS_LINE.match(line):
            line = ""
        else:
            line = _CJK_GAP.sub("", line)
        if not line:
            if not line and paragraphs and paragraphs[-1] != "":
                paragraphs.append("")
            continue
        if (
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
        else:
            if paragraphs and paragraphs[-1] == "":
                paragraphs.pop()
            paragraphs.append(line)
    return "\n".join(p for p in paragraphs if p)


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
