"""一生一案 services: open, note, level and crisis, referral, review, dropout register entry, close; break-glass;
alerts. Every read of a case is logged here too. Intake (screening, absence suggestions) is in `intake`, home
visits and staffing in `school`, retention and key rotation in `upkeep`.

One use case per function, one transaction each, permission checked inside, an audit event written inside.
Split by use case; import from here."""

from dudao.cases.services._common import _decide_scope, clean_text, refuse_future
from dudao.cases.services.access import (
    break_glass,
    log_denied,
    log_list,
    log_lookup,
    log_read,
    log_suggestions,
    log_visits_read,
)
from dudao.cases.services.alerts import mark_alerts_read
from dudao.cases.services.crisis import change_level, complete_crisis_step
from dudao.cases.services.dropout import update_dropout
from dudao.cases.services.followup import (
    add_attachment,
    add_note,
    add_referral,
    close_case,
    review_case,
    update_referral,
)
from dudao.cases.services.opening import open_case

__all__ = [
    "_decide_scope",  # intake's suggestion decisions check the school with it
    "add_attachment",
    "add_note",
    "add_referral",
    "break_glass",
    "change_level",
    "clean_text",
    "close_case",
    "complete_crisis_step",
    "log_denied",
    "log_list",
    "log_lookup",
    "log_read",
    "log_suggestions",
    "log_visits_read",
    "mark_alerts_read",
    "open_case",
    "refuse_future",
    "review_case",
    "update_dropout",
    "update_referral",
]
