"""The two rules of this app, each in one place: how many guards a school needs (`required_guards`) and the
school's 三防 card (`card_for`: 人防 物防 技防, each green/yellow/red with its reasons).

Both are pure functions of rows already read, so a district's list computes every card in a fixed number of
queries (selectors.cards_for)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings

from dudao.guards.models import PHYSICAL_KINDS, TECHNICAL_KINDS, Equipment, EquipmentKind, Guard

# A 保安员证 is flagged this many days before it expires; training is due yearly.
LICENCE_WARNING_DAYS = 30
TRAINING_VALID_DAYS = 365

GREEN, YELLOW, RED = "green", "yellow", "red"
LEVEL_LABELS = {GREEN: "达标", YELLOW: "需关注", RED: "不达标"}
_RANK = {GREEN: 0, YELLOW: 1, RED: 2}


def students_per_extra_guard() -> int:
    """One more guard per this many students (DUDAO_GUARD_STUDENTS_PER_GUARD, default 1,000)."""
    return int(getattr(settings, "DUDAO_GUARD_STUDENTS_PER_GUARD", 1000) or 1000)


def boarding_night_guards() -> int:
    """Guards a boarding school needs on night duty (DUDAO_GUARD_BOARDING_NIGHT, default 2)."""
    return int(getattr(settings, "DUDAO_GUARD_BOARDING_NIGHT", 2) or 2)


@dataclass(frozen=True)
class Requirement:
    day: int
    night: int

    @property
    def label(self) -> str:
        return f"日间不少于 {self.day} 人" + (f"，夜间不少于 {self.night} 人" if self.night else "")


def required_guards(*, students: int, is_boarding: bool) -> Requirement:
    """The guard rule: at least 1 per school, +1 per full 1,000 enrolled students; a boarding school also needs 2
    guards on night duty. A province with its own ratio changes the two settings above, not this code."""
    day = 1 + max(0, students) // students_per_extra_guard()
    return Requirement(day=day, night=boarding_night_guards() if is_boarding else 0)


@dataclass
class Pillar:
    """人防, 物防 or 技防 of one school: a level and the reasons for it (empty when green)."""

    name: str
    level: str = GREEN
    reasons: list[str] = field(default_factory=list)

    def flag(self, level: str, reason: str) -> None:
        if _RANK[level] > _RANK[self.level]:
            self.level = level
        self.reasons.append(reason)

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]


@dataclass
class Card:
    school_id: int
    requirement: Requirement
    guards: int
    night_guards: int
    people: Pillar
    physical: Pillar
    technical: Pillar

    @property
    def pillars(self) -> list[Pillar]:
        return [self.people, self.physical, self.technical]

    @property
    def level(self) -> str:
        return max((p.level for p in self.pillars), key=lambda level: _RANK[level])

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def reasons(self) -> list[str]:
        return [f"{p.name}：{r}" for p in self.pillars for r in p.reasons]


def _people(guards: Sequence[Guard], requirement: Requirement, today: dt.date) -> tuple[Pillar, int, int]:
    pillar = Pillar("人防")
    active = [g for g in guards if g.is_active]
    nights = sum(1 for g in active if g.works_nights)
    if len(active) < requirement.day:
        pillar.flag(RED, f"在岗保安 {len(active)} 人，按在校生人数应不少于 {requirement.day} 人")
    if requirement.night and nights < requirement.night:
        pillar.flag(RED, f"寄宿制学校夜间值守保安 {nights} 人，应不少于 {requirement.night} 人")
    horizon = today + dt.timedelta(days=LICENCE_WARNING_DAYS)
    for g in active:
        if not g.licence_number or g.licence_expires_on is None:
            pillar.flag(RED, f"{g.name}未登记保安员证")
        elif g.licence_expires_on < today:
            pillar.flag(RED, f"{g.name}的保安员证已于 {g.licence_expires_on:%Y-%m-%d} 过期")
        elif g.licence_expires_on <= horizon:
            pillar.flag(YELLOW, f"{g.name}的保安员证将于 {g.licence_expires_on:%Y-%m-%d} 到期")
        if g.trained_on is None or (today - g.trained_on).days > TRAINING_VALID_DAYS:
            pillar.flag(YELLOW, f"{g.name}近一年未参加培训")
    return pillar, len(active), nights


def _equipment(name: str, kinds: Sequence[str], items: Sequence[Equipment], today: dt.date) -> Pillar:
    pillar = Pillar(name)
    for kind in kinds:
        label = EquipmentKind(kind).label
        of_kind = [e for e in items if e.kind == kind]
        if not of_kind:
            pillar.flag(RED, f"未配备{label}")
            continue
        for e in of_kind:
            what = f"{label}{f'（{e.description}）' if e.description else ''}"
            if not e.is_working:
                pillar.flag(RED, f"{what}故障未修复")
            if e.last_checked_on is None:
                pillar.flag(YELLOW, f"{what}没有检查记录")
            elif e.is_check_overdue(today):
                pillar.flag(YELLOW, f"{what}超过 {e.check_interval_days} 天未检查（最近 {e.last_checked_on:%Y-%m-%d}）")
            if kind == EquipmentKind.ALARM and not e.linked_to_police:
                pillar.flag(YELLOW, f"{what}未与公安联网")
            if kind == EquipmentKind.VIDEO:
                if not e.linked_to_police:
                    pillar.flag(YELLOW, f"{what}未与公安联网")
                if e.coverage is not None and e.coverage < 100:
                    pillar.flag(YELLOW, f"{what}重点部位覆盖率 {e.coverage}%")
    return pillar


def card_for(
    *,
    school_id: int,
    students: int,
    is_boarding: bool,
    guards: Sequence[Guard],
    equipment: Sequence[Equipment],
    today: dt.date,
) -> Card:
    requirement = required_guards(students=students, is_boarding=is_boarding)
    people, count, nights = _people(guards, requirement, today)
    return Card(
        school_id=school_id,
        requirement=requirement,
        guards=count,
        night_guards=nights,
        people=people,
        physical=_equipment("物防", PHYSICAL_KINDS, equipment, today),
        technical=_equipment("技防", TECHNICAL_KINDS, equipment, today),
    )
