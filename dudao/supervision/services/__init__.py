"""督办与问责 services: `orders` (督办单) and `records` (问责, 通报表扬, 问责形式)."""

from dudao.supervision.services.orders import (
    ISSUER_KINDS,
    TARGET_KINDS,
    check_target,
    close_order,
    escalate_overdue,
    issue_order,
    respond_order,
    return_order,
    sign_order,
)
from dudao.supervision.services.records import (
    DECIDING_KINDS,
    add_form,
    log_list,
    log_read,
    record_accountability,
    record_commendation,
    revoke,
    set_form_active,
)

__all__ = [
    "DECIDING_KINDS",
    "ISSUER_KINDS",
    "TARGET_KINDS",
    "add_form",
    "check_target",
    "close_order",
    "escalate_overdue",
    "issue_order",
    "log_list",
    "log_read",
    "record_accountability",
    "record_commendation",
    "respond_order",
    "return_order",
    "revoke",
    "set_form_active",
    "sign_order",
]
