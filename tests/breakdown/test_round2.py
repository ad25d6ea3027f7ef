"""Second round on real-world text (speech2): the classes of error found on the training documents and the old
held-out set (docs 35–40), each with the counter-case that must stay as it was. The fresh held-out batch
(corpus/fresh/) is only measured, never used to write these rules."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.breakdown.parser import parse
from dudao.breakdown.parser.deadlines import find_deadlines, pick_deadline
from dudao.breakdown.parser.fields import find_subjects, find_targets

DOC = dt.date(2026, 11, 10)  # a Tuesday


def _deadline(words: str, doc: dt.date = DOC) -> tuple[dt.date | None, dt.date | None] | None:
    d = pick_deadline(find_deadlines(words, doc))
    return (d.start, d.end) if d else None


# ----- deadlines ----------------------------------------------------------------------------------


def test_dang_tian_is_the_event_day_not_the_document_date():
    assert _deadline("对连续3天无故缺课的学生，班主任要当天报告学校") is None
    assert _deadline("各学校要对因病缺勤学生当天进行登记追踪") is None
    assert _deadline("今天下班前报送名单") == (DOC, DOC)
    assert _deadline("明天上午报送名单") == (DOC + dt.timedelta(days=1),) * 2


def test_the_window_of_a_condition_is_no_time_limit_but_days_within_still_are():
    assert _deadline("同一班级一天内出现3名以上症状相似的学生") is None
    assert _deadline("同一班级1天内出现2例及以上病例的") is None
    assert _deadline("3天内报送排查结果") == (None, DOC + dt.timedelta(days=3))


def test_next_year_before_a_month_and_day_is_read():
    december = dt.date(2026, 12, 28)
    assert _deadline("各学校要在明年1月15日前完成期末考试，寒假前发放一封信", december) == (
        None,
        dt.date(2027, 1, 15),
    )
    assert _deadline("今年12月31日前完成", december) == (None, dt.date(2026, 12, 31))
    assert _deadline("2027年1月10日前报送", december) == (None, dt.date(2027, 1, 10))


# ----- rows ---------------------------------------------------------------------------------------


def test_heading_words_glued_to_a_sentence_do_not_make_its_actor_a_recipient():
    text = (
        "关于开展检查的通知\n各县区教育局：\n一、检查时间3月10日至4月10日。\n"
        "二、结果报送各县区教育局要于4月15日前将检查总结报市教育局体卫艺科，市教育局将于4月下旬组织抽查，抽查比例不低于20%。\n"
    )
    rows = [r for r in parse(text, doc_date=dt.date(2026, 3, 9)).rows if r.kind == "task"]
    assert [r.responsible for r in rows] == [["区县教育局"], ["市教育局"]]
    assert rows[0].deadline is not None and rows[0].deadline.end == dt.date(2026, 4, 15)
    assert [(t.number, t.unit) for t in rows[1].targets] == [(20.0, "%")]


def test_a_numbered_duty_sentence_with_its_own_actor_is_a_task_whatever_follows():
    text = (
        "会议提出要求:\n一、各学校要在两周内开展一次交通安全主题教育，家长签收率不低于98%。\n"
        "二、县公安局要在学校周边设置“护学岗”，每所城区学校高峰时段至少安排2名警力值守。\n"
        "会议强调，各学校校长是交通安全第一责任人。\n"
    )
    rows = [r for r in parse(text, doc_date=dt.date(2026, 9, 1)).rows if r.kind == "task"]
    assert ["公安"] in [r.responsible for r in rows]


def test_a_short_heading_over_its_own_items_stays_a_title():
    text = "一、各学校要高度重视\n（一）各学校要在9月10日前完成排查。\n（二）班主任要每天开展晨检。\n"
    rows = parse(text, doc_date=dt.date(2026, 9, 1)).rows
    assert [r.responsible for r in rows] == [["学校"], ["班主任"]]


def test_what_an_inspection_looks_at_is_not_a_task():
    text = (
        "一、排查重点\n（一）消防安全。重点检查消防设施器材是否完好、疏散通道是否畅通。\n"
        "（二）食材采购。检查是否建立进货查验记录。\n"
        "二、工作要求\n各学校要在11月30日前完成自查，重点检查宿舍用电。\n"
    )
    rows = parse(text, doc_date=DOC).rows
    tasks = [r for r in rows if r.kind == "task"]
    assert [r.responsible for r in tasks] == [["学校"]]
    assert {r.kind for r in rows if r not in tasks} == {"other"}


def test_an_accountability_warning_does_not_take_the_previous_actor():
    text = "一、工作要求\n各县区教育局要于每季度末前将督导台账报市教育督导室。对弄虚作假的，将严肃追究相关人员责任。\n"
    rows = parse(text, doc_date=DOC).rows
    assert [r.responsible for r in rows] == [["区县教育局"], []]


# ----- subjects -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "names"),
    [
        ("各学校要严格落实校长（园长）陪餐制度，每学期陪餐不少于2次", ["学校"]),
        ("实行校长、班主任包保责任制，原则上在两周内劝返到位", ["校长", "班主任"]),
        ("全市中小学在职在岗教师，培训时间为7月13日至8月20日", []),
        ("全市中小学校要在开学前完成排查", ["学校"]),
        ("区教育局各股室要在元旦前完成年度工作总结", ["科室"]),
    ],
)
def test_subjects(words, names):
    assert list(dict.fromkeys(s.name for s in find_subjects(words))) == names


# ----- targets ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("暗访结果每周通报一次", []),
        ("每天推送一条防溺水安全提示", []),
        ("教研室要每学期开展一次教学常规专项视导", []),
        ("班主任要利用班级微信群每周推送1次", [(1.0, "次")]),
        ("每月至少通报一次", [(1.0, "次")]),
        ("每天两次眼保健操", [(2.0, "次")]),
    ],
)
def test_a_spoken_once_is_no_standard_but_a_written_frequency_is(words, expected):
    assert [(t.number, t.unit) for t in find_targets(words)] == expected


def test_a_next_sentence_with_its_own_actor_is_its_own_row():
    text = (
        "一、工作要求\n（一）配齐队伍。每校应配备1名专职心理健康教师。各区县教育局要在6月底前完成配备情况的摸底。\n"
        "（二）各学校要在9月10日前完成排查，班主任要配合做好登记。\n"
    )
    rows = parse(text, doc_date=dt.date(2026, 5, 18)).rows
    assert [r.responsible for r in rows] == [["学校"], ["区县教育局"], ["学校", "班主任"]]
    assert rows[1].deadline is not None and rows[1].deadline.end == dt.date(2026, 6, 30)
