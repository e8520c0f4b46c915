"""Care pages: agents."""

from __future__ import annotations
