"""Issue 19: text as users paste it — document-sharing page dumps, inline headings, review passages, outside
departments, mechanisms with their modules, more deadline forms, money/percentage/placeholder targets and
converter debris."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dudao.breakdown.parser import MODULES, OUTSIDE_KINDS, TONE_MARKED, parse
from dudao.breakdown.parser.cleaning import clean, clean_marked
from dudao.breakdown.parser.deadlines import find_deadlines, pick_deadline
from dudao.breakdown.parser.fields import MECHANISMS, find_mechanisms, find_subjects, find_targets, pick_module

DOC = dt.date(2026, 3, 2)  # a Monday in the spring term
TONE = re.compile(f"[{TONE_MARKED}]")


# ----- 1. page dumps from document-sharing sites ------------------------------------------------


def test_page_numbers_that_cut_sentences_are_removed_and_the_pages_joined():
    text = (
        "原创力文档\n讲话.docx\n上传人：jy****88   上传时间：2026-03-02   浏览：2316次\n"
        "一、压实责任\n县公安局要落实护学岗机制，上下学高峰时段城区学校门口见警率达到100%，对校园周边的隐患要及时\n"
        "3、处置。交警大队要在汛期前完成校车安全检查。\n4、\n相关文档\n学校安全工作会议讲话稿（精选5篇）.docx\n"
        "校园安全隐患排查方案\n"
    )
    cleaned = clean(text)
    assert "隐患要及时处置。交警大队" in cleaned
    assert "3、" not in cleaned and "4、" not in cleaned
    for debris in ("原创力文档", "上传人", ".docx", "精选5篇", "排查方案"):
        assert debris not in cleaned
    rows = parse(text, doc_date=DOC).rows
    assert [r.responsible for r in rows] == [["公安"], ["交警"]]


def test_a_page_number_before_a_real_heading_is_not_a_section_number():
    text = (
        "一、压实责任\n各学校要签订安全责任书，签订率达到100%。各乡镇（街道）要明确网格员\n"
        "2、二、强化排查\n各学校要建立台账。"
    )
    rows = parse(text, doc_date=DOC).rows
    assert [r.section for r in rows] == ["一", "一", "二"]


def test_a_numbered_list_after_a_finished_sentence_keeps_its_numbers():
    text = "一、工作要求\n各学校要做好以下工作：\n1、开学前完成校舍排查。\n2、开学后两周内组织一次演练。"
    assert "1、开学前" in clean(text) and "2、开学后" in clean(text)


# ----- 2. headings inline in a paragraph --------------------------------------------------------


def test_headings_inside_a_long_line_start_their_own_parts():
    text = (
        "关于做好开学工作的通知\n现提出几点要求: 一、高度重视迅速行动各县（市、区）教育局要成立开学工作专班。"
        "二、抓好校园安全各学校要在开学后两周内组织一次应急疏散演练，师生参与率不低于95%。三、做好资助工作（一）各学校要建立台账。"
        "（二）各县区教育局要在9月份完成认定。"
    )
    rows = parse(text, doc_date=dt.date(2026, 8, 10)).rows
    assert [r.section for r in rows] == ["一", "二", "三 / （一）", "三 / （二）"]
    assert rows[0].responsible == ["区县教育局"]
    assert rows[1].task.startswith("各学校要在开学后两周内")
    assert rows[3].deadline is not None
    assert (rows[3].deadline.start, rows[3].deadline.end) == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))


def test_grades_and_a_lone_number_in_a_sentence_are_not_headings():
    assert clean("一、各学校要组织一、二年级学生开展安全教育。") == "一、各学校要组织一、二年级学生开展安全教育。"


# ----- 3. review, greetings, praise and exhortations are not tasks -----------------------------


def test_review_section_greeting_praise_and_exhortation_are_marked_not_tasks():
    text = (
        "同志们：\n一、2025年工作回顾\n过去一年，全市完成了12所学校的新建工作。一是组织了3次全面排查。二是建立了资助台账。\n"
        "二、2026年重点工作\n各县区教育局要在2026年底前新建中小学校不少于10所。第一中学在创建工作中做好了示范，值得表扬。\n"
        "同志们，希望大家再接再厉，确保完成全年目标任务。\n"
    )
    rows = parse(text, doc_date=dt.date(2026, 2, 26)).rows
    tasks = [r for r in rows if r.kind == "task"]
    assert [r.responsible for r in tasks] == [["区县教育局"]]
    assert {r.kind for r in rows if "排查" in r.task or "台账" in r.task} == {"review"}
    assert {r.kind for r in rows if "表扬" in r.task or "希望大家" in r.task} == {"other"}


def test_a_past_tense_sentence_without_a_call_to_act_is_review_but_a_duty_is_not():
    rows = parse("一、工作进展\n去年全县完成了3所学校的新建工作。各学校要在3月底前完成校舍排查。", doc_date=DOC).rows
    assert [(r.kind, r.responsible) for r in rows] == [("review", []), ("task", ["学校"])]


# ----- 4. outside departments and leadership roles ---------------------------------------------


@pytest.mark.parametrize(
    ("words", "name"),
    [
        ("各乡镇（街道）要落实网格化管理", "乡镇（街道）"),
        ("各乡镇人民政府是控辍保学的责任主体", "乡镇（街道）"),
        ("各街道办事处要明确联络员", "乡镇（街道）"),
        ("各村（居）委会要配合学校做好劝返", "村（社区）"),
        ("各社区要组织网格员巡查", "村（社区）"),
        ("县公安局要落实护学岗", "公安"),
        ("辖区派出所要加强巡逻", "公安"),
        ("县交警大队要检查校车", "交警"),
        ("区城管局要清理占道经营", "城管"),
        ("县区市场监管局要开展检查", "市场监管"),
        ("区民政局要做好困境儿童保障", "民政"),
        ("县区卫健局（疾控中心）要明确联系人", "卫健（疾控）"),
        ("疾控中心要及时开展流调", "卫健（疾控）"),
        ("团县委要组织志愿服务", "团委"),
        ("县妇联要开展家庭教育讲座", "妇联"),
        ("区安委办要实行周通报", "安委办"),
        ("驻局纪检监察组要加强监督", "纪检监察"),
        ("由县纪委监委严肃追责", "纪检监察"),
        ("各县（市、区）财政局要拨付资金", "财政"),
        ("主要负责人要亲自部署", "主要负责人"),
        ("“一把手”", None),
        ("分管领导要具体抓", "分管领导"),
    ],
)
def test_outside_departments_and_leaders_are_normalised(words, name):
    names = [s.name for s in find_subjects(words)]
    assert (names[0] if names else None) == name


def test_partners_after_hui_tong_and_pei_he_are_not_responsible():
    assert [s.name for s in find_subjects("各学校要会同公安、城管等部门开展整治")] == ["学校"]
    assert [s.name for s in find_subjects("区教育局牵头，各街道、社区配合，建立三级联动机制")] == ["区教育局"]


def test_every_outside_kind_is_shown_in_chinese():
    assert all(re.fullmatch(r"[\u4e00-\u9fff（）]+", name) for name in OUTSIDE_KINDS)


# ----- 5. mechanisms in one data file with the module each suggests ----------------------------


def test_mechanism_vocabulary_file_is_valid():
    data = tomllib.loads((Path(__file__).parents[2] / "dudao/breakdown/parser/mechanisms.toml").read_text("utf-8"))
    names = [m["name"] for m in data["mechanism"]]
    assert len(names) == len(set(names)) == len(MECHANISMS)
    assert all(m["module"] in MODULES for m in data["mechanism"])


def test_mechanisms_are_found_and_suggest_their_module():
    words = "建立三级联动机制，落实一校一案，实行红黄绿牌管理，坚持周通报、日调度，建立台帐"
    assert {"三级联动", "一校一案", "红黄绿牌", "周通报", "日调度", "台账管理"} <= set(find_mechanisms(words))
    assert pick_module("各学校要组织一次模拟测评") == "inspection"
    assert pick_module("要落实双线控辍责任") == "case"
    assert pick_module("对问题实行红黄绿牌管理") == "rectification"


# ----- 6. deadlines -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "doc", "start", "end"),
    [
        ("2025年底前完成", dt.date(2025, 3, 2), None, dt.date(2025, 12, 31)),
        ("到2026年底", DOC, None, dt.date(2026, 12, 31)),
        ("9月份完成认定", DOC, dt.date(2026, 9, 1), dt.date(2026, 9, 30)),
        ("3月完成排查", dt.date(2026, 10, 12), dt.date(2026, 3, 1), dt.date(2026, 3, 31)),  # past month: this year
        ("明年3月完成排查", dt.date(2026, 10, 12), dt.date(2027, 3, 1), dt.date(2027, 3, 31)),
        ("两周内完成", DOC, None, dt.date(2026, 3, 16)),
        ("一个月内整改到位", dt.date(2026, 5, 18), None, dt.date(2026, 6, 18)),
        ("本学期末前完成", DOC, None, dt.date(2026, 7, 9)),
        ("本学期末前完成", dt.date(2026, 10, 12), None, dt.date(2027, 1, 19)),
        ("国庆前完成", DOC, None, dt.date(2026, 9, 30)),
        ("元旦前完成", dt.date(2026, 12, 28), None, dt.date(2026, 12, 31)),
        ("春节前完成", dt.date(2026, 12, 28), None, dt.date(2027, 2, 5)),
        ("秋季开学前完成", DOC, None, dt.date(2026, 8, 31)),
        ("春季开学前完成", dt.date(2026, 12, 28), None, dt.date(2027, 2, 19)),
        ("汛期前完成", DOC, None, dt.date(2026, 5, 31)),
        ("本月底前报送", DOC, None, dt.date(2026, 3, 31)),
        ("本年度内完成", DOC, None, dt.date(2026, 12, 31)),
    ],
)
def test_more_deadline_forms_resolve_against_the_document_date(words, doc, start, end):
    deadline = pick_deadline(find_deadlines(words, doc))
    assert deadline is not None
    assert (deadline.start, deadline.end) == (start, end)


def test_political_clarity_is_no_holiday():
    assert find_deadlines("营造风清气正、政治清明的良好生态", DOC) == []


# ----- 7. targets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("单项设备采购5000元以上的须纳入政府采购", [(5000.0, "元")]),
        ("对获得30万元以上专项资金的学校", [(30.0, "万元")]),
        ("市级配套30%、县级撬动70%", [(30.0, "%"), (70.0, "%")]),
        ("资金支出进度达到100%", [(100.0, "%")]),
        ("安全教育课时不少于12课时", [(12.0, "课时")]),
        ("每学期陪餐不少于XX次", [(None, "次")]),
        ("巩固率达到xx%以上", [(None, "%")]),
        ("每村明确X名联络员", [(None, "名")]),
        ("明确1名分管领导和1名联络员", [(1.0, "名"), (1.0, "名")]),
        ("每餐次留样不少于125克", [(125.0, "克")]),
    ],
)
def test_money_percentage_and_placeholder_targets(words, expected):
    assert [(t.number, t.unit) for t in find_targets(words)] == expected


# ----- 8. converter debris ------------------------------------------------------------------------


def test_pinyin_with_tone_marks_and_the_mojibake_beside_it_are_removed_and_the_paragraph_flagged():
    text = (
        "一、各学校要开展防溺(nì)水教育。\n"
        "二、各中心学校要对辖区内nèi)危险水域姘村煙(shuǐ yù)开展排查，情绪qíng xù稳定，巡（xún）查到位。\n"
        "三、班主任要每天开展安全提示。"
    )
    cleaned = clean_marked(text)
    assert not TONE.search(cleaned.text)
    assert "辖区内危险水域开展排查，情绪稳定，巡查到位" in cleaned.text
    assert "姘村煙" not in cleaned.text
    assert cleaned.damaged == [0, 1]
    analysis = parse(text, doc_date=DOC)
    assert [r.damaged for r in analysis.rows] == [True, True, False]
    assert any("转换残留" in w for w in analysis.warnings)


def test_latin_without_tone_marks_is_kept():
    assert clean("一、各学校要用好PPT和APP开展教育。") == "一、各学校要用好PPT和APP开展教育。"


_LATIN_WITH_TONES = st.text(alphabet=st.sampled_from([*"abcdefghijklmnopqrstuvwxyz ()（）", *TONE_MARKED]), max_size=8)
_GENRE = st.lists(
    st.sampled_from([*"一二、是。，；：要各学校月日前每天至少名%X\n 內", "鎺掓煡", "姘村煙"]), max_size=40
).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_GENRE, _LATIN_WITH_TONES), max_size=8))
def test_no_tone_marked_latin_survives_in_any_output(pieces):
    text = "".join(a + b for a, b in pieces)
    analysis = parse(text, doc_date=DOC)
    assert not TONE.search(analysis.text)
    for row in analysis.rows:
        assert not TONE.search(str(row.as_json()))
