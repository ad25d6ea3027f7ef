"""Pages: role × page, out-of-scope objects, the send form, the link's public page and its refusals."""

from __future__ import annotations

import pytest
from django.test import override_settings

from dudao.partners.models import PartnerTask, TaskPhoto, TaskStatus
from tests.partners.conftest import photo, today, url_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "index", "tasks"),
    [
        ("bureau_leader", 200, 200),
        ("bureau_staff", 200, 200),
        ("district_admin", 200, 200),
        ("principal", 403, 200),
        ("school_staff", 403, 200),
        ("inspector", 403, 403),
        ("class_teacher", 403, 403),
        ("doctor", 403, 403),
        ("sysadmin", 403, 403),
        ("auditor", 403, 403),
    ],
)
def test_pages_by_role(city, signed_in, partner, task, role, index, tasks):
    client = signed_in(city.user(role))
    assert client.get("/partners/").status_code == index
    assert client.get("/partners/campaigns/").status_code == index
    assert client.get("/partners/tasks/").status_code == tasks
    assert client.get(f"/partners/tasks/{task.pk}/").status_code == (200 if tasks == 200 else 403)


def test_district_lists_its_partners_with_counts(city, signed_in, partner, partner_b, task):
    page = signed_in(city.user("district_admin")).get("/partners/").content.decode()
    assert "甲区城管执法局" in page and "乙区交警大队" not in page and "王建军" in page


def test_out_of_scope_objects_answer_404(city, signed_in, partner_b):
    task = PartnerTask.objects.create(
        owner=city.district_b,
        partner=partner_b,
        title="x",
        description="x",
        due_on=today(),
        link_key="abcdefghij",
        sent_by=city.user("district_admin_b"),
        school=city.school_b,
    )
    client = signed_in(city.user("district_admin"))
    assert client.get(f"/partners/{partner_b.pk}/").status_code == 404
    assert client.get(f"/partners/tasks/{task.pk}/").status_code == 404
    assert client.post(f"/partners/tasks/{task.pk}/revoke/").status_code == 404
    assert signed_in(city.user("principal")).get(f"/partners/tasks/{task.pk}/").status_code == 404


def test_principal_reads_the_task_about_the_school_without_the_link(city, signed_in, task):
    page = signed_in(city.user("principal")).get(f"/partners/tasks/{task.pk}/").content.decode()
    assert task.title in page and task.link_key not in page and "撤回链接" not in page
    assert signed_in(city.user("principal")).post(f"/partners/tasks/{task.pk}/revoke/").status_code == 403


def test_send_form_creates_a_task_and_shows_the_link(city, signed_in, partner):
    client = signed_in(city.user("district_admin"))
    assert client.get(f"/partners/tasks/new/?partner={partner.pk}").status_code == 200
    data = {
        "partner": partner.pk,
        "title": "校门口无减速带",
        "description": "学校正门临主干道，无减速带。",
        "school": city.school_a.pk,
        "due_on": today().isoformat(),
    }
    response = client.post("/partners/tasks/new/", data)
    task = PartnerTask.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/partners/tasks/{task.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert url_of(task) in page
    client.post("/partners/tasks/new/", data)  # a double submit
    assert PartnerTask.objects.count() == 1


def test_send_form_refuses_a_past_deadline(city, signed_in, partner):
    client = signed_in(city.user("district_admin"))
    data = {"partner": partner.pk, "title": "x", "description": "y", "due_on": "2020-01-01"}
    response = client.post("/partners/tasks/new/", data, follow=True)
    assert "办理时限不能早于今天" in response.content.decode()
    assert not PartnerTask.objects.exists()


def test_partner_acknowledges_and_reports_through_the_link(city, client, task):
    url = url_of(task)
    page = client.get(url)
    assert page.status_code == 200 and task.title in page.content.decode()
    response = client.post(url, {"action": "ack", "name": "王建军"})
    assert response.status_code == 302
    response = client.post(url, {"action": "report", "name": "王建军", "text": "已清理", "photos": [photo()]})
    assert response.status_code == 302
    client.post(url, {"action": "report", "name": "王建军", "text": "已清理并设岗"})
    task.refresh_from_db()
    assert task.status == TaskStatus.REPORTED and task.report == "已清理并设岗" and task.report_count == 2
    assert TaskPhoto.objects.filter(task=task).count() == 1
    assert "再次提交将更新原反馈" in client.get(url).content.decode()


def test_bad_report_is_refused_with_the_reason(client, task):
    response = client.post(url_of(task), {"action": "report", "name": "王建军", "text": ""})
    assert response.status_code == 400 and "办理情况" in response.content.decode()


def test_link_reused_after_revocation_answers_404(city, signed_in, client, task):
    url = url_of(task)
    assert client.get(url).status_code == 200
    admin = signed_in(city.user("district_admin"))
    admin.post(f"/partners/tasks/{task.pk}/revoke/", {"version": task.version})
    admin.logout()
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "ack", "name": "王建军"}).status_code == 404
    task.refresh_from_db()
    assert task.acknowledged_at is None


def test_forged_links_answer_404(client, task):
    assert client.get("/xt/1-abcdefghij-0000/").status_code == 404
    assert client.get(url_of(task).replace(task.link_key, "zzzzzzzzzz")).status_code == 404


@override_settings(DUDAO_PARTNER_LINK_PER_MINUTE=3)
def test_public_pages_are_rate_limited_per_address(client, task):
    url = url_of(task)
    codes = [client.get(url).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    other = client.get(url, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_close_from_the_page_after_review(city, signed_in, client, task):
    client.post(url_of(task), {"action": "report", "name": "王建军", "text": "已清理"})
    task.refresh_from_db()
    admin = signed_in(city.user("district_admin"))
    admin.post(f"/partners/tasks/{task.pk}/close/", {"version": task.version, "note": "复查到位"})
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED and task.review_note == "复查到位"


def test_campaign_page_shows_per_partner_counts(city, signed_in, campaign, partner):
    from tests.partners.conftest import send

    send(city, partner, campaign=campaign)
    page = signed_in(city.user("district_admin")).get(f"/partners/campaigns/{campaign.pk}/").content.decode()
    assert "各部门办理情况" in page and "甲区城管执法局" in page


def test_task_page_shows_the_linked_hazard(city, signed_in, partner):
    from tests.partners.conftest import send
    from tests.rectification.test_any_unit import raised

    hazard = raised(city, city.school_a, category="校园周边", description="校门口护栏缺失")
    client = signed_in(city.user("district_admin"))
    form = client.get(f"/partners/tasks/new/?hazard={hazard.pk}").content.decode()
    assert "校门口护栏缺失" in form
    task = send(city, partner, hazard_id=hazard.pk)
    page = client.get(f"/partners/tasks/{task.pk}/").content.decode()
    assert f"/ledger/{hazard.pk}/" in page and "校门口护栏缺失" in page
