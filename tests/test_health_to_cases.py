"""The two apps together: non-illness absences recorded in daily checks become 控辍保学 register suggestions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from dudao.cases.intake import absence_provider, accept_dropout_suggestion, suggest_dropouts
from dudao.cases.models import CaseFile, CaseKind, DropoutSuggestion
from dudao.health.services import AbsenceInput
from tests.health.conftest import check

pytestmark = pytest.mark.django_db


def test_three_school_days_absent_for_other_reasons_suggest_a_register_entry(city, settings):
    settings.DUDAO_DROPOUT_MIN_DAYS = 3
    away, ill = (s.pk for s in city.students["a1"][:2])
    today = dt.date.today()
    days = [today - dt.timedelta(days=n) for n in (3, 2, 1)]
    for day in days:
        check(
            city,
            [
                AbsenceInput(student=away, reason="other"),
                AbsenceInput(student=ill, reason="illness", symptoms=("cough",)),
            ],
            day=day,
        )
    assert absence_provider() is not None
    assert suggest_dropouts(today=today) == 1
    suggestion = DropoutSuggestion.objects.get()
    assert (suggestion.student_id, suggestion.days, suggestion.first_date) == (away, 3, days[0])
    # Running the job again (or through its command) suggests nothing new.
    call_command("suggest_dropouts", verbosity=0)
    assert DropoutSuggestion.objects.count() == 1
    case = accept_dropout_suggestion(actor=city.user("counsellor"), suggestion=suggestion, reason="weariness")
    assert CaseFile.objects.filter(pk=case.pk, kind=CaseKind.DROPOUT, student_id=away).exists()


def test_two_days_are_not_enough(city, settings):
    settings.DUDAO_DROPOUT_MIN_DAYS = 3
    away = city.students["a1"][0].pk
    today = dt.date.today()
    for n in (2, 1):
        check(city, [AbsenceInput(student=away, reason="other")], day=today - dt.timedelta(days=n))
    assert suggest_dropouts(today=today) == 0
