"""Care pages: templates."""

from __future__ import annotations
