"""State changes of 投诉与建议: intake (public form, hotline, 12345) and handling (route, reply, accept, rate)."""

from dudao.complaints.services.handling import (
    accept,
    check_route_target,
    close,
    default_deadline,
    escalate_overdue,
    rate,
    reply,
    reveal_identity,
    route,
    send_back,
)
from dudao.complaints.services.intake import Submission, intake_bureau, record_call, submit_public

__all__ = [
    "Submission",
    "accept",
    "check_route_target",
    "close",
    "default_deadline",
    "escalate_overdue",
    "intake_bureau",
    "rate",
    "record_call",
    "reply",
    "reveal_identity",
    "route",
    "send_back",
    "submit_public",
]
