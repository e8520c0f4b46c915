"""The care API: templates."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["care"])
