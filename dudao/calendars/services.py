"""Changes to the school calendar: the bureau's year (terms, holidays, 调休, exam weeks), its publication, and the
local days of districts, schools and grades. Every change is one transaction with an audit event; the year's
editor works under the year's `version` (a stale form answers 409)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from django.db import transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_change, snapshot
from dudao.calendars.models import LOCAL_KINDS, YEAR_KINDS, CalendarEntry, EntryKind, SchoolYear, Term
from dudao.calendars.selectors import chain_paths, year_in_force
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit, UnitKind
from dudao.orgs.scoping import can

MAX_RUN_DAYS = 366
LOCAL_UNIT_KINDS = (UnitKind.DISTRICT, UnitKind.SCHOOL, UnitKind.CAMPUS, UnitKind.GRADE, UnitKind.CLASS)
YEAR_FIELDS = ["name", "starts_on", "ends_on", "is_published"]
ENTRY_FIELDS = ["unit", "kind", "name", "starts_on", "ends_on"]


@dataclass(frozen=True)
class TermIn:
    name: str
    starts_on: dt.date
    ends_on: dt.date


@dataclass(frozen=True)
class EntryIn:
    kind: str
    name: str
    starts_on: dt.date
    ends_on: dt.date


def _fmt(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _name(value: str, *, label: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"请填写{label}", code="required")
    if len(value) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="too_long")
    return value


def _span(starts_on: dt.date | None, ends_on: dt.date | None, *, label: str) -> None:
    if starts_on is None or ends_on is None:
        raise DomainError(f"请填写{label}的开始和结束日期", code="dates_required")
    if ends_on < starts_on:
        raise DomainError(f"{label}的结束日期不能早于开始日期", code="dates_inverted")
    if (ends_on - starts_on).days >= MAX_RUN_DAYS:
        raise DomainError(f"{label}不能超过 {MAX_RUN_DAYS} 天", code="dates_too_long")


def _overlaps(a_start: dt.date, a_end: dt.date, b_start: dt.date, b_end: dt.date) -> bool:
    return a_start <= b_end and b_start <= a_end


def check_contents(
    *, starts_on: dt.date, ends_on: dt.date, terms: Sequence[TermIn], entries: Sequence[EntryIn]
) -> None:
    """The rules a whole year obeys (the editor checks them on each change, the import on the whole file)."""
    for term in terms:
        label = f"学期“{term.name}”"
        _span(term.starts_on, term.ends_on, label=label)
        if term.starts_on < starts_on or term.ends_on > ends_on:
            raise DomainError(
                f"{label}（{_fmt(term.starts_on)}至{_fmt(term.ends_on)}）超出了学年的起止日期"
                f"（{_fmt(starts_on)}至{_fmt(ends_on)}）",
                code="term_outside_year",
            )
    ordered = sorted(terms, key=lambda t: t.starts_on)
    for before, after in pairwise(ordered):
        if after.starts_on <= before.ends_on:
            raise DomainError(f"学期“{after.name}”与“{before.name}”的日期重叠，请调整起止日期", code="terms_overlap")
    for entry in entries:
        label = f"“{entry.name}”"
        _span(entry.starts_on, entry.ends_on, label=label)
        if entry.starts_on < starts_on or entry.ends_on > ends_on:
            raise DomainError(f"{label}超出了学年的起止日期", code="entry_outside_year")
    off = [e for e in entries if e.kind in (EntryKind.HOLIDAY, EntryKind.BREAK)]
    for makeup in (e for e in entries if e.kind == EntryKind.MAKEUP):
        for other in off:
            if _overlaps(makeup.starts_on, makeup.ends_on, other.starts_on, other.ends_on):
                raise DomainError(
                    f"调休上课日“{makeup.name}”（{_fmt(makeup.starts_on)}）同时是{other.name}，" "一天不能既放假又上课",
                    code="makeup_is_holiday",
                )
        if not any(t.starts_on <= makeup.starts_on and makeup.ends_on <= t.ends_on for t in terms):
            raise DomainError(f"调休上课日“{makeup.name}”不在任何学期内", code="makeup_outside_term")


def _contents(year: SchoolYear) -> tuple[list[TermIn], list[EntryIn]]:
    terms = [TermIn(t.name, t.starts_on, t.ends_on) for t in year.terms.all()]
    entries = [EntryIn(e.kind, e.name, e.starts_on, e.ends_on) for e in year.entries.filter(unit_id=year.unit_id)]
    return terms, entries


def _may_edit_year(actor: User, unit: OrgUnit) -> None:
    if not can(actor, "calendar.publish", unit):
        raise Forbidden("您无权编辑该单位的校历")
    if unit.kind != UnitKind.BUREAU:
        raise DomainError("学年校历由教育局发布", code="year_unit_kind")


def create_year(*, actor: User, unit: OrgUnit, name: str, starts_on: dt.date, ends_on: dt.date) -> SchoolYear:
    """A draft year; nothing changes for schools until it is published."""
    _may_edit_year(actor, unit)
    name = _name(name, label="学年名称", limit=40)
    _span(starts_on, ends_on, label="学年")
    with transaction.atomic():
        existing = SchoolYear.objects.filter(unit=unit, starts_on=starts_on).first()
        if existing is not None:
            if existing.name == name and existing.ends_on == ends_on:
                return existing  # the same form posted twice
            raise DomainError(f"本单位已有从{_fmt(starts_on)}开始的学年“{existing.name}”", code="year_exists")
        clash = SchoolYear.objects.filter(unit=unit, starts_on__lte=ends_on, ends_on__gte=starts_on).first()
        if clash is not None:
            raise DomainError(f"与已有学年“{clash.name}”的日期重叠", code="years_overlap")
        year = SchoolYear.objects.create(unit=unit, name=name, starts_on=starts_on, ends_on=ends_on, created_by=actor)
        record_change(
            actor=actor, action="create_school_year", obj=year, unit_path=unit.path, after=snapshot(year, YEAR_FIELDS)
        )
    return year


def _edit(actor: User, year: SchoolYear, version: int | None) -> SchoolYear:
    _may_edit_year(actor, year.unit)
    fresh = locked(SchoolYear.objects.select_related("unit"), year.pk, version)
    return fresh


def add_term(*, actor: User, year: SchoolYear, term: TermIn, version: int | None) -> Term:
    name = _name(term.name, label="学期名称", limit=40)
    term = TermIn(name, term.starts_on, term.ends_on)
    with transaction.atomic():
        same = year.terms.filter(name=name, starts_on=term.starts_on, ends_on=term.ends_on).first()
        if same is not None:
            return same  # double submit
        fresh = _edit(actor, year, version)
        terms, entries = _contents(fresh)
        check_contents(starts_on=fresh.starts_on, ends_on=fresh.ends_on, terms=[*terms, term], entries=entries)
        row = Term.objects.create(year=fresh, name=name, starts_on=term.starts_on, ends_on=term.ends_on)
        fresh.updated_at = timezone.now()
        bump(fresh, ["updated_at"])
        record_change(
            actor=actor,
            action="add_term",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=None,
            after={"term": name, "starts_on": str(term.starts_on), "ends_on": str(term.ends_on)},
        )
    return row


def remove_term(*, actor: User, year: SchoolYear, term_id: int, version: int | None) -> None:
    with transaction.atomic():
        fresh = _edit(actor, year, version)
        term = fresh.terms.filter(pk=term_id).first()
        if term is None:
            return  # already removed (double submit)
        terms, entries = _contents(fresh)
        rest = [t for t in terms if (t.name, t.starts_on) != (term.name, term.starts_on)]
        check_contents(starts_on=fresh.starts_on, ends_on=fresh.ends_on, terms=rest, entries=entries)
        before = {"term": term.name, "starts_on": str(term.starts_on), "ends_on": str(term.ends_on)}
        term.delete()
        fresh.updated_at = timezone.now()
        bump(fresh, ["updated_at"])
        record_change(
            actor=actor, action="remove_term", obj=fresh, unit_path=fresh.unit.path, before=before, after=None
        )


def add_year_entry(*, actor: User, year: SchoolYear, entry: EntryIn, version: int | None) -> CalendarEntry:
    """A holiday, break, 调休 make-up day or exam week of the whole year."""
    if entry.kind not in YEAR_KINDS:
        raise DomainError("请选择类型：节假日、寒暑假、调休上课日或考试周", code="entry_kind_invalid")
    name = _name(entry.name, label="名称", limit=60)
    entry = EntryIn(entry.kind, name, entry.starts_on, entry.ends_on)
    with transaction.atomic():
        same = year.entries.filter(
            unit_id=year.unit_id, kind=entry.kind, name=name, starts_on=entry.starts_on, ends_on=entry.ends_on
        ).first()
        if same is not None:
            return same
        fresh = _edit(actor, year, version)
        terms, entries = _contents(fresh)
        check_contents(starts_on=fresh.starts_on, ends_on=fresh.ends_on, terms=terms, entries=[*entries, entry])
        row = CalendarEntry.objects.create(
            year=fresh,
            unit=fresh.unit,
            kind=entry.kind,
            name=name,
            starts_on=entry.starts_on,
            ends_on=entry.ends_on,
            created_by=actor,
        )
        fresh.updated_at = timezone.now()
        bump(fresh, ["updated_at"])
        record_change(
            actor=actor,
            action="add_calendar_entry",
            obj=row,
            unit_path=fresh.unit.path,
            after=snapshot(row, ENTRY_FIELDS),
        )
    return row


def remove_year_entry(*, actor: User, year: SchoolYear, entry_id: int, version: int | None) -> None:
    with transaction.atomic():
        fresh = _edit(actor, year, version)
        row = fresh.entries.filter(pk=entry_id, unit_id=fresh.unit_id).first()
        if row is None:
            return
        before = snapshot(row, ENTRY_FIELDS)
        record_change(
            actor=actor, action="remove_calendar_entry", obj=row, unit_path=fresh.unit.path, before=before, after=None
        )
        row.delete()
        fresh.updated_at = timezone.now()
        bump(fresh, ["updated_at"])


def publish_year(*, actor: User, year: SchoolYear, version: int | None) -> SchoolYear:
    with transaction.atomic():
        fresh = _edit(actor, year, version)
        if fresh.is_published:
            return fresh
        if not fresh.terms.exists():
            raise DomainError("请先添加学期再发布", code="year_without_terms")
        before = snapshot(fresh, YEAR_FIELDS)
        fresh.is_published, fresh.published_at, fresh.updated_at = True, timezone.now(), timezone.now()
        bump(fresh, ["is_published", "published_at", "updated_at"])
        record_change(
            actor=actor,
            action="publish_school_year",
            obj=fresh,
            unit_path=fresh.unit.path,
            before=before,
            after=snapshot(fresh, YEAR_FIELDS),
        )
    return fresh


def replace_contents(
    *, actor: User, year: SchoolYear, terms: Sequence[TermIn], entries: Sequence[EntryIn], version: int | None
) -> SchoolYear:
    """The year's terms and bureau entries replaced at once (the Excel import): all or nothing."""
    with transaction.atomic():
        fresh = _edit(actor, year, version)
        check_contents(starts_on=fresh.starts_on, ends_on=fresh.ends_on, terms=terms, entries=entries)
        before_terms, before_entries = _contents(fresh)
        fresh.terms.all().delete()
        fresh.entries.filter(unit_id=fresh.unit_id).delete()
        Term.objects.bulk_create(Term(year=fresh, name=t.name, starts_on=t.starts_on, ends_on=t.ends_on) for t in terms)
        CalendarEntry.objects.bulk_create(
            CalendarEntry(
                year=fresh,
                unit=fresh.unit,
                kind=e.kind,
                name=e.name,
                starts_on=e.starts_on,
                ends_on=e.ends_on,
                created_by=actor,
            )
            for e in entries
        )
        fresh.updated_at = timezone.now()
        bump(fresh, ["updated_at"])
        record_change(
            actor=actor,
            action="import_school_year",
            obj=fresh,
            unit_path=fresh.unit.path,
            before={"terms": len(before_terms), "entries": len(before_entries)},
            after={"terms": len(terms), "entries": len(entries)},
        )
    return fresh


