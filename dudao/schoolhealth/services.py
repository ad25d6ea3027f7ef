"""State changes of 免疫接种与学校卫生: doses (one by one, by class list, by import), targets, exams, the health room
and its staff, disinfection logs. Each runs in one transaction with its permission check and audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from os.path import commonprefix

from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import Entry, append, record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit, Student
from dudao.orgs.scoping import acting_assignment, can
from dudao.orgs.text import mask_student_no
from dudao.schoolhealth import tables
from dudao.schoolhealth.models import (
    DisinfectionLog,
    DisinfectionMethod,
    HealthRoom,
    HealthStaff,
    RoomKind,
    StaffPost,
    VaccinationRecord,
    VaccineTarget,
)
from dudao.schoolhealth.vaccines import BY_CODE


@dataclass
class DoseInput:
    """One dose (or contraindication) to record: for a student, or for a staff member of `school`."""

    vaccine: str
    dose_number: int | None
    date: dt.date | None
    contraindication: str = ""
    student: Student | None = None
    staff: User | None = None
    school: OrgUnit | None = None

    @property
    def person_key(self) -> tuple[str, int]:
        return ("student", self.student.pk) if self.student else ("staff", self.staff.pk if self.staff else 0)

    @property
    def person_name(self) -> str:
        if self.student:
            return self.student.name
        return self.staff.display_name if self.staff else ""


@dataclass
class DoseProblem:
    index: int  # position in the batch
    field: str  # "vaccine", "dose_number", "date", "contraindication", "person"
    message: str


def _existing(inputs: Sequence[DoseInput]) -> dict[tuple[str, int, str], dict[int | None, VaccinationRecord]]:
    """What is already recorded for the people and vaccines of a batch (one query)."""
    students = {i.student.pk for i in inputs if i.student}
    staff = {i.staff.pk for i in inputs if i.staff}
    vaccines = {i.vaccine for i in inputs}
    found: dict[tuple[str, int, str], dict[int | None, VaccinationRecord]] = {}
    rows = VaccinationRecord.objects.none()
    if students:
        rows = rows | VaccinationRecord.objects.filter(student_id__in=students, vaccine__in=vaccines)
    if staff:
        rows = rows | VaccinationRecord.objects.filter(staff_id__in=staff, vaccine__in=vaccines)
    for record in rows:
        key = ("student", record.student_id) if record.student_id else ("staff", record.staff_id or 0)
        found.setdefault((*key, record.vaccine), {})[record.dose_number] = record
    return found


def check_doses(inputs: Sequence[DoseInput], *, today: dt.date | None = None) -> tuple[list[DoseProblem], set[int]]:
    """Every rule a dose must meet, against the records and the rest of the batch: (problems, indexes of rows that
    repeat a dose already recorded with the same date — a double submit, skipped rather than refused)."""
    today = today or timezone.localdate()
    problems: list[DoseProblem] = []
    repeats: set[int] = set()
    existing = _existing(inputs)
    batch: dict[tuple[str, int, str], dict[int | None, tuple[int, dt.date | None]]] = {}
    order = sorted(range(len(inputs)), key=lambda n: (inputs[n].dose_number or 0, n))
    for index in order:
        item = inputs[index]

        def bad(field: str, message: str, index: int = index) -> None:
            problems.append(DoseProblem(index, field, message))

        vaccine = BY_CODE.get(item.vaccine)
        if vaccine is None:
            bad("vaccine", "不在疫苗目录中，请从下拉列表选择")
            continue
        key = (*item.person_key, item.vaccine)
        recorded = existing.get(key, {})
        pending = batch.setdefault(key, {})
        if item.dose_number is None:
            if not item.contraindication.strip():
                bad("dose_number", "请填写剂次，或在“禁忌证”栏写明不能接种的原因")
            elif None in recorded or None in pending:
                bad("contraindication", f"{item.person_name}的{vaccine.name}禁忌证已登记")
            else:
                pending[None] = (index, None)
            continue
        if item.contraindication.strip():
            bad("contraindication", "同一行不能既填剂次又填禁忌证")
            continue
        if not 1 <= item.dose_number <= vaccine.doses:
            bad("dose_number", f"{vaccine.name}全程为 {vaccine.doses} 剂，剂次应为 1–{vaccine.doses}")
            continue
        if item.date is None:
            bad("date", "请填写接种日期，格式如 2026-09-15")
            continue
        if item.date > today:
            bad("date", "接种日期不能晚于今天")
            continue
        if item.student and item.date < item.student.birth_date:
            bad("date", f"接种日期早于{item.student.name}的出生日期（{item.student.birth_date:%Y-%m-%d}）")
            continue
        same = recorded.get(item.dose_number)
        if same is not None:
            if same.date == item.date:
                repeats.add(index)
            else:
                bad(
                    "dose_number",
                    f"{item.person_name}的{vaccine.name}第 {item.dose_number} 剂已登记（{same.date:%Y-%m-%d}）",
                )
            continue
        if item.dose_number in pending:
            bad("dose_number", f"{item.person_name}的{vaccine.name}第 {item.dose_number} 剂在本次提交中重复")
            continue
        if item.dose_number > 1:
            previous = recorded.get(item.dose_number - 1)
            previous_date = previous.date if previous else pending.get(item.dose_number - 1, (0, None))[1]
            if previous is None and item.dose_number - 1 not in pending:
                bad(
                    "dose_number",
                    f"{item.person_name}尚无{vaccine.name}第 {item.dose_number - 1} 剂记录，请按剂次顺序登记",
                )
                continue
            if previous_date and item.date < previous_date:
                bad("date", f"第 {item.dose_number} 剂日期早于第 {item.dose_number - 1} 剂（{previous_date:%Y-%m-%d}）")
                continue
        pending[item.dose_number] = (index, item.date)
    problems.sort(key=lambda p: p.index)
    return problems, repeats


def _unit_of(item: DoseInput) -> OrgUnit:
    if item.student is not None:
        return item.student.klass
    if item.school is None:
        raise DomainError("教职工的接种记录须指明学校", code="vaccination_school_missing")
    return item.school


def record_doses(*, actor: User, inputs: Sequence[DoseInput], source: str = "手工登记") -> list[VaccinationRecord]:
    """Record a batch, all or nothing. Raises `DoseRejected` with every problem; repeats of recorded doses are
    skipped. Returns the new rows."""
    for item in inputs:
        if not can(actor, "schoolhealth.record", _unit_of(item)):
            raise Forbidden("您无权为该单位登记接种信息")
    problems, repeats = check_doses(inputs)
    if problems:
        raise DoseRejected(problems)
    rows = [
        VaccinationRecord(
            student=item.student,
            staff=item.staff,
            unit=_unit_of(item),
            vaccine=item.vaccine,
            dose_number=item.dose_number,
            date=item.date,
            completes_course=item.dose_number == BY_CODE[item.vaccine].doses,
            contraindication=item.contraindication.strip(),
            recorded_by=actor,
        )
        for n, item in enumerate(inputs)
        if n not in repeats
    ]
    if not rows:
        return []
    try:
        with transaction.atomic():
            created = VaccinationRecord.objects.bulk_create(rows)
            tables.refresh_classes({r.student.klass_id for r in created if r.student is not None})
            common = commonprefix([r.unit.path for r in created])
            unit_path = common[: len(common) - len(common) % 4]  # whole path steps: the unit all rows are under
            append(
                actor=actor,
                entries=[
                    Entry(
                        action="record_vaccinations",
                        object_type="schoolhealth.vaccinationrecord",
                        object_repr=f"{source}：{len(created)} 条接种记录",
                        unit_path=unit_path,
                        changes={
                            "after": {
                                "source": source[:100],
                                "records": len(created),
                                "ids": [r.pk for r in created][:500],
                                "vaccines": sorted({r.vaccine for r in created}),
                            }
                        },
                    )
                ],
            )
    except IntegrityError as exc:
        raise DomainError("这些接种记录刚被他人登记过，请刷新后核对", code="vaccination_conflict", status=409) from exc
    return created


class DoseRejected(DomainError):
    def __init__(self, problems: list[DoseProblem]) -> None:
        first = problems[0].message if problems else ""
        super().__init__(f"有 {len(problems)} 处不符合要求，未登记任何记录：{first}", code="vaccination_invalid")
        self.problems = problems


def set_target(*, actor: User, vaccine: str, rate: Decimal, version: int | None = None) -> VaccineTarget:
    """The bureau's target for one vaccine. Only a bureau (市/县教育局) sets targets: they hold for every school."""
    assignment = acting_assignment(actor)
    if assignment is None or not can(actor, "schoolhealth.target") or assignment.unit.kind != "bureau":
        raise Forbidden("接种率目标由教育局设定")
    if vaccine not in BY_CODE:
        raise DomainError("不在疫苗目录中", code="vaccine_unknown")
    if not Decimal("0") < rate <= Decimal("100"):
        raise DomainError("目标接种率应在 0–100% 之间", code="target_out_of_range")
    with transaction.atomic():
        target, created = VaccineTarget.objects.get_or_create(
            vaccine=vaccine, defaults={"rate": rate, "updated_by": actor}
        )
        before = None if created else {"rate": str(target.rate)}
        if not created:
            target = locked(VaccineTarget.objects, target.pk, version)
            before = {"rate": str(target.rate)}
            target.rate, target.updated_by, target.updated_at = rate, actor, timezone.now()
            bump(target, ["rate", "updated_by", "updated_at"])
        record_change(
            actor=actor,
            action="set_vaccination_target",
            obj=target,
            unit_path=assignment.unit.path,
            before=before,
            after={"vaccine": vaccine, "rate": str(rate)},
        )
    return target


