"""What each warning type means for schools: the tags that make a school vulnerable, the contingency plan whose
steps it follows, and the fixed steps used when no such plan is kept. Data only; the services read it."""

from __future__ import annotations

import datetime as dt

from dudao.warnings.models import WarningKind, WarningLevel

# Schools carrying any of these tags are proposed when the warning's area holds them.
TAGS_BY_KIND: dict[str, tuple[str, ...]] = {
    WarningKind.RAINSTORM: ("地势低洼", "水库下游", "河流沿岸", "山体边坡"),
    WarningKind.TYPHOON: ("地势低洼", "水库下游", "河流沿岸", "山体边坡", "寄宿制"),
    WarningKind.HEAT: ("寄宿制", "有食堂", "有校车"),
    WarningKind.COLD_WAVE: ("寄宿制", "有校车", "农村小规模"),
    WarningKind.GALE: ("山体边坡", "临街", "寄宿制"),
    WarningKind.THUNDER: ("山体边坡", "农村小规模"),
    WarningKind.HAIL: ("农村小规模", "有校车"),
    WarningKind.GEOLOGICAL: ("山体边坡", "水库下游"),
    WarningKind.FOREST_FIRE: ("林区周边", "农村小规模"),
    WarningKind.BLIZZARD: ("有校车", "寄宿制", "农村小规模"),
    WarningKind.FOG: ("有校车", "临街"),
    WarningKind.ICING: ("有校车", "临街"),
}

# The duty app's plan type (dudao.duty.models.PlanType) whose steps a warning of this type carries.
PLAN_BY_KIND: dict[str, str] = {
    WarningKind.RAINSTORM: "flood",
    WarningKind.TYPHOON: "flood",
    WarningKind.GEOLOGICAL: "flood",
}

_COMMON_END = ("信息报送", "险情、灾情和学生受伤情况 1 小时内报教育局，无情况也须按要求零报告")

# Steps when the issuing unit (and those above it) keep no plan of the matching type: (step, requirement).
FIXED_STEPS: dict[str, tuple[tuple[str, str], ...]] = {
    WarningKind.RAINSTORM: (
        ("启动防汛应急响应", "校长在岗带班，安全专干 24 小时值守，保持通讯畅通"),
        ("排查低洼、边坡和围墙隐患", "检查排水沟渠、地下室、围墙、挡土墙，发现险情立即疏散"),
        ("调整教学与放学安排", "红色预警停课；橙色预警视情况停课或错峰放学，不组织户外活动"),
        ("学生安全转移与家校联系", "通知家长，未接走的学生留校看护，寄宿生集中到安全楼层"),
        _COMMON_END,
    ),
    WarningKind.TYPHOON: (
        ("启动防台风应急响应", "校长在岗带班，安全专干 24 小时值守"),
        ("加固门窗、广告牌和临时设施", "清理高空悬挂物，停止室外施工"),
        ("停课与学生看护", "按预警级别停课，未离校学生集中看护"),
        _COMMON_END,
    ),
    WarningKind.HEAT: (
        ("调整作息与户外活动", "停止午后户外体育课和集会，做好防暑降温"),
        ("食堂与饮水安全", "加强食材储存和留样管理，保证饮用水供应"),
        ("校车运行安全", "检查车内空调，严禁学生滞留车内"),
        _COMMON_END,
    ),
    WarningKind.COLD_WAVE: (
        ("防寒保暖与取暖安全", "检查宿舍取暖设施和用电安全，严禁使用明火取暖"),
        ("校车与上下学安全", "路面结冰时调整校车线路或暂停运行"),
        _COMMON_END,
    ),
    WarningKind.GEOLOGICAL: (
        ("排查边坡和挡土墙", "发现裂缝、渗水、落石立即封闭区域"),
        ("学生转移避险", "必要时停课并将学生转移到安全地带"),
        _COMMON_END,
    ),
    WarningKind.FOREST_FIRE: (
        ("森林防火教育", "严禁学生携带火种进山，不组织野外活动"),
        ("校园周边火情巡查", "清理校园周边可燃物，保持消防通道畅通"),
        _COMMON_END,
    ),
}
_GENERIC_STEPS: tuple[tuple[str, str], ...] = (
    ("启动应急响应", "校长在岗带班，值班人员 24 小时值守，保持通讯畅通"),
    ("排查校园安全隐患", "重点检查校舍、围墙、用电和户外设施"),
    ("调整教学和户外活动", "按预警级别停止户外活动，必要时停课"),
    _COMMON_END,
)

# How long schools have to 签收 a warning, by level.
ACK_HOURS: dict[str, int] = {
    WarningLevel.RED: 1,
    WarningLevel.ORANGE: 2,
    WarningLevel.YELLOW: 4,
    WarningLevel.BLUE: 12,
}

# Orange and red warnings need a school leader on duty (带班领导) for the whole period.
LEADER_LEVELS = frozenset({WarningLevel.ORANGE, WarningLevel.RED})


def tags_for_kind(kind: str) -> tuple[str, ...]:
    return TAGS_BY_KIND.get(kind, ())


def fixed_steps(kind: str) -> tuple[tuple[str, str], ...]:
    return FIXED_STEPS.get(kind, _GENERIC_STEPS)


def ack_deadline(level: str, dispatched_at: dt.datetime) -> dt.datetime:
    return dispatched_at + dt.timedelta(hours=ACK_HOURS.get(level, 4))
