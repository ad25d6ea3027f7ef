"""党风廉政 services: validation, idempotent double submits, optimistic locking, scope, audit without secrets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.integrity import selectors, services
from dudao.integrity.models import DutyList, MatterDocument, SpotFinding, SpotTarget, Talk
from tests.factories import City
from tests.integrity.conftest import duty, matter, photo, spot_check, talk, today

pytestmark = pytest.mark.django_db


def test_duty_list_is_filed_at_the_leaders_unit_and_a_double_submit_returns_it(city: City) -> None:
    first = duty(city)
    assert first.unit == city.school_a and first.acknowledged_at is None
    again, created = services.create_duty_list(
        actor=city.user("discipline_officer"),
        leader=city.user("principal"),
        data=services.DutyIn(today().year, "校长", "主持学校全面工作", "落实党风廉政建设主体责任"),
    )
    assert again.pk == first.pk and not created
    with pytest.raises(DomainError) as exc:
        services.create_duty_list(
            actor=city.user("discipline_officer"),
            leader=city.user("principal"),
            data=services.DutyIn(today().year, "校长", "别的职责", "别的职责"),
        )
    assert exc.value.code == "duty_list_exists"
    assert DutyList.objects.count() == 1


def test_only_the_leader_acknowledges_and_an_edit_asks_again(city: City) -> None:
    item = duty(city)
    with pytest.raises(Forbidden):
        services.acknowledge_duty_list(actor=city.user("discipline_officer"), duty=item, version=item.version)
    done = services.acknowledge_duty_list(actor=city.user("principal"), duty=item, version=item.version)
    assert done.acknowledged_at is not None
    twice = services.acknowledge_duty_list(actor=city.user("principal"), duty=done, version=item.version)
    assert twice.acknowledged_at == done.acknowledged_at
    edited = services.update_duty_list(
        actor=city.user("discipline_officer"),
        duty=done,
        data=services.DutyIn(today().year, "校长", "主持学校全面工作；分管财务", "落实党风廉政建设主体责任"),
        version=done.version,
    )
    assert edited.acknowledged_at is None
    with pytest.raises(StaleEditError):
        services.update_duty_list(
            actor=city.user("discipline_officer"),
            duty=edited,
            data=services.DutyIn(today().year, "校长", "又改", "又改"),
            version=done.version,
        )


def test_duty_list_bad_input_changes_nothing(city: City) -> None:
    for data, code in [
        (services.DutyIn(today().year, "", "a", "b"), "required"),
        (services.DutyIn(today().year + 5, "校长", "a", "b"), "year_invalid"),
    ]:
        with pytest.raises(DomainError) as exc:
            services.create_duty_list(actor=city.user("discipline_officer"), leader=city.user("principal"), data=data)
        assert exc.value.code == code
    assert not DutyList.objects.exists()


def test_roles_without_change_are_refused(city: City) -> None:
    for key in ("auditor", "principal", "bureau_staff", "district_admin"):
        with pytest.raises(Forbidden):
            services.create_duty_list(
                actor=city.user(key),
                leader=city.user("principal"),
                data=services.DutyIn(today().year, "校长", "a", "b"),
            )


def test_talk_summary_is_encrypted_at_rest_and_kept_out_of_the_audit_trail(city: City) -> None:
    item = talk(city, summary="涉及收受购物卡的线索")
    with connection.cursor() as cursor:
        cursor.execute("SELECT summary FROM integrity_talk WHERE id = %s", [item.pk])
        raw = cursor.fetchone()[0]
    assert "购物卡" not in raw
    assert Talk.objects.get(pk=item.pk).summary == "涉及收受购物卡的线索"
    events = AuditEvent.objects.filter(action__startswith="integrity_talk")
    assert events.exists()
    assert all("购物卡" not in str(e.changes) for e in events)


def test_talk_double_submit_and_bad_input(city: City) -> None:
    first = talk(city)
    again = talk(city)
    assert again.pk == first.pk and Talk.objects.count() == 1
    with pytest.raises(DomainError) as exc:
        talk(city, held_on=today() + dt.timedelta(days=1))
    assert exc.value.code == "date_in_future"
    with pytest.raises(DomainError) as exc:
        talk(city, subject_key="bureau_leader")
    assert exc.value.code == "talk_same_person"
    with pytest.raises(DomainError):
        talk(city, summary="  ", held_on=today() - dt.timedelta(days=1))
    assert Talk.objects.count() == 1


def test_talk_edit_is_locked(city: City) -> None:
    item = talk(city)
    data = services.TalkIn("reminder", city.user("bureau_leader"), city.user("principal"), today(), "", "改为提醒谈话")
    changed = services.update_talk(actor=city.user("discipline_officer"), talk=item, data=data, version=item.version)
    assert changed.kind == "reminder" and changed.summary == "改为提醒谈话"
    with pytest.raises(StaleEditError):
        services.update_talk(actor=city.user("discipline_officer"), talk=item, data=data, version=item.version)


def test_spot_check_targets_are_units_or_people_and_skip_duplicates(city: City) -> None:
    check = spot_check(city)
    officer = city.user("discipline_officer")
    added = services.add_targets(
        actor=officer, check=check, units=[city.office, city.district_a, city.school_a], people=[city.user("principal")]
    )
    assert len(added) == 4
    assert services.add_targets(actor=officer, check=check, units=[city.school_a]) == []
    assert {t.is_person for t in SpotTarget.objects.filter(spot_check=check)} == {True, False}
    with pytest.raises(DomainError) as exc:
        services.add_targets(actor=officer, check=check, units=[city.class_a1])
    assert exc.value.code == "target_out_of_scope"


def test_findings_with_photos_checked_by_content(city: City) -> None:
    check = spot_check(city)
    officer = city.user("discipline_officer")
    (target,) = services.add_targets(actor=officer, check=check, units=[city.school_a])
    finding, created = services.add_finding(
        actor=officer, target=target, data=services.FindingIn(today(), "传达室存放礼盒"), photo=photo()
    )
    assert created and finding.photo is not None
    again, created = services.add_finding(
        actor=officer, target=target, data=services.FindingIn(today(), "传达室存放礼盒"), photo=photo()
    )
    assert again.pk == finding.pk and not created
    fake = SimpleUploadedFile("现场.jpg", b"MZ\x90\x00 not a picture", content_type="image/jpeg")
    with pytest.raises(DomainError) as exc:
        services.add_finding(actor=officer, target=target, data=services.FindingIn(today(), "另一个问题"), photo=fake)
    assert exc.value.code == "upload_type_refused"
    assert SpotFinding.objects.count() == 1
    closed = services.close_check(actor=officer, check=check, version=check.version)
    with pytest.raises(DomainError) as exc:
        services.add_finding(actor=officer, target=target, data=services.FindingIn(today(), "结束后补记"))
    assert exc.value.code == "check_closed"
    assert closed.closed_at is not None


def test_matter_rules_and_documents(city: City) -> None:
    with pytest.raises(DomainError) as exc:
        matter(city, amount=None)
    assert exc.value.code == "amount_required"
    bad = SimpleUploadedFile("纪要.pdf", b"\x7fELF binary", content_type="application/pdf")
    with pytest.raises(DomainError):
        services.create_matter(
            actor=city.user("bureau_leader"),
            unit=city.root,
            data=services.MatterIn("decision", "一项决策", today(), "局党组会议", "7 人", "passed"),
            documents=[bad],
        )
    assert not MatterDocument.objects.exists()
    first = matter(city)
    again = matter(city)
    assert again.pk == first.pk
    docs = services.add_documents(
        actor=city.user("discipline_officer"),
        matter=first,
        documents=[SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4 minutes", content_type="application/pdf")],
    )
    assert len(docs) == 1
    changed = services.update_matter(
        actor=city.user("bureau_leader"),
        matter=first,
        data=services.MatterIn("funds", first.title, today(), first.meeting, "7 人", "deferred", amount=Decimal("1")),
        version=first.version,
    )
    assert changed.vote == "deferred"
    with pytest.raises(StaleEditError):
        services.update_matter(
            actor=city.user("bureau_leader"),
            matter=first,
            data=services.MatterIn("funds", first.title, today(), first.meeting, "7 人", "passed", amount=Decimal("1")),
            version=first.version,
        )


def test_scope_district_records_are_not_seen_from_another_district(city: City, signed_in) -> None:
    from tests.factories import UserFactory, assign

    officer_b = UserFactory.create(username="discipline.b", unit=city.district_b)
    assign(officer_b, "discipline_officer", city.district_b)
    talk(city)  # filed at school_a (district A)
    assert selectors.talks_for(officer_b).count() == 0
    assert selectors.talks_for(city.user("discipline_officer")).count() == 1
    with pytest.raises(Forbidden):  # district A's principal is outside district B's officer's scope
        services.record_talk(
            actor=officer_b,
            data=services.TalkIn("integrity", officer_b, city.user("principal"), today(), "", "不在辖区的谈话"),
        )
