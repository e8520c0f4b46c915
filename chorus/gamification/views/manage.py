"""What the admins' badge and reward pages share: saving an add or edit form through its
service, and the form that takes an item out of use or puts it back."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect

from chorus.accounts.access import MemberRequest

Saved = TypeVar("Saved")


def form_save(form: forms.Form, save: Callable[[], Saved]) -> Saved | None:
    """Run the service that saves a valid form; if it refuses, its errors go on the form
    and the answer is None."""
    try:
        return save()
    except ValidationError as error:
        form.add_error(None, error)
        return None


def active_set_from_post(
    request: MemberRequest,
    *,
    set_active: Callable[[bool], object],
    unclear: str,
    done: tuple[str, str],
    back: str,
) -> HttpResponse:
    """Apply the posted `active` (0 or 1) with `set_active`, then say `done` (the message
    for 0, then for 1), or `unclear` when it is neither; back to the page named `back`."""
    choice = request.POST.get("active")
    if choice not in ("0", "1"):
        messages.error(request, unclear)
        return redirect(back)
    set_active(choice == "1")
    messages.success(request, done[choice == "1"])
    return redirect(back)
