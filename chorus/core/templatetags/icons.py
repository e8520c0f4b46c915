"""`{% icon "bell" %}`: an icon from the sprite (scripts/build_icons.py), drawn in the text's
colour and hidden from screen readers (the link or button around it carries the words)."""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def icon(name: str, css_class: str = "") -> SafeString:
    classes = f"icon {css_class}".strip()
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        classes,
        static("vendor/icons.svg"),
        name,
    )


@register.filter
def nav_is_current(item: object, current: str) -> bool:
    """Whether the navigation item stands for the page being shown."""
    is_current = getattr(item, "is_current", None)
    return bool(is_current(current)) if callable(is_current) else False
