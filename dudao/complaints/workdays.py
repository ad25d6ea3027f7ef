"""Working days for reply deadlines, from the school calendar (`dudao.calendars`): Monday to Friday except the
public holidays of the published year, plus its 调休 make-up days. Without a published year: Monday to Friday."""

from __future__ import annotations

import datetime as dt

from dudao.calendars import selectors as calendar
from dudao.orgs.models import OrgUnit

DEFAULT_REPLY_DAYS = 5


def add_working_days(start: dt.date, days: int, *, unit: OrgUnit | str) -> dt.date:
    """The day `days` working days after `start` for `unit`'s office (the start day itself does not count)."""
    return calendar.nth_working_day(unit, start, days)
