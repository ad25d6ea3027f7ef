from __future__ import annotations

from typing import Generic, TypeVar

from ninja import Schema

T = TypeVar("T")


class Paged(Schema, Generic[T]):
    items: list[T]
    count: int


class Error(Schema):
    detail: str
    code: str
