"""Which rows are tasks: a speech also looks back (回顾: achievements in the past tense), greets, praises and
exhorts. Those rows are kept, marked and hidden by default, and left out of exports and draft directives.

Three signals, strongest first: the heading of the part the row is in (一、2025年工作回顾 / 几点希望 / 存在的问题),
the sentence itself (past tense without any call to act; greetings; praise; 希望大家…), and the paragraph it opens
(这一年，我们…: the whole paragraph looks back unless some sentence in it asks for something).
"""

from __future__ import annotations

import re

TASK, REVIEW, OTHER = "task", "review", "other"
KINDS = {TASK: "任务", REVIEW: "回顾", OTHER: "非任务"}

# A call to act: any of these keeps a sentence a task whatever else it says.
_ACT = re.compile(
    r"要(?!求)|务必|必须|须|需要|请|应当|应(?![对急用])|确保|严禁|不得|力争|争取|将(?:于|在|对|组织|开展|会同|适时|把)|予以"
    r"|计划|下一步|今后|明年|抓紧|尽快|立即|不少于|不低于|至少|不超过|坚持|负责|牵头"
)
_PAST = re.compile(
    r"去年|上年度?|上学期|上半年|过去的?一年|这一年|一年来|今年以来|近年来|以来|累计|共计|先后|荣获|获评|被评为|被授予|涌现"
    r"|取得了?|实现了|完成了|达到了|提高了|增长了|下降了|新增了|建成了|建立了|开展了|组织了|进行了|举办了|召开了|出台了|印发了"
    r"|圆满|顺利完成|已经|已(?![知])"
)
_REVIEW_SECTION = re.compile(
    r"回顾|工作总结|主要成绩|取得的成绩|主要成效|工作成效|过去一年|这一年|一年来|基本情况|进展情况|完成情况|工作开展情况"
)
# 二、检查内容 / 一、排查重点: what an inspection looks at; the duties are under 工作安排 / 有关要求.
_CONTENT_SECTION = re.compile(r"^(?:检查|排查|督查|督导|评估)(?:内容|重点|范围|项目)[。:：]?$")
_OTHER_SECTION = re.compile(r"存在的?问题|问题和不足|困难和问题|不足之处|几点希望|希望和要求?$|^希望")
_SECTION_ACT = re.compile(r"要|务必|确保|下一步|今后|重点|部署|安排|任务|措施|要求")
_PARAGRAPH_OPENER = re.compile(
    r"^(?:过去的?一年|这一年|一年来|去年|上学期|上半年|今年以来|近年来|\d{4}年[，,]|[一二三四五六七八九十两]+年来|回顾)"
)
_GREETING = re.compile(
    r"大家好|致以|表示(?:热烈的|衷心的|诚挚的|崇高的)?(?:祝贺|感谢|敬意|慰问|欢迎)|衷心(?:的)?感谢|祝大家|新年快乐|节日快乐|身体健康"
    r"|辛苦了|借此机会|谨代表|我代表"
)
_PRAISE = re.compile(
    r"表扬|值得肯定|来之不易|表现突出|辛勤付出|心血和汗水|付出了|涌现出|作了很好的发言|讲得(?:都)?很|我(?:都|完全)?(?:赞成|同意)"
    r"|可圈可点|成绩斐然"
)
_EXHORT_START = re.compile(r"^(?:同志们[，,！!]\s*)?(?:新的一年[，,]\s*)?(?:希望|让我们|我相信|相信|期待|祝)")
_EXHORT = re.compile(
    r"希望大家|希望同志们|让我们|再接再厉|携手并进|共同努力|努力奋斗|保驾护航|新篇章|新的更大|开拓进取"
)


def section_kind(titles: list[str]) -> str:
    """The kind a part's headings give its rows: 一、2025年工作回顾 → review, 二、存在的问题 → other."""
    for title in titles:
        if _CONTENT_SECTION.match(title):
            return OTHER
        if _SECTION_ACT.search(title) and not re.search(r"回顾|总结", title):
            continue
        if _REVIEW_SECTION.search(title):
            return REVIEW
        if _OTHER_SECTION.search(title):
            return OTHER
    return TASK


# What an inspection looks at, listed under its part ("检查内容重点检查…", "（一）消防安全。重点检查…").
_CONTENT = re.compile(
    r"(?:^|[。：:])\s*(?:(?:检查|排查|督查|督导|评估)(?:内容|重点|范围|对象)[：:，,]?\s*)?重点(?:检查|排查|督查|查看)"
)


def sentence_kind(words: str, *, has_subject: bool) -> str:
    """A sentence on its own: past tense without a call to act is review; greetings, praise and exhortations
    without an actor are not tasks; nor is what an inspection looks at."""
    if not has_subject and _CONTENT.search(words) and not _ACT.search(words):
        return OTHER
    if _EXHORT_START.search(words) and not has_subject:
        return OTHER
    acts = bool(_ACT.search(words))
    if _EXHORT.search(words) and not has_subject:
        return OTHER
    if acts:
        return TASK
    if _GREETING.search(words) or _PRAISE.search(words):
        return OTHER
    if _PAST.search(words):
        return REVIEW
    return TASK


def paragraph_looks_back(paragraph: str) -> bool:
    """这一年，我们…: a paragraph that opens by looking back and asks for nothing anywhere."""
    return bool(_PARAGRAPH_OPENER.search(paragraph.strip())) and not _ACT.search(paragraph)


def kind_of(words: str, *, section_titles: list[str], paragraph: str, has_subject: bool) -> str:
    by_section = section_kind(section_titles)
    if by_section != TASK and not (has_subject and _ACT.search(words)):
        return by_section  # a sentence with its own actor and a call to act is a task even there
    by_sentence = sentence_kind(words, has_subject=has_subject)
    if by_sentence != TASK:
        return by_sentence
    return REVIEW if paragraph_looks_back(paragraph) else TASK
