"""Care pages: inbox."""

from __future__ import annotations
