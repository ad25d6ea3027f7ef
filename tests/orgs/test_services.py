from __future__ import annotations

import pytest

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden
from dudao.orgs import services
from dudao.orgs.models import OrgUnit, RoleAssignment, StudentStatus
from tests.factories import City, UserFactory

pytestmark = pytest.mark.django_db


def last_event() -> AuditEvent:
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None
    return event


def test_district_admin_creates_school_with_pinyin_and_audit(city: City) -> None:
    school = services.create_unit(
        actor=city.user("district_admin"),
        parent=city.district_a,
        name="甲区第二中学",
        kind="school",
        short_name="二中",
        school_type="junior",
    )
    assert school.get_parent() == city.district_a
    assert "dezx" in school.pinyin and "ez" in school.pinyin
    event = last_event()
    assert (event.action, event.object_id, event.actor_id) == ("create", str(school.pk), city.user("district_admin").pk)
    assert event.changes["after"]["name"] == "甲区第二中学"


def test_kind_rules_refuse_class_directly_under_district(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        services.create_unit(actor=city.user("district_admin"), parent=city.district_a, name="一班", kind="class")
    assert exc.value.code == "kind_not_allowed"


def test_district_admin_cannot_create_in_other_district(city: City) -> None:
    with pytest.raises(Forbidden):
        services.create_unit(actor=city.user("district_admin"), parent=city.district_b, name="新学校", kind="school")


def test_school_staff_creates_campus_but_not_schools(city: City) -> None:
    campus = services.create_unit(actor=city.user("school_staff"), parent=city.school_a, name="东校区", kind="campus")
    assert campus.kind == "campus"
    with pytest.raises(Forbidden):
        services.create_unit(actor=city.user("school_staff"), parent=city.district_a, name="新学校", kind="school")


def test_rename_writes_before_after_and_bumps_version(city: City) -> None:
    unit = services.rename_unit(
        actor=city.user("district_admin"),
        unit=city.school_a,
        name="甲区第五高级中学",
        short_name="五中",
        version=city.school_a.version,
    )
    assert unit.version == city.school_a.version + 1
    assert last_event().changes["name"] == ["甲区第五中学", "甲区第五高级中学"]


def test_stale_rename_is_refused_and_changes_nothing(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        services.rename_unit(
            actor=city.user("district_admin"),
            unit=city.school_a,
            name="新名",
            short_name="",
            version=city.school_a.version - 1 + 5,
        )
    assert exc.value.code == "stale_version"
    assert exc.value.status == 409
    assert OrgUnit.objects.get(pk=city.school_a.pk).name == "甲区第五中学"


def test_empty_name_is_refused(city: City) -> None:
    with pytest.raises(DomainError, match="名称不能为空") as exc:
        services.rename_unit(
            actor=city.user("district_admin"), unit=city.school_a, name="  ", short_name="", version=None
        )
    assert exc.value.code == "name_required"


def test_district_admin_cannot_rename_own_district(city: City) -> None:
    with pytest.raises(Forbidden):
        services.rename_unit(
            actor=city.user("district_admin"), unit=city.district_a, name="x", short_name="", version=None
        )


def test_move_school_between_districts_keeps_students(city: City) -> None:
    sysadmin = city.user("sysadmin")
    moved = services.move_unit(
        actor=sysadmin, unit=city.school_a2, new_parent=city.district_b, version=city.school_a2.version
    )
    assert moved.path.startswith(city.district_b.path)
    assert moved.get_parent() == city.district_b
    classes = OrgUnit.objects.filter(path__under=moved.path, kind="class")
    assert classes.count() == 1 and classes[0].path.startswith(moved.path)
    event = last_event()
    assert event.action == "move" and event.changes["parent"] == [city.district_a.pk, city.district_b.pk]


def test_move_under_own_descendant_is_refused(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        services.move_unit(actor=city.user("sysadmin"), unit=city.district_a, new_parent=city.school_a, version=None)
    assert exc.value.code == "move_into_descendant"


def test_move_into_wrong_kind_is_refused(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        services.move_unit(actor=city.user("sysadmin"), unit=city.class_a1, new_parent=city.school_b, version=None)
    assert exc.value.code == "kind_not_allowed"


def test_closing_a_unit_with_students_explains_what_is_open(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        services.close_unit(actor=city.user("district_admin"), unit=city.school_a, reason="撤并", version=None)
    assert exc.value.code == "unit_has_open_work"
    assert "名在籍学生" in exc.value.message and "下级单位" in exc.value.message
    assert not OrgUnit.objects.get(pk=city.school_a.pk).is_closed


def test_closing_an_empty_class_keeps_history_and_stops_new_children(city: City) -> None:
    for s in city.students["a2"]:
        s.status = StudentStatus.LEFT
        s.save()
    closed = services.close_unit(actor=city.user("school_staff"), unit=city.class_a2, reason="合班", version=None)
    assert closed.is_closed and closed.closed_reason == "合班"
    assert OrgUnit.objects.filter(pk=closed.pk).exists()
    assert last_event().action == "close"


def test_closed_unit_receives_no_new_children(city: City) -> None:
    OrgUnit.objects.filter(pk=city.grade_a.pk).update(is_closed=True)
    with pytest.raises(DomainError) as exc:
        services.create_unit(
            actor=city.user("school_staff"),
            parent=OrgUnit.objects.get(pk=city.grade_a.pk),
            name="七年级（9）班",
            kind="class",
        )
    assert exc.value.code == "unit_closed"


def test_admin_triad_roles_are_exclusive(city: City) -> None:
    auditor = city.user("auditor")
    with pytest.raises(DomainError) as exc:
        services.assign_role(actor=city.user("sysadmin"), user=auditor, role="sysadmin", unit=city.root)
    assert exc.value.code == "admin_triad_conflict"
    assert "三员分立" in exc.value.message
    assert not RoleAssignment.objects.filter(user=auditor, role="sysadmin").exists()


def test_admin_triad_account_holds_no_work_role(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        services.assign_role(
            actor=city.user("district_sysadmin"), user=city.user("principal"), role="auditor", unit=city.school_a
        )
    assert exc.value.code == "admin_triad_conflict"
    with pytest.raises(DomainError) as exc:
        services.assign_role(
            actor=city.user("sysadmin"), user=city.user("security_officer"), role="bureau_leader", unit=city.root
        )
    assert exc.value.code == "admin_triad_conflict"
    assert not RoleAssignment.objects.filter(user=city.user("security_officer"), role="bureau_leader").exists()


def test_triad_role_may_be_combined_with_nothing_else_of_the_triad_but_work_roles_are_fine(city: City) -> None:
    person = UserFactory.create(unit=city.school_a)
    services.assign_role(actor=city.user("sysadmin"), user=person, role="principal", unit=city.school_a)
    services.assign_role(actor=city.user("sysadmin"), user=person, role="counsellor", unit=city.school_a)
    assert RoleAssignment.objects.filter(user=person).count() == 2
    assert last_event().action == "assign"


def test_district_sysadmin_cannot_assign_outside_district(city: City) -> None:
    person = UserFactory.create(unit=city.school_b)
    with pytest.raises(Forbidden):
        services.assign_role(actor=city.user("district_sysadmin"), user=person, role="principal", unit=city.school_b)


def test_only_sysadmin_assigns_roles(city: City) -> None:
    person = UserFactory.create(unit=city.school_a)
    with pytest.raises(Forbidden):
        services.assign_role(actor=city.user("principal"), user=person, role="doctor", unit=city.school_a)


def test_revoke_role_is_audited(city: City) -> None:
    assignment = RoleAssignment.objects.get(user=city.user("doctor"))
    services.revoke_role(actor=city.user("sysadmin"), assignment=assignment)
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    assert last_event().action == "revoke"


def test_create_staff_hashes_with_argon2(city: City) -> None:
    user = services.create_staff(
        actor=city.user("sysadmin"),
        unit=city.school_a,
        username="new.teacher",
        full_name="新老师",
        phone="13911112222",
        title="教师",
        password="Lin-jiang-2026",
    )
    assert user.password.startswith("argon2")
    assert user.check_password("Lin-jiang-2026")


def test_create_staff_refuses_weak_password_and_duplicates(city: City) -> None:
    with pytest.raises(DomainError, match="密码不符合要求") as exc:
        services.create_staff(
            actor=city.user("sysadmin"),
            unit=city.school_a,
            username="weak",
            full_name="甲",
            phone="",
            title="",
            password="12345678",
        )
    assert exc.value.code == "weak_password"
    with pytest.raises(DomainError) as exc:
        services.create_staff(
            actor=city.user("sysadmin"),
            unit=city.school_a,
            username="PRINCIPAL",
            full_name="甲",
            phone="",
            title="",
            password="Lin-jiang-2026",
        )
    assert exc.value.code == "duplicate_username"


def test_reveal_logs_access_event_and_respects_roles(city: City) -> None:
    pupil = city.students["a1"][0]
    revealed = services.reveal_student(actor=city.user("class_teacher"), student=pupil, fields=["guardian_phones"])
    assert set(revealed["guardian_phones"].values()) == {g.phone for g in pupil.guardians.all()}
    event = last_event()
    assert (event.kind, event.action, event.object_id) == ("access", "view_unmasked", str(pupil.pk))
    with pytest.raises(Forbidden):
        services.reveal_student(actor=city.user("class_teacher"), student=pupil, fields=["id_card_no"])
    assert (
        services.reveal_student(actor=city.user("principal"), student=pupil, fields=["id_card_no"])["id_card_no"]
        == pupil.id_card_no
    )
