"""Device classes for the analytics breakdowns (computed by the drainer, off the hot path)."""

from __future__ import annotations

import re
from functools import lru_cache

from ua_parser import parse

from chorus.links.models import DeviceClass

TABLET = re.compile(r"iPad|Tablet|Kindle|Silk|PlayBook|Nexus (7|9|10)|SM-T\d|Tab\b", re.I)
MOBILE_OS = {"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Firefox OS"}
DESKTOP_OS = {"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "FreeBSD", "macOS"}


@lru_cache(maxsize=20_000)
def device_class(user_agent: str) -> str:
    if not user_agent:
        return DeviceClass.OTHER
    result = parse(user_agent)
    os_family = result.os.family if result.os else ""
    device = result.device.family if result.device else ""
    if device == "Spider":
        return DeviceClass.BOT
    if TABLET.search(user_agent) or (os_family == "Android" and "Mobile" not in user_agent):
        return DeviceClass.TABLET
    if os_family in MOBILE_OS or "Mobile" in user_agent:
        return DeviceClass.MOBILE
    if os_family in DESKTOP_OS:
        return DeviceClass.DESKTOP
    return DeviceClass.OTHER
