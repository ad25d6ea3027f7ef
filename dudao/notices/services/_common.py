"""Helpers shared by the notice services."""

from __future__ import annotations

from dudao.notices.models import StudentFlag

FLAG_VALUES = {f.value for f in StudentFlag}
NOTICE_FIELDS = ["title", "status", "links_expire_at", "sent_at", "withdrawn_at"]
