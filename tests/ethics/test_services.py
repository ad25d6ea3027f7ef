"""Incidents through their steps, the one-vote veto, the commitment and commendations."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.ethics import selectors, services
from dudao.ethics.models import Acknowledgement, Incident, IncidentStatus
from tests.ethics.conftest import register, today, veto_incident, walk_to_decided

pytestmark = pytest.mark.django_db


def test_register_stores_facts_encrypted_and_audits_without_them(city, incident):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT facts FROM ethics_incident WHERE id = %s", [incident.pk])
        stored = cursor.fetchone()[0]
    assert "有偿补课" not in stored
    assert Incident.objects.get(pk=incident.pk).facts.startswith("家长反映")
    event = AuditEvent.objects.get(object_type="ethics.incident", action="create")
    assert "有偿补课" not in str(event.changes)
    assert incident.school_id == city.school_a.pk


def test_same_request_key_registers_once(city):
    first = register(city, request_key="k-1")
    second = register(city, request_key="k-1")
    assert first.pk == second.pk
    assert Incident.objects.count() == 1


def test_register_refuses_future_date_and_empty_facts(city):
    with pytest.raises(DomainError, match="不能晚于今天"):
        register(
            city,
            data=services.IncidentIn(
                source="report", category="gifts", reported_on=today() + dt.timedelta(days=1), facts="x"
            ),
        )
    with pytest.raises(DomainError, match="请填写反映的问题"):
        register(city, data=services.IncidentIn(source="report", category="gifts", reported_on=today(), facts=" "))
    assert not Incident.objects.exists()


def test_principal_cannot_register_for_another_school(city):
    other = city.user("district_admin_b")
    with pytest.raises(Forbidden):
        register(city, actor=other)


def test_nobody_handles_their_own_incident(city):
    with pytest.raises(Forbidden):
        register(city, teacher=city.user("principal"))


def test_class_teacher_cannot_register(city, colleague):
    with pytest.raises(Forbidden):
        register(city, actor=colleague)


def test_steps_walk_to_closed_with_a_veto(city, incident):
    incident = veto_incident(city, incident)
    assert incident.status == IncidentStatus.HANDLED
    start, end = services.school_year_of(today())
    assert (incident.veto_from, incident.veto_until) == (start, end)
    incident = services.close(actor=city.user("principal"), incident=incident, version=incident.version)
    assert incident.status == IncidentStatus.CLOSED
    actions = list(
        AuditEvent.objects.filter(object_type="ethics.incident").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["create", "investigate", "decide", "impose_measure", "close"]


def test_principal_cannot_decide(city, incident):
    incident = services.record_investigation(
        actor=city.user("principal"), incident=incident, investigation="属实", version=incident.version
    )
    with pytest.raises(Forbidden):
        services.decide(
            actor=city.user("principal"),
            incident=incident,
            finding="substantiated",
            found_on=today(),
            version=incident.version,
        )


def test_decide_needs_investigation_first(city, incident):
    with pytest.raises(DomainError, match="请先登记调查情况"):
        services.decide(
            actor=city.user("district_admin"),
            incident=incident,
            finding="substantiated",
            found_on=today(),
            version=incident.version,
        )


def test_unsubstantiated_closes_and_allows_no_measure(city, incident):
    incident = services.record_investigation(
        actor=city.user("principal"), incident=incident, investigation="查无实据", version=incident.version
    )
    incident = services.decide(
        actor=city.user("district_admin"),
        incident=incident,
        finding="unsubstantiated",
        found_on=today(),
        version=incident.version,
    )
    assert incident.status == IncidentStatus.CLOSED
    with pytest.raises(DomainError, match="只有认定成立"):
        services.impose_measure(
            actor=city.user("district_admin"),
            incident=incident,
            data=services.MeasureIn(measure="criticism", body="甲区教育局", decided_on=today()),
            version=incident.version,
        )


def test_stale_version_changes_nothing(city, incident):
    stale = incident.version
    services.record_investigation(
        actor=city.user("principal"), incident=incident, investigation="第一次", version=stale
    )
    with pytest.raises(StaleEditError):
        services.record_investigation(
            actor=city.user("district_admin"), incident=incident, investigation="第二次", version=stale
        )
    assert Incident.objects.get(pk=incident.pk).investigation == "第一次"


def test_veto_period_must_be_ordered(city, incident):
    incident = walk_to_decided(city, incident)
    with pytest.raises(DomainError, match="不能早于开始日期"):
        services.impose_measure(
            actor=city.user("district_admin"),
            incident=incident,
            data=services.MeasureIn(
                measure="sanction",
                body="甲区教育局",
                decided_on=today(),
                is_veto=True,
                veto_from=today(),
                veto_until=today() - dt.timedelta(days=1),
            ),
            version=incident.version,
        )
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.DECIDED


def test_vetoed_answers_inside_the_period_only(city, incident, colleague):
    incident = veto_incident(city, incident)
    teacher = city.user("class_teacher")
    found = selectors.vetoed([teacher.pk, colleague.pk], today())
    assert set(found) == {teacher.pk}
    assert "一票否决" in found[teacher.pk].reason
    assert "有偿补课" in found[teacher.pk].reason
    assert selectors.vetoed([teacher.pk], incident.veto_until + dt.timedelta(days=1)) == {}
    assert selectors.vetoed([], today()) == {}


def test_a_measure_without_veto_does_not_veto(city, incident):
    incident = walk_to_decided(city, incident)
    services.impose_measure(
        actor=city.user("district_admin"),
        incident=incident,
        data=services.MeasureIn(measure="criticism", body="甲区教育局", decided_on=today()),
        version=incident.version,
    )
    assert selectors.vetoed([city.user("class_teacher").pk], today()) == {}


def test_acknowledge_is_idempotent(city, commitment):
    teacher = city.user("class_teacher")
    first, created = services.acknowledge(actor=teacher, commitment=commitment)
    again, created_again = services.acknowledge(actor=teacher, commitment=commitment)
    assert created and not created_again and first.pk == again.pk
    assert Acknowledgement.objects.count() == 1


def test_commitment_of_another_district_does_not_apply(city):
    district_b = services.publish_commitment(
        actor=city.user("bureau_staff"),
        unit=city.district_b,
        data=services.CommitmentIn(year=today().year, title="乙区承诺书", text="……"),
    )
    with pytest.raises(DomainError, match="不适用"):
        services.acknowledge(actor=city.user("class_teacher"), commitment=district_b)


def test_publish_twice_a_year_is_refused(city, commitment):
    with pytest.raises(DomainError, match="已发布"):
        services.publish_commitment(
            actor=city.user("bureau_staff"),
            unit=city.root,
            data=services.CommitmentIn(year=today().year, title="再来一份", text="……"),
        )


def test_principal_cannot_publish(city):
    with pytest.raises((Forbidden, DomainError)):
        services.publish_commitment(
            actor=city.user("principal"),
            unit=city.root,
            data=services.CommitmentIn(year=today().year, title="x", text="y"),
        )


def test_progress_and_pending_per_school(city, commitment, colleague):
    services.acknowledge(actor=city.user("class_teacher"), commitment=commitment)
    rows = {r.unit.pk: r for r in selectors.progress(commitment, [city.school_a, city.school_b, city.district_a])}
    staff_a = selectors.staff_under(city.school_a.path).count()
    assert rows[city.school_a.pk].staff == staff_a
    assert rows[city.school_a.pk].acknowledged == 1
    assert rows[city.district_a.pk].acknowledged == 1
    assert rows[city.school_b.pk].acknowledged == 0
    pending = set(selectors.pending_people(commitment, city.school_a).values_list("username", flat=True))
    assert "colleague" in pending and "class.teacher" not in pending


def test_commendation_recorded_once(city):
    data = services.CommendationIn(honour="ethics_model", level="district", awarded_on=today(), awarded_by="甲区教育局")
    services.record_commendation(actor=city.user("principal"), teacher=city.user("class_teacher"), data=data)
    with pytest.raises(DomainError, match="已登记过"):
        services.record_commendation(actor=city.user("principal"), teacher=city.user("class_teacher"), data=data)
