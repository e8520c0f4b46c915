"""The reply panel of a conversation page: `{% load care_replies %}{% reply_panel %}` reads
the page's `conversation` (and `care_gate` when the page checked it) and the member from
the request, and renders care/reply_panel.html."""

from __future__ import annotations

from typing import Any

from django import template

from chorus.care.selectors.replies import reply_panel as panel_for

register = template.Library()


@register.inclusion_tag("care/reply_panel.html", takes_context=True)
def reply_panel(context: Any) -> dict[str, Any]:
    request = context["request"]
    conversation = context["conversation"]
    panel = panel_for(
        membership=request.membership,
        conversation=conversation,
        gate=context.get("care_gate"),
    )
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "panel": panel,
        "conversation": conversation,
        "reply_text": context.get("reply_text", ""),
        "reply_template_id": context.get("reply_template_id"),
        "reply_errors": context.get("reply_errors", []),
        "posted_url": context.get("posted_url", ""),
        "max_text": 5000,
    }
