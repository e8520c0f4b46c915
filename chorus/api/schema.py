"""Base for what API callers send (bodies and query filters)."""

from __future__ import annotations

from ninja import Schema
from pydantic import field_validator


class Input(Schema):
    """Text may not contain NUL characters: PostgreSQL refuses them (a 500, not a 422)."""

    @field_validator("*", mode="after")
    @classmethod
    def text_has_no_nul(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("Text must not contain NUL characters.")
        return value
