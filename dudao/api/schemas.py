from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from ninja import Schema
from pydantic import Field

T = TypeVar("T")


class Paged(Schema, Generic[T]):
    items: list[T]
    count: int


class PageParams(Schema):
    """`page` and `page_size` of every list (docs/design.md: default 50, at most 500)."""

    page: int = Field(1, ge=1)
    page_size: int = Field(50, ge=1, le=500)


class Error(Schema):
    detail: str
    code: str


# Ids that fit a database integer: larger ones answer 400 instead of overflowing the driver.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
