"""Early-warning rules. Pure functions over case rows, shared by the per-check evaluation and the scheduled scan.

1. Class cluster: ≥3 students with similar symptoms in one class on one day, or ≥5 over 3 consecutive days.
2. A (suspected) notifiable disease: alert at once (report deadline 2 h, "立即").
3. Disease thresholds per school or class and window (table `ClusterThreshold`).
4. Statistical signal on each school's daily illness-absence rate: EARS C2 with an extended baseline.

Why EARS C2 rather than CUSUM: schools have short, broken series (weekends, holidays, a new school has
no history), and C2 needs only the recent days of the same series, no fitted in-control mean or
decision interval per school. The 2-day guard band keeps the start of an outbreak out of its own
baseline. We extend C2's 7-day baseline to the school days of the last 30 calendar days (at least 7),
which steadies the standard deviation for small schools; a floor on the deviation and a minimum of
3 cases on the day keep one sick child in a 40-pupil kindergarten from being a "signal".
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from dudao.health.models import Symptom, Syndrome

RESPIRATORY = {Symptom.FEVER, Symptom.COUGH, Symptom.SORE_THROAT}
# Clusters are judged on symptom groups; "other" is not a similarity.
SIMILAR_SYNDROMES = (Syndrome.RESPIRATORY, Syndrome.GASTRO, Syndrome.RASH, Syndrome.JAUNDICE, Syndrome.EYE)
# Every group rule 1 counts in (fever is a group of its own, whatever the other symptoms).
CLUSTER_GROUPS = (*SIMILAR_SYNDROMES, Syndrome.FEVER)
FEVER_TEMPERATURE = 37.3
ILI_CODE = "ILI"


def syndrome_of(symptoms: Iterable[str]) -> str:
    """The symptom group a case counts in: the most specific sign first."""
    found = set(symptoms)
    if not found:
        return ""
    if Symptom.RASH in found:
        return Syndrome.RASH
    if Symptom.JAUNDICE in found:
        return Syndrome.JAUNDICE
    if found & {Symptom.DIARRHOEA, Symptom.VOMITING}:
        return Syndrome.GASTRO
    if Symptom.CONJUNCTIVITIS in found:
        return Syndrome.EYE
    if found & RESPIRATORY:
        return Syndrome.RESPIRATORY
    return Syndrome.OTHER


def groups_of(symptoms: Iterable[str], temperature: float | Decimal | None) -> frozenset[str]:
    """Every rule-1 symptom group a case fits (not just its most specific one): a feverish child with diarrhoea
    counts in the gastro group and in the fever group."""
    found = set(symptoms)
    groups = set()
    if Symptom.RASH in found:
        groups.add(Syndrome.RASH.value)
    if Symptom.JAUNDICE in found:
        groups.add(Syndrome.JAUNDICE.value)
    if found & {Symptom.DIARRHOEA, Symptom.VOMITING}:
        groups.add(Syndrome.GASTRO.value)
    if Symptom.CONJUNCTIVITIS in found:
        groups.add(Syndrome.EYE.value)
    if found & RESPIRATORY:
        groups.add(Syndrome.RESPIRATORY.value)
    if Symptom.FEVER in found or (temperature is not None and float(temperature) >= FEVER_TEMPERATURE):
        groups.add(Syndrome.FEVER.value)
    return frozenset(groups)


def is_influenza_like(symptoms: Iterable[str], temperature: float | None) -> bool:
    """流感样病例: ≥ 38 °C with cough or sore throat."""
    found = set(symptoms)
    return temperature is not None and temperature >= 38.0 and bool(found & {Symptom.COUGH, Symptom.SORE_THROAT})


def disease_code_of(diagnosis: str | None, suspected: str | None, symptoms: Iterable[str], temp: float | None) -> str:
    if diagnosis:
        return diagnosis
    if suspected:
        return suspected
    return ILI_CODE if is_influenza_like(symptoms, temp) else ""


@dataclass(frozen=True)
class Case:
    """One illness case row as the rules see it."""

    id: int
    student_id: int
    school_id: int
    klass_id: int
    date: dt.date
    syndrome: str
    disease_code: str
    # Every rule-1 group the case fits (`groups_of`); empty means just its syndrome.
    groups: frozenset[str] = frozenset()

    @property
    def cluster_groups(self) -> frozenset[str]:
        return (self.groups or frozenset({self.syndrome})) & frozenset(CLUSTER_GROUPS)


@dataclass
class Finding:
    """A rule that fired: what, where, and the cases behind it."""

    rule: str
    school_id: int
    klass_id: int | None
    disease_code: str
    syndrome: str
    case_ids: set[int]
    summary: dict[str, object] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int, int | None, str, str]:
        return (self.rule, self.school_id, self.klass_id, self.disease_code, self.syndrome)


def class_clusters(cases: Iterable[Case], day: dt.date) -> list[Finding]:
    """Rule 1 over cases of the 3 days ending on `day`, per class and symptom group."""
    per_day = int(settings.HEALTH_CLASS_DAY_THRESHOLD)
    per_three = int(settings.HEALTH_CLASS_3DAY_THRESHOLD)
    start = day - dt.timedelta(days=2)
    groups: dict[tuple[int, int, str], list[Case]] = defaultdict(list)
    for case in cases:
        if start <= case.date <= day:
            # A case counts in every group it fits.
            for group in case.cluster_groups:
                groups[(case.school_id, case.klass_id, group)].append(case)
    findings = []
    for (school_id, klass_id, syndrome), rows in groups.items():
        today_students = {c.student_id for c in rows if c.date == day}
        window_students = {c.student_id for c in rows}
        if len(today_students) >= per_day or len(window_students) >= per_three:
            findings.append(
                Finding(
                    rule="class_cluster",
                    school_id=school_id,
                    klass_id=klass_id,
                    disease_code="",
                    syndrome=syndrome,
                    case_ids={c.id for c in rows},
                    summary={"day": len(today_students), "three_days": len(window_students)},
                )
            )
    # The fever group only adds an alert when its cases are not already one other group's cluster (three children
    # with fever and cough are one respiratory cluster, not two alerts).
    return [
        f
        for f in findings
        if f.syndrome != Syndrome.FEVER
        or not any(
            o is not f and o.klass_id == f.klass_id and o.school_id == f.school_id and f.case_ids <= o.case_ids
            for o in findings
        )
    ]


@dataclass(frozen=True)
class Threshold:
    disease_code: str
    scope: str  # "school" or "class"
    count: int
    window_days: int


def disease_clusters(cases: Iterable[Case], thresholds: Iterable[Threshold], day: dt.date) -> list[Finding]:
    """Rule 3: distinct students with the disease within each threshold's window, per school or class."""
    by_code: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        if case.disease_code and case.date <= day:
            by_code[case.disease_code].append(case)
    findings = []
    for threshold in thresholds:
        start = day - dt.timedelta(days=threshold.window_days - 1)
        groups: dict[tuple[int, int | None], list[Case]] = defaultdict(list)
        for case in by_code.get(threshold.disease_code, []):
            if case.date >= start:
                groups[(case.school_id, case.klass_id if threshold.scope == "class" else None)].append(case)
        for (school_id, klass_id), rows in groups.items():
            students = {c.student_id for c in rows}
            if len(students) >= threshold.count:
                findings.append(
                    Finding(
                        rule="disease_cluster",
                        school_id=school_id,
                        klass_id=klass_id,
                        disease_code=threshold.disease_code,
                        syndrome="",
                        case_ids={c.id for c in rows},
                        summary={
                            "cases": len(students),
                            "threshold": threshold.count,
                            "window_days": threshold.window_days,
                            "scope": threshold.scope,
                        },
                    )
                )
    return findings


