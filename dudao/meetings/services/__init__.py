"""调度会 services: task forces, meetings (attendance, minutes) and their decisions. Each checks permission on the
locked fresh row, runs in one transaction and is audited. Import from here."""

from dudao.meetings.services.decisions import (
    add_decision,
    may_report,
    reopen_decision,
    report_progress,
    update_decision,
)
from dudao.meetings.services.meetings import (
    add_attendees,
    create_meeting,
    record_attendance,
    remove_attendee,
    save_minutes,
    update_meeting,
)
from dudao.meetings.services.taskforces import MemberIn, create_task_force, dissolve_task_force, update_task_force

__all__ = [
    "MemberIn",
    "add_attendees",
    "add_decision",
    "create_meeting",
    "create_task_force",
    "dissolve_task_force",
    "may_report",
    "record_attendance",
    "remove_attendee",
    "reopen_decision",
    "report_progress",
    "save_minutes",
    "update_decision",
    "update_meeting",
    "update_task_force",
]
