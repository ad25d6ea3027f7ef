"""整改台账 services: 四定, progress, 销号 (request → verify / reject), overdue, evidence checks, postings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden
from dudao.rectification import services
from dudao.rectification.models import ItemPhoto, ItemStatus, PublicPosting, RectificationItem, StepKind
from tests.factories import City, UserFactory, act_as, assign
from tests.inspections.factories import ledger_item, upload

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def last_event(item) -> AuditEvent:
    events = AuditEvent.objects.filter(object_id=str(item.pk), object_type=item._meta.label_lower).order_by("-seq")
    event = events.first()
    assert event is not None
    return event


def do_assign(city: City, item: RectificationItem, *, owner=None, due: dt.date | None = None, actor=None, version=-1):
    return services.assign(
        actor=actor or city.user("principal"),
        item=item,
        owner=owner or city.user("class_teacher"),
        responsibility="德育处负责更换宣传栏",
        due_date=due or TODAY() + dt.timedelta(days=3),
        version=item.version if version == -1 else version,
    )


def progressed(city: City, item: RectificationItem, percent: int = 40, actor=None) -> RectificationItem:
    return services.record_progress(
        actor=actor or city.user("class_teacher"), item=item, progress=percent, text="已采购材料", version=item.version
    )


def requested(city: City, item: RectificationItem, actor=None, variant: int = 5) -> RectificationItem:
    return services.request_closeout(
        actor=actor or city.user("class_teacher"),
        item=item,
        text="已修复",
        photos=[upload(variant, "after.jpg")],
        version=item.version,
    )


# --- 四定 -----------------------------------------------------------------------------------------


def test_principal_assigns_owner_duty_and_date(city: City) -> None:
    item = ledger_item(city, owner=None)
    due = TODAY() + dt.timedelta(days=4)
    item = do_assign(city, item, due=due)
    item.refresh_from_db()
    assert (item.owner, item.responsibility, item.due_date) == (city.user("class_teacher"), "德育处负责更换宣传栏", due)
    assert item.steps.filter(kind=StepKind.ASSIGNED).count() == 1


def test_assign_is_audited_with_before_and_after(city: City) -> None:
    item = ledger_item(city, owner=None)
    item = do_assign(city, item)
    event = last_event(item)
    assert event.action == "assign"
    assert event.changes["owner"] == [None, city.user("class_teacher").pk]
    assert event.changes["responsibility"] == ["", "德育处负责更换宣传栏"]


def test_owner_must_be_staff_of_the_school(city: City) -> None:
    item = ledger_item(city, owner=None)
    other_school = UserFactory.create(unit=city.school_b)
    with pytest.raises(DomainError) as exc:
        do_assign(city, item, owner=other_school)
    assert exc.value.code == "owner_outside"
    item.refresh_from_db()
    assert item.owner is None


def test_owner_must_be_active(city: City) -> None:
    item = ledger_item(city, owner=None)
    gone = city.user("class_teacher")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    with pytest.raises(DomainError) as exc:
        do_assign(city, item, owner=gone)
    assert exc.value.code == "owner_outside"


def test_due_date_past_inspectors_limit_refused(city: City) -> None:
    item = ledger_item(city, owner=None)
    with pytest.raises(DomainError) as exc:
        do_assign(city, item, due=item.due_limit + dt.timedelta(days=1))
    assert exc.value.code == "due_date_past_limit"
    item.refresh_from_db()
    assert item.owner is None and item.version == 1


def test_due_date_on_the_limit_accepted(city: City) -> None:
    item = ledger_item(city, owner=None)
    assert do_assign(city, item, due=item.due_limit).due_date == item.due_limit


def test_stale_version_refused_and_nothing_changed(city: City) -> None:
    item = ledger_item(city, owner=None)
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as exc:
        do_assign(city, item, version=item.version + 1)
    assert (exc.value.code, exc.value.status) == ("stale_version", 409)
    item.refresh_from_db()
    assert item.owner is None and item.version == 1
    assert not item.steps.filter(kind=StepKind.ASSIGNED).exists()
    assert AuditEvent.objects.count() == events


def test_principal_of_other_school_cannot_assign(city: City) -> None:
    item = ledger_item(city, school=city.school_a2, owner=None)
    with pytest.raises(Forbidden):
        do_assign(city, item)


def test_inspector_cannot_assign(city: City) -> None:
    item = ledger_item(city, owner=None)
    with pytest.raises(Forbidden):
        do_assign(city, item, actor=city.user("inspector"))


# --- progress ------------------------------------------------------------------------------------


def test_owner_records_progress_with_photo_and_audit(city: City) -> None:
    item = ledger_item(city)
    item = services.record_progress(
        actor=city.user("class_teacher"),
        item=item,
        progress=60,
        text="已拆除旧设施",
        photos=[upload(2)],
        version=item.version,
    )
    assert (item.progress, item.status) == (60, ItemStatus.IN_PROGRESS)
    assert item.steps.filter(kind=StepKind.PROGRESS, progress=60).count() == 1
    assert ItemPhoto.objects.filter(item=item).count() == 1
    event = last_event(item)
    assert event.action == "progress"
    assert event.changes["progress"] == [0, 60]


def test_school_office_records_progress_for_owner(city: City) -> None:
    item = progressed(city, ledger_item(city), actor=city.user("school_staff"))
    assert item.progress == 40


def test_other_teacher_cannot_record_progress(city: City) -> None:
    item = ledger_item(city)
    colleague = UserFactory.create(unit=city.class_a2)
    assign(colleague, "class_teacher", city.class_a2)
    with pytest.raises(Forbidden):
        progressed(city, item, actor=colleague)


@pytest.mark.parametrize("percent", [-1, 100, 150])
def test_progress_outside_0_to_99_refused(city: City, percent: int) -> None:
    item = ledger_item(city)
    with pytest.raises(DomainError) as exc:
        progressed(city, item, percent=percent)
    assert exc.value.code == "invalid_progress"


def test_progress_before_owner_named_refused(city: City) -> None:
    item = ledger_item(city, owner=None)
    with pytest.raises(DomainError) as exc:
        progressed(city, item, actor=city.user("principal"))
    assert exc.value.code == "owner_required"


def test_progress_with_stale_version_refused(city: City) -> None:
    item = ledger_item(city)
    with pytest.raises(DomainError) as exc:
        services.record_progress(
            actor=city.user("class_teacher"), item=item, progress=10, text="x", version=item.version - 1
        )
    assert exc.value.code == "stale_version"
    item.refresh_from_db()
    assert item.progress == 0


# --- 销号 ------------------------------------------------------------------------------------------


def test_closeout_without_photo_refused(city: City) -> None:
    item = ledger_item(city)
    with pytest.raises(DomainError) as exc:
        services.request_closeout(
            actor=city.user("class_teacher"), item=item, text="已修复", photos=[], version=item.version
        )
    assert exc.value.code == "closeout_evidence_missing"
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN


def test_closeout_with_non_image_refused_and_nothing_changed(city: City) -> None:
    import io

    item = ledger_item(city)
    with pytest.raises(DomainError) as exc:
        services.request_closeout(
            actor=city.user("class_teacher"),
            item=item,
            text="已修复",
            photos=[(io.BytesIO(b"MZ\x90\x00"), "after.jpg")],
            version=item.version,
        )
    assert exc.value.code == "upload_type_refused"
    item.refresh_from_db()
    assert item.status == ItemStatus.OPEN
    assert not ItemPhoto.objects.exists()


def test_owner_requests_closeout_and_awaits_verification(city: City) -> None:
    item = requested(city, ledger_item(city))
    assert (item.status, item.progress, item.closeout_requested_by) == (
        ItemStatus.AWAITING_VERIFICATION,
        100,
        city.user("class_teacher"),
    )
    assert last_event(item).action == "request_closeout"


def test_inspector_verifies_and_closes(city: City) -> None:
    item = requested(city, ledger_item(city))
    item = services.verify_closeout(actor=city.user("inspector"), item=item, version=item.version)
    assert (item.status, item.closed_by) == (ItemStatus.CLOSED, city.user("inspector"))
    assert item.closed_at is not None
    event = last_event(item)
    assert event.action == "verify_closeout"
    assert event.changes["status"] == [ItemStatus.AWAITING_VERIFICATION, ItemStatus.CLOSED]


def test_verifier_cannot_verify_own_closeout(city: City) -> None:
    # A 德育主任 seconded to the district: requests as school staff, then switches to the district role.
    both = UserFactory.create(unit=city.school_a)
    assign(both, "school_staff", city.school_a)
    district_role = assign(both, "district_admin", city.district_a)
    item = requested(city, ledger_item(city), actor=both)
    assert item.closeout_requested_by == both
    act_as(both, district_role)
    with pytest.raises(Forbidden):
        services.verify_closeout(actor=both, item=item, version=item.version)
    with pytest.raises(Forbidden):
        services.reject_closeout(actor=both, item=item, reason="自己退回", version=item.version)
    item.refresh_from_db()
    assert item.status == ItemStatus.AWAITING_VERIFICATION


def test_owner_cannot_verify_own_item(city: City) -> None:
    # The owner holds a district role too; another person (the principal) requested the close-out.
    owner = UserFactory.create(unit=city.school_a)
    assign(owner, "class_teacher", city.class_a1)
    district_role = assign(owner, "district_admin", city.district_a)
    item = ledger_item(city, owner=owner)
    item = requested(city, item, actor=city.user("principal"))
    act_as(owner, district_role)
    with pytest.raises(Forbidden):
        services.verify_closeout(actor=owner, item=item, version=item.version)


def test_school_cannot_verify(city: City) -> None:
    item = requested(city, ledger_item(city))
    with pytest.raises(Forbidden):
        services.verify_closeout(actor=city.user("principal"), item=item, version=item.version)


def test_district_admin_of_other_district_cannot_verify(city: City) -> None:
    item = requested(city, ledger_item(city))
    with pytest.raises(Forbidden):
        services.verify_closeout(actor=city.user("district_admin_b"), item=item, version=item.version)


@pytest.mark.parametrize("stage", ["open", "in_progress", "closed"])
def test_verify_only_from_awaiting_verification(city: City, stage: str) -> None:
    item = ledger_item(city)
    RectificationItem.objects.filter(pk=item.pk).update(status=stage)
    item.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.verify_closeout(actor=city.user("inspector"), item=item, version=item.version)
    assert (exc.value.code, exc.value.status) == ("illegal_transition", 409)


@pytest.mark.parametrize("stage", ["open", "in_progress", "closed"])
def test_reject_only_from_awaiting_verification(city: City, stage: str) -> None:
    item = ledger_item(city)
    RectificationItem.objects.filter(pk=item.pk).update(status=stage)
    item.refresh_from_db()
    with pytest.raises(DomainError) as exc:
        services.reject_closeout(actor=city.user("inspector"), item=item, reason="照片不清", version=item.version)
    assert (exc.value.code, exc.value.status) == ("illegal_transition", 409)


def test_reject_returns_item_to_in_progress_with_reason(city: City) -> None:
    item = requested(city, ledger_item(city))
    item = services.reject_closeout(
        actor=city.user("district_admin"), item=item, reason="宣传栏仍未固定", version=item.version
    )
    assert item.status == ItemStatus.IN_PROGRESS
    assert item.closeout_requested_by is None
    assert item.steps.filter(kind=StepKind.REJECTED, text="宣传栏仍未固定").count() == 1
    event = last_event(item)
    assert event.action == "reject_closeout"
    assert event.changes["reason"] == [None, "宣传栏仍未固定"]


def test_reject_needs_a_reason(city: City) -> None:
    item = requested(city, ledger_item(city))
    with pytest.raises(DomainError) as exc:
        services.reject_closeout(actor=city.user("inspector"), item=item, reason="  ", version=item.version)
    assert exc.value.code == "reason_required"
    item.refresh_from_db()
    assert item.status == ItemStatus.AWAITING_VERIFICATION


def test_rejected_item_can_be_requested_again(city: City) -> None:
    item = requested(city, ledger_item(city))
    item = services.reject_closeout(actor=city.user("inspector"), item=item, reason="不清楚", version=item.version)
    item = requested(city, item, variant=6)
    assert item.status == ItemStatus.AWAITING_VERIFICATION


def test_closed_item_cannot_be_reassigned(city: City) -> None:
    item = requested(city, ledger_item(city))
    item = services.verify_closeout(actor=city.user("inspector"), item=item, version=item.version)
    with pytest.raises(DomainError) as exc:
        do_assign(city, item)
    assert (exc.value.code, exc.value.status) == ("item_closed", 409)


def test_progress_while_awaiting_verification_refused(city: City) -> None:
    item = requested(city, ledger_item(city))
    with pytest.raises(DomainError) as exc:
        progressed(city, item)
    assert exc.value.code == "illegal_transition"


# --- overdue -------------------------------------------------------------------------------------


def test_item_past_due_is_overdue(city: City) -> None:
    item = ledger_item(city)
    item.due_date = TODAY() - dt.timedelta(days=1)
    assert item.is_overdue
    assert item.days_overdue == 1


def test_item_due_today_is_not_overdue(city: City) -> None:
    item = ledger_item(city)
    item.due_date = TODAY()
    assert not item.is_overdue


def test_closed_item_is_never_overdue(city: City) -> None:
    item = ledger_item(city)
    item.due_date = TODAY() - dt.timedelta(days=10)
    item.status = ItemStatus.CLOSED
    assert not item.is_overdue


def test_overdue_queryset_matches_the_property(city: City) -> None:
    late = ledger_item(city)
    on_time = ledger_item(city)
    closed_late = ledger_item(city)
    RectificationItem.objects.filter(pk__in=[late.pk, closed_late.pk]).update(due_date=TODAY() - dt.timedelta(days=2))
    RectificationItem.objects.filter(pk=closed_late.pk).update(status=ItemStatus.CLOSED)
    assert list(RectificationItem.objects.overdue()) == [late]
    assert set(RectificationItem.objects.not_overdue()) == {on_time, closed_late}
    assert all(i.is_overdue for i in RectificationItem.objects.overdue())


# --- evidence integrity --------------------------------------------------------------------------


def test_no_warning_for_a_new_after_photo(city: City) -> None:
    item = requested(city, ledger_item(city), variant=5)
    assert services.evidence_warnings(item) == []


def test_warns_when_after_photo_is_the_before_photo(city: City) -> None:
    # The factory's failed 1.1 carries photo variant 0; the owner sends the same picture back.
    item = requested(city, ledger_item(city), variant=0)
    warnings = services.evidence_warnings(item)
    assert any("发现问题时的照片" in w for w in warnings)


def test_warns_when_after_photo_is_the_before_photo_resized(city: City) -> None:
    item = ledger_item(city)
    item = services.request_closeout(
        actor=city.user("class_teacher"),
        item=item,
        text="已修复",
        photos=[upload(0, "after.jpg", size=(640, 480))],
        version=item.version,
    )
    assert any("发现问题时的照片" in w for w in services.evidence_warnings(item))


def test_warns_when_after_photo_was_used_for_another_schools_item(city: City) -> None:
    other = ledger_item(city, school=city.school_a2, owner=None)
    office = UserFactory.create(unit=city.school_a2)
    assign(office, "school_staff", city.school_a2)
    other = do_assign(city, other, owner=office, actor=office)
    requested(city, other, actor=office, variant=6)
    item = requested(city, ledger_item(city), variant=6)
    warnings = services.evidence_warnings(item)
    assert any("其他学校" in w and f"#{other.pk}" in w for w in warnings)


def test_warns_when_after_photo_was_used_for_another_item_of_same_school(city: City) -> None:
    first = requested(city, ledger_item(city), variant=7)
    second = requested(city, ledger_item(city), variant=7)
    warnings = services.evidence_warnings(second)
    assert any("本校其他问题" in w and f"#{first.pk}" in w for w in warnings)


def test_warns_when_resized_after_photo_was_used_for_another_item(city: City) -> None:
    first = requested(city, ledger_item(city), variant=7)
    second = ledger_item(city)
    second = services.request_closeout(
        actor=city.user("class_teacher"),
        item=second,
        text="已修复",
        photos=[upload(7, "after.jpg", size=(1280, 960))],
        version=second.version,
    )
    assert any(f"#{first.pk}" in w for w in services.evidence_warnings(second))


# --- public posting ------------------------------------------------------------------------------


def test_principal_creates_posting_and_new_one_replaces_old(city: City) -> None:
    first = services.create_posting(actor=city.user("principal"), school=city.school_a)
    second = services.create_posting(actor=city.user("principal"), school=city.school_a)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    assert len(second.token) >= 30
    assert PublicPosting.objects.filter(school=city.school_a, revoked_at__isnull=True).count() == 1
    assert last_event(second).action == "posting_create"


def test_revoke_posting_twice_refused(city: City) -> None:
    posting = services.create_posting(actor=city.user("principal"), school=city.school_a)
    services.revoke_posting(actor=city.user("principal"), posting=posting)
    assert last_event(posting).action == "posting_revoke"
    with pytest.raises(DomainError) as exc:
        services.revoke_posting(actor=city.user("principal"), posting=posting)
    assert exc.value.code == "already_revoked"


def test_inspector_cannot_create_posting(city: City) -> None:
    with pytest.raises(Forbidden):
        services.create_posting(actor=city.user("inspector"), school=city.school_a)


def test_former_owner_cannot_record_progress_after_reassignment(city: City) -> None:
    stale = ledger_item(city)
    successor = UserFactory.create(unit=city.school_a)
    assign(successor, "class_teacher", city.class_a2)
    do_assign(city, RectificationItem.objects.get(pk=stale.pk), owner=successor)
    with pytest.raises(Forbidden):
        services.record_progress(actor=city.user("class_teacher"), item=stale, progress=50, text="x", version=None)
    stale.refresh_from_db()
    assert stale.progress == 0


def test_due_date_before_the_finding_refused(city: City) -> None:
    item = ledger_item(city, owner=None)
    with pytest.raises(DomainError) as exc:
        do_assign(city, item, due=TODAY() - dt.timedelta(days=1))
    assert exc.value.code == "due_date_too_early"


def test_assign_needs_a_responsibility(city: City) -> None:
    item = ledger_item(city, owner=None)
    with pytest.raises(DomainError) as exc:
        services.assign(
            actor=city.user("principal"),
            item=item,
            owner=city.user("class_teacher"),
            responsibility=" ",
            due_date=TODAY(),
            version=item.version,
        )
    assert exc.value.code == "responsibility_required"


def test_request_closeout_is_audited_with_before_and_after(city: City) -> None:
    item = requested(city, progressed(city, ledger_item(city), percent=30))
    event = last_event(item)
    assert event.changes["status"] == [ItemStatus.IN_PROGRESS, ItemStatus.AWAITING_VERIFICATION]
    assert event.changes["progress"] == [30, 100]
    assert len(event.changes["photos"][1]) == 1


def test_principal_requests_closeout_for_owner_and_owner_cannot_verify_it(city: City) -> None:
    item = requested(city, ledger_item(city), actor=city.user("principal"))
    assert item.closeout_requested_by == city.user("principal")
    with pytest.raises(Forbidden):
        services.verify_closeout(actor=city.user("class_teacher"), item=item, version=item.version)


def test_owner_class_teacher_sees_own_item_in_ledger(city: City) -> None:
    from dudao.rectification.selectors import items_for

    item = ledger_item(city)
    assert items_for(city.user("class_teacher")).filter(pk=item.pk).exists()
