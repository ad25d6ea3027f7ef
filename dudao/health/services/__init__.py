"""晨午检 services: class checks (idempotent, corrections audited), follow-up, clearance, alerts, supplies.

One use case per function, one transaction each, permission checked inside, an audit event written inside.
Split by use case; import from here."""

from dudao.health.services.absences import AbsenceInput
from dudao.health.services.alerts import acknowledge_alert, add_measure, close_alert, escalate_alerts, report_alert
from dudao.health.services.checks import CheckResult, submit_check
from dudao.health.services.clearance import clear_return, earliest_return
from dudao.health.services.followup import record_followup
from dudao.health.services.outbreak import scan_day, thresholds
from dudao.health.services.supplies import record_supply

__all__ = [
    "AbsenceInput",
    "CheckResult",
    "acknowledge_alert",
    "add_measure",
    "clear_return",
    "close_alert",
    "earliest_return",
    "escalate_alerts",
    "record_followup",
    "record_supply",
    "report_alert",
    "scan_day",
    "submit_check",
    "thresholds",
]