# ---- local days ----


def add_local_day(*, actor: User, unit: OrgUnit, entry: EntryIn) -> CalendarEntry:
    """A district's, school's or grade's own days (sports day, staged opening, 停课): they apply to its subtree."""
    if not can(actor, "calendar.local", unit):
        raise Forbidden("您无权为该单位安排校历")
    if unit.kind not in LOCAL_UNIT_KINDS:
        raise DomainError("本地校历只能由区县、学校或年级安排", code="local_unit_kind")
    if entry.kind not in LOCAL_KINDS:
        raise DomainError("请选择类型：本地放假、错时开学、调休上课日或停课", code="entry_kind_invalid")
    name = _name(entry.name, label="名称", limit=60)
    _span(entry.starts_on, entry.ends_on, label=f"“{name}”")
    with transaction.atomic():
        same = CalendarEntry.objects.filter(
            unit=unit, kind=entry.kind, name=name, starts_on=entry.starts_on, ends_on=entry.ends_on
        ).first()
        if same is not None:
            return same
        year = year_in_force(unit, entry.starts_on)
        term = None
        if year is not None:
            term = year.terms.filter(starts_on__lte=entry.starts_on, ends_on__gte=entry.starts_on).first()
        if year is None or term is None:
            raise DomainError(
                f"{_fmt(entry.starts_on)}不在任何已发布学期内，无需安排本地校历", code="local_outside_term"
            )
        if entry.ends_on > term.ends_on:
            if entry.kind == EntryKind.SUSPENSION:
                raise DomainError(
                    f"停课时间跨越了学期（{term.name}于{_fmt(term.ends_on)}结束），请按学期分开登记",
                    code="suspension_crosses_terms",
                )
            raise DomainError(f"“{name}”超出了{term.name}（{_fmt(term.ends_on)}结束）", code="local_outside_term")
        if entry.kind == EntryKind.MAKEUP:
            clash = CalendarEntry.objects.filter(
                unit__path__in=chain_paths(unit.path),
                year__is_published=True,
                kind__in=(EntryKind.HOLIDAY, EntryKind.BREAK),
                starts_on__lte=entry.ends_on,
                ends_on__gte=entry.starts_on,
            ).first()
            if clash is not None:
                raise DomainError(
                    f"调休上课日“{name}”同时是{clash.name}，一天不能既放假又上课", code="makeup_is_holiday"
                )
        row = CalendarEntry.objects.create(
            year=year,
            unit=unit,
            kind=entry.kind,
            name=name,
            starts_on=entry.starts_on,
            ends_on=entry.ends_on,
            created_by=actor,
        )
        record_change(
            actor=actor, action="add_local_day", obj=row, unit_path=unit.path, after=snapshot(row, ENTRY_FIELDS)
        )
    return row


def remove_local_day(*, actor: User, entry: CalendarEntry, version: int | None) -> None:
    with transaction.atomic():
        row = CalendarEntry.objects.select_related("unit").filter(pk=entry.pk).first()
        if row is None:
            return
        if row.unit.kind == UnitKind.BUREAU or not can(actor, "calendar.local", row.unit):
            raise Forbidden("您无权删除该校历安排")
        row = locked(CalendarEntry.objects.select_related("unit"), row.pk, version)
        record_change(
            actor=actor,
            action="remove_local_day",
            obj=row,
            unit_path=row.unit.path,
            before=snapshot(row, ENTRY_FIELDS),
            after=None,
        )
        row.delete()
