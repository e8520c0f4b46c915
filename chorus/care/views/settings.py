"""Care pages: settings."""

from __future__ import annotations
