"""教师档案 services: profile checks against the ID number, locking, certificates, transfers, the reveal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.orgs.models import RoleAssignment
from dudao.teachers import selectors, services
from dudao.teachers.models import Certificate, Posting, StaffProfile
from tests.factories import City, UserFactory, id_card

BIRTH = dt.date(1985, 6, 15)


def values(**extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id_card_no": id_card(BIRTH, 11),  # serial 011: odd → male
        "post": "teaching",
        "employment": "established",
        "subjects": "语文,道德与法治",
        "title": "first",
        "title_date": dt.date(2016, 9, 1),
        "qualification": "junior",
        "qualification_no": "20083600012345",
        "work_started_on": dt.date(2008, 8, 1),
    }
    base.update(extra)
    return base


def test_a_profile_takes_gender_and_birth_from_the_id_number_and_is_audited_masked(city: City) -> None:
    teacher = UserFactory.create(unit=city.school_a, full_name="王老师")
    profile = services.update_profile(actor=city.user("principal"), person=teacher, values=values(), version=None)
    assert (profile.gender, profile.birth_date, profile.subjects) == ("M", BIRTH, "语文、道德与法治")
    assert profile.version == 2
    event = AuditEvent.objects.filter(action="update_profile").latest("id")
    text = str(event.changes)
    assert id_card(BIRTH, 11) not in text and "360101********" in text


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"id_card_no": "360101198506150110"}, "bad_id_card"),  # wrong check digit
        ({"birth_date": dt.date(1986, 1, 1)}, "birth_mismatch"),
        ({"gender": "F"}, "gender_mismatch"),
        ({"work_started_on": dt.date(2999, 1, 1)}, "future_date"),
        ({"qualification_no": ""}, "qualification_no_missing"),
        ({"id_card_no": "", "birth_date": dt.date(1930, 1, 1)}, "bad_birth_date"),
    ],
)
def test_bad_profiles_are_refused_and_change_nothing(city: City, extra: dict[str, object], code: str) -> None:
    teacher = UserFactory.create(unit=city.school_a)
    with pytest.raises(DomainError) as refused:
        services.update_profile(actor=city.user("principal"), person=teacher, values=values(**extra), version=None)
    assert refused.value.code == code
    assert not StaffProfile.objects.filter(user=teacher).exclude(id_card_no="").exists()
    assert not AuditEvent.objects.filter(action="update_profile").exists()


def test_a_stale_edit_and_a_duplicate_id_number_are_refused(city: City) -> None:
    first, second = UserFactory.create(unit=city.school_a), UserFactory.create(unit=city.school_a)
    principal = city.user("principal")
    services.update_profile(actor=principal, person=first, values=values(), version=None)
    with pytest.raises(StaleEditError):
        services.update_profile(actor=principal, person=first, values=values(subjects="数学"), version=1)
    with pytest.raises(DomainError) as duplicate:
        services.update_profile(actor=principal, person=second, values=values(), version=None)
    assert duplicate.value.code == "duplicate_id_card"
    assert StaffProfile.objects.get(user=first).subjects == "语文、道德与法治"


def test_only_the_units_keepers_may_change_a_profile(city: City) -> None:
    teacher = UserFactory.create(unit=city.school_a)
    for key in ("class_teacher", "district_admin_b", "bureau_staff", "doctor"):
        with pytest.raises(Forbidden):
            services.update_profile(actor=city.user(key), person=teacher, values=values(), version=None)
    services.update_profile(actor=city.user("district_admin"), person=teacher, values=values(), version=None)


def test_certificates_expire_and_are_counted(city: City) -> None:
    teacher = UserFactory.create(unit=city.school_a)
    principal = city.user("principal")
    today = timezone.localdate()
    services.add_certificate(
        actor=principal,
        person=teacher,
        data=services.CertificateInput(
            kind="guard",
            number="BA1",
            issued_on=today - dt.timedelta(days=900),
            expires_on=today + dt.timedelta(days=10),
        ),
    )
    services.add_certificate(
        actor=principal,
        person=teacher,
        data=services.CertificateInput(kind="psych_c", number="XL1", issued_on=today - dt.timedelta(days=100)),
    )
    with pytest.raises(DomainError, match="已登记"):
        services.add_certificate(
            actor=principal, person=teacher, data=services.CertificateInput(kind="psych_c", number="XL1")
        )
    with pytest.raises(DomainError, match="有效期必须晚于发证日期"):
        services.add_certificate(
            actor=principal,
            person=teacher,
            data=services.CertificateInput(
                kind="health", issued_on=today - dt.timedelta(days=5), expires_on=today - dt.timedelta(days=6)
            ),
        )
    summary = selectors.summary(principal, city.school_a, today=today)
    assert (summary.expiring, summary.expired, summary.psych_certified) == (1, 0, 1)
    later = selectors.summary(principal, city.school_a, today=today + dt.timedelta(days=11))
    assert (later.expiring, later.expired) == (0, 1)
    assert Certificate.objects.count() == 2


def test_a_transfer_keeps_the_history_and_ends_the_old_schools_roles(city: City) -> None:
    teacher = city.user("class_teacher")
    admin = city.user("district_admin")
    on = timezone.localdate()
    posting = services.transfer(actor=admin, person=teacher, to_unit=city.school_a2, on=on, note="交流轮岗")
    teacher.refresh_from_db()
    assert teacher.unit == city.school_a2 and posting.unit == city.school_a2
    history = list(Posting.objects.filter(user=teacher).order_by("started_on"))
    assert [(p.unit, p.ended_on) for p in history] == [
        (city.school_a, on - dt.timedelta(days=1)),
        (city.school_a2, None),
    ]
    assert not RoleAssignment.objects.filter(user=teacher, unit__path__startswith=city.school_a.path).exists()
    assert AuditEvent.objects.filter(action="transfer_staff").count() == 1
    # Between districts: only the city's office staff; a district admin may not send a teacher out of the district.
    with pytest.raises(Forbidden):
        services.transfer(actor=admin, person=teacher, to_unit=city.school_b, on=on + dt.timedelta(days=1))
    with pytest.raises(DomainError, match="相同"):
        services.transfer(actor=city.user("bureau_staff"), person=teacher, to_unit=city.school_a2, on=on)


def test_revealing_the_id_number_is_for_the_schools_personnel_and_leaves_an_access_event(city: City) -> None:
    teacher = UserFactory.create(unit=city.school_a)
    profile = services.update_profile(actor=city.user("principal"), person=teacher, values=values(), version=None)
    with pytest.raises(Forbidden):
        services.reveal_id(actor=city.user("district_admin"), profile=profile)
    assert services.reveal_id(actor=city.user("school_staff"), profile=profile) == id_card(BIRTH, 11)
    event = AuditEvent.objects.get(action="view_unmasked", object_type="teachers.staffprofile")
    assert event.kind == "access"
