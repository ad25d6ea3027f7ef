"""Writes of 教师档案: profile edits, certificates, transfers, revealing the ID number. Every write runs in a
transaction and leaves an audit event; every reveal leaves an access event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from dudao.accounts.models import User
from dudao.audit.services import record_access, record_change
from dudao.core.errors import DomainError, Forbidden
from dudao.core.locking import bump, locked
from dudao.orgs.models import OrgUnit, RoleAssignment, UnitKind
from dudao.orgs.scoping import can
from dudao.orgs.services import school_of
from dudao.orgs.text import is_valid_id_card, mask_id_card
from dudao.teachers.models import Certificate, CertificateKind, Posting, StaffProfile

PROFILE_FIELDS = (
    "gender",
    "birth_date",
    "id_card_no",
    "post",
    "employment",
    "subjects",
    "is_class_teacher",
    "title",
    "title_date",
    "qualification",
    "qualification_no",
    "work_started_on",
)


def _unit_of(person: User) -> OrgUnit:
    if person.unit is None:
        raise DomainError("该人员没有所在单位，请先在人员管理中设置", code="no_unit")
    return person.unit


def _snapshot(profile: StaffProfile) -> dict[str, Any]:
    values = {name: getattr(profile, name) for name in PROFILE_FIELDS}
    values["id_card_no"] = mask_id_card(profile.id_card_no) if profile.id_card_no else ""
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}


def profile_of(person: User) -> StaffProfile:
    """The person's profile, created empty on first use (an account made before profiles existed has none)."""
    profile, _ = StaffProfile.objects.get_or_create(user=person)
    return profile


def clean_profile(values: dict[str, Any], *, today: dt.date) -> dict[str, Any]:
    """Checks shared by the form, the API and the import; a DomainError names the first bad field."""
    values = dict(values)
    number = str(values.get("id_card_no") or "").strip().upper()
    if number:
        if not is_valid_id_card(number):
            raise DomainError("身份证号不正确（应为 18 位，最后一位校验码要对）", code="bad_id_card")
        try:
            from_id = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            raise DomainError("身份证号中的出生日期不存在", code="bad_id_card") from None
        birth = values.get("birth_date")
        if birth and birth != from_id:
            raise DomainError(f"出生日期与身份证号不一致（身份证号为 {from_id:%Y-%m-%d}）", code="birth_mismatch")
        values["birth_date"] = from_id
        gender = "M" if int(number[16]) % 2 else "F"
        if values.get("gender") and values["gender"] != gender:
            raise DomainError("性别与身份证号不一致", code="gender_mismatch")
        values["gender"] = gender
    values["id_card_no"] = number
    birth = values.get("birth_date")
    if birth and not dt.date(today.year - 80, 1, 1) <= birth <= dt.date(today.year - 16, 12, 31):
        raise DomainError("出生日期不在合理范围内（16 至 80 周岁）", code="bad_birth_date")
    for name, label in (("title_date", "职称取得时间"), ("work_started_on", "参加工作时间")):
        value = values.get(name)
        if value and value > today:
            raise DomainError(f"{label}不能晚于今天", code="future_date")
        if value and birth and value < birth + dt.timedelta(days=365 * 16):
            raise DomainError(f"{label}早于 16 周岁", code="too_early")
    if values.get("qualification") and not str(values.get("qualification_no") or "").strip():
        raise DomainError("有教师资格的请填写教师资格证号", code="qualification_no_missing")
    values["subjects"] = "、".join(s for s in str(values.get("subjects") or "").replace(",", "、").split("、") if s)
    return values


def update_profile(*, actor: User, person: User, values: dict[str, Any], version: int | None) -> StaffProfile:
    unit = _unit_of(person)
    if not can(actor, "teacher.change", unit):
        raise Forbidden("您无权修改该人员的档案")
    values = clean_profile(values, today=timezone.localdate())
    with transaction.atomic():
        profile = locked(StaffProfile.objects.all(), profile_of(person).pk, version)
        before = _snapshot(profile)
        for name in PROFILE_FIELDS:
            if name in values:
                setattr(profile, name, values[name])
        profile.updated_at = timezone.now()
        try:
            with transaction.atomic():
                bump(profile, [*PROFILE_FIELDS, "updated_at"])
        except IntegrityError:
            raise DomainError("该身份证号已登记在另一人员的档案中", code="duplicate_id_card", status=409) from None
        record_change(
            actor=actor,
            action="update_profile",
            obj=profile,
            unit_path=unit.path,
            before=before,
            after=_snapshot(profile),
        )
    return profile


@dataclass(frozen=True)
class CertificateInput:
    kind: str
    name: str = ""
    number: str = ""
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None


