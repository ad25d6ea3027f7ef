"""Responsible subjects, quantitative targets, standing mechanisms and the dudao module a task fits."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from dudao.breakdown.parser.numerals import CN_NUMBER, to_number

# ----- responsible subjects ---------------------------------------------------------------------

# Departments outside the education tree a speech hands work to, normalised to a fixed list of kinds (shown as
# written here). A draft directive cannot send to them: they become free-text recipients (协同部门).
OUTSIDE_KINDS = (
    "乡镇（街道）",
    "村（社区）",
    "公安",
    "交警",
    "城管",
    "市场监管",
    "民政",
    "卫健（疾控）",
    "团委",
    "妇联",
    "残联",
    "安委办",
    "纪检监察",
    "财政",
    "应急管理",
    "消防",
)
# Leadership roles of whatever unit the sentence is about.
LEADERSHIP_ROLES = ("主要负责人", "分管领导", "党组织书记")

_LEVEL = r"(?:各县（市、区）|各县\(市、区\)|各县区|各区县|县区|区县|各地|各级|[省市区县])?"
# What may follow a bare 乡镇/街道/社区 for it to be the actor (每个乡镇不少于2场 is a count, not an actor).
_ACTS = (
    r"(?=要|务必|必须|应|须|需|负责|牵头|是|为|主要|配合|把|将|对|在|于|定期|每|及时|切实"
    r"|加强|严格|依法|做好|落实|开展|完成)"
)
_OUTSIDE: list[tuple[str, str]] = [
    (
        r"各(?:乡镇|乡|镇)(?![^，。；]{0,4}中心)(?:人民政府|政府|党委)?(?:（街道）|\(街道\)|[、和及]街道(?:办事处)?)?"
        rf"|(?<![每个])(?:乡镇|乡|镇)(?:人民政府|政府|党委)(?:（街道）|\(街道\))?|(?:乡镇|乡|镇)(?:（街道）|\(街道\)){_ACTS}"
        rf"|(?<![每个])乡镇{_ACTS}|各街道(?:办事处|办)?|(?<![每个区—-])街道(?:办事处|办)?{_ACTS}",
        "乡镇（街道）",
    ),
    (
        r"各?村（社区）|各?村\(社区\)|各?村（居）委会|各?村\(居\)委会|各?村(?:居)?委会|各?居委会|各社区|各村"
        rf"|(?<![每个])社区(?:居委会)?{_ACTS}",
        "村（社区）",
    ),
    (rf"{_LEVEL}(?:公安)?交警(?:大队|支队|部门)?|{_LEVEL}交(?:通)?管(?:理)?部门|交通警察", "交警"),
    (rf"{_LEVEL}公安(?:分局|局|机关|部门|派出所)?|(?:辖区)?派出所", "公安"),
    (rf"{_LEVEL}(?:城管|城市管理|综合行政执法)(?:执法)?(?:局|部门|大队)?", "城管"),
    (rf"{_LEVEL}市场监(?:管|督管理)(?:局|部门|所)?", "市场监管"),
    (rf"(?<!人){_LEVEL}民政(?:局|部门)?", "民政"),
    (
        rf"{_LEVEL}(?:卫健|卫生健康)(?:局|委|部门)?(?:（疾控中心）|\(疾控中心\))?|{_LEVEL}疾控(?:中心|部门|机构)?"
        r"|疾病预防控制(?:中心|机构)",
        "卫健（疾控）",
    ),
    (rf"团[省市区县]委|{_LEVEL}团委|共青团[省市区县]?委?", "团委"),
    (rf"{_LEVEL}妇联", "妇联"),
    (rf"{_LEVEL}残联", "残联"),
    (rf"{_LEVEL}安委办|{_LEVEL}安全生产委员会办公室", "安委办"),
    (rf"(?:驻局|派驻)?纪检监察(?:组|室|机关|部门)?|{_LEVEL}纪委(?:监委)?", "纪检监察"),
    (rf"{_LEVEL}财政(?:局|部门)", "财政"),
    (rf"{_LEVEL}应急管理(?:局|部门)", "应急管理"),
    (rf"{_LEVEL}消防(?:救援)?(?:大队|支队|机构|部门)", "消防"),
    (r"一把手|主要负责人|主要领导|主要负责同志", "主要负责人"),
    (r"分管(?:领导|负责人|负责同志)|分管副(?:局长|主任)", "分管领导"),
]

# (pattern, normalised name). Order matters: longer, more specific phrases first.
_SUBJECTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), name)
    for p, name in [
        *_OUTSIDE,
        (
            r"各(?:城区|县区|区县|县（市、区）|县\(市、区\)|县市区|区|县)[、和及与]?(?:各?开发区)?(?:教育局|教体局|教育行政部门|社会事业局)",
            "区县教育局",
        ),
        (r"(?:各?开发区)(?:教育局|社会事业局|教育部门)", "区县教育局"),
        (r"(?:区县|县区|城区|各区|各县)(?:教育局|教体局|教育行政部门)", "区县教育局"),
        (r"各级教育(?:行政)?部门", "区县教育局"),
        (r"各(?:城区|县区|区县|县（市、区）|县市区)(?![教])", "区县教育局"),
        (r"各(?:学)?校(?:党组织书记和|书记、)?校长", "校长"),
        (r"各级党组织书记|(?:各)?(?:学校|中小学)?党组织书记|各级党组织|(?:各)?(?:学校|中小学)党组织", "党组织书记"),
        (r"(?:各)?学校(?:食堂|门卫|保安|卫生室|医务室|心理咨询室|图书馆)", "学校"),
        (r"党员教师|党员干部", ""),
        (r"市委教育工委(?!宣传部|组织部)", "市委教育工委"),
        (
            r"各(?:级各类|类)?(?:中小学校?|中小学幼儿园|中小学、幼儿园|中小学及幼儿园|学校|校(?!长)|直属学校|幼儿园|中职学校|职业学校|高中|初中|小学)",
            "学校",
        ),
        (
            r"(?:全市|全区|全县)(?:各级各类)?(?:中小学校?|学校|中小学幼儿园)(?![^，。；、]{0,6}(?:教师|学生|教职工|校长))",
            "学校",
        ),
        (r"(?:学校|幼儿园)(?=要|务必|必须|应|须|需|负责|切实|严格|确保|作为|是第一|党组织|党支部|统一)", "学校"),
        (r"(?:乡镇|乡|镇)?中心(?:学)?校|中心小学|村小|教学点", "学校"),
        (r"各地(?:区)?(?=要|务必|必须|应|须|教育)", "区县教育局"),
        (r"每(?:一)?[名位](?:教师|老师|教职工)(?=要|应|须|必须|都要|包保|负责)", "全体教职工"),
        (r"教研组|年级组|备课组", ""),
        (r"(?:领导)?班子成员", "班子成员"),
        (r"每(?:一)?所?(?:学)?校(?=应|要|须|必须|至少|均)", "学校"),
        (r"各单位|各有关单位", "各单位"),
        (r"值班人员|值班值守人员|带班领导", "值班人员"),
        (r"(?:学校|各校)?(?:党组织)?书记(?:、|和)?校长", "校长"),
        (r"(?<![副])校(?:\(园\)|（园）)?长(?:、园长)?", "校长"),
        (r"园长", "校长"),
        (r"分管(?:副)?(?:校长|领导)", "分管副校长"),
        (r"班主任", "班主任"),
        (r"(?:科任|任课)(?:老师|教师)", "科任老师"),
        (r"心理(?:健康)?(?:教育)?(?:教师|老师)", "心理教师"),
        (r"校医|保健(?:老师|医生|教师)", "校医"),
        (r"德育(?:主任|处)|政教处", "德育主任"),
        (r"安全(?:专干|干事|副校长)", "安全专干"),
        (r"全体教职工|全体教师|广大教师|全体党员", "全体教职工"),
        (r"局机关各科室|机关各科室|各科室|各处室|各股室", "科室"),
        (r"各督学|责任督学|督学", "督学"),
        (r"市委教育工委宣传部", "市委教育工委宣传部"),
        (r"(?:市|区|县)教育局(?=将|要|负责|牵头|会同|组织|适时)", ""),
        (r"(?:市教育局|局)?(?:办公室)(?=牵头|负责|要|会同)", "办公室"),
        (r"基础教育科|基教科", "基础教育科"),
        (r"安全(?:稳定|管理)科|安稳科", "安全稳定科"),
        (r"体育卫生(?:与|和)艺术教育科|体卫艺科", "体卫艺科"),
        (r"思想政治(?:与|和)德育科|思政(?:德育)?科|德育科", "思政德育科"),
        (r"(?:教育)?督导室|督导科", "教育督导室"),
        (r"人事科|组织人事科", "人事科"),
        (r"计划财务科|计财科|财务科", "计划财务科"),
        (r"教科所|教研室|教研中心", "教研室"),
        (r"学生资助(?:管理)?中心", "学生资助中心"),
    ]
]
# Any other office or centre that leads a sentence as its actor: 心理健康教育中心要…, 市创建办负责…
_NAMED_ACTOR = re.compile(
    r"(?:^|(?<=[，。；：:\n由]))(?:市|区|县)?[\u4e00-\u9fff]{2,10}?(?:中心|科|处|办公室|办|站|所|队|组|专班)(?=要|负责|牵头|将|务必|必须|应当)"
)
_SUBJECTS += [(_NAMED_ACTOR, "")]


# Every outside-department or leadership pattern contains one of these words.
_OUTSIDE_HINT = re.compile(
    r"乡|镇|街道|村|社区|居|公安|派出所|交警|交管|交通|城管|城市管理|执法|市场监|民政|卫健|卫生健康|疾控|疾病预防|团|妇联|残联"
    r"|安委办|安全生产|纪|财政|应急管理|消防|一把手|主要负责|主要领导|分管"
)
# A subject after one of these verbs in the same clause is an object or a recipient, not who does the work:
# 报市委教育工委宣传部, 完成全体教职工健康摸排, 对各直属学校开展检查.
_RECIPIENT = re.compile(
    r"(?:对|向|给|分解到|落实到|明确到|细化到|完成|开展|组织|安排|督促|指导|帮助|动员|配备|配齐|选派|聘请|关心|关爱|培训|检查|排查|提醒|告知|推送|反馈|覆盖|"
    r"报|报送|报至|报告|交至|发送至|发至|提请|会同|联合|协调|协助|商请|联系|约谈|明确|(?<=[要应须并])加强|加大对)[^，。；：:｜|]{0,10}$"
)
# A subject followed by these words is a partner, not the actor: 各街道、社区配合.
_PARTNER_AFTER = re.compile(r"[^，。；：:要应须]{0,8}?(?:配合|协助|协同)")


_MEMBER = re.compile(r"(?:任|担任|为)(?:副)?(?:组长|成员|主任|负责人)")
# A role inside the name of a rule is not an actor: 校长（园长）陪餐制度 (but 校长、班主任包保责任制 names who answers).
_IN_RULE_NAME = re.compile(r"(?:（[^）]{1,4}）|\([^)]{1,4}\))?[\u4e00-\u9fff]{0,4}?制度")


@dataclass(frozen=True)
class Subject:
    name: str  # normalised: an org kind word (学校, 区县教育局), a role, or a named unit
    text: str  # the words in the document
    offset: int


def find_subjects(text: str, unit_names: tuple[str, ...] = ()) -> list[Subject]:
    taken = bytearray(len(text) + 1)  # 1 where an earlier match already stands
    found: list[Subject] = []
    # Most clauses name no outside department: one search spares the 18 patterns (half the parse time).
    patterns = list(_SUBJECTS) if _OUTSIDE_HINT.search(text) else list(_SUBJECTS[len(_OUTSIDE) :])
    for name in unit_names:
        if len(name) >= 3:
            patterns.insert(0, (re.compile(re.escape(name)), name))
    for pattern, name in patterns:
        for m in pattern.finditer(text):
            if any(taken[m.start() : m.end()]):
                continue
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
            if _RECIPIENT.search(text[max(0, m.start() - 12) : m.start()]):
                continue  # 报市委教育工委宣传部: where the report goes, not who does the work
            if _MEMBER.match(text, m.end()):
                continue  # 由校长任组长: a member of a team, the team is the actor
            after = m.end() + (text[m.end() : m.end() + 1] in "）)")  # 校长（园长）: the 园长 inside the brackets
            if name not in ("学校", "区县教育局") and _IN_RULE_NAME.match(text, after):
                continue  # 落实校长（园长）陪餐制度: the rule's name, not who does the work
            if text[m.start() - 1 : m.start()] == "“" and text[m.end() : m.end() + 1] == "”":
                continue  # “一把手”负总责: a quoted term, not an actor
            if _PARTNER_AFTER.match(text, m.end()):
                continue  # 各街道、社区配合: a partner
            found.append(Subject(name or m.group(0), m.group(0), m.start()))
    found.sort(key=lambda s: s.offset)
    return found


def unique_names(subjects: list[Subject]) -> list[str]:
    names: list[str] = []
    for s in subjects:
        if s.name not in names:
            names.append(s.name)
    return names


# ----- quantitative targets ---------------------------------------------------------------------

UNITS = "个百分点|个工作日|个月|个学期|个学年|学期|学年|个|名|人次|人|所|次|课时|节|天|小时|分钟|周|亿元|万元|元|台|套|间|场|期|篇|份|处|项|家|米|张|本|学时|条|批|支|组|班|户|平方米|万|公里|部|辆|块|幅|千克|公斤|克|毫升|亩"  # noqa: E501
# "X人", "xx%": a template's placeholder is a target whose number is still to be filled in.
PLACEHOLDER = r"(?<![A-Za-z])[XxＸ×]{1,2}(?![A-Za-z])"
_NUM = rf"(?:\d+(?:\.\d+)?|[{CN_NUMBER}]+|{PLACEHOLDER})"
_LIMIT = r"(?:降低|提高|下降|提升|减少|增加|至少|最少|不少于|不低于|不得少于|不得低于|不超过|不得超过|不高于|达到|控制在|确保|保证|力争|均需|均要|均应|应|要|须|必须)"  # noqa: E501
_VERB = r"(?:明确|落实|设置|开放|配备|培育|培养|创建|发展|创成|认定|推出|配齐|安排|开设|开展|组织|建设|建成|打造|设立|选树|遴选|推荐|举办|召开|培训|新增|建立|评选|确定|上好|覆盖|储备|达到|达|保持|完成|上|有)"  # noqa: E501
_EACH = r"(?:每[^，。；、\d一二三四五六七八九十两每]{1,5}?)"
# A minimum or maximum may stand a few words before its number: 至少设置两处, 每周至少与学生家长联系1次.
_MIN = r"(?:至少|最少|不少于|不低于|不得少于|不超过|不得超过)"
# "开展一次排查" only means "hold a"; with one of these it is a standard ("至少组织一次演练").
_STRICT = re.compile(r"至少|最少|不少于|不低于|不得少于|不得低于|达到|每")
_TARGET = re.compile(
    # The counted words are looked at, not taken: "1名分管领导和1名联络员" has a second target in them.
    rf"(?P<q>{_EACH}{_LIMIT}?{_VERB}?|{_MIN}[^，。；、：:\d{CN_NUMBER}每]{{1,8}}?|{_LIMIT}{_VERB}?|{_VERB}|(?<=[校外内])各|[和及](?=\d))\s*(?P<approx>约|近|超过)?(?P<n>{_NUM})(?:(?P<u>{UNITS})|(?P<pct>%|％))(?:以上|及以上)?(?=(?P<what>[^，。；、：:（）()\s]{{0,12}}))"
)
_PERCENT = re.compile(
    rf"(?P<what>[^，。；、：:\s]{{0,8}}?)(?:达到|达|保持|不低于|不少于|为)?(?P<n>\d+(?:\.\d+)?|{PLACEHOLDER})\s*(?:%|％)|(?P<what2>[^，。；、：:\s]{{0,8}}?)(?:达到|达|保持|不低于)?百分之(?P<n2>[{CN_NUMBER}]+)"
)
_FULL = re.compile(
    r"(?P<what>[^，。；、：:\s]{1,10}?)(?:全覆盖|全员覆盖|全面覆盖|全部覆盖|100%覆盖)|(?:覆盖(?:全体|所有|每一?[名个所位])(?P<what2>[^，。；、]{1,8}))|全员参加|人人参与|人手一[册份本]|确保每一?[位名个所][\u4e00-\u9fff]{0,8}?(?:家长|学生|教师|教职工|班级|学校)|一个都不能少|不漏一人|不落一人|一个不漏|一人不漏|全部完成|零事故|零发生|动态清零|清零"
)
# Money thresholds and budgets are standards even without "至少": 5000元以上的设备, 30万元以上专项资金.
_PLACEHOLDER = re.compile(PLACEHOLDER)
_MONEY = re.compile(rf"(?P<n>\d+(?:\.\d+)?|[{CN_NUMBER}]+|{PLACEHOLDER})(?P<u>亿元|万元|元)(?:以上|及以上|以下|以内)?")
# "新增学位6000个以上": a number with "以上" is a threshold wherever its verb stands.
_ABOVE = re.compile(
    rf"(?<![\d.])(?<!出现)(?<!发现)(?<!连续)(?<!超过)(?P<n>\d+(?:\.\d+)?|{PLACEHOLDER})(?P<u>{UNITS})(?:以上|及以上)"
)
_COUNTED_CUT = re.compile(r"(?:的|以上|，|。|；|并|和|要|，|、).*$")


@dataclass(frozen=True)
class Target:
    text: str
    number: float | None
    unit: str | None
    counted: str
    offset: int

    def as_json(self) -> dict[str, object]:
        return {"text": self.text, "number": self.number, "unit": self.unit}


def _trim_counted(words: str) -> str:
    return _COUNTED_CUT.sub("", words)[:12]


def find_targets(text: str) -> list[Target]:
    taken = bytearray(len(text) + 1)  # 1 where an earlier match already stands
    found: list[Target] = []

    def add(start: int, end: int, target: Target) -> None:
        start = max(start, 0)
        if any(taken[start:end]):
            return
        taken[start:end] = b"\x01" * max(0, end - start)
        found.append(target)

    for m in _PERCENT.finditer(text):
        raw = m.group("n") or m.group("n2")
        number = to_number(raw) if raw and not _PLACEHOLDER.fullmatch(raw) else None
        what = (m.group("what") or m.group("what2") or "").lstrip("要确保使").split("的")[-1]
        start = m.start("n") if m.group("n") else m.start("n2") - 3
        words = what + text[(m.start("n") if m.group("n") else m.start("n2") - 3) : m.end()]
        add(m.end() - len(words), m.end(), Target(words, number, "%", what, m.end() - len(words)))
    for m in _FULL.finditer(text):
        word = m.group(0)
        if word.startswith("确保每"):
            add(m.start(), m.end(), Target(word, 100.0, "%", word[3:], m.start()))
        elif "清零" in word or "零" in word:
            add(m.start(), m.end(), Target(word, 0.0, None, word, m.start()))
        else:
            what = m.group("what") or m.group("what2") or word
            add(m.start(), m.end(), Target(word, 100.0, "%", what, m.start()))
    for m in _TARGET.finditer(text):
        raw = m.group("n")
        if not m.group("q"):
            continue
        if re.fullmatch(r"[零〇]+", raw):
            continue
        number = None if _PLACEHOLDER.fullmatch(raw) else to_number(raw)
        unit = m.group("u") or "%"
        q = m.group("q")
        if number == 1 and unit in ("次", "个", "场", "期") and not _STRICT.search(q):
            continue
        if raw == "一" and unit in ("次", "条", "场", "期", "篇") and not re.search(_MIN + "|达到", q):
            continue  # 每周通报一次, 每天推送一条: a way of speaking; 每周推送1次, 每月至少1次 are standards
        if text[m.start("n") - 1 : m.start("n")] == "每" or q.endswith("每"):
            continue
        tail = text[m.end("n") + len(unit) : m.end("n") + len(unit) + 1]
        if unit in ("月", "日") or tail in ("是", "年", "内"):
            continue  # 开学后一个月内 is a deadline, not a standard
        if text[max(0, m.start("n") - 2) : m.start("n")].endswith(("周", "星期", "礼拜")) and raw in "一二三四五六日天":
            continue  # 每周一组织升旗: a weekday, not 一组
        if q in ("和", "及") and not re.search(rf"\d(?:{UNITS})", text[max(0, m.start() - 14) : m.start()]):
            continue  # "1名分管领导和1名联络员" is a second target; "学校和600名学生以上" is not
        counted = _trim_counted(m.group("what") or "")
        start = m.start("q")
        words = text[start : m.end("n") + len(unit)] + counted
        add(start, m.end(), Target(words, number, unit, counted, start))
    for m in _ABOVE.finditer(text):
        raw = m.group("n")
        number = None if _PLACEHOLDER.fullmatch(raw) else to_number(raw)
        add(m.start(), m.end(), Target(m.group(0), number, m.group("u"), "", m.start()))
    for m in _MONEY.finditer(text):
        raw = m.group("n")
        if re.fullmatch(r"[零〇]+", raw) or (raw in CN_NUMBER and len(raw) == 1 and m.group("u") == "元"):
            continue  # "一元钱" is a way of speaking
        number = None if _PLACEHOLDER.fullmatch(raw) else to_number(raw)
        add(m.start(), m.end(), Target(m.group(0), number, m.group("u"), "", m.start()))
    found.sort(key=lambda t: t.offset)
    return found


# ----- standing mechanisms ----------------------------------------------------------------------


@dataclass(frozen=True)
class Mechanism:
    name: str
    pattern: re.Pattern[str]
    module: str


def _load_mechanisms() -> list[Mechanism]:
    """The vocabulary lives in one data file, mechanisms.toml, with the module each mechanism suggests."""
    with (Path(__file__).parent / "mechanisms.toml").open("rb") as f:
        data = tomllib.load(f)
    return [Mechanism(m["name"], re.compile(m["pattern"]), m.get("module", "")) for m in data["mechanism"]]


MECHANISMS = _load_mechanisms()


def find_mechanisms(text: str) -> list[str]:
    return [m.name for m in MECHANISMS if m.pattern.search(text)]


# ----- module -----------------------------------------------------------------------------------

MODULES = {
    "case": "个案工作（一生一案）",
    "health": "卫生健康（晨午检）",
    "duty": "值班值守",
    "rectification": "整改台账",
    "inspection": "督查测评",
    "notice": "家长告知书",
    "directive_report": "工作部署（附报送表）",
    "directive": "工作部署",
}
_MODULE_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("case", re.compile(r"一生一案|一人一案|劝返|辍学|控辍|失学|高危|危机干预|转介|心理危机|重点关注学生|送教上门")),
    ("health", re.compile(r"晨午检|晨检|午检|体温|发热|传染病|疫情|因病缺勤|复课|消毒|疫苗|接种|防疫|病例|聚集性")),
    ("duty", re.compile(r"值班|带班|值守|应急预案|演练|预案")),
    ("rectification", re.compile(r"整改|隐患|销号|问题清单|挂图作战")),
    ("inspection", re.compile(r"督查|督导检查|暗访|测评|回头看|自查|检查|巡查|排查")),
    ("notice", re.compile(r"家长|告知书|一封信|家校|知晓率")),
    ("directive_report", re.compile(r"报送|上报|报至|报给|报备|报市|报局|报区|报县|报表|名单报")),
]


def pick_module(text: str) -> str:
    """The task's own words first (晨午检, 整改, 报送 …), then the first mechanism it names that suggests a module."""
    for module, pattern in _MODULE_RULES:
        if pattern.search(text):
            return module
    for mechanism in MECHANISMS:
        if mechanism.module not in ("", "directive") and mechanism.pattern.search(text):
            return mechanism.module
    return "directive"


REPORT_WORDS = re.compile(r"报送|上报|报至|报给|报备|报市|报局|报区|报县|报表")
