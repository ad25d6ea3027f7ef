"""Drafts: edit with optimistic locking, preview as the parent's page, delete; pages, API and every refusal."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.utils import timezone

from dudao.audit.models import AuditEvent, EventKind
from dudao.core.errors import DomainError, Forbidden, StaleEditError
from dudao.notices import services
from dudao.notices.forms import parse_questions, questions_text
from dudao.notices.models import GuardianLink, Notice, NoticeStatus, Receipt
from tests.notices.test_api import auth

pytestmark = pytest.mark.django_db


def edit(notice: Notice, actor: Any, **changes: Any) -> Notice:
    values: dict[str, Any] = {
        "title": notice.title,
        "body": notice.body_html,
        "questions": notice.questions,
        "audience_units": list(notice.audience_units.all()),
        "links_expire_on": timezone.localdate() + dt.timedelta(days=10),
        "version": notice.version,
    }
    values.update(changes)
    return services.update_notice(actor=actor, notice=notice, **values)


# --- services ---------------------------------------------------------------------------------------------------


def test_editing_a_draft_changes_it_bumps_the_version_and_is_audited(city, make_notice):
    notice = make_notice(send=False)
    edited = edit(
        notice,
        city.user("principal"),
        title="寒假安全告知书（修订）",
        body="各位家长：\n\n请注意用火安全。",
        questions=[{"kind": "choice", "label": "寒假是否外出", "options": ["是", "否"]}],
        audience_units=[city.class_a1],
    )
    edited.refresh_from_db()
    assert edited.title == "寒假安全告知书（修订）"
    assert "用火安全" in edited.body_html
    assert edited.questions[0]["options"] == ["是", "否"]
    assert list(edited.audience_units.all()) == [city.class_a1]
    assert edited.version == notice.version + 1
    event = AuditEvent.objects.get(kind=EventKind.CHANGE, action="update", object_id=str(notice.pk))
    assert event.changes["title"] == ["致家长的一封信", "寒假安全告知书（修订）"]
    assert event.changes["audience_units"] == [[], [city.class_a1.pk]]


def test_a_stale_edit_is_refused_and_changes_nothing(city, make_notice):
    notice = make_notice(send=False)
    edit(notice, city.user("principal"), title="第一次修改")
    with pytest.raises(StaleEditError):
        edit(notice, city.user("school_staff"), title="第二个人的修改")  # still holds the old version
    notice.refresh_from_db()
    assert notice.title == "第一次修改"


def test_a_sent_notice_cannot_be_edited_or_deleted(city, make_notice):
    notice = make_notice()
    with pytest.raises(DomainError) as exc:
        edit(notice, city.user("principal"), title="发送后修改")
    assert exc.value.status == 409 and "只有草稿可以修改" in exc.value.message
    with pytest.raises(DomainError) as exc:
        services.delete_notice(actor=city.user("principal"), notice=notice, version=notice.version)
    assert exc.value.code == "not_draft"
    notice.refresh_from_db()
    assert notice.title == "致家长的一封信" and notice.status == NoticeStatus.SENT


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "标题"),
        ({"body": "<p> </p>"}, "请填写正文"),
        ({"questions": [{"kind": "choice", "label": "是否外出", "options": ["是"]}]}, "至少要有 2 个选项"),
        ({"links_expire_on": dt.date(2000, 1, 1)}, "不能早于今天"),
    ],
)
def test_bad_edits_say_what_is_wrong_and_change_nothing(city, make_notice, changes, message):
    notice = make_notice(send=False)
    with pytest.raises(DomainError) as exc:
        edit(notice, city.user("principal"), **changes)
    assert message in exc.value.message
    fresh = Notice.objects.get(pk=notice.pk)
    assert (fresh.title, fresh.body_html, fresh.version) == (notice.title, notice.body_html, notice.version)


@pytest.mark.parametrize("key", ["class_teacher", "doctor", "district_admin_b"])
def test_only_the_issuer_side_may_edit_or_delete(city, make_notice, key):
    notice = make_notice(send=False)
    with pytest.raises(Forbidden):
        edit(notice, city.user(key), title="越权修改")
    with pytest.raises(Forbidden):
        services.delete_notice(actor=city.user(key), notice=notice, version=notice.version)
    assert Notice.objects.filter(pk=notice.pk, title="致家长的一封信").exists()


def test_deleting_a_draft_keeps_what_it_said_in_the_audit_trail(city, make_notice):
    notice = make_notice(send=False)
    services.delete_notice(actor=city.user("principal"), notice=notice, version=notice.version)
    assert not Notice.objects.filter(pk=notice.pk).exists()
    event = AuditEvent.objects.get(action="delete", object_id=str(notice.pk))
    assert event.changes["before"]["title"] == "致家长的一封信"
    assert event.changes["before"]["body_chars"] > 0


def test_a_stale_delete_is_refused(city, make_notice):
    notice = make_notice(send=False)
    with pytest.raises(StaleEditError):
        services.delete_notice(actor=city.user("principal"), notice=notice, version=notice.version + 1)
    assert Notice.objects.filter(pk=notice.pk).exists()


def test_questions_round_trip_through_the_form_syntax():
    text = "单选：寒假是否外出？|是|否\n简答：外出去向\n确认：我已履行监护责任（选填）"
    assert parse_questions(questions_text(parse_questions(text))) == parse_questions(text)


# --- pages --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [("principal", 200), ("school_staff", 200), ("district_admin", 200), ("class_teacher", 403), ("doctor", 403)],
)
def test_edit_page_by_role(city, make_notice, signed_in, key, expected):
    notice = make_notice(send=False)
    assert signed_in(city.user(key)).get(f"/notices/{notice.pk}/edit/").status_code == expected


def test_edit_page_out_of_scope_is_404(city, make_notice, signed_in):
    notice = make_notice(send=False)
    assert signed_in(city.user("district_admin_b")).get(f"/notices/{notice.pk}/edit/").status_code == 404


def form_data(notice: Notice, **changes: Any) -> dict[str, Any]:
    data = {
        "title": notice.title,
        "body": "各位家长：\n\n请注意安全。",
        "questions": json.dumps([{"kind": "choice", "label": "寒假是否外出？", "options": ["是", "否"]}]),
        "links_expire_on": (timezone.localdate() + dt.timedelta(days=5)).isoformat(),
        "version": str(notice.version),
    }
    data.update(changes)
    return data


def test_principal_edits_a_draft_through_the_page(city, make_notice, signed_in):
    notice = make_notice(send=False)
    client = signed_in(city.user("principal"))
    page = client.get(f"/notices/{notice.pk}/edit/").content.decode()
    assert "致家长的一封信" in page and 'name="version"' in page
    response = client.post(f"/notices/{notice.pk}/edit/", form_data(notice, title="修改后的标题"), follow=True)
    assert "已保存修改" in response.content.decode()
    notice.refresh_from_db()
    assert notice.title == "修改后的标题" and notice.questions[0]["label"] == "寒假是否外出？"


def test_a_stale_edit_page_answers_409_and_keeps_the_newer_text(city, make_notice, signed_in):
    notice = make_notice(send=False)
    edit(notice, city.user("school_staff"), title="德育处先改了")
    client = signed_in(city.user("principal"))
    response = client.post(f"/notices/{notice.pk}/edit/", form_data(notice, title="校长后改"))
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    assert Notice.objects.get(pk=notice.pk).title == "德育处先改了"


def test_a_bad_edit_page_shows_the_error_and_saves_nothing(city, make_notice, signed_in):
    notice = make_notice(send=False)
    client = signed_in(city.user("principal"))
    response = client.post(f"/notices/{notice.pk}/edit/", form_data(notice, questions_text="排序：什么|甲"))
    assert response.status_code == 400
    assert "第 1 行应以" in response.content.decode()
    assert Notice.objects.get(pk=notice.pk).version == notice.version


def test_editing_a_sent_notice_sends_back_to_it_with_a_message(city, make_notice, signed_in):
    notice = make_notice()
    response = signed_in(city.user("principal")).get(f"/notices/{notice.pk}/edit/", follow=True)
    assert "只有草稿可以修改" in response.content.decode()


def test_preview_is_the_parents_page_marked_preview_and_records_nothing(city, make_notice, signed_in):
    notice = make_notice(send=False, questions=[{"kind": "choice", "label": "寒假是否外出", "options": ["是", "否"]}])
    response = signed_in(city.user("principal")).get(f"/notices/{notice.pk}/preview/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="preview-banner"' in page and "不记录回执" in page
    assert "寒假是否外出" in page and "已阅，确认收到" in page
    assert 'method="post"' not in page  # nothing to submit
    assert not Receipt.objects.filter(notice=notice).exists()
    assert not GuardianLink.objects.filter(receipt__notice=notice).exists()
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.DRAFT


def test_a_draft_is_not_previewed_outside_the_issuer(city, make_notice, signed_in):
    notice = make_notice(send=False)
    assert signed_in(city.user("district_admin_b")).get(f"/notices/{notice.pk}/preview/").status_code == 404
    assert signed_in(city.user("doctor")).get(f"/notices/{notice.pk}/preview/").status_code == 403


def test_delete_page_removes_the_draft(city, make_notice, signed_in):
    notice = make_notice(send=False)
    client = signed_in(city.user("principal"))
    response = client.post(f"/notices/{notice.pk}/delete/", {"version": notice.version}, follow=True)
    assert "已删除草稿" in response.content.decode()
    assert response.redirect_chain[-1][0] == "/notices/"
    assert not Notice.objects.filter(pk=notice.pk).exists()


def test_class_teacher_cannot_delete(city, make_notice, signed_in):
    notice = make_notice(send=False)
    response = signed_in(city.user("class_teacher")).post(f"/notices/{notice.pk}/delete/", {"version": 1})
    assert response.status_code == 403
    assert Notice.objects.filter(pk=notice.pk).exists()


def test_list_shows_drafts_with_their_badge_count_and_filter(city, make_notice, signed_in):
    make_notice(send=False, title="草稿一")
    make_notice(title="已发的一封")
    client = signed_in(city.user("principal"))
    tabs = client.get("/notices/").content.decode()
    assert "草稿 <span" in tabs
    drafts = client.get("/notices/?status=draft").content.decode()
    assert "草稿一" in drafts and "已发的一封" not in drafts
    assert "修改草稿" in drafts  # the phone card's one action


# --- API ----------------------------------------------------------------------------------------------------------


def patch(client, notice, data, headers):
    return client.patch(f"/api/v1/notices/{notice.pk}", data, content_type="application/json", **headers)


def test_api_patch_changes_only_what_is_sent(city, client, make_notice):
    notice = make_notice(send=False, questions=[{"kind": "confirm", "label": "已阅读"}])
    response = patch(client, notice, {"version": notice.version, "title": "新标题"}, auth(city, "principal"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "新标题" and body["version"] == notice.version + 1
    assert body["questions"][0]["label"] == "已阅读"  # kept


def test_api_patch_stale_or_sent_is_409(city, client, make_notice):
    draft = make_notice(send=False)
    response = patch(client, draft, {"version": draft.version + 5, "title": "x"}, auth(city, "principal"))
    assert response.status_code == 409 and "已被他人修改" in response.json()["detail"]
    sent = make_notice()
    response = patch(client, sent, {"version": sent.version, "title": "x"}, auth(city, "principal"))
    assert response.status_code == 409 and response.json()["code"] == "not_draft"


def test_api_patch_bad_input_is_400_in_chinese(city, client, make_notice):
    notice = make_notice(send=False)
    response = patch(client, notice, {"version": notice.version, "title": ""}, auth(city, "principal"))
    assert response.status_code == 400 and "标题" in response.json()["detail"]
    assert Notice.objects.get(pk=notice.pk).version == notice.version


@pytest.mark.parametrize(("key", "status"), [("class_teacher", 403), ("doctor", 403), ("district_admin_b", 404)])
def test_api_patch_by_role(city, client, make_notice, key, status):
    notice = make_notice(send=False)
    assert patch(client, notice, {"version": notice.version, "title": "x"}, auth(city, key)).status_code == status


def test_api_delete_and_send(city, client, make_notice):
    headers = auth(city, "principal")
    draft = make_notice(send=False)
    assert client.delete(f"/api/v1/notices/{draft.pk}?version={draft.version}", **headers).status_code == 204
    assert not Notice.objects.filter(pk=draft.pk).exists()
    other = make_notice(send=False)
    response = client.post(
        f"/api/v1/notices/{other.pk}/send", {"version": other.version}, content_type="application/json", **headers
    )
    assert response.status_code == 200 and response.json()["status"] == "sent"
    again = client.post(
        f"/api/v1/notices/{other.pk}/send", {"version": other.version + 1}, content_type="application/json", **headers
    )
    assert again.status_code == 409
    gone = client.delete(f"/api/v1/notices/{other.pk}?version={other.version + 1}", **headers)
    assert gone.status_code == 409


@pytest.mark.parametrize(
    "body",
    ["各位家长：\n\n请注意 <安全> & 防溺水。", "<p>各位家长：</p><ul><li>不私自下水</li></ul><p><b>谢谢</b></p>"],
)
def test_the_edit_form_shows_the_body_as_typed_and_saving_it_unchanged_changes_nothing(body):
    from dudao.notices.forms import editable_body
    from dudao.notices.services.drafting import clean_body

    stored = clean_body(body)
    shown = editable_body(stored)
    assert "<p>" not in shown if "<ul>" not in body else "<li>" in shown
    assert clean_body(shown) == stored


def test_a_multiple_choice_question_is_written_answered_and_kept_in_option_order(city, make_notice, client):
    from dudao.notices import tokens
    from tests.notices.conftest import first_link

    questions = parse_questions("多选：外出方式|自驾|火车|飞机\n单选：是否外出|是|否")
    assert questions[0]["kind"] == "multi" and questions[0]["options"] == ["自驾", "火车", "飞机"]
    notice = make_notice(questions=questions)
    link = first_link(notice, city.class_a1)
    response = client.post(f"/n/{tokens.link_token(link.pk)}/", {"q1": ["飞机", "自驾"], "q2": "是"})
    assert response.status_code == 302
    assert Receipt.objects.get(pk=link.receipt_id).answers == {"q1": "自驾；飞机", "q2": "是"}


def test_a_multiple_choice_answer_outside_the_options_is_refused(city, make_notice):
    notice = make_notice(questions=[{"kind": "multi", "label": "外出方式", "options": ["自驾", "火车"]}])
    from tests.notices.conftest import first_link

    link = first_link(notice, city.class_a1)
    with pytest.raises(DomainError) as exc:
        services.confirm(link=link, posted={"q1": "自驾；轮船"})
    assert "请从选项中选择" in exc.value.message
    assert Receipt.objects.get(pk=link.receipt_id).confirmed_at is None


def test_a_multiple_choice_question_needs_options_without_the_separator(city, signed_in):
    with pytest.raises(DomainError) as exc:
        services.create_notice(
            actor=city.user("principal"),
            issuer=city.school_a,
            title="t",
            body="b",
            questions=[{"kind": "multi", "label": "方式", "options": ["甲；乙", "丙"]}],
        )
    assert "不能有" in exc.value.message
    with pytest.raises(DomainError) as exc:
        services.create_notice(
            actor=city.user("principal"),
            issuer=city.school_a,
            title="t",
            body="b",
            questions=[{"kind": "multi", "label": "方式", "options": ["甲"]}],
        )
    assert "多选" in exc.value.message and "至少要有 2 个选项" in exc.value.message


def test_the_write_form_carries_the_question_builder(city, signed_in):
    page = signed_in(city.user("principal")).get("/notices/new/").content.decode()
    assert "data-question-builder" in page and "notices/questions.js" in page
    assert 'type="hidden" name="questions"' in page  # the builder's JSON
    assert 'name="questions_text"' in page  # inside <noscript>: the form works without scripts
