"""Admin pages for compliance rules, the content policy and a "try it" box for the checker."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from chorus.accounts.access import MemberRequest, admin_required
from chorus.content.compliance import CheckResult, check_text, policy_for
from chorus.content.models import ComplianceRule, Network, RuleAction, RuleKind
from chorus.content.services import rules as rule_services
from chorus.core.validators import MAX_URL_LENGTH, web_url_clean

TEXT_MAX_LENGTH = 70000

# Each kind's section on the page: heading, help and what it says when empty.
KIND_HEADING = {
    RuleKind.BLOCKED_TERM: _("Blocked terms"),
    RuleKind.DISCLOSURE: _("Required disclosures"),
    RuleKind.ALLOWED_DOMAIN: _("Allowed link domains"),
    RuleKind.DENIED_DOMAIN: _("Denied link domains"),
}
KIND_HELP = {
    RuleKind.BLOCKED_TERM: _("A word or phrase; matched whole-word, ignoring case and accents."),
    RuleKind.DISCLOSURE: _("Text every caption must contain, like #employee or “I work at Acme”."),
    RuleKind.ALLOWED_DOMAIN: _(
        "When any exist, links may only go to these domains (and subdomains)."
    ),
    RuleKind.DENIED_DOMAIN: _("Links to this domain or its subdomains break the rule."),
}
KIND_EMPTY = {
    RuleKind.BLOCKED_TERM: _("No blocked term yet."),
    RuleKind.DISCLOSURE: _("No required disclosure yet."),
    RuleKind.ALLOWED_DOMAIN: _("No allowed link domain yet."),
    RuleKind.DENIED_DOMAIN: _("No denied link domain yet."),
}


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL characters; nobody means to type one.
    return value.replace("\x00", "")


class RuleForm(forms.Form):
    # Translators: the kind of a compliance rule (blocked term, required disclosure...).
    kind = forms.ChoiceField(choices=RuleKind.choices, label=_("Kind"))
    value = forms.CharField(
        max_length=300,
        label=_("Value"),
        help_text=_("The term, the disclosure text, or the domain (example.com)."),
    )
    action = forms.ChoiceField(
        choices=RuleAction.choices,
        initial=RuleAction.BLOCK,
        # Translators: what a compliance rule does: block or warn.
        label=_("Action"),
        help_text=_("Block refuses the caption; warn lets it through with a warning."),
    )
    auto_append = forms.BooleanField(
        required=False, label=_("Append automatically when a caption lacks it (disclosures)")
    )
    note = forms.CharField(
        max_length=300, required=False, label=_("Note"), help_text=_("Why the rule exists.")
    )

    def clean_value(self) -> str:
        return _no_nul(self.cleaned_data["value"])

    def clean_note(self) -> str:
        return _no_nul(self.cleaned_data["note"])


class RuleEditForm(RuleForm):
    def __init__(self, data: Any = None, *, rule: ComplianceRule) -> None:
        initial = {
            "kind": rule.kind,
            "value": rule.value,
            "action": rule.action,
            "auto_append": rule.auto_append,
            "note": rule.note,
        }
        super().__init__(data, initial=initial)
        # The kind of a rule is what it is: delete it and add another to change it.
        del self.fields["kind"]
        if rule.kind != RuleKind.DISCLOSURE:
            del self.fields["auto_append"]


class PolicyForm(forms.Form):
    length_action = forms.ChoiceField(
        choices=RuleAction.choices,
        label=_("A caption over the network's length limit"),
        help_text=_("Block refuses it; warn lets it through with a warning."),
    )
    require_other_approver = forms.BooleanField(
        required=False, label=_("Nobody approves their own post")
    )
    route_edited_captions_to_approver = forms.BooleanField(
        required=False,
        label=_(
            "Send a member's edited caption that breaks a rule to an approver instead of "
            "refusing it"
        ),
    )
    publish_on_approval = forms.BooleanField(
        required=False,
        label=_("Publish posts when they are approved"),
        help_text=_(
            "Approving a post then publishes it: live at once, or scheduled until its window "
            "starts. Otherwise a curator publishes it after approval."
        ),
    )


class CheckForm(forms.Form):
    network = forms.ChoiceField(
        choices=Network.choices, initial=Network.LINKEDIN, label=_("Network")
    )
    text = forms.CharField(
        max_length=TEXT_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Caption"),
    )
    link_url = forms.CharField(
        max_length=MAX_URL_LENGTH, required=False, label=_("Link shared with it (optional)")
    )

    def clean_text(self) -> str:
        return _no_nul(self.cleaned_data["text"])

    def clean_link_url(self) -> str:
        return web_url_clean(self.cleaned_data["link_url"], blank=True)


def _page(request: MemberRequest, **context: Any) -> dict[str, Any]:
    organization = request.organization
    rules = list(ComplianceRule.objects.filter(organization=organization))
    policy = policy_for(organization=organization)
    by_kind = [
        (
            kind,
            KIND_HEADING[kind],
            KIND_HELP[kind],
            KIND_EMPTY[kind],
            [rule for rule in rules if rule.kind == kind],
        )
        for kind in RuleKind
    ]
    defaults = {
        "by_kind": by_kind,
        "form": RuleForm(),
        "policy_form": PolicyForm(
            initial={
                "length_action": policy.length_action,
                "require_other_approver": policy.require_other_approver,
                "route_edited_captions_to_approver": policy.route_edited_captions_to_approver,
                "publish_on_approval": policy.publish_on_approval,
            }
        ),
        "check_form": CheckForm(),
        "result": None,
    }
    return {**defaults, **context}


def _save_error(form: forms.Form, error: ValidationError) -> None:
    form.add_error("value", error.messages[0])


@admin_required
def rules(request: MemberRequest) -> HttpResponse:
    """The rules by kind; a POST adds one."""
    if request.method != "POST":
        return render(request, "content/rules.html", _page(request))
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            rule = rule_services.rule_create(
                organization=request.organization,
                actor=request.user,  # type: ignore[arg-type]
                **form.cleaned_data,
            )
        except ValidationError as error:
            _save_error(form, error)
        else:
            messages.success(request, gettext("Rule added: %(rule)s.") % {"rule": rule})
            return redirect("rules")
    return render(request, "content/rules.html", _page(request, form=form), status=400)


def _rule_or_404(request: MemberRequest, rule_id: int) -> ComplianceRule:
    return get_object_or_404(ComplianceRule, pk=rule_id, organization=request.organization)


@admin_required
def rule_edit(request: MemberRequest, rule_id: int) -> HttpResponse:
    rule = _rule_or_404(request, rule_id)
    form = RuleEditForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            rule_services.rule_update(
                rule=rule,
                actor=request.user,  # type: ignore[arg-type]
                value=form.cleaned_data["value"],
                action=form.cleaned_data["action"],
                auto_append=form.cleaned_data.get("auto_append", False),
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _save_error(form, error)
            rule.refresh_from_db()
        else:
            messages.success(request, gettext("Rule saved: %(rule)s.") % {"rule": rule})
            return redirect("rules")
    status = 400 if form.is_bound else 200
    return render(request, "content/rule_edit.html", {"rule": rule, "form": form}, status=status)


@require_POST
@admin_required
def rule_delete(request: MemberRequest, rule_id: int) -> HttpResponse:
    rule = _rule_or_404(request, rule_id)
    label = str(rule)
    rule_services.rule_delete(rule=rule, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, gettext("Rule deleted: %(rule)s.") % {"rule": label})
    return redirect("rules")


@require_POST
@admin_required
def rules_policy(request: MemberRequest) -> HttpResponse:
    form = PolicyForm(request.POST)
    if not form.is_valid():
        return render(request, "content/rules.html", _page(request, policy_form=form), status=400)
    rule_services.policy_update(
        organization=request.organization,
        actor=request.user,  # type: ignore[arg-type]
        **form.cleaned_data,
    )
    messages.success(request, gettext("Content policy saved."))
    return redirect("rules")


@require_POST
@admin_required
def rules_check(request: MemberRequest) -> HttpResponse:
    """Try the rules on a text: the verdict alone for htmx, else the whole page with it."""
    form = CheckForm(request.POST)
    result: CheckResult | None = None
    if form.is_valid():
        result = check_text(
            organization=request.organization,
            network=form.cleaned_data["network"],
            text=form.cleaned_data["text"],
            link_url=form.cleaned_data["link_url"],
        )
    if getattr(request, "htmx", False):
        # htmx swaps only successful answers: the form's errors come back as a 200.
        context = {"result": result, "check_form": form}
        return render(request, "content/rules_check.html", context)
    context = _page(request, check_form=form, result=result)
    status = 200 if result is not None else 400
    return render(request, "content/rules.html", context, status=status)
