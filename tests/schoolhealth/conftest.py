from __future__ import annotations

import datetime as dt
import io
from typing import Any

import xlsxwriter
from django.utils import timezone

from dudao.accounts import services as accounts
from dudao.orgs.models import Student
from dudao.schoolhealth import services
from dudao.schoolhealth.models import VaccinationRecord
from dudao.schoolhealth.services import DoseInput
from tests.factories import City


def workbook(header: list[str], rows: list[list[object]]) -> io.BytesIO:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    table: list[list[object]] = [list(header), *rows]
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    out.seek(0)
    out.name = "doses.xlsx"
    return out


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def dose(city: City, student: Student, vaccine: str, number: int, day: dt.date) -> VaccinationRecord:
    return services.record_doses(
        actor=city.user("doctor"),
        inputs=[DoseInput(vaccine=vaccine, dose_number=number, date=day, student=student)],
    )[0]


def auth(city: City, key: str) -> dict[str, Any]:
    _, plain = accounts.create_token(actor=city.user(key), name="t")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
