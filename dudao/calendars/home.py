"""Menu entries of the school calendar."""

from __future__ import annotations

from dudao.core.nav import nav_item

nav_item("校历", "calendars:month", permission="calendar.read", order=90, group="workbench")
nav_item("学年校历编辑", "calendars:years", permission="calendar.publish", order=91, group="system")
nav_item("本地校历安排", "calendars:local", permission="calendar.local", order=92, group="workbench")
