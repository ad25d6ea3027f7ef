"""The daily sign-in check: shifts started by the deadline (DUDAO_DUTY_SIGNIN_DEADLINE, default 09:30 Beijing
time) without a sign-in are flagged; `manage.py duty_check_signins` runs the same check. At 16:00 the people on
duty in the next 24 hours are reminded."""

from __future__ import annotations

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from dudao.duty.services import flag_missed_signins, remind_upcoming_shifts

log = logging.getLogger("dudao.duty")
_HOUR, _MINUTE = settings.DUDAO_DUTY_SIGNIN_DEADLINE.split(":")


@db_periodic_task(crontab(hour=str(int(_HOUR)), minute=str(int(_MINUTE))))
def check_signins() -> int:
    flagged = flag_missed_signins()
    log.info("duty sign-ins missed: %s", flagged)
    return flagged


@db_periodic_task(crontab(hour="16", minute="0"))
def remind_upcoming() -> int:
    """16:00: everyone on duty in the next 24 hours (tonight, tomorrow) is reminded once through the message centre."""
    sent = remind_upcoming_shifts()
    log.info("duty reminders sent: %s", sent)
    return sent
