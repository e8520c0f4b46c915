"""Base for what API callers send (bodies and query filters)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.params import P, PathEx
from pydantic import field_validator


class Input(Schema):
    """Text may not contain NUL characters: PostgreSQL refuses them (a 500, not a 422)."""

    @field_validator("*", mode="after")
    @classmethod
    def text_has_no_nul(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(_("Text must not contain NUL characters."))
        return value


# Ids are 64-bit in the database; a larger number is a 422, not an overflow. (A power of
# two, because ninja's path bounds are floats and must round to themselves.)
MAX_ID = 2**62
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = PathEx[int, P(ge=1, le=MAX_ID)]
NetworkName = Literal["linkedin", "x", "facebook", "threads", "mastodon", "bluesky", "xing"]


class Error(Schema):
    """A refusal: a sentence, or for malformed input, pydantic's list of problems."""

    detail: str | list[dict[str, Any]]
