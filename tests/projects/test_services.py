"""The ¥10,000 filing rule, the workflow, photos, locking, idempotent transitions and the hazard link."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.projects import selectors, services
from dudao.projects.models import Project, ProjectStatus
from tests.inspections.factories import ledger_item
from tests.projects.conftest import make, photo, today

pytestmark = pytest.mark.django_db


def test_project_at_the_threshold_cannot_start_without_filing(city):
    project = make(city, "10000")
    with pytest.raises(DomainError, match="须先登记备案/审批文号和日期") as refused:
        services.start_project(actor=city.user("principal"), project=project, started_on=None, version=project.version)
    assert refused.value.code == "filing_required"
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.PROPOSED


def test_filed_project_starts(city):
    project = make(city)
    filed = services.file_project(
        actor=city.user("principal"), project=project, filing_number="教基建备〔2026〕8号", filed_on=today(), version=1
    )
    principal = city.user("principal")
    started = services.start_project(actor=principal, project=filed, started_on=None, version=filed.version)
    assert started.status == ProjectStatus.BUILDING and started.started_on == today()


def test_project_below_the_threshold_starts_by_the_simple_procedure(city):
    project = make(city, "9999.99")
    assert not project.needs_filing
    started = services.start_project(actor=city.user("principal"), project=project, started_on=None, version=1)
    assert started.status == ProjectStatus.BUILDING


def test_starting_twice_is_one_change(city):
    project = make(city, "5000")
    first = services.start_project(actor=city.user("principal"), project=project, started_on=None, version=1)
    second = services.start_project(actor=city.user("principal"), project=project, started_on=None, version=1)
    assert first.version == second.version == 2
    assert AuditEvent.objects.filter(action="start", object_id=str(project.pk)).count() == 1


def test_stale_edit_is_refused_and_changes_nothing(city):
    project = make(city)
    data = services.ProjectIn(title="新名称", kind="building", estimate="85000", funding="fiscal")
    services.update_project(actor=city.user("principal"), project=project, data=data, version=1)
    with pytest.raises(StaleEditError):
        services.update_project(
            actor=city.user("principal"),
            project=project,
            data=services.ProjectIn(title="再改", kind="building", estimate="1", funding="self"),
            version=1,
        )
    assert Project.objects.get(pk=project.pk).title == "新名称"


@pytest.mark.parametrize("estimate", ["0", "-5", "abc", "1.005", "99999999999"])
def test_bad_estimates_are_refused(city, estimate):
    with pytest.raises(DomainError, match="预算金额"):
        make(city, estimate)
    assert not Project.objects.exists()


def test_completion_needs_a_photo_and_acceptance_the_district(city):
    project = make(city, "6000")
    project = services.start_project(actor=city.user("principal"), project=project, started_on=None, version=1)
    with pytest.raises(DomainError, match="完工照片"):
        services.complete_project(actor=city.user("principal"), project=project, completed_on=None, version=None)
    with pytest.raises(DomainError, match="不是允许的类型"):
        services.complete_project(
            actor=city.user("principal"),
            project=project,
            completed_on=None,
            photos=[photo_bytes(b"%PDF-1.4 not a photo", "完工.png")],
            version=None,
        )
    done = services.complete_project(
        actor=city.user("principal"), project=project, completed_on=None, photos=[photo()], version=None
    )
    assert done.status == ProjectStatus.COMPLETED
    with pytest.raises(Forbidden):
        services.accept_project(
            actor=city.user("principal"), project=done, accepted_on=None, photos=[photo()], version=None
        )
    accepted = services.accept_project(
        actor=city.user("district_admin"), project=done, accepted_on=None, photos=[photo("验收.png")], version=None
    )
    assert accepted.status == ProjectStatus.ACCEPTED
    with pytest.raises(DomainError, match="已验收"):
        services.update_project(
            actor=city.user("district_admin"),
            project=accepted,
            data=services.ProjectIn(title="x", kind="building", estimate="6000", funding="self"),
            version=accepted.version,
        )


def photo_bytes(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def test_overdue_is_computed_from_the_deadline(city):
    project = make(city, "6000")
    Project.objects.filter(pk=project.pk).update(deadline=today() - dt.timedelta(days=1))
    project.refresh_from_db()
    assert project.is_overdue
    assert selectors.projects_for(city.user("district_admin")).filter(selectors.overdue_filter(today())).count() == 1


def test_budget_per_status(city):
    make(city, "85000")
    make(city, "5000.50")
    rows = {r.status: r for r in selectors.by_status(selectors.projects_for(city.user("bureau_staff")))}
    assert rows["proposed"].count == 2 and rows["proposed"].budget == Decimal("90000.50")
    assert rows["accepted"].count == 0


def test_project_links_a_hazard_of_its_school_only(city):
    item = ledger_item(city)
    project = make(city, hazard_item_id=item.pk)
    hazards = selectors.hazards_of(city.user("district_admin"), [project.hazard_item_id or 0])
    assert item.description in hazards[item.pk].title
    other = ledger_item(city, school=city.school_a2, owner=None)
    with pytest.raises(DomainError, match="关联的隐患"):
        make(city, hazard_item_id=other.pk)


@pytest.mark.parametrize("role", ["doctor", "class_teacher", "bureau_leader", "inspector"])
def test_roles_that_may_not_file_projects(city, role):
    with pytest.raises(Forbidden):
        make(city, role=role)


def test_district_files_a_project_for_its_school(city):
    assert make(city, role="district_admin").school == city.school_a
