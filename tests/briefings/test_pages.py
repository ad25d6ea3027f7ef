"""调度通报 pages: who sees what, generating, editing, publishing, confirming, the .docx and the print view."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from docx import Document

from dudao.briefings import services
from dudao.briefings.models import Briefing, BriefingRecipient, BriefingStatus
from tests.factories import City

pytestmark = pytest.mark.django_db

ROLES = [
    "bureau_leader",
    "bureau_staff",
    "inspector",
    "district_admin",
    "district_admin_b",
    "principal",
    "school_staff",
    "class_teacher",
    "counsellor",
    "doctor",
    "sysadmin",
    "auditor",
]
A, F, N = 200, 403, 404
# A published city briefing; what each role gets on (list, detail, .docx, print view, settings).
EXPECTED = {
    "bureau_leader": [A, A, A, A, A],
    "bureau_staff": [A, A, A, A, A],
    "inspector": [A, A, A, A, F],
    # The districts and the named schools received it.
    "district_admin": [A, A, A, A, A],
    "district_admin_b": [A, A, A, A, A],
    "principal": [A, A, A, A, F],
    "school_staff": [A, A, A, A, F],
    "class_teacher": [F, F, F, F, F],
    "counsellor": [F, F, F, F, F],
    "doctor": [F, F, F, F, F],
    "sysadmin": [F, F, F, F, F],
    "auditor": [F, F, F, F, F],
}


def _urls(briefing: Briefing) -> list[str]:
    return [
        "/briefings/",
        f"/briefings/{briefing.pk}/",
        f"/briefings/{briefing.pk}/document.docx",
        f"/briefings/{briefing.pk}/print/",
        "/briefings/settings/",
    ]


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(signed_in, city: City, make_briefing, role):
    briefing = make_briefing(publish=True)
    client = signed_in(city.user(role))
    got = [client.get(url).status_code for url in _urls(briefing)]
    assert got == EXPECTED[role]


def test_a_district_draft_is_out_of_scope_for_the_other_district(signed_in, city: City, make_briefing):
    briefing = make_briefing(unit=city.district_a, actor=city.user("district_admin"))
    client = signed_in(city.user("district_admin_b"))
    for url in _urls(briefing)[1:4]:
        assert client.get(url).status_code == N
    assert signed_in(city.user("bureau_staff")).get(f"/briefings/{briefing.pk}/").status_code == A


def test_a_school_sees_a_district_draft_only_once_published(signed_in, city: City, make_briefing):
    draft = make_briefing(unit=city.district_a, actor=city.user("district_admin"))
    client = signed_in(city.user("principal"))
    assert client.get(f"/briefings/{draft.pk}/").status_code == N
    services.publish_briefing(actor=city.user("district_admin"), briefing=draft, version=draft.version)
    assert client.get(f"/briefings/{draft.pk}/").status_code == A


def test_the_clerk_generates_from_the_list_page(signed_in, city: City, django_capture_on_commit_callbacks):
    client = signed_in(city.user("bureau_staff"))
    page = client.get("/briefings/").content.decode()
    assert "生成调度通报" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/briefings/new/", {"campaign": "", "end": ""})
    briefing = Briefing.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/briefings/{briefing.pk}/"
    assert briefing.status == BriefingStatus.DRAFT
    page = client.get(response["Location"]).content.decode()
    assert "发布调度通报" in page and "一、总体情况" in page


def test_a_bad_date_is_refused_with_a_message(signed_in, city: City):
    client = signed_in(city.user("bureau_staff"))
    response = client.post("/briefings/new/", {"end": "2026-13-40"}, follow=True)
    assert "格式不正确" in response.content.decode()
    assert not Briefing.objects.exists()


def test_the_progress_row_is_polled_while_generating(signed_in, city: City):
    briefing = services.request_briefing(actor=city.user("bureau_staff"), unit=city.root, queue=False)
    client = signed_in(city.user("bureau_staff"))
    page = client.get(f"/briefings/{briefing.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "排队等待生成" in page
    response = client.get(f"/briefings/{briefing.pk}/progress/")
    assert "HX-Refresh" not in response
    services.run_generation(briefing.pk)
    response = client.get(f"/briefings/{briefing.pk}/progress/")
    assert response["HX-Refresh"] == "true"


def test_editing_and_a_stale_edit_keeps_the_writers_text(signed_in, city: City, make_briefing):
    briefing = make_briefing()
    client = signed_in(city.user("bureau_staff"))
    data = {
        "version": briefing.version,
        "title": "新标题",
        "addressee": "各区县教育局",
        "copy_to": "市委教育工委",
        "section_count": "1",
        "heading_0": "一、总体情况",
        "text_0": "本周平稳。",
    }
    assert client.post(f"/briefings/{briefing.pk}/edit/", data).status_code == 302
    briefing.refresh_from_db()
    assert (briefing.title, briefing.sections) == ("新标题", [{"heading": "一、总体情况", "text": "本周平稳。"}])
    stale = client.post(f"/briefings/{briefing.pk}/edit/", {**data, "title": "我的标题", "version": 1})
    assert stale.status_code == 409
    assert "我的标题" in stale.content.decode() and "已被他人修改" in stale.content.decode()
    assert Briefing.objects.get(pk=briefing.pk).title == "新标题"


def test_publishing_twice_from_the_page_says_it_is_already_published(signed_in, city: City, make_briefing):
    briefing = make_briefing()
    client = signed_in(city.user("bureau_staff"))
    first = client.post(f"/briefings/{briefing.pk}/publish/", {"version": briefing.version}, follow=True)
    assert "已发布，文号 测教督" in first.content.decode()
    second = client.post(f"/briefings/{briefing.pk}/publish/", {"version": briefing.version}, follow=True)
    assert "不能重复发布" in second.content.decode()
    assert BriefingRecipient.objects.filter(briefing=briefing).count() == 5


def test_the_principal_confirms_from_the_home_item(signed_in, city: City, make_briefing):
    briefing = make_briefing(publish=True)
    client = signed_in(city.user("principal"))
    assert "待确认阅读的调度通报" in client.get("/?view=todos").content.decode()
    page = client.get(f"/briefings/{briefing.pk}/").content.decode()
    assert "确认已阅" in page
    recipient = BriefingRecipient.objects.get(briefing=briefing, unit=city.school_a)
    client.post(f"/briefings/{briefing.pk}/confirm/", {"recipient": recipient.pk})
    assert BriefingRecipient.objects.get(pk=recipient.pk).read_by == city.user("principal")
    assert "待确认阅读的调度通报" not in client.get("/?view=todos").content.decode()


def test_the_writer_sees_drafts_waiting_on_the_home_page(signed_in, city: City, make_briefing):
    make_briefing()
    assert "待发布的调度通报" in signed_in(city.user("bureau_staff")).get("/?view=todos").content.decode()


def test_the_docx_has_number_title_and_imprint(signed_in, city: City, make_briefing):
    briefing = make_briefing(publish=True)
    response = signed_in(city.user("principal")).get(f"/briefings/{briefing.pk}/document.docx")
    assert response["Content-Type"].endswith("wordprocessingml.document")
    texts = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert briefing.number_text in texts and briefing.title in texts
    assert any(t.endswith("印发") for t in texts)


def test_the_print_view_matches_the_document(signed_in, city: City, make_briefing):
    briefing = make_briefing(publish=True)
    page = signed_in(city.user("bureau_staff")).get(f"/briefings/{briefing.pk}/print/").content.decode()
    assert briefing.number_text in page and "officialdoc.css" in page and "od-imprint" in page


def test_the_list_does_not_query_per_row(signed_in, city: City, make_briefing, django_assert_max_num_queries):
    for days in range(4):
        make_briefing(end=timezone.localdate() - dt.timedelta(days=days * 7))
    client = signed_in(city.user("bureau_staff"))
    with django_assert_max_num_queries(16):
        assert client.get("/briefings/").status_code == 200


def test_settings_are_saved_and_bad_input_is_explained(signed_in, city: City):
    client = signed_in(city.user("bureau_staff"))
    data = {"doc_prefix": "测教办", "masthead": "测试市教育局文件", "printer": "测试市教育局办公室", "is_weekly": "on"}
    response = client.post("/briefings/settings/", data, follow=True)
    assert "发文设置已保存" in response.content.decode()
    bad = client.post("/briefings/settings/", {**data, "doc_prefix": "测〔教"}, follow=True)
    assert "发文字号前缀须为" in bad.content.decode()


def test_the_bulletin_of_a_round_exports_in_the_same_layout(signed_in, city: City):
    from dudao.dashboard import services as bulletins
    from tests.api.test_bulletins_api import finished_round

    bulletin = bulletins.generate_bulletin(actor=city.user("inspector"), inspection=finished_round(city))
    bulletin = bulletins.publish_bulletin(actor=city.user("inspector"), bulletin=bulletin, version=bulletin.version)
    client = signed_in(city.user("principal"))
    assert "下载 Word（公文格式）" in client.get(f"/bulletins/{bulletin.pk}/").content.decode()
    response = client.get(f"/bulletins/{bulletin.pk}/document.docx")
    texts = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert texts[1] == "测试市教育局文件" and bulletin.title in texts and "二、主要问题" in texts
    assert texts[-1].startswith("测试市教育局办公室\t") and texts[-1].endswith("印发")
    assert signed_in(city.user("district_admin_b")).get(f"/bulletins/{bulletin.pk}/document.docx").status_code == N


def test_a_failed_briefing_can_be_generated_again(signed_in, city: City):
    failed = services.request_briefing(actor=city.user("bureau_staff"), unit=city.root, queue=False)
    Briefing.objects.filter(pk=failed.pk).update(status=BriefingStatus.FAILED, progress_note="生成失败：测试")
    client = signed_in(city.user("bureau_staff"))
    page = client.get(f"/briefings/{failed.pk}/").content.decode()
    assert "生成失败：测试" in page and "重新生成" in page
    response = client.post(f"/briefings/{failed.pk}/regenerate/")
    fresh = Briefing.objects.exclude(pk=failed.pk).get()
    assert response["Location"] == f"/briefings/{fresh.pk}/"
    assert client.get(f"/briefings/{failed.pk}/document.docx").status_code == 302  # not ready: back to the page
