"""A directive's life cycle: draft (edit, delete, preview) → issue (with a 发文字号) → withdraw or correct."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dudao.audit.models import AuditEvent
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.directives import services
from dudao.directives.models import (
    Correction,
    Directive,
    DirectiveStatus,
    DirectiveTarget,
    Period,
    Reminder,
    ReminderKind,
    Submission,
    SubmissionStatus,
)
from tests.directives.conftest import GOOD_VALUES, city_directive, in_days
from tests.directives.test_api import bearer
from tests.factories import City

pytestmark = pytest.mark.django_db


def draft(city: City, form_version: Any = None, **extra: Any) -> Directive:
    return city_directive(city, form_version, issue=False, **extra)


def edit(city: City, directive: Directive, **changes: Any) -> Directive:
    fields: dict[str, Any] = {
        "title": directive.title,
        "body": directive.body,
        "deadline": directive.deadline,
        "targets": directive.target_spec,
        "form_version": directive.form_version,
    }
    fields.update(changes)
    return services.update_draft(
        actor=city.user("bureau_staff"), directive=directive, version=directive.version, **fields
    )


# ----- services ---------------------------------------------------------------------------------


def test_draft_has_targets_but_no_reports_and_is_hidden_from_its_targets(city: City, form_version) -> None:
    directive = draft(city, form_version)
    assert directive.status == DirectiveStatus.DRAFT
    assert DirectiveTarget.objects.filter(directive=directive).count() == 3
    assert not Submission.objects.filter(directive=directive).exists()
    assert not Directive.objects.for_user(city.user("principal")).filter(pk=directive.pk).exists()


def test_editing_a_draft_changes_its_fields_and_targets_and_is_audited(city: City, form_version) -> None:
    directive = draft(city, form_version)
    edited = edit(
        city,
        directive,
        title="关于报送心理教师配备的通知（修改）",
        targets={"mode": "list", "units": [city.school_b.pk]},
    )
    assert edited.title.endswith("（修改）")
    assert edited.version == directive.version + 1
    assert list(DirectiveTarget.objects.filter(directive=directive).values_list("unit", flat=True)) == [
        city.school_b.pk
    ]
    event = AuditEvent.objects.filter(action="update", object_id=str(directive.pk)).get()
    assert "（修改）" in str(event.changes)


def test_stale_draft_edit_is_refused_and_changes_nothing(city: City, form_version) -> None:
    directive = draft(city, form_version)
    edit(city, directive, title="第一次修改")
    with pytest.raises(StaleEditError):
        edit(city, directive, title="用旧版本修改")
    directive.refresh_from_db()
    assert directive.title == "第一次修改"


def test_bad_edit_names_the_problem_and_changes_nothing(city: City, form_version) -> None:
    directive = draft(city, form_version)
    with pytest.raises(DomainError, match="请填写标题"):
        edit(city, directive, title="  ")
    with pytest.raises(DomainError, match="没有找到下发对象"):
        edit(city, directive, targets={"mode": "school_type", "school_types": ["special"]})
    directive.refresh_from_db()
    assert directive.version == 1 and DirectiveTarget.objects.filter(directive=directive).count() == 3


def test_issued_directive_cannot_be_edited_or_deleted(city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    with pytest.raises(DomainError) as refused:
        edit(city, directive, title="改标题")
    assert refused.value.status == 409
    with pytest.raises(DomainError):
        services.delete_draft(actor=city.user("bureau_staff"), directive=directive, version=None)
    assert Directive.objects.filter(pk=directive.pk).exists()


def test_deleting_a_draft_is_audited_with_what_it_was(city: City, form_version) -> None:
    directive = draft(city, form_version)
    pk = directive.pk
    services.delete_draft(actor=city.user("bureau_staff"), directive=directive, version=directive.version)
    assert not Directive.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="delete", object_id=str(pk))
    assert "心理健康教师" in str(event.changes)


def test_district_cannot_touch_a_city_draft(city: City, form_version) -> None:
    directive = draft(city, form_version)
    with pytest.raises(Forbidden):
        services.delete_draft(actor=city.user("district_admin"), directive=directive, version=None)
    with pytest.raises(Forbidden):
        services.issue_directive(actor=city.user("district_admin"), directive=directive)


def test_issuing_a_draft_opens_reports_and_gives_a_document_number(city: City, form_version) -> None:
    directive = draft(city, form_version)
    issued = services.issue_directive(
        actor=city.user("bureau_staff"), directive=directive, version=directive.version, doc_prefix="临教基"
    )
    assert issued.status == DirectiveStatus.ISSUED
    assert issued.doc_number == f"临教基〔{timezone.localdate().year}〕1号"
    assert Submission.objects.filter(directive=directive, status=SubmissionStatus.PENDING).count() == 3
    second = services.issue_directive(actor=city.user("bureau_staff"), directive=draft(city), doc_prefix="临教基")
    assert second.doc_number.endswith("2号")


def test_issuing_twice_is_refused_without_a_second_set_of_reports(city: City, form_version) -> None:
    directive = draft(city, form_version)
    services.issue_directive(actor=city.user("bureau_staff"), directive=directive)
    with pytest.raises(DomainError) as refused:
        services.issue_directive(actor=city.user("bureau_staff"), directive=directive)
    assert refused.value.status == 409
    assert Submission.objects.filter(directive=directive).count() == 3


def test_bad_document_prefix_is_refused_and_nothing_is_issued(city: City, form_version) -> None:
    directive = draft(city, form_version)
    with pytest.raises(DomainError, match="发文字号前缀"):
        services.issue_directive(actor=city.user("bureau_staff"), directive=directive, doc_prefix="临教〔基〕")
    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.DRAFT and not Submission.objects.filter(directive=directive).exists()


def test_issue_resolves_targets_afresh(city: City, form_version) -> None:
    directive = draft(city, form_version, targets={"mode": "kind", "kind": "school"})
    city.school_b.is_closed = True
    city.school_b.save(update_fields=["is_closed"])
    assert [u.pk for u in services.preview_targets(directive)] == [city.school_a.pk, city.school_a2.pk]
    services.issue_directive(actor=city.user("bureau_staff"), directive=directive)
    assert set(DirectiveTarget.objects.filter(directive=directive).values_list("unit", flat=True)) == {
        city.school_a.pk,
        city.school_a2.pk,
    }


def test_withdraw_needs_a_reason(city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    with pytest.raises(DomainError, match="撤回原因"):
        services.withdraw_directive(actor=city.user("bureau_staff"), directive=directive, reason="  ")
    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.ISSUED


def test_withdraw_notifies_units_stops_reports_and_keeps_history(city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    submitted = Submission.objects.get(directive=directive, unit=city.school_a)
    services.submit(actor=city.user("principal"), submission=submitted, values=GOOD_VALUES)
    services.withdraw_directive(actor=city.user("bureau_staff"), directive=directive, reason="与上级通知重复")
    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.WITHDRAWN and directive.withdraw_reason == "与上级通知重复"
    notices = Reminder.objects.filter(kind=ReminderKind.WITHDRAWN)
    assert {r.unit_id for r in notices} == {city.school_a.pk, city.school_a2.pk, city.school_b.pk}
    assert "与上级通知重复" in notices[0].message
    # The school still reads it (withdrawn), its report is kept, but no to-do and no more filling.
    assert Directive.objects.for_user(city.user("principal")).filter(pk=directive.pk).exists()
    assert Submission.objects.get(pk=submitted.pk).values["staff"] == GOOD_VALUES["staff"]
    from dudao.directives import selectors

    assert not selectors.my_open_tasks(city.user("school_staff")).filter(directive=directive).exists()
    pending = Submission.objects.get(directive=directive, unit=city.school_a2)
    with pytest.raises(DomainError, match="撤回"):
        services.save_draft(actor=city.user("district_admin"), submission=pending, values={}, version=None)
    assert AuditEvent.objects.filter(action="withdraw", object_id=str(directive.pk)).exists()


def test_withdraw_takes_the_forwardings_below_with_it(city: City, form_version) -> None:
    directive = city_directive(city, form_version, targets={"mode": "kind", "kind": "district"})
    child = services.cascade_directive(actor=city.user("district_admin"), parent=directive, deadline=in_days(5))
    services.withdraw_directive(actor=city.user("bureau_staff"), directive=directive, reason="方案调整")
    child.refresh_from_db()
    assert child.status == DirectiveStatus.WITHDRAWN
    assert Reminder.objects.filter(kind=ReminderKind.WITHDRAWN, unit=city.school_a).exists()


def test_withdrawn_reports_leave_the_approval_queue_and_cannot_be_approved(city: City, form_version) -> None:
    from dudao.directives import selectors

    directive = city_directive(city, form_version)
    submission = Submission.objects.get(directive=directive, unit=city.school_a)
    services.submit(actor=city.user("principal"), submission=submission, values=GOOD_VALUES)
    assert selectors.awaiting_my_approval(city.user("bureau_staff"))
    services.withdraw_directive(actor=city.user("bureau_staff"), directive=directive, reason="方案调整")
    assert not selectors.awaiting_my_approval(city.user("bureau_staff"))
    with pytest.raises(DomainError, match="撤回"):
        services.approve(actor=city.user("bureau_staff"), submission=submission)


def test_correction_moves_the_deadline_keeps_the_old_one_and_notifies(city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    old = Period.objects.get(directive=directive).deadline
    new = (timezone.now() + dt.timedelta(days=20)).replace(second=0, microsecond=0)
    correction = services.correct_directive(
        actor=city.user("bureau_staff"), directive=directive, text="截止时间延后十天", deadline=new
    )
    directive.refresh_from_db()
    assert directive.deadline == new and Period.objects.get(directive=directive).deadline == new
    assert correction.changes["deadline"]["before"] == f"{timezone.localtime(old):%Y-%m-%d %H:%M}"
    assert Reminder.objects.filter(kind=ReminderKind.CORRECTED).count() == 3
    # Two corrections on one day both reach the units.
    services.correct_directive(actor=city.user("bureau_staff"), directive=directive, text="附件已更新")
    assert Reminder.objects.filter(kind=ReminderKind.CORRECTED).count() == 6
    assert Correction.objects.filter(directive=directive).count() == 2


def test_correction_without_text_or_to_a_past_deadline_changes_nothing(city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    with pytest.raises(DomainError, match="更正内容"):
        services.correct_directive(actor=city.user("bureau_staff"), directive=directive, text="")
    with pytest.raises(DomainError, match="晚于现在"):
        services.correct_directive(
            actor=city.user("bureau_staff"), directive=directive, text="提前", deadline=in_days(-1)
        )
    assert not Correction.objects.exists() and not Reminder.objects.exists()


def test_submitted_report_rule_errors_come_with_type_errors(city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    submission = Submission.objects.get(directive=directive, unit=city.school_a)
    values = {**GOOD_VALUES, "staff": 3, "psych_full": 5, "psych_part": "两个"}
    with pytest.raises(DomainError) as refused:
        services.submit(actor=city.user("principal"), submission=submission, values=values)
    assert "兼职心理教师数" in refused.value.message
    assert "“专职心理教师数”不能大于“教职工数”" in refused.value.message


# ----- pages ------------------------------------------------------------------------------------


def form_post(directive: Directive, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": directive.title,
        "body": directive.body,
        "deadline": timezone.localtime(directive.deadline).strftime("%Y-%m-%dT%H:%M"),
        "target_mode": "kind",
        "target_kind": "school",
        "form_version": directive.form_version_id or "",
        "recurrence": "none",
        "allow_late": "on",
        "version": directive.version,
    }
    data.update(changes)
    return data


def test_list_badges_drafts_and_keeps_them_in_their_own_tab(signed_in, city: City, form_version) -> None:
    directive = draft(city, form_version, title="草稿里的通知")
    city_directive(city, form_version, title="已经下发的通知")
    client = signed_in(city.user("bureau_staff"))
    everything = client.get("/directives/").content.decode()
    assert "已经下发的通知" in everything and "草稿里的通知" not in everything
    drafts = client.get("/directives/?status=draft").content.decode()
    assert "草稿里的通知" in drafts and 'data-status="draft"' in drafts and "已经下发的通知" not in drafts
    assert "● 正常" not in drafts
    assert f"/directives/{directive.pk}/" in drafts


def test_create_page_saves_a_draft(signed_in, city: City, form_version) -> None:
    client = signed_in(city.user("bureau_staff"))
    template = Directive(title="存为草稿的通知", body="正文", deadline=in_days(9), form_version=form_version)
    response = client.post("/directives/new/", {**form_post(template), "save_as": "draft"})
    directive = Directive.objects.get(title="存为草稿的通知")
    assert response.status_code == 302 and directive.status == DirectiveStatus.DRAFT
    assert not Submission.objects.filter(directive=directive).exists()


def test_edit_page_shows_the_draft_and_saves_it(signed_in, city: City, form_version) -> None:
    directive = draft(city, form_version, targets={"mode": "list", "units": [city.school_a2.pk]})
    client = signed_in(city.user("bureau_staff"))
    page = client.get(f"/directives/{directive.pk}/edit/").content.decode()
    # The listed unit is a chip of the unit tree, holding the input the form posts.
    assert directive.title in page and f'name="units" value="{city.school_a2.pk}"' in page and "甲区实验小学" in page
    response = client.post(
        f"/directives/{directive.pk}/edit/", form_post(directive, title="改过的标题", then="preview")
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/directives/{directive.pk}/preview/")
    directive.refresh_from_db()
    assert directive.title == "改过的标题" and directive.status == DirectiveStatus.DRAFT


def test_stale_edit_page_says_someone_else_changed_it(signed_in, city: City, form_version) -> None:
    directive = draft(city, form_version)
    edit(city, directive, title="别人改过")
    client = signed_in(city.user("bureau_staff"))
    page = client.post(f"/directives/{directive.pk}/edit/", form_post(directive, title="我的修改")).content.decode()
    assert "已被他人修改" in page
    directive.refresh_from_db()
    assert directive.title == "别人改过"


def test_preview_lists_the_recipients_and_issue_sends(signed_in, city: City, form_version) -> None:
    directive = draft(city, form_version)
    client = signed_in(city.user("bureau_staff"))
    page = client.get(f"/directives/{directive.pk}/preview/").content.decode()
    assert "将下发给 <strong>3</strong> 个单位" in page
    assert city.school_b.name in page and "专职心理教师数" in page
    response = client.post(f"/directives/{directive.pk}/issue/", {"version": directive.version, "doc_prefix": ""})
    assert response.status_code == 302
    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.ISSUED
    # A second click (double submit) answers the directive's page and sends nothing twice.
    again = client.post(f"/directives/{directive.pk}/issue/", {"version": directive.version})
    assert again.status_code == 302 and Submission.objects.filter(directive=directive).count() == 3


def test_withdraw_page_needs_a_reason_and_the_school_sees_it_withdrawn(signed_in, city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    client = signed_in(city.user("bureau_staff"))
    refused = client.post(
        f"/directives/{directive.pk}/withdraw/", {"reason": "", "version": directive.version}, follow=True
    )
    assert "请填写撤回原因" in refused.content.decode()
    client.post(f"/directives/{directive.pk}/withdraw/", {"reason": "时间安排调整", "version": directive.version})
    school = signed_in(city.user("principal")).get(f"/directives/{directive.pk}/").content.decode()
    assert "本通知已撤回" in school and "时间安排调整" in school


def test_correction_is_shown_prominently_with_the_old_value(signed_in, city: City, form_version) -> None:
    directive = city_directive(city, form_version)
    client = signed_in(city.user("bureau_staff"))
    new = timezone.localtime(in_days(30)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        f"/directives/{directive.pk}/correct/", {"text": "截止时间延后", "deadline": new, "version": directive.version}
    )
    school = signed_in(city.user("principal")).get(f"/directives/{directive.pk}/").content.decode()
    assert 'data-testid="corrections"' in school and "截止时间延后" in school and "<del>" in school


@pytest.mark.parametrize(
    ("role", "expected"),
    [("bureau_staff", 200), ("district_admin", 404), ("principal", 403), ("auditor", 403)],
)
def test_draft_pages_by_role(signed_in, city: City, form_version, role: str, expected: int) -> None:
    directive = draft(city, form_version)
    client = signed_in(city.user(role))
    assert client.get(f"/directives/{directive.pk}/edit/").status_code == expected
    assert client.get(f"/directives/{directive.pk}/preview/").status_code == expected


@pytest.mark.parametrize("role", ["district_admin", "principal"])
def test_others_cannot_withdraw_a_city_directive(signed_in, city: City, form_version, role: str) -> None:
    directive = city_directive(city, form_version)
    client = signed_in(city.user(role))
    response = client.post(f"/directives/{directive.pk}/withdraw/", {"reason": "不想报"})
    assert response.status_code in (403, 404)
    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.ISSUED


# ----- API --------------------------------------------------------------------------------------


def test_api_patch_edits_a_draft_and_refuses_an_issued_one(client: Client, city: City, form_version) -> None:
    directive = draft(city, form_version)
    auth = bearer(city, "bureau_staff")
    body = client.patch(
        f"/api/v1/directives/{directive.pk}",
        {"version": directive.version, "title": "接口修改的标题"},
        content_type="application/json",
        **auth,
    ).json()
    assert body["title"] == "接口修改的标题" and body["status"] == "draft" and body["version"] == 2
    stale = client.patch(
        f"/api/v1/directives/{directive.pk}", {"version": 1, "title": "旧版本"}, content_type="application/json", **auth
    )
    assert stale.status_code == 409
    issued = city_directive(city, form_version)
    refused = client.patch(
        f"/api/v1/directives/{issued.pk}",
        {"version": issued.version, "title": "x"},
        content_type="application/json",
        **auth,
    )
    assert refused.status_code == 409 and refused.json()["code"] == "not_a_draft"


def test_api_issue_withdraw_and_correct(client: Client, city: City, form_version) -> None:
    directive = draft(city, form_version)
    auth = bearer(city, "bureau_staff")
    preview = client.get(f"/api/v1/directives/{directive.pk}/preview", **auth).json()
    assert preview["count"] == 3
    issued = client.post(
        f"/api/v1/directives/{directive.pk}/issue", {"doc_prefix": "临教基"}, content_type="application/json", **auth
    )
    assert issued.status_code == 200 and issued.json()["doc_number"].startswith("临教基〔")
    corrected = client.post(
        f"/api/v1/directives/{directive.pk}/correct", {"text": "附件更新"}, content_type="application/json", **auth
    )
    assert corrected.status_code == 201 and corrected.json()["text"] == "附件更新"
    no_reason = client.post(
        f"/api/v1/directives/{directive.pk}/withdraw", {"reason": ""}, content_type="application/json", **auth
    )
    assert no_reason.status_code == 400 and "撤回原因" in no_reason.json()["detail"]
    withdrawn = client.post(
        f"/api/v1/directives/{directive.pk}/withdraw", {"reason": "重复"}, content_type="application/json", **auth
    ).json()
    assert withdrawn["status"] == "withdrawn" and withdrawn["corrections"][0]["text"] == "附件更新"


@pytest.mark.parametrize(("role", "expected"), [("district_admin", 404), ("principal", 403), ("auditor", 403)])
def test_api_lifecycle_refused_by_role(client: Client, city: City, form_version, role: str, expected: int) -> None:
    directive = draft(city, form_version)
    auth = bearer(city, role)
    assert (
        client.post(f"/api/v1/directives/{directive.pk}/issue", {}, content_type="application/json", **auth).status_code
        == expected
    )
    assert (
        client.post(
            f"/api/v1/directives/{directive.pk}/withdraw", {"reason": "x"}, content_type="application/json", **auth
        ).status_code
        == expected
    )
    directive.refresh_from_db()
    assert directive.status == DirectiveStatus.DRAFT


def test_city_correction_reaches_schools_through_the_district_forwarding(signed_in, city: City, form_version) -> None:
    directive = city_directive(city, form_version, targets={"mode": "kind", "kind": "district"})
    child = services.cascade_directive(actor=city.user("district_admin"), parent=directive, deadline=in_days(5))
    services.correct_directive(
        actor=city.user("bureau_staff"), directive=directive, text="附件表格已更新，请以新版为准"
    )
    assert Reminder.objects.filter(kind=ReminderKind.CORRECTED, unit=city.school_a).exists()
    page = signed_in(city.user("principal")).get(f"/directives/{child.pk}/").content.decode()
    assert "附件表格已更新" in page and "对上级通知的更正" in page


def test_api_issue_accepts_a_bare_post_and_refuses_a_malformed_body(client: Client, city: City, form_version) -> None:
    auth = bearer(city, "bureau_staff")
    bad = draft(city, form_version)
    refused = client.post(
        f"/api/v1/directives/{bad.pk}/issue", {"version": "一"}, content_type="application/json", **auth
    )
    assert refused.status_code == 400 and refused.json()["code"] == "body_invalid"
    bad.refresh_from_db()
    assert bad.status == DirectiveStatus.DRAFT
    bare = draft(city, form_version)
    assert client.post(f"/api/v1/directives/{bare.pk}/issue", **auth).json()["status"] == "issued"
