"""Demo steps: each app adds its own demo data after the city is loaded, without editing the loader.

An app registers a step in its AppConfig.ready():

    from dudao.demo.registry import demo_step

    @demo_step(order=40)
    def inspections_demo(city: DemoContext) -> dict[str, int]: ...

Steps run in `order`, inside the loader's transaction, after the demo logins exist. They must be
deterministic for a given seed and return row counts for the load report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dudao.demo.generator import DemoCity


@dataclass(frozen=True)
class DemoContext:
    city: DemoCity
    scale: str
    seed: int
    today: date


Step = Callable[[DemoContext], dict[str, int]]
_steps: list[tuple[int, str, Step]] = []


def demo_step(*, order: int) -> Callable[[Step], Step]:
    def decorator(fn: Step) -> Step:
        name = f"{fn.__module__}.{fn.__qualname__}"
        if all(existing != name for _, existing, _ in _steps):
            _steps.append((order, name, fn))
            _steps.sort(key=lambda step: (step[0], step[1]))
        return fn

    return decorator


def run_steps(context: DemoContext) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, _, step in _steps:
        counts.update(step(context))
    return counts
