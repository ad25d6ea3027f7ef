"""Pages of inspections, the ledger and bulletins × every role: allowed, refused, or out of scope.

Cells: 200 allowed · 403 refused for the role · 404 object outside the role's subtree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from dudao.dashboard import services as bulletins
from dudao.inspections.models import Framework, Inspection, InspectionKind, Target
from dudao.rectification import services as ledger
from dudao.rectification.models import RectificationItem
from tests.factories import City
from tests.inspections.factories import build_framework, indicator, plan_round, submitted_round, target_of, upload
from tests.test_permission_matrix import ROLES

pytestmark = pytest.mark.django_db


@dataclass
class Campaign:
    framework: Framework
    round: Inspection
    target_a: Target
    target_b: Target
    item_a: RectificationItem
    item_b: RectificationItem
    hidden: Inspection
    bulletin_id: int
    token: str
    pending: Target
    awaiting: RectificationItem


def build_campaign(city: City) -> Campaign:
    framework = build_framework(city)
    inspection = submitted_round(city, schools=[city.school_a, city.school_b])
    hidden = plan_round(city, kind=InspectionKind.UNANNOUNCED, schools=[city.school_a], name="暗访")
    bulletin = bulletins.generate_bulletin(actor=city.user("inspector"), inspection=inspection)
    bulletins.publish_bulletin(actor=city.user("inspector"), bulletin=bulletin, version=None)
    posting = ledger.create_posting(actor=city.user("principal"), school=city.school_a)
    items = RectificationItem.objects.filter(inspection=inspection)
    pending = plan_round(city, schools=[city.school_a], name="待测评")
    awaiting = items.filter(school=city.school_a).last()
    assert awaiting is not None
    awaiting = ledger.assign(
        actor=city.user("principal"),
        item=awaiting,
        owner=city.user("class_teacher"),
        responsibility="维修",
        due_date=awaiting.due_limit,
        version=None,
    )
    awaiting = ledger.request_closeout(
        actor=city.user("class_teacher"), item=awaiting, text="已修好", photos=[upload(3)], version=None
    )
    item_a, item_b = items.filter(school=city.school_a).first(), items.filter(school=city.school_b).first()
    assert item_a is not None and item_b is not None
    return Campaign(
        framework=framework,
        round=inspection,
        target_a=target_of(inspection, city.school_a),
        target_b=target_of(inspection, city.school_b),
        item_a=item_a,
        item_b=item_b,
        hidden=hidden,
        bulletin_id=bulletin.pk,
        token=posting.token,
        pending=target_of(pending, city.school_a),
        awaiting=awaiting,
    )


PAGES = {
    "frameworks": "/frameworks/",
    "framework": "/frameworks/{framework}/",
    "rounds": "/inspections/",
    "round": "/inspections/{round}/",
    "hidden_round": "/inspections/{hidden}/",
    "checklist_a": "/inspections/checklists/{target_a}/",
    "checklist_b": "/inspections/checklists/{target_b}/",
    "ledger": "/ledger/",
    "item_a": "/ledger/{item_a}/",
    "item_b": "/ledger/{item_b}/",
    "export": "/ledger/export.xlsx",
    "today": "/ledger/today/",
    "board": "/ledger/board/",
    "overview": "/ledger/overview/",
    "posting_a": "/ledger/posting/{school_a}/",
    "bulletins": "/bulletins/",
    "bulletin": "/bulletins/{bulletin}/",
    "reminders": "/ledger/reminders/",
}
A, F, N = 200, 403, 404
EXPECTED: dict[str, list[int]] = {
    #                 fws fw rds rd hid chA chB led itA itB exp tdy brd ovw posA bls bl rem
    "bureau_leader": [A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A],
    "bureau_staff": [A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A],
    "inspector": [A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A],
    "district_admin": [A, A, A, A, N, A, N, A, A, N, A, A, A, A, A, A, A, A],
    "principal": [A, A, A, A, N, A, N, A, A, N, A, A, A, A, A, A, A, A],
    "school_staff": [A, A, A, A, N, A, N, A, A, N, A, A, A, A, A, A, A, A],
    "class_teacher": [F, F, F, F, F, F, F, A, A, N, A, A, A, A, N, F, F, A],
    "counsellor": [F, F, F, F, F, F, F, A, A, N, A, A, A, A, A, F, F, A],
    "doctor": [F, F, F, F, F, F, F, A, A, N, A, A, A, A, A, F, F, A],
    "sysadmin": [F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F],
    "security_officer": [F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F],
    "auditor": [F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F],
    "nobody": [F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F],
}


def url(city: City, campaign: Campaign, page: str) -> str:
    values: dict[str, Any] = {
        "framework": campaign.framework.pk,
        "round": campaign.round.pk,
        "hidden": campaign.hidden.pk,
        "target_a": campaign.target_a.pk,
        "target_b": campaign.target_b.pk,
        "item_a": campaign.item_a.pk,
        "item_b": campaign.item_b.pk,
        "school_a": city.school_a.pk,
        "bulletin": campaign.bulletin_id,
    }
    return PAGES[page].format(**values)


@pytest.fixture
def campaign(city: City) -> Campaign:
    return build_campaign(city)


@pytest.mark.parametrize("role", ROLES)
def test_page_access(client: Client, city: City, campaign: Campaign, role: str) -> None:
    """One role, every page (the campaign is built once per role: building it per cell took minutes)."""
    client.force_login(city.user(role))
    actual = {page: client.get(url(city, campaign, page)).status_code for page in PAGES}
    expected = dict(zip(PAGES, EXPECTED[role], strict=True))
    wrong = {page: (actual[page], expected[page]) for page in PAGES if actual[page] != expected[page]}
    assert not wrong, f"{role}: page → (got, expected) {wrong}"


def test_anonymous_is_sent_to_login(client: Client, city: City, campaign: Campaign) -> None:
    for page in PAGES:
        response = client.get(url(city, campaign, page))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], page


def test_public_page_needs_no_login_and_shows_progress(client: Client, campaign: Campaign) -> None:
    response = client.get(f"/p/{campaign.token}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert campaign.item_a.description[:10] in body
    assert "<img" not in body  # no photos on the public page


def test_public_page_of_revoked_or_unknown_token_is_404(client: Client, city: City, campaign: Campaign) -> None:
    posting = ledger.create_posting(actor=city.user("principal"), school=city.school_a)
    assert client.get(f"/p/{campaign.token}/").status_code == 404  # replaced by the new link
    ledger.revoke_posting(actor=city.user("principal"), posting=posting)
    assert client.get(f"/p/{posting.token}/").status_code == 404
    assert client.get("/p/not-a-token/").status_code == 404


def test_unannounced_round_is_not_listed_for_the_school(signed_in, city: City, campaign: Campaign) -> None:
    body = signed_in(city.user("principal")).get("/inspections/").content.decode()
    assert campaign.round.name in body
    assert "暗访" not in body


# name → (url template, form data, roles allowed, effect check)
WRITES: dict[str, tuple[str, Any, set[str], Any]] = {
    "assign_owner_a": (
        "/ledger/{item_a}/assign/",
        lambda city, c: {
            "owner": city.user("class_teacher").pk,
            "responsibility": "更换扶手",
            "due_date": c.item_a.due_limit.isoformat(),
            "version": c.item_a.version,
        },
        {"principal", "school_staff"},
        lambda city, c: RectificationItem.objects.get(pk=c.item_a.pk).owner_id == city.user("class_teacher").pk,
    ),
    "plan_round": (
        "/inspections/new/",
        lambda city, c: {
            "name": "新一轮测评",
            "kind": "field",
            "framework": c.framework.pk,
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-03",
            "school_names": city.school_a.name,
        },
        {"bureau_staff", "inspector", "district_admin"},
        lambda city, c: Inspection.objects.filter(name="新一轮测评").exists(),
    ),
    "create_framework": (
        "/frameworks/new/",
        lambda city, c: {"name": "新测评体系"},
        {"bureau_staff", "inspector"},
        lambda city, c: Framework.objects.filter(name="新测评体系").exists(),
    ),
    "generate_bulletin": (
        "/bulletins/new/{round}/",
        lambda city, c: {"threshold": "1"},
        {"bureau_staff", "inspector"},
        lambda city, c: c.round.bulletins.count() == 2,
    ),
}


WRITES.update(
    {
        "save_answer": (
            "/inspections/checklists/{pending}/answer/",
            lambda city, c: {"indicator": indicator(c.pending, "1.1").pk, "result": "pass"},
            {"bureau_staff", "inspector", "district_admin"},
            lambda city, c: c.pending.answers.exists(),
        ),
        "verify_closeout": (
            "/ledger/{awaiting}/verify/",
            lambda city, c: {"text": "核实", "version": c.awaiting.version},
            {"bureau_staff", "inspector", "district_admin"},
            lambda city, c: RectificationItem.objects.get(pk=c.awaiting.pk).status == "closed",
        ),
    }
)


@pytest.mark.parametrize("action", list(WRITES))
def test_writes_happen_exactly_for_permitted_roles(client: Client, city: City, campaign: Campaign, action: str) -> None:
    """Every role tries the write; each try is rolled back so the next role starts from the same state."""
    template, data, allowed, effect = WRITES[action]
    values = {
        "item_a": campaign.item_a.pk,
        "round": campaign.round.pk,
        "pending": campaign.pending.pk,
        "awaiting": campaign.awaiting.pk,
    }
    for role in ROLES:
        with transaction.atomic():
            client.force_login(city.user(role))
            response = client.post(template.format(**values), data(city, campaign))
            if role in allowed:
                assert response.status_code in (200, 302), f"{role}: {response.content.decode()[:300]}"
                assert effect(city, campaign), f"{role} was allowed to {action} but nothing changed"
            else:
                assert response.status_code in (403, 404), role
                assert not effect(city, campaign), f"{role} must not {action}"
            transaction.set_rollback(True)


def test_submitting_a_checklist_twice_changes_nothing(signed_in, city: City, campaign: Campaign) -> None:
    client = signed_in(city.user("inspector"))
    before = RectificationItem.objects.filter(school=city.school_a, inspection=campaign.round).count()
    response = client.post(f"/inspections/checklists/{campaign.target_a.pk}/submit/", follow=True)
    assert "已提交，不能再修改" in response.content.decode()
    assert RectificationItem.objects.filter(school=city.school_a, inspection=campaign.round).count() == before == 2


def test_submit_page_reports_missing_answers(signed_in, city: City) -> None:
    inspection = plan_round(city, schools=[city.school_a])
    target = target_of(inspection, city.school_a)
    response = signed_in(city.user("inspector")).post(f"/inspections/checklists/{target.pk}/submit/", follow=True)
    assert "项指标未评定" in response.content.decode()
    target.refresh_from_db()
    assert target.status != "submitted"


def test_no_bulletin_for_an_unannounced_round_before_its_results_are_out(signed_in, city: City) -> None:
    inspection = submitted_round(city, kind=InspectionKind.UNANNOUNCED, schools=[city.school_a])
    response = signed_in(city.user("inspector")).post(
        f"/bulletins/new/{inspection.pk}/", {"threshold": "1"}, follow=True
    )
    assert "暗访轮次须先发布结果" in response.content.decode()
    assert not inspection.bulletins.exists()


def test_round_page_shows_the_bulletins_section_dashboard_adds(signed_in, city: City, campaign: Campaign) -> None:
    page = signed_in(city.user("inspector")).get(f"/inspections/{campaign.round.pk}/").content.decode()
    assert f"/bulletins/new/{campaign.round.pk}/" in page
    assert f'href="/bulletins/{campaign.bulletin_id}/"' in page


def test_round_page_offers_no_bulletin_to_a_principal(signed_in, city: City, campaign: Campaign) -> None:
    page = signed_in(city.user("principal")).get(f"/inspections/{campaign.round.pk}/").content.decode()
    assert "生成通报" not in page
    assert f'href="/bulletins/{campaign.bulletin_id}/"' in page
