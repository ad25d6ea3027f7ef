"""Name material for the demo city. Person names come from Faker's zh_CN lists, sampled once."""

from __future__ import annotations

from faker.providers.person.zh_CN import Provider as _Person

SURNAMES: list[str] = (
    list(_Person.last_names.keys()) if isinstance(_Person.last_names, dict) else list(_Person.last_names)
)
SURNAME_WEIGHTS: list[float] = (
    list(_Person.last_names.values()) if isinstance(_Person.last_names, dict) else [1.0] * len(SURNAMES)
)
MALE_GIVEN: list[str] = list(_Person.first_names_male)
FEMALE_GIVEN: list[str] = list(_Person.first_names_female)
# Single characters for two-character given names, common in school rosters.
GIVEN_CHARS_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欣博文轩子豪晨睿泽瑞嘉皓然航"
GIVEN_CHARS_FEMALE = "芳娜敏静丽艳娟霞燕玲桂丹萍红琳雪慧颖倩婷欣怡雨涵梓萱诗琪佳悦可馨晴彤语思瑶婧媛"

CITY = "临江市"
CITY_SHORT = "临江"
# The province demo: a provincial department above six cities; the first city is the demo city above.
PROVINCE = "江南省教育厅"
PROVINCE_SHORT = "省教育厅"
# (city, short name, the first two digits of its area codes: each city's ID numbers stay distinct)
OTHER_CITIES = [
    ("云州市", "云州", "37"),
    ("青川市", "青川", "38"),
    ("白鹭市", "白鹭", "39"),
    ("梅城市", "梅城", "40"),
    ("南屏市", "南屏", "41"),
]
OFFICES = [
    "办公室",
    "基础教育科",
    "安全稳定科",
    "体育卫生与艺术教育科",
    "思想政治与德育科",
    "教育督导室",
    "人事科",
    "计划财务科",
]
# A provincial department's offices are 处, not 科.
PROVINCE_OFFICES = [name[:-1] + "处" if name.endswith("科") else name for name in OFFICES]
DISTRICTS = [
    ("江东区教育局", "江东区", "3601"),
    ("江北区教育局", "江北区", "3602"),
    ("城南区教育局", "城南区", "3603"),
    ("高新区社会事业局", "高新区", "3604"),
    ("经开区社会事业局", "经开区", "3605"),
    ("临川县教育局", "临川县", "3621"),
    ("安平县教育局", "安平县", "3622"),
    ("青山县教育局", "青山县", "3623"),
    ("云溪县教育局", "云溪县", "3624"),
    ("白石县教育局", "白石县", "3625"),
    ("梅岭县教育局", "梅岭县", "3626"),
    ("柳河县教育局", "柳河县", "3627"),
]
CN_NUMBERS = "零一二三四五六七八九十"


def cn_ordinal(n: int) -> str:
    """1 → 一, 12 → 十二, 35 → 三十五, 101 → 一百零一."""
    if n < 11:
        return CN_NUMBERS[n]
    if n < 20:
        return "十" + (CN_NUMBERS[n - 10] if n > 10 else "")
    if n < 100:
        tens, ones = divmod(n, 10)
        return CN_NUMBERS[tens] + "十" + (CN_NUMBERS[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        return CN_NUMBERS[hundreds] + "百"
    if rest < 10:
        return CN_NUMBERS[hundreds] + "百零" + CN_NUMBERS[rest]
    tail = cn_ordinal(rest)
    return CN_NUMBERS[hundreds] + "百" + ("一" + tail if rest < 20 else tail)


# School types: (type, suffix, short suffix, grades, class size, share of schools)
SCHOOL_TYPES = [
    ("kindergarten", "幼儿园", "幼", ["小班", "中班", "大班"], 28, 0.20),
    ("primary", "小学", "小", ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"], 33, 0.44),
    ("junior", "初级中学", "初", ["七年级", "八年级", "九年级"], 32, 0.16),
    (
        "nine_year",
        "九年一贯制学校",
        "九",
        ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级"],
        30,
        0.06,
    ),
    ("senior", "高级中学", "高", ["高一", "高二", "高三"], 34, 0.06),
    ("complete", "中学", "中", ["七年级", "八年级", "九年级", "高一", "高二", "高三"], 33, 0.04),
    ("vocational", "职业技术学校", "职", ["一年级", "二年级", "三年级"], 30, 0.03),
    (
        "special",
        "特殊教育学校",
        "特",
        ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "七年级", "八年级", "九年级"],
        9,
        0.01,
    ),
]
# Age at 1 September of the grade's first year.
GRADE_AGE = {
    "小班": 3,
    "中班": 4,
    "大班": 5,
    "一年级": 6,
    "二年级": 7,
    "三年级": 8,
    "四年级": 9,
    "五年级": 10,
    "六年级": 11,
    "七年级": 12,
    "八年级": 13,
    "九年级": 14,
    "高一": 15,
    "高二": 16,
    "高三": 17,
}
SPECIAL_NAMES = {
    "primary": ["实验小学", "育才小学", "明德小学", "阳光小学", "东风小学", "解放路小学"],
    "kindergarten": ["实验幼儿园", "阳光幼儿园", "蓝天幼儿园", "机关幼儿园"],
    "junior": ["实验中学", "育英中学"],
}
TITLES_SCHOOL = ["校长", "副校长", "德育主任", "安全专干", "心理教师", "校医"]
SUBJECTS = [
    "语文",
    "数学",
    "英语",
    "物理",
    "化学",
    "生物",
    "历史",
    "地理",
    "道德与法治",
    "体育",
    "音乐",
    "美术",
    "信息技术",
]
