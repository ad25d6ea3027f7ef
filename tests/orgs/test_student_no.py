"""The 学籍号 is `G` + the ID number: it is masked wherever the ID number is, and revealed only with it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dudao.audit.models import AuditEvent
from dudao.orgs import services
from dudao.orgs.roster import import_roster
from dudao.orgs.text import mask_student_no, student_no_embeds_id
from tests.factories import City
from tests.xlsx import roster_row, workbook

ID_NUMBER = re.compile(r"\d{17}[\dX]", re.IGNORECASE)


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("G360108201001010014", "G360108********0014"),
        ("G36010820100101001X", "G360108********001X"),
        ("g36010820100101001x", "g360108********001x"),
        # The tail alone decides: an invalid check digit or another letter is still an ID number.
        ("G360108201001010019", "G360108********0019"),
        ("L360108201001010014", "L360108********0014"),
        ("360108201001010014", "360108********0014"),
        # 17 digits give the check digit; 15 are an old-style ID number.
        ("G36010820100101001", "G360108*******1001"),
        ("G360108100101001", "G360108*****1001"),
        ("J3601082010010100141", "J360108*********0141"),
    ],
)
def test_a_student_number_with_an_id_number_inside_is_masked(number: str, shown: str) -> None:
    assert student_no_embeds_id(number)
    assert mask_student_no(number) == shown
    assert not ID_NUMBER.search(mask_student_no(number))


@pytest.mark.parametrize("number", ["L2012090112345", "G1000001", "J20130301A001", ""])
def test_a_temporary_number_without_an_id_number_is_shown(number: str) -> None:
    assert not student_no_embeds_id(number)
    assert mask_student_no(number) == number


def test_masking_twice_changes_nothing() -> None:
    once = mask_student_no("G360108201001010014")
    assert mask_student_no(once) == once


def test_factory_students_carry_realistic_numbers(city: City) -> None:
    pupil = city.students["a1"][0]
    assert pupil.student_no == "G" + pupil.id_card_no and student_no_embeds_id(pupil.student_no)


def test_revealing_the_id_number_reveals_the_student_number_and_logs_both(city: City) -> None:
    pupil = city.students["a1"][0]
    revealed = services.reveal_student(actor=city.user("principal"), student=pupil, fields=["id_card_no"])
    assert revealed["student_no"] == pupil.student_no
    event = AuditEvent.objects.get(action="view_unmasked")
    assert event.kind == "access" and event.changes["fields"] == ["id_card_no", "student_no"]


def test_revealing_phones_only_does_not_reveal_the_student_number(city: City) -> None:
    pupil = city.students["a1"][0]
    revealed = services.reveal_student(actor=city.user("class_teacher"), student=pupil, fields=["guardian_phones"])
    assert "student_no" not in revealed
    assert services.masked_student(pupil)["student_no"] == mask_student_no(pupil.student_no)


def test_audit_events_store_student_numbers_masked(city: City) -> None:
    number = "G360101201305010016"
    import_roster(
        actor=city.user("school_staff"),
        school=city.school_a,
        upload=workbook([roster_row("七年级（1）班", number)]),
        filename="r.xlsx",
    )
    created = AuditEvent.objects.get(action="import_create")
    assert created.changes["after"]["student_no"] == "G360101********0016"
    assert not ID_NUMBER.search(json.dumps(list(AuditEvent.objects.values_list("changes", flat=True))))


def test_no_template_renders_a_stored_student_number() -> None:
    """Pages get the masked number from their view; `{{ x.student_no }}` in a template would bypass it (only the
    logged reveal, `revealed.student_no`, shows the full number)."""
    root = Path(__file__).resolve().parents[2] / "dudao"
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("templates/**/*.html")
        if re.search(r"(?<!revealed)\.student_no\b", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