@dataclass(frozen=True)
class DayRate:
    date: dt.date
    ill: int
    roster: int

    @property
    def rate(self) -> float:
        return self.ill / self.roster if self.roster else 0.0


C2_THRESHOLD = 3.0
C2_GUARD_DAYS = 2
C2_BASELINE_DAYS = 30
C2_MIN_BASELINE = 7
C2_MIN_CASES = 3
C2_SD_FLOOR = 0.002  # 0.2 percentage points: below this a flat baseline would make any case a signal


def ears_c2(series: Mapping[dt.date, DayRate], day: dt.date) -> dict[str, float] | None:
    """EARS C2 statistic for `day`, or None when there is no usable baseline or no case that day.

    Baseline: the school days in [day-30, day-3] (guard band of 2 days). Returns the statistic with its
    inputs so that the alert can show them as evidence."""
    today = series.get(day)
    if today is None or today.roster == 0 or today.ill < C2_MIN_CASES:
        return None
    first = day - dt.timedelta(days=C2_BASELINE_DAYS)
    last = day - dt.timedelta(days=C2_GUARD_DAYS + 1)
    baseline = [r.rate for d, r in series.items() if first <= d <= last and r.roster]
    if len(baseline) < C2_MIN_BASELINE:
        return None
    mean = statistics.fmean(baseline)
    sd = max(statistics.stdev(baseline), C2_SD_FLOOR)
    c2 = (today.rate - mean) / sd
    if math.isnan(c2):
        return None
    return {"c2": round(c2, 2), "rate": round(today.rate, 4), "mean": round(mean, 4), "sd": round(sd, 4)}


def statistical_signals(rates: Mapping[int, Mapping[dt.date, DayRate]], day: dt.date) -> list[Finding]:
    """Rule 4 for every school with a series."""
    findings = []
    for school_id, series in rates.items():
        stat = ears_c2(series, day)
        if stat is not None and stat["c2"] >= C2_THRESHOLD:
            findings.append(
                Finding(
                    rule="statistical",
                    school_id=school_id,
                    klass_id=None,
                    disease_code="",
                    syndrome="",
                    case_ids=set(),
                    summary={**stat, "ill": series[day].ill, "roster": series[day].roster, "method": "EARS C2"},
                )
            )
    return findings
