"""Field work on the checklist and round pages: a refused submission names and marks its indicators, the
inspector is offered the next school of the share, teams are picked from the inspecting unit's people, and the
lists become cards on a phone."""

from __future__ import annotations

import pytest
from django.test import Client

from dudao.inspections import selectors, services
from dudao.inspections.models import Target, TargetStatus, Team
from tests.factories import City, UserFactory, assign
from tests.inspections.factories import answer_checklist, indicator, plan_round, target_of

pytestmark = pytest.mark.django_db


def test_missing_photo_refusal_names_the_indicator_and_carries_its_id(city: City) -> None:
    target = target_of(plan_round(city), city.school_a)
    answer_checklist(target, actor=city.user("inspector"), fail=("1.1",), photos=False)
    with pytest.raises(services.ChecklistIncomplete) as refused:
        services.submit_target(actor=city.user("inspector"), target=target)
    assert refused.value.code == "evidence_required"
    assert "1.1 校园设施完好，无破损" in refused.value.message
    assert refused.value.indicator_ids == [indicator(target, "1.1").pk]


def test_refused_submission_jumps_to_the_indicator_and_marks_it(city: City, signed_in) -> None:
    target = target_of(plan_round(city), city.school_a)
    answer_checklist(target, actor=city.user("inspector"), fail=("1.1",), photos=False)
    client: Client = signed_in(city.user("inspector"))
    first = indicator(target, "1.1").pk
    response = client.post(f"/inspections/checklists/{target.pk}/submit/", {"version": target.version})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?missing={first}&why=photo#i{first}")
    page = client.get(response["Location"]).content.decode()
    assert "须拍照取证后才能提交：1.1 校园设施完好" in page
    card = page.split(f'id="i{first}"', 1)[0].rsplit("<div", 1)[1]
    assert "border-danger" in card
    assert page.count('data-testid="flagged"') == 1 and "此项不达标，须先拍照取证" in page
    target.refresh_from_db()
    assert target.status != TargetStatus.SUBMITTED


def test_unanswered_indicators_are_marked_too(city: City, signed_in) -> None:
    target = target_of(plan_round(city), city.school_a)
    client: Client = signed_in(city.user("inspector"))
    response = client.post(f"/inspections/checklists/{target.pk}/submit/", {"version": target.version})
    assert "why=answer" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert page.count('data-testid="flagged"') == 3 and "此项尚未评定" in page


def share_of_two(city: City) -> tuple[list[Target], object]:
    """五中 and 实验小学 given to a team of one district inspector."""
    inspection = plan_round(city)
    targets = [target_of(inspection, city.school_a), target_of(inspection, city.school_a2)]
    member = UserFactory.create(unit=city.district_a, full_name="周督学")
    assign(member, "inspector", city.district_a)
    services.create_team(
        actor=city.user("inspector"), inspection=inspection, name="一组", members=[member], targets=targets
    )
    return targets, member


def test_after_submitting_the_round_page_offers_the_next_school_of_the_share(city: City, signed_in) -> None:
    (first, second), member = share_of_two(city)
    first, second = sorted((first, second), key=lambda t: t.school.path)
    answer_checklist(first, actor=member)
    client: Client = signed_in(member)
    response = client.post(f"/inspections/checklists/{first.pk}/submit/", {"version": first.version}, follow=True)
    page = response.content.decode()
    assert "已提交" in page
    assert 'data-testid="next-school"' in page and f"下一所学校：{second.school.name}" in page
    assert f"/inspections/checklists/{second.pk}/" in page.split('data-testid="next-school"')[0].rsplit("<a", 1)[1]
    answer_checklist(second, actor=member)
    done = client.post(f"/inspections/checklists/{second.pk}/submit/", {"version": second.version}, follow=True)
    assert 'data-testid="share-done"' in done.content.decode()


def test_the_organiser_without_a_share_sees_no_share_card(city: City, signed_in) -> None:
    (first, _), _ = share_of_two(city)
    page = signed_in(city.user("inspector")).get(f"/inspections/{first.inspection_id}/").content.decode()
    assert 'data-testid="my-share"' not in page


def test_team_candidates_are_the_inspecting_units_people_not_schools(city: City) -> None:
    inspection = plan_round(city)
    district_inspector = UserFactory.create(unit=city.district_a, full_name="区督学")
    assign(district_inspector, "inspector", city.district_a)
    people = {person.pk: label for person, label in selectors.team_candidates(inspection)}
    assert city.user("inspector").pk in people and district_inspector.pk in people
    assert "督学" in people[district_inspector.pk] and city.district_a.name in people[district_inspector.pk]
    assert city.user("principal").pk not in people and city.user("school_staff").pk not in people


def test_team_is_created_from_picked_people_leader_first(city: City, signed_in) -> None:
    inspection = plan_round(city)
    district_inspector = UserFactory.create(unit=city.district_a, full_name="区督学")
    assign(district_inspector, "inspector", city.district_a)
    client: Client = signed_in(city.user("inspector"))
    page = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert (
        'data-testid="team-people"' in page
        and "区督学（督查员/督学 · 甲区教育局）" in page
        and "成员用户名" not in page
    )
    client.post(
        f"/inspections/{inspection.pk}/teams/",
        {
            "name": "一组",
            "leader": district_inspector.pk,
            "members": [city.user("inspector").pk, district_inspector.pk],
            "targets": [target_of(inspection, city.school_a).pk],
        },
    )
    team = Team.objects.get()
    assert team.leader == district_inspector
    assert set(team.members.values_list("pk", flat=True)) == {district_inspector.pk, city.user("inspector").pk}


def test_a_person_outside_the_inspecting_unit_cannot_be_posted_into_a_team(city: City, signed_in) -> None:
    inspection = plan_round(city)
    client: Client = signed_in(city.user("inspector"))
    response = client.post(
        f"/inspections/{inspection.pk}/teams/", {"name": "一组", "leader": city.user("principal").pk}, follow=True
    )
    assert "组长" in response.content.decode()
    assert not Team.objects.exists()


def test_rounds_and_schools_render_as_cards_for_phones(city: City, signed_in) -> None:
    inspection = plan_round(city)
    client: Client = signed_in(city.user("inspector"))
    rounds = client.get("/inspections/").content.decode()
    assert 'data-testid="round-cards"' in rounds and "查看本轮" in rounds
    detail = client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert 'data-testid="school-cards"' in detail and detail.count("打开测评表") == 2
