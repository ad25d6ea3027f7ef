from __future__ import annotations

import pytest

from dudao.accounts import services as account_services
from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden
from dudao.orgs import services
from dudao.orgs.models import OrgUnit, Student, StudentStatus
from tests.factories import PASSWORD, City

pytestmark = pytest.mark.django_db


def test_transfer_student_within_school(login, city: City) -> None:
    pupil = city.students["a1"][0]
    client = login(city.user("school_staff"))
    client.post(f"/students/{pupil.pk}/transfer/", {"klass": city.class_a2.pk, "version": pupil.version})
    pupil.refresh_from_db()
    assert pupil.klass == city.class_a2 and pupil.version == 2
    event = AuditEvent.objects.filter(action="transfer").get()
    assert event.changes["klass"] == [city.class_a1.pk, city.class_a2.pk]


def test_transfer_into_another_district_is_refused(city: City) -> None:
    with pytest.raises(Forbidden):
        services.transfer_student(
            actor=city.user("school_staff"), student=city.students["a1"][0], klass=city.class_b1, version=None
        )


def test_stale_transfer_changes_nothing(city: City) -> None:
    pupil = city.students["a1"][0]
    with pytest.raises(DomainError) as exc:
        services.transfer_student(actor=city.user("principal"), student=pupil, klass=city.class_a2, version=99)
    assert exc.value.code == "stale_version"
    assert exc.value.status == 409
    assert Student.objects.get(pk=pupil.pk).klass == city.class_a1


def test_leaving_students_lets_a_class_close(city: City) -> None:
    staff = city.user("school_staff")
    for pupil in city.students["a2"]:
        services.mark_student_left(actor=staff, student=pupil, reason="转学至外省", version=None)
    assert Student.objects.filter(klass=city.class_a2, status=StudentStatus.LEFT).count() == 2
    services.close_unit(actor=staff, unit=OrgUnit.objects.get(pk=city.class_a2.pk), reason="合班", version=None)
    event = AuditEvent.objects.filter(action="leave").first()
    assert event is not None
    changes = event.changes
    assert changes["reason"][1] == "转学至外省" and changes["status"] == ["enrolled", "left"]


def test_class_teacher_cannot_transfer_or_mark_left(login, city: City) -> None:
    pupil = city.students["a1"][0]
    client = login(city.user("class_teacher"))
    assert client.post(f"/students/{pupil.pk}/leave/", {"reason": "x"}).status_code == 403
    assert Student.objects.get(pk=pupil.pk).status == StudentStatus.ENROLLED


def test_deactivated_account_cannot_log_in_or_use_tokens(client, city: City) -> None:
    doctor = city.user("doctor")
    _, plain = account_services.create_token(actor=doctor, name="t")
    services.set_staff_active(actor=city.user("sysadmin"), user=doctor, active=False)
    assert client.post("/accounts/login/", {"username": "doctor", "password": PASSWORD}).status_code == 200
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 401
    assert AuditEvent.objects.filter(action="deactivate", object_id=str(doctor.pk)).exists()


def test_reset_password_revokes_tokens(city: City) -> None:
    doctor = city.user("doctor")
    token, _ = account_services.create_token(actor=doctor, name="t")
    services.reset_password(actor=city.user("sysadmin"), user=doctor, password="Temp-pass-2026")
    doctor.refresh_from_db()
    token.refresh_from_db()
    assert doctor.check_password("Temp-pass-2026") and token.revoked_at is not None


def test_only_sysadmin_manages_accounts(login, city: City) -> None:
    client = login(city.user("principal"))
    response = client.post(f"/staff/{city.user('doctor').pk}/active/", {"active": "0"})
    assert response.status_code == 403
    assert city.user("doctor").is_active


def test_district_sysadmin_cannot_manage_other_districts_accounts(city: City) -> None:
    with pytest.raises(Forbidden):
        services.set_staff_active(
            actor=city.user("district_sysadmin"), user=city.user("district_admin_b"), active=False
        )
