"""Care's background work: polling sources, routing, publishing replies, reading their
reactions back, warning before targets are missed."""

from __future__ import annotations
