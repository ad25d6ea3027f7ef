"""Outbreak rules → alerts: on new cases, on a notifiable diagnosis and in the scheduled scan."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append
from dudao.health import rules, tables
from dudao.health.models import AbsenceRecord, Alert, AlertRule, AlertStatus, Disease, Reason, Syndrome, report_deadline
from dudao.health.services.alerts import notify_raised
from dudao.orgs.models import OrgUnit


def _case(row: AbsenceRecord) -> rules.Case:
    return rules.Case(
        row.pk,
        row.student_id,
        row.school_id,
        row.klass_id,
        row.date,
        row.syndrome,
        row.disease_code,
        rules.groups_of(row.symptoms, row.temperature),
    )


def thresholds() -> list[rules.Threshold]:
    return tables.thresholds()


def evaluate_cases(
    *, actor: User, absences: Sequence[AbsenceRecord], diseases: dict[str, Disease] | None = None
) -> list[Alert]:
    """Rules 1–3 for the schools and classes of these new (or changed) illness cases: reads first, and a write
    transaction (raise_alerts) only when a rule fired."""
    ill = [a for a in absences if a.reason != Reason.OTHER]
    if not ill:
        return []
    findings: list[rules.Finding] = []
    day = max(a.date for a in ill)
    # Rule 2: each (suspected) notifiable case alerts at once.
    diseases = diseases if diseases is not None else tables.diseases()
    notifiable = {code for code, d in diseases.items() if d.is_notifiable}
    for absence in ill:
        codes = {absence.disease_code, absence.suspected.code if absence.suspected else ""} & notifiable
        for code in sorted(codes):
            findings.append(
                rules.Finding(
                    rule=AlertRule.NOTIFIABLE,
                    school_id=absence.school_id,
                    klass_id=absence.klass_id,
                    disease_code=code,
                    syndrome="",
                    case_ids={absence.pk},
                    summary={"student": absence.student_id},
                )
            )
    # Rule 1 over the classes touched, rule 3 over the schools touched (distinct students counted): one read.
    classes = {a.klass_id for a in ill if rules.groups_of(a.symptoms, a.temperature)}
    codes = {a.disease_code for a in ill if a.disease_code}
    table = [t for t in thresholds() if t.disease_code in codes] if codes else []
    if classes or table:
        longest = max([3, *(t.window_days for t in table)])
        grouped = Q(syndrome__in=rules.SIMILAR_SYNDROMES) | Q(temperature__gte=Decimal(str(rules.FEVER_TEMPERATURE)))
        near = Q(grouped, klass_id__in=classes, date__gte=day - dt.timedelta(days=2))
        wanted = near | Q(disease_code__in={t.disease_code for t in table})
        cases = [
            rules.Case(*row[:7], rules.groups_of(row[7], row[8]))
            for row in AbsenceRecord.objects.filter(
                wanted,
                school_id__in={a.school_id for a in ill},
                date__range=(day - dt.timedelta(days=longest - 1), day),
            )
            .exclude(reason=Reason.OTHER)
            .values_list(
                "pk",
                "student_id",
                "school_id",
                "klass_id",
                "date",
                "syndrome",
                "disease_code",
                "symptoms",
                "temperature",
            )
        ]
        if classes:
            findings += rules.class_clusters([c for c in cases if c.klass_id in classes], day)
        if table:
            findings += rules.disease_clusters(cases, table, day)
    return raise_alerts(actor=actor, findings=findings, day=day, diseases=diseases)


def _title(finding: rules.Finding, names: dict[int, str], diseases: dict[str, Disease]) -> str:
    where = names.get(finding.klass_id or finding.school_id, "")
    summary = finding.summary
    disease = diseases.get(finding.disease_code)
    disease_name = disease.name if disease else finding.disease_code
    if finding.rule == AlertRule.CLASS_CLUSTER:
        label = Syndrome(finding.syndrome).label
        return f"{where}：{label}症状聚集（当日 {summary['day']} 人，3 日 {summary['three_days']} 人）"
    if finding.rule == AlertRule.NOTIFIABLE:
        return f"{where}：{disease_name}（法定传染病/疑似）病例"
    if finding.rule == AlertRule.DISEASE_CLUSTER:
        window, cases, threshold = summary["window_days"], summary["cases"], summary["threshold"]
        return f"{where}：{disease_name} {window} 天内 {cases} 例（阈值 {threshold}）"
    return f"{where}：因病缺勤率异常升高（{float(str(summary['rate'])) * 100:.1f}%，EARS C2={summary['c2']}）"


def raise_alerts(
    *, actor: User | None, findings: Sequence[rules.Finding], day: dt.date, diseases: dict[str, Disease] | None = None
) -> list[Alert]:
    """Turn findings into alerts: an unresolved alert for the same rule and place absorbs the new cases
    (with updated evidence) instead of opening a second one. Few queries however many findings."""
    if not findings:
        return []
    merged: dict[tuple[Any, ...], rules.Finding] = {}
    for finding in findings:
        key = finding.key if finding.rule != AlertRule.NOTIFIABLE else (*finding.key, finding.summary["student"])
        if key in merged:
            merged[key].case_ids |= finding.case_ids
            merged[key].summary = finding.summary
        else:
            merged[key] = finding
    schools = {f.school_id for f in merged.values()}
    diseases = diseases if diseases is not None else {d.code: d for d in Disease.objects.all()}
    with transaction.atomic():
        # One writer per school at a time, so two checks submitted together cannot both open the same alert.
        # FOR NO KEY UPDATE: it must not block inserts that reference the school (they take KEY SHARE locks).
        # Lock order everywhere: school, then alert rows, then the audit chain head (taken last, by append).
        list(OrgUnit.objects.select_for_update(no_key=True).filter(pk__in=schools).values_list("pk", flat=True))
        return _raise(actor, merged, schools, diseases, day)


def _raise(
    actor: User | None,
    merged: dict[tuple[Any, ...], rules.Finding],
    schools: set[int],
    diseases: dict[str, Disease],
    day: dt.date,
) -> list[Alert]:
    # Alerts of the same rule and place: an unresolved one absorbs the finding; one already closed within the
    # rule's window has dealt with its cases, and a new alert is raised only for cases it did not cover.
    existing: dict[tuple[Any, ...], Alert] = {}
    resolved: dict[tuple[Any, ...], list[Alert]] = {}
    longest = max(_window_days(f) for f in merged.values())
    recent = Alert.objects.filter(
        Q(on_date__gte=day - dt.timedelta(days=longest - 1)) | ~Q(status=AlertStatus.CLOSED),
        school_id__in=schools,
    ).select_related("disease")
    for known_alert in recent:
        code = known_alert.disease.code if known_alert.disease else ""
        found: tuple[Any, ...] = (
            known_alert.rule,
            known_alert.school_id,
            known_alert.klass_id,
            code,
            known_alert.syndrome,
        )
        if known_alert.rule == AlertRule.NOTIFIABLE:
            found = (*found, known_alert.evidence.get("student"))
        if known_alert.status != AlertStatus.CLOSED:
            existing[found] = known_alert
        else:
            resolved.setdefault(found, []).append(known_alert)
    covered: dict[int, set[int]] = defaultdict(set)
    if resolved:
        for alert_id, case_id in Alert.cases.through.objects.filter(
            alert_id__in=[a.pk for rows in resolved.values() for a in rows]
        ).values_list("alert_id", "absencerecord_id"):
            covered[alert_id].add(case_id)
    unit_ids = {f.school_id for f in merged.values()} | {f.klass_id for f in merged.values() if f.klass_id}
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=unit_ids).only("pk", "name", "path")}
    names = {pk: u.name for pk, u in units.items()}
    now = timezone.now()
    new_alerts: list[Alert] = []
    links: list[tuple[Alert, set[int]]] = []
    entries: list[Entry] = []
    for key, finding in merged.items():
        known = existing.get(key)
        if known is not None:
            alert = known
            alert.evidence = {**alert.evidence, **finding.summary}
            if finding.rule != AlertRule.STATISTICAL:
                alert.title = _title(finding, names, diseases)[:200]
            alert.save(update_fields=["evidence", "title"])
            links.append((alert, finding.case_ids))
            continue
        closed = [a for a in resolved.get(key, []) if a.on_date >= day - dt.timedelta(days=_window_days(finding) - 1)]
        if closed:
            done = set().union(*(covered[a.pk] for a in closed))
            # Rule 2 is per student and disease: a closed alert covers the student's episode within its window.
            if finding.rule in (AlertRule.NOTIFIABLE, AlertRule.STATISTICAL) or finding.case_ids <= done:
                continue
        immediate = finding.rule == AlertRule.NOTIFIABLE
        alert = Alert(
            school_id=finding.school_id,
            klass_id=finding.klass_id,
            rule=finding.rule,
            disease=diseases.get(finding.disease_code),
            syndrome=finding.syndrome,
            title=_title(finding, names, diseases)[:200],
            evidence=finding.summary,
            on_date=day,
            is_immediate=immediate,
            created_at=now,
            report_due_at=report_deadline(now, immediate=immediate),
        )
        new_alerts.append(alert)
        links.append((alert, finding.case_ids))
    Alert.objects.bulk_create(new_alerts)
    through = Alert.cases.through
    wanted = [(alert.pk, case) for alert, ids in links for case in ids]
    if wanted:
        have = set(
            through.objects.filter(alert_id__in={a for a, _ in wanted}).values_list("alert_id", "absencerecord_id")
        )
        through.objects.bulk_create([through(alert_id=a, absencerecord_id=c) for a, c in wanted if (a, c) not in have])
    for alert in new_alerts:
        entries.append(
            Entry(
                action="health_alert",
                obj=alert,
                unit_path=units[alert.school_id].path,
                changes={"after": {"rule": alert.rule, "title": alert.title, "evidence": alert.evidence}},
            )
        )
    if entries:
        append(actor=actor, entries=entries)
    notify_raised(new_alerts, {pk: u.path for pk, u in units.items()})
    return new_alerts


NOTIFIABLE_WINDOW_DAYS = 30


def _window_days(finding: rules.Finding) -> int:
    """The days an alert for this finding's rule and place stands for (a closed one within it is not re-raised)."""
    if finding.rule == AlertRule.CLASS_CLUSTER:
        return 3
    if finding.rule == AlertRule.DISEASE_CLUSTER:
        return int(str(finding.summary.get("window_days", 7)))
    if finding.rule == AlertRule.NOTIFIABLE:
        return NOTIFIABLE_WINDOW_DAYS
    return 1


def scan_day(*, day: dt.date | None = None) -> dict[str, int]:
    """The scheduled scan (all four rules' scheduled part) over every school: four grouped reads, one write batch.

    Rule 2 is not rescanned: it fires on submission and on a notifiable diagnosis during follow-up."""
    from dudao.health.selectors import scan_inputs

    day = day or timezone.localdate()
    cases, class_cases, rates = scan_inputs(day, longest=max([t.window_days for t in thresholds()] or [1]))
    findings = rules.class_clusters(class_cases, day)
    findings += rules.disease_clusters(cases, thresholds(), day)
    findings += rules.statistical_signals(rates, day)
    with transaction.atomic():
        alerts = raise_alerts(actor=None, findings=findings, day=day)
    return {"findings": len(findings), "new_alerts": len(alerts)}
