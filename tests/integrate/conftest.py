from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dudao.briefings import services
from dudao.briefings.models import Briefing
from tests.factories import City


@pytest.fixture
def make_briefing(city: City) -> Callable[..., Briefing]:
    """A generated briefing (待发布) of the city by the bureau's office clerk, optionally published."""

    def make(unit: Any = None, actor: Any = None, publish: bool = False, **extra: Any) -> Briefing:
        actor = actor or city.user("bureau_staff")
        requested = services.request_briefing(actor=actor, unit=unit or city.root, queue=False, **extra)
        briefing = services.run_generation(requested.pk)
        assert briefing.status == "draft", briefing.progress_note
        if publish:
            briefing = services.publish_briefing(actor=actor, briefing=briefing, version=briefing.version)
        return briefing

    return make
