"""Menu entries of 免疫接种与学校卫生 (group 卫生健康, after 晨午检)."""

from __future__ import annotations

from dudao.core.nav import nav_item

nav_item("免疫接种", "schoolhealth:coverage", permission="schoolhealth.read", order=70, group="health")
nav_item("学校卫生", "schoolhealth:exams", permission="schoolhealth.read", order=71, group="health")
