"""Menu entry of 一校一档 (a principal's entry opens their own school)."""

from __future__ import annotations

from dudao.core.nav import nav_item

nav_item("一校一档", "profiles:schools", permission="profile.read", order=25)
