"""One validator for every web address people give Chorus.

A post's link, a source's feed or site, a suggestion, the fallback page of withdrawn links,
a Mastodon or Bluesky server, the link checked with a caption: each must be an http or
https address with a host name, without credentials, spaces or invisible characters, of at
most MAX_URL_LENGTH characters. "javascript:", "data:", "file:", "gopher:" and the rest are
refused with a sentence that says why, the same way everywhere:

- services call `web_url_clean` (the one place every caller goes through);
- forms use `WebURLFormField` (or `validate_web_url` on a field of their own);
- models list `validate_web_url` in their URLField's validators (the Django admin);
- the API's schemas type the field `WebURL` / `WebURLOrBlank`, so a bad address is a 422
  with the reason before the view runs.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, Field

MAX_URL_LENGTH = 2000
WEB_SCHEMES = ("http", "https")
_SCHEME = re.compile(r"[a-z][a-z0-9+-]*", re.IGNORECASE)

# Django's own check of a URL's shape (host name, IDN, IP address, port), kept for what
# the sentences below do not already say.
_WELL_FORMED = URLValidator(schemes=list(WEB_SCHEMES))


def _refusal(message: Any, code: str, **params: object) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _scheme(url: str) -> str:
    """The scheme as a browser reads it, in lower case; "" when there is none.

    Schemes may hold dots, but none that matters here does, and without them
    "example.com:8080/page" is an address without a scheme, not one of "example.com:".
    """
    scheme, colon, _rest = url.partition(":")
    return scheme.lower() if colon and _SCHEME.fullmatch(scheme) else ""


@deconstructible
class WebURLValidator:
    """Refuses anything but an http(s) address with a host (ValidationError with a reason)."""

    def __call__(self, value: object) -> None:
        url = str(value)
        if len(url) > MAX_URL_LENGTH:
            raise _refusal(
                _("This address is too long (%(limit)s characters at most)."),
                "too_long",
                limit=f"{MAX_URL_LENGTH:,}",
            )
        # Browsers drop tabs and line breaks inside a URL ("java\tscript:" is javascript:),
        # and invisible characters hide what an address really is.
        if any(char.isspace() or unicodedata.category(char) in ("Cc", "Cf") for char in url):
            raise _refusal(
                _("A web address has no spaces, line breaks or invisible characters."),
                "invalid_characters",
            )
        scheme = _scheme(url)
        if not scheme:
            raise _refusal(
                _("Start the address with https:// (or http://), like https://example.com/page."),
                "no_scheme",
            )
        if scheme not in WEB_SCHEMES:
            raise _refusal(
                _(
                    "“%(scheme)s:” addresses are not accepted: only web pages are, "
                    "with an address starting with https:// or http://."
                ),
                "scheme",
                scheme=scheme,
            )
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 (raises ValueError for a port out of range)
        except ValueError:
            raise _refusal(_("This is not a valid web address."), "invalid") from None
        if not parts.hostname or not url[len(scheme) + 1 :].startswith("//"):
            raise _refusal(
                _("This address has no host name: write it like https://example.com/page."),
                "no_host",
            )
        if parts.username is not None or parts.password is not None:
            raise _refusal(
                _("Remove the user name and password from the address (the part before “@”)."),
                "credentials",
            )
        try:
            _WELL_FORMED(url)
        except ValidationError:
            raise _refusal(_("This is not a valid web address."), "invalid") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WebURLValidator)

    def __hash__(self) -> int:
        return hash(WebURLValidator)


validate_web_url = WebURLValidator()


def web_url_clean(value: str, *, blank: bool = False) -> str:
    """`value` without surrounding spaces, if it is a web address; ValidationError if not.

    With `blank`, an empty value is allowed (and returned as "").
    """
    url = value.strip()
    if not url:
        if blank:
            return ""
        raise _refusal(_("Enter a web address, like https://example.com/page."), "required")
    validate_web_url(url)
    return url


class WebURLFormField(forms.URLField):
    """A form's URL field that refuses what `validate_web_url` refuses (not only Django's
    idea of a URL, which takes ftp:// too)."""

    default_validators = [validate_web_url]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_URL_LENGTH)
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


# The API ------------------------------------------------------------------------------


def _api_web_url(value: str) -> str:
    try:
        return web_url_clean(value)
    except ValidationError as error:
        # pydantic turns a ValueError into the API's 422 answer, with this sentence.
        raise ValueError(" ".join(error.messages)) from None


def _api_web_url_or_blank(value: str) -> str:
    try:
        return web_url_clean(value, blank=True)
    except ValidationError as error:
        raise ValueError(" ".join(error.messages)) from None


_DESCRIPTION = "An http:// or https:// address with a host name"
WebURL = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_URL_LENGTH,
        description=_DESCRIPTION,
        json_schema_extra={"format": "uri"},
    ),
    AfterValidator(_api_web_url),
]
WebURLOrBlank = Annotated[
    str,
    # No "format": "uri" here: the empty string is not a URI.
    Field(max_length=MAX_URL_LENGTH, description=f"{_DESCRIPTION}, or empty for none"),
    AfterValidator(_api_web_url_or_blank),
]
