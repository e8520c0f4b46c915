"""The admins' "Suspicious visitors" page, and counting a visitor as a bot.

The list ranks the visitors whose people-clicks look automated; a pasted key prefix finds
one visitor. The visitor's page is the confirmation step: their figures, the links they
opened, and the "Count as a bot" form with an optional reason.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods

from chorus.accounts.access import MemberRequest, admin_required
from chorus.actions.clicks import visitor_reclassify_as_bot
from chorus.links.selectors import visitors
from chorus.links.selectors.links import DEAD_LETTER_DAYS, dead_letters_summary
from chorus.links.services.visitors import MAX_REASON, UnknownVisitor, reason_clean


def _period_choices() -> list[tuple[int, str]]:
    return [(days, visitors.period_choice(days)) for days in visitors.PERIODS]


class VisitorFilterForm(forms.Form):
    days = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=_period_choices,  # a callable: read in the request's language
        label=gettext_lazy("Period"),
    )
    key = forms.CharField(
        required=False,
        max_length=200,
        label=gettext_lazy("Visitor key"),
        help_text=format_lazy(
            gettext_lazy("Paste the first {count} characters of a key or more."),
            count=visitors.KEY_PREFIX_MIN,
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_key(self) -> str:
        text = self.cleaned_data["key"]
        if not text:
            return ""
        prefix = visitors.normalized_key_prefix(text)
        if prefix is None:
            raise ValidationError(
                gettext(
                    "A visitor key is made of digits and the letters a to f: paste at least "
                    "%(least)s of its characters, at most %(most)s."
                )
                % {"least": visitors.KEY_PREFIX_MIN, "most": visitors.KEY_LENGTH}
            )
        return prefix

    def value(self, name: str, default: Any) -> Any:
        """The field's valid value, or `default` when the field was left out or not valid."""
        if not self.is_valid() and name in self.errors:
            return default
        return self.cleaned_data.get(name) or default


class ReclassifyForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=MAX_REASON,
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("Optional, kept in the audit log and on the clicks."),
        widget=forms.TextInput(
            attrs={
                "placeholder": gettext_lazy("e.g. mail security scanner"),
                "autocomplete": "off",
            }
        ),
    )

    def clean_reason(self) -> str:
        return reason_clean(self.cleaned_data["reason"])


@require_GET
@admin_required
def suspicious_visitors(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    query = request.GET.copy()
    query.setdefault("days", str(visitors.DEFAULT_DAYS))  # the period shown, selected
    form = VisitorFilterForm(query)
    filter_errors = [
        f"{form.fields[name].label}: {' '.join(map(str, errors))}"
        for name, errors in form.errors.items()
        if name in form.fields
    ]
    days = form.value("days", visitors.DEFAULT_DAYS)
    prefix = form.value("key", "")
    if prefix:
        rows = visitors.visitors_by_key_prefix(organization=organization, prefix=prefix, days=days)
        if len(rows) == 1:
            return redirect("visitor_detail", visitor_key=rows[0].visitor_key)
    else:
        rows = visitors.suspicious_visitors(organization=organization, days=days)
    # Click records the drainer could not store (they never hold up the others).
    set_aside = dead_letters_summary(organization=organization)
    context = {
        "form": form,
        "filter_errors": filter_errors,
        "rows": rows,
        "days": days,
        "period": visitors.period_label(days),
        "prefix": prefix,
        "limit": visitors.LIST_LIMIT,
        "threshold": visitors.SUSPICIOUS_CLICKS,
        "set_aside": set_aside,
        "set_aside_count": sum(row.count for row in set_aside),
        "set_aside_days": DEAD_LETTER_DAYS,
    }
    return render(request, "links/visitors.html", context)


@require_http_methods(["GET", "POST"])
@admin_required
def visitor_detail(request: MemberRequest, visitor_key: str) -> HttpResponse:
    """The visitor's figures and the "Count as a bot" form (POST: do it)."""
    organization = request.organization
    if not visitors.is_visitor_key(visitor_key):
        raise Http404("Unknown visitor.")
    detail = visitors.visitor_detail(organization=organization, visitor_key=visitor_key)
    if detail is None:
        raise Http404("No click of this visitor in the last 30 days.")
    form = ReclassifyForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            changed = visitor_reclassify_as_bot(
                organization=organization,
                actor=request.user,  # type: ignore[arg-type]
                visitor_key=visitor_key,
                reason=form.cleaned_data["reason"],
            )
        except UnknownVisitor as exc:  # every click of the key gone since the page was read
            raise Http404("Unknown visitor.") from exc
        messages.success(request, reclassified_message(changed))
        return redirect(reverse("visitor_detail", kwargs={"visitor_key": visitor_key}))
    status = 422 if form.is_bound else 200
    context = {"visitor": detail.summary, "links": detail.links, "form": form}
    return render(request, "links/visitors_detail.html", context, status=status)


def reclassified_message(changed: int) -> str:
    if not changed:
        return gettext("Nothing to do: this visitor's clicks already count as bot previews.")
    return ngettext(
        "%(count)s click is now counted as bot previews; the dashboards update within a minute.",
        "%(count)s clicks are now counted as bot previews; the dashboards update within a minute.",
        changed,
    ) % {"count": changed}
