"""Sections that apps above inspections add to a round's page (dashboard: generate and list its bulletins).

A section registers from its app's AppConfig.ready(), so inspections never imports the apps that read it:

    from dudao.inspections.round_page import round_section

    @round_section(order=10)
    def bulletins(request, inspection) -> SafeString: ...   # render_to_string(...); "" adds nothing
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.safestring import SafeString

from dudao.accounts.requests import AuthedRequest
from dudao.inspections.models import Inspection

Section = Callable[[AuthedRequest, Inspection], SafeString]
_sections: dict[str, tuple[int, Section]] = {}


def round_section(*, order: int = 100) -> Callable[[Section], Section]:
    def decorator(fn: Section) -> Section:
        _sections[f"{fn.__module__}.{fn.__qualname__}"] = (order, fn)
        return fn

    return decorator


def render_sections(request: AuthedRequest, inspection: Inspection) -> list[SafeString]:
    ordered = sorted(_sections.items(), key=lambda entry: (entry[1][0], entry[0]))
    return [html for _, (_, section) in ordered if (html := section(request, inspection))]
