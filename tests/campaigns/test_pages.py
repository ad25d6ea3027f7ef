"""Campaign pages for every role (allowed / 403 / 404 out of scope), the forms' bad input, and the 加入专项工作
control on a module's page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from dudao.audit.models import AuditEvent
from dudao.campaigns.models import Campaign, CampaignItem, CampaignUnit
from tests.campaigns.conftest import line_of, make_campaign, sent_notice, today
from tests.factories import City

pytestmark = pytest.mark.django_db

PAGES = {
    "list": "/campaigns/",
    "detail": "/campaigns/{pk}/",
    "district": "/campaigns/{pk}/?unit={district_a}",
    "rows": "/campaigns/{pk}/rows/?kind=notice&unit={district_a}",
    "responsibility": "/campaigns/{pk}/responsibility/",
    "items": "/campaigns/{pk}/items/",
    "edit": "/campaigns/{pk}/edit/",
    "create": "/campaigns/new/",
}
A, F, N = 200, 403, 404
EXPECTED = {
    #                  list det dist rows resp items edit create
    "bureau_leader": [A, A, A, A, A, A, A, A],
    "bureau_staff": [A, A, A, A, A, A, A, A],
    "inspector": [A, A, A, A, A, A, F, F],
    "district_admin": [A, A, A, A, A, A, F, A],
    "district_admin_b": [A, A, N, N, A, A, F, A],
    "principal": [A, A, N, N, A, A, F, F],
    "school_staff": [A, A, N, N, A, A, F, F],
    "class_teacher": [F, F, F, F, F, F, F, F],
    "counsellor": [F, F, F, F, F, F, F, F],
    "doctor": [F, F, F, F, F, F, F, F],
    "sysadmin": [F, F, F, F, F, F, F, F],
    "auditor": [F, F, F, F, F, F, F, F],
}
CASES = [(role, page, EXPECTED[role][i]) for role in EXPECTED for i, page in enumerate(PAGES)]


@pytest.mark.parametrize(("role", "page", "expected"), CASES, ids=[f"{r}-{p}" for r, p, _ in CASES])
def test_pages_by_role(signed_in: Any, city: City, campaign: Campaign, role: str, page: str, expected: int) -> None:
    client = signed_in(city.user(role))
    url = PAGES[page].format(pk=campaign.pk, district_a=city.district_a.pk)
    response = client.get(url)
    assert response.status_code == expected, response.content.decode()[:300]


def test_a_district_campaign_is_not_found_by_another_district(signed_in: Any, city: City) -> None:
    campaign = make_campaign(city, actor=city.user("district_admin"), units=[city.school_a])
    assert signed_in(city.user("district_admin_b")).get(f"/campaigns/{campaign.pk}/").status_code == 404
    client = signed_in(city.user("principal"))
    assert client.get(f"/campaigns/{campaign.pk}/").status_code == 200


def test_a_school_of_an_involved_district_sees_the_city_campaign(signed_in: Any, city: City) -> None:
    campaign = make_campaign(city, units=[city.district_a])
    page = signed_in(city.user("principal")).get(f"/campaigns/{campaign.pk}/")
    assert page.status_code == 200
    assert "本校进展" in page.content.decode()
    assert signed_in(city.user("district_admin_b")).get(f"/campaigns/{campaign.pk}/").status_code == 404


def _create_post(**extra: Any) -> dict[str, Any]:
    data = {
        "name": "秋季开学专项检查",
        "summary": "开学前完成校园安全排查",
        "start": today().isoformat(),
        "end": (today() + dt.timedelta(days=20)).isoformat(),
        "assessment_on": (today() + dt.timedelta(days=15)).isoformat(),
        "key_name_1": "自查完成",
        "key_date_1": (today() + dt.timedelta(days=7)).isoformat(),
        "green_at": "90",
        "yellow_at": "60",
    }
    data.update(extra)
    return data


def test_clerk_creates_a_campaign_through_the_form(signed_in: Any, city: City) -> None:
    client = signed_in(city.user("bureau_staff"))
    notice = sent_notice(city)
    response = client.post(
        "/campaigns/new/",
        _create_post(
            units=[city.district_a.pk, city.district_b.pk],
            items=[f"notice:{notice.pk}"],
            indicator_codes=["notices.awareness_rate"],
        ),
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/campaigns/{campaign.pk}/responsibility/"
    assert campaign.key_dates.count() == 2 and campaign.units.count() == 2
    assert CampaignItem.objects.get().object_id == notice.pk
    detail = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "距考核验收日" in detail and "15" in detail and "告知书知晓率" in detail


def test_bad_dates_in_the_form_are_explained_and_nothing_is_created(signed_in: Any, city: City) -> None:
    client = signed_in(city.user("bureau_staff"))
    response = client.post("/campaigns/new/", _create_post(end=(today() - dt.timedelta(days=1)).isoformat()))
    assert response.status_code == 200
    assert "不能早于开始日期" in response.content.decode()
    response = client.post("/campaigns/new/", _create_post(key_name_2="材料报送"))
    assert "请填写该节点的日期" in response.content.decode()
    assert not Campaign.objects.exists()


def test_a_responsibility_person_outside_the_unit_is_refused_on_the_page(
    signed_in: Any, city: City, campaign: Campaign
) -> None:
    line = line_of(campaign, city.district_b)
    client = signed_in(city.user("bureau_staff"))
    response = client.post(
        f"/campaigns/{campaign.pk}/units/{line.pk}/",
        {"first_responsible": city.user("principal").pk, "version": line.version},
    )
    assert response.status_code == 400
    assert "不是乙区教育局的人员" in response.content.decode()
    assert CampaignUnit.objects.get(pk=line.pk).first_responsible is None


def test_a_responsibility_line_is_saved_and_a_stale_form_gets_409(
    signed_in: Any, city: City, campaign: Campaign
) -> None:
    line = line_of(campaign, city.school_a)
    client = signed_in(city.user("bureau_staff"))
    form = client.get(f"/campaigns/{campaign.pk}/units/{line.pk}/").content.decode()
    assert city.user("principal").display_name in form
    data = {
        "first_responsible": city.user("principal").pk,
        "contact": city.user("school_staff").pk,
        "version": line.version,
    }
    assert client.post(f"/campaigns/{campaign.pk}/units/{line.pk}/", data).status_code == 302
    assert client.post(f"/campaigns/{campaign.pk}/units/{line.pk}/", data).status_code == 409
    fresh = CampaignUnit.objects.get(pk=line.pk)
    assert fresh.first_responsible == city.user("principal") and fresh.version == 2
    listing = client.get(f"/campaigns/{campaign.pk}/responsibility/").content.decode()
    assert city.user("principal").phone in listing


def test_edit_form_with_a_stale_version_answers_409(signed_in: Any, city: City, campaign: Campaign) -> None:
    client = signed_in(city.user("bureau_staff"))
    data = _create_post(name="改名", start=campaign.start.isoformat(), end=campaign.end.isoformat(), status="active")
    assert client.post(f"/campaigns/{campaign.pk}/edit/", {**data, "version": 1}).status_code == 302
    response = client.post(f"/campaigns/{campaign.pk}/edit/", {**data, "name": "再改", "version": 1})
    assert response.status_code == 409 and "已被他人修改" in response.content.decode()
    assert Campaign.objects.get(pk=campaign.pk).name == "改名"


def test_attach_from_the_campaign_page_with_search(signed_in: Any, city: City, campaign: Campaign) -> None:
    notice = sent_notice(city)
    client = signed_in(city.user("bureau_staff"))
    partial = client.get(f"/campaigns/{campaign.pk}/items/?kind=notice&q=文明", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and notice.title in partial.content.decode()
    assert "<html" not in partial.content.decode()
    response = client.post(f"/campaigns/{campaign.pk}/items/add/", {"kind": "notice", "object_id": notice.pk})
    assert response.status_code == 302
    assert CampaignItem.objects.filter(campaign=campaign, object_id=notice.pk).count() == 1
    item = CampaignItem.objects.get()
    client.post(f"/campaigns/{campaign.pk}/items/{item.pk}/remove/")
    assert not CampaignItem.objects.exists()


def test_attach_from_a_module_page_and_back(signed_in: Any, city: City, campaign: Campaign) -> None:
    notice = sent_notice(city)
    client = signed_in(city.user("bureau_staff"))
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "加入专项工作" in page and campaign.name in page
    response = client.post(
        "/campaigns/attach/",
        {"campaign": campaign.pk, "kind": "notice", "object_id": notice.pk, "next": f"/notices/{notice.pk}/"},
    )
    assert response.status_code == 302 and response["Location"] == f"/notices/{notice.pk}/"
    assert CampaignItem.objects.filter(campaign=campaign, object_id=notice.pk).exists()
    assert AuditEvent.objects.filter(action="attach").count() == 1
    # A foreign `next` is not followed.
    response = client.post(
        "/campaigns/attach/",
        {"campaign": campaign.pk, "kind": "notice", "object_id": notice.pk, "next": "https://example.com/"},
    )
    assert response["Location"] == "/campaigns/"


def test_module_page_control_refuses_a_campaign_outside_scope(signed_in: Any, city: City) -> None:
    other = make_campaign(city, actor=city.user("district_admin_b"), units=[city.school_b])
    notice = sent_notice(city, issuer=city.district_a, actor=city.user("district_admin"))
    client = signed_in(city.user("district_admin"))
    response = client.post(
        "/campaigns/attach/", {"campaign": other.pk, "kind": "notice", "object_id": notice.pk, "next": "/"}
    )
    assert response.status_code == 404
    assert not CampaignItem.objects.exists()


def test_rows_page_names_the_people_behind_a_cell(signed_in: Any, city: City, campaign: Campaign) -> None:
    notice = sent_notice(city)
    CampaignItem.objects.create(
        campaign=campaign, kind="notice", content_type_id=_ct(notice), object_id=notice.pk, title=notice.title
    )
    page = signed_in(city.user("bureau_leader")).get(
        f"/campaigns/{campaign.pk}/rows/?kind=notice&unit={city.school_a.pk}"
    )
    text = page.content.decode()
    assert "七年级（1）班" in text and "名家长未确认" in text
    assert city.user("class_teacher").display_name in text and city.user("class_teacher").phone in text


def _ct(obj: Any) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(type(obj)).pk


def test_unknown_kind_or_unit_answers_404(signed_in: Any, city: City, campaign: Campaign) -> None:
    client = signed_in(city.user("bureau_staff"))
    assert client.get(f"/campaigns/{campaign.pk}/rows/?kind=meeting").status_code == 404
    assert client.get(f"/campaigns/{campaign.pk}/?unit=abc").status_code == 404
    assert client.get(f"/campaigns/{campaign.pk}/?unit=999999").status_code == 404


def test_menu_and_home_show_the_campaign(signed_in: Any, city: City, campaign: Campaign) -> None:
    client = signed_in(city.user("bureau_leader"))
    todos = client.get("/?view=todos").content.decode()
    assert "专项工作" in todos and "距考核验收日还有 12 天" in todos
    # The leader's home is the cockpit: the campaign is listed there with its countdown.
    cockpit = client.get("/").content.decode()
    assert campaign.name in cockpit and "12" in cockpit


def test_list_filters_by_status_and_name(client: Client, signed_in: Any, city: City, campaign: Campaign) -> None:
    client = signed_in(city.user("bureau_staff"))
    assert campaign.name in client.get("/campaigns/?q=创建").content.decode()
    assert campaign.name not in client.get("/campaigns/?q=防溺水").content.decode()
    assert campaign.name not in client.get("/campaigns/?status=closed").content.decode()
