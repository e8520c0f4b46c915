"""Care pages: crisis."""

from __future__ import annotations