def _school_for_room(actor: User, school: OrgUnit) -> None:
    if school.kind != "school":
        raise DomainError("卫生室按学校登记", code="room_not_school")
    if not can(actor, "schoolhealth.room", school):
        raise Forbidden("您无权维护该校的卫生室信息")


def save_room(
    *,
    actor: User,
    school: OrgUnit,
    kind: str,
    licence_no: str,
    licence_expires: dt.date | None,
    version: int | None = None,
) -> HealthRoom:
    _school_for_room(actor, school)
    if kind not in RoomKind.values:
        raise DomainError("请选择卫生室类型", code="room_kind_unknown")
    licence_no = licence_no.strip()
    if kind == RoomKind.CLINIC and not licence_no:
        raise DomainError("卫生室须填写医疗机构执业许可证号", code="room_licence_missing")
    if licence_no and licence_expires is None:
        raise DomainError("请填写许可证有效期", code="room_licence_expiry_missing")
    with transaction.atomic():
        room, created = HealthRoom.objects.get_or_create(school=school)
        room = locked(HealthRoom.objects, room.pk, None if created else version)
        before = (
            None
            if created
            else {"kind": room.kind, "licence_no": room.licence_no, "expires": str(room.licence_expires)}
        )
        room.kind, room.licence_no, room.licence_expires = kind, licence_no, licence_expires
        room.updated_by, room.updated_at = actor, timezone.now()
        bump(room, ["kind", "licence_no", "licence_expires", "updated_by", "updated_at"])
        record_change(
            actor=actor,
            action="save_health_room",
            obj=room,
            unit_path=school.path,
            before=before,
            after={"kind": kind, "licence_no": licence_no, "expires": str(licence_expires)},
        )
    return room


