"""Care pages: reports."""

from __future__ import annotations