def add_certificate(*, actor: User, person: User, data: CertificateInput) -> Certificate:
    unit = _unit_of(person)
    if not can(actor, "teacher.change", unit):
        raise Forbidden("您无权修改该人员的档案")
    if data.kind not in CertificateKind.values:
        raise DomainError("请选择证书种类", code="bad_kind")
    if data.kind == CertificateKind.OTHER and not data.name.strip():
        raise DomainError("“其他证书”请填写证书名称", code="name_missing")
    today = timezone.localdate()
    if data.issued_on and data.issued_on > today:
        raise DomainError("发证日期不能晚于今天", code="future_date")
    if data.issued_on and data.expires_on and data.expires_on <= data.issued_on:
        raise DomainError("有效期必须晚于发证日期", code="bad_expiry")
    with transaction.atomic():
        profile = profile_of(person)
        if data.number and Certificate.objects.filter(profile=profile, kind=data.kind, number=data.number).exists():
            raise DomainError("该证书已登记", code="duplicate_certificate", status=409)
        certificate = Certificate.objects.create(
            profile=profile,
            kind=data.kind,
            name=data.name.strip(),
            number=data.number.strip(),
            issued_on=data.issued_on,
            expires_on=data.expires_on,
        )
        record_change(
            actor=actor,
            action="add_certificate",
            obj=certificate,
            unit_path=unit.path,
            after={"person": person.pk, "kind": data.kind, "number": data.number, "expires_on": str(data.expires_on)},
        )
    return certificate


def remove_certificate(*, actor: User, certificate: Certificate) -> None:
    person = certificate.profile.user
    unit = _unit_of(person)
    if not can(actor, "teacher.change", unit):
        raise Forbidden("您无权修改该人员的档案")
    with transaction.atomic():
        record_change(
            actor=actor,
            action="remove_certificate",
            obj=certificate,
            unit_path=unit.path,
            before={"person": person.pk, "kind": certificate.kind, "number": certificate.number},
        )
        certificate.delete()


def transfer(*, actor: User, person: User, to_unit: OrgUnit, on: dt.date, note: str = "") -> Posting:
    """调动: the person leaves their unit on `on` for `to_unit`. The stretch in the old unit is closed, a new one
    opens, and the roles held in the old school end (the new unit's administrator assigns new ones)."""
    old_unit = _unit_of(person)
    old_unit = school_of(old_unit) or old_unit  # a class teacher's account may sit in the class: the school moves
    if to_unit.kind not in (UnitKind.SCHOOL, UnitKind.DISTRICT, UnitKind.BUREAU, UnitKind.OFFICE):
        raise DomainError("只能调往学校或教育行政单位", code="bad_unit")
    if to_unit.is_closed:
        raise DomainError("该单位已撤销", code="closed_unit")
    if to_unit.pk == old_unit.pk:
        raise DomainError("调入单位与现单位相同", code="same_unit")
    if not (can(actor, "teacher.transfer", old_unit) and can(actor, "teacher.transfer", to_unit)):
        raise Forbidden("调出和调入单位都须在您的管理范围内")
    today = timezone.localdate()
    if on > today + dt.timedelta(days=60) or on < today - dt.timedelta(days=365):
        raise DomainError("调动日期应在一年前至 60 天后之间", code="bad_date")
    with transaction.atomic():
        person = locked(User.objects.all(), person.pk, None)
        current = Posting.objects.select_for_update().filter(user=person, ended_on__isnull=True).first()
        if current is not None:
            if on <= current.started_on:
                raise DomainError(f"调动日期须晚于在现单位的起始日期（{current.started_on:%Y-%m-%d}）", code="bad_date")
            current.ended_on = on - dt.timedelta(days=1)
            current.save(update_fields=["ended_on"])
        else:
            profile = StaffProfile.objects.filter(user=person).first()
            began = (profile.work_started_on if profile else None) or timezone.localtime(person.date_joined).date()
            Posting.objects.create(
                user=person,
                unit=old_unit,
                started_on=min(began, on - dt.timedelta(days=1)),
                ended_on=on - dt.timedelta(days=1),
                created_by=actor,
            )
        posting = Posting.objects.create(
            user=person, unit=to_unit, started_on=on, note=note.strip()[:100], created_by=actor
        )
        ended = RoleAssignment.objects.filter(user=person, unit__path__under=old_unit.path)
        roles = [(a.role, a.unit_id) for a in ended]
        ended.delete()
        person.unit = to_unit
        person.version += 1
        person.save(update_fields=["unit", "version"])
        record_change(
            actor=actor,
            action="transfer_staff",
            obj=person,
            unit_path=old_unit.path,
            before={"unit": old_unit.name, "roles": roles},
            after={"unit": to_unit.name, "on": on.isoformat(), "note": note[:100]},
        )
    return posting


def reveal_id(*, actor: User, profile: StaffProfile) -> str:
    unit = _unit_of(profile.user)
    if not can(actor, "teacher.unmask_id", unit):
        raise Forbidden("您的角色不能查看完整身份证号")
    if not profile.id_card_no:
        raise DomainError("未登记身份证号", code="nothing_to_reveal")
    record_access(
        actor=actor, action="view_unmasked", obj=profile, unit_path=unit.path, details={"fields": ["id_card_no"]}
    )
    return profile.id_card_no