def add_staff(*, actor: User, school: OrgUnit, name: str, post: str, qualification: str = "") -> HealthStaff:
    _school_for_room(actor, school)
    name = name.strip()
    if not name:
        raise DomainError("请填写姓名", code="staff_name_missing")
    if post not in StaffPost.values:
        raise DomainError("请选择岗位", code="staff_post_unknown")
    with transaction.atomic():
        existing = HealthStaff.objects.filter(school=school, name=name, post=post).first()
        if existing is not None:  # a double submit
            return existing
        person = HealthStaff.objects.create(school=school, name=name, post=post, qualification=qualification.strip())
        record_change(
            actor=actor,
            action="add_health_staff",
            obj=person,
            unit_path=school.path,
            after={"name": name, "post": post, "qualification": person.qualification},
        )
    return person


def remove_staff(*, actor: User, person: HealthStaff) -> None:
    _school_for_room(actor, person.school)
    with transaction.atomic():
        record_change(
            actor=actor,
            action="remove_health_staff",
            obj=person,
            unit_path=person.school.path,
            before={"name": person.name, "post": person.post},
        )
        person.delete()


def log_disinfection(
    *, actor: User, school: OrgUnit, date: dt.date, place: str, method: str, person: str
) -> DisinfectionLog:
    _school_for_room(actor, school)
    place, person = place.strip(), person.strip()
    if not place or not person:
        raise DomainError("请填写消毒场所和消毒人", code="disinfection_missing")
    if method not in DisinfectionMethod.values:
        raise DomainError("请选择消毒方式", code="disinfection_method_unknown")
    today = timezone.localdate()
    if date > today:
        raise DomainError("消毒日期不能晚于今天", code="disinfection_future")
    if date < today - dt.timedelta(days=30):
        raise DomainError("只能补记 30 天内的消毒记录", code="disinfection_too_old")
    with transaction.atomic():
        existing = DisinfectionLog.objects.filter(school=school, date=date, place=place, method=method).first()
        if existing is not None:  # the same entry twice (a double tap on a phone)
            return existing
        entry = DisinfectionLog.objects.create(
            school=school, date=date, place=place, method=method, person=person, recorded_by=actor
        )
        record_change(
            actor=actor,
            action="log_disinfection",
            obj=entry,
            unit_path=school.path,
            after={"date": str(date), "place": place, "method": method, "person": person},
        )
    return entry


def masked_number(student: Student) -> str:
    return mask_student_no(student.student_no)
