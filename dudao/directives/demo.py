"""Demo data for directives (filled in below)."""

from __future__ import annotations

from dudao.demo.registry import DemoContext, demo_step


@demo_step(order=20)
def directives_demo(context: DemoContext) -> dict[str, int]:
    return {}
