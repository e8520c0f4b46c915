"""The shared form field template: a list of choices is a fieldset named by its legend,
each choice labelled on its own (a label around the list would nest labels and name the
first choice after the whole list)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.template.loader import render_to_string


class ChoicesForm(forms.Form):
    courses = forms.MultipleChoiceField(
        label="Required courses",
        choices=[("1", "X basics"), ("2", "LinkedIn basics")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Each done at its current version.",
    )
    kind = forms.ChoiceField(
        label="Kind", choices=[("a", "Workshop"), ("b", "Meeting")], widget=forms.RadioSelect
    )
    active = forms.BooleanField(label="Active", required=False)
    name = forms.CharField(label="Name")


def test_choice_lists_are_fieldsets_and_single_fields_keep_their_label() -> None:
    html = render_to_string("core/form.html", {"form": ChoicesForm()})
    assert html.count("<fieldset") == 2
    assert re.search(r"<legend>Required courses</legend>", html)
    assert re.search(r'<legend>Kind <span aria-hidden="true">\*</span></legend>', html)
    assert re.search(r'<label class="check"><input type="checkbox" name="courses" value="1"', html)
    assert re.search(r'<label class="check"><input type="radio" name="kind" value="a"', html)
    assert re.search(r'<label class="check"><input type="checkbox" name="active"', html)
    assert '<label for="id_name">Name' in html
    # No label holds another label, and none points at nothing.
    assert not re.search(r"<label[^>]*>(?:(?!</label>).)*<label", html, re.S)
    assert 'for=""' not in html


def test_errors_and_help_stay_with_their_list() -> None:
    form = ChoicesForm(data={"name": "x"})
    assert not form.is_valid()
    html = render_to_string("core/form.html", {"form": form})
    fieldset = re.search(r"<fieldset class=\"checks has-error\">.*?</fieldset>", html, re.S)
    assert fieldset is not None and "<legend>Kind" in fieldset.group(0)
    assert '<small class="error">This field is required.</small>' in fieldset.group(0)


def test_an_empty_list_says_there_is_nothing_to_choose() -> None:
    form = ChoicesForm()
    courses: Any = form.fields["courses"]
    courses.choices = []
    html = render_to_string("core/form.html", {"form": form})
    fieldset = re.search(
        r"<fieldset class=\"checks\">\s*<legend>Required courses.*?</fieldset>", html, re.S
    )
    assert fieldset is not None
    assert '<p class="muted">Nothing to choose from yet.</p>' in fieldset.group(0)
