"""Care pages: replies."""

from __future__ import annotations
