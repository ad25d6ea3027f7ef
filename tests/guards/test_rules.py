"""The guard rule and the 三防 card."""

from __future__ import annotations

import datetime as dt

import pytest

from dudao.guards import selectors, services
from dudao.guards.models import Equipment, EquipmentKind
from dudao.guards.rules import GREEN, RED, YELLOW, required_guards
from tests.guards.conftest import add_guard, equip_fully, today

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("students", "boarding", "day", "night"),
    [(0, False, 1, 0), (999, False, 1, 0), (1000, False, 2, 0), (2999, True, 3, 2), (450, True, 1, 2)],
)
def test_required_guards(students, boarding, day, night):
    need = required_guards(students=students, is_boarding=boarding)
    assert (need.day, need.night) == (day, night)


def test_required_guards_follows_the_setting(settings):
    settings.DUDAO_GUARD_STUDENTS_PER_GUARD = 500
    assert required_guards(students=1000, is_boarding=False).day == 3


def test_school_without_guards_or_equipment_is_red(city):
    card = selectors.card_of(city.school_a).card
    assert card.level == RED
    assert card.people.level == RED and card.physical.level == RED and card.technical.level == RED
    assert any("未配备一键报警装置" in r for r in card.reasons)


def test_fully_equipped_school_with_a_trained_guard_is_green(green_school):
    card = selectors.card_of(green_school.school_a).card
    assert card.level == GREEN, card.reasons
    assert card.reasons == []


def test_licence_expiring_within_30_days_turns_yellow(city):
    add_guard(city, days=20)
    equip_fully(city)
    card = selectors.card_of(city.school_a).card
    assert card.level == YELLOW
    assert any("保安员证将于" in r for r in card.people.reasons)


def test_expired_licence_is_red(city):
    add_guard(city, days=-1)
    equip_fully(city)
    assert selectors.card_of(city.school_a).card.people.level == RED


def test_boarding_school_needs_two_night_guards(green_school):
    services.set_profile(
        actor=green_school.user("principal"),
        school=green_school.school_a,
        is_boarding=True,
        is_closed_campus=True,
        version=None,
    )
    card = selectors.card_of(green_school.school_a).card
    assert card.people.level == RED and "夜间值守保安 0 人" in card.people.reasons[0]
    add_guard(green_school, "李卫东", works_nights=True)
    add_guard(green_school, "张志刚", works_nights=True)
    assert selectors.card_of(green_school.school_a).card.people.level == GREEN


def test_overdue_check_and_broken_equipment(green_school):
    alarm = Equipment.objects.get(school=green_school.school_a, kind=EquipmentKind.ALARM)
    Equipment.objects.filter(pk=alarm.pk).update(last_checked_on=today() - dt.timedelta(days=40))
    assert selectors.card_of(green_school.school_a).card.technical.level == YELLOW
    services.record_check(actor=green_school.user("principal"), item=alarm, is_working=False)
    card = selectors.card_of(green_school.school_a).card
    assert card.technical.level == RED and any("故障" in r for r in card.technical.reasons)


def test_district_list_holds_only_cards_not_green(green_school, django_assert_max_num_queries):
    city = green_school
    schools = list(selectors.schools_for(city.user("district_admin"), city.district_a))
    with django_assert_max_num_queries(6):
        cards = selectors.cards_of(schools)
    flagged = selectors.not_green(cards)
    assert city.school_a.pk not in {c.school.pk for c in flagged}
    assert city.school_a2.pk in {c.school.pk for c in flagged}
    assert city.school_b.pk not in {c.school.pk for c in cards}
