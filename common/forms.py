"""What every app's forms share with the services behind them."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError


def form_add_service_errors(form: forms.Form, error: ValidationError, *, aliases: dict | None = None) -> None:
    """A service's refusal shown where it belongs: each message at the form's field of that name (`aliases`
    maps a service's name to the form's), one about a field the form does not offer above the form. The
    service saved nothing (its transaction)."""
    aliases = aliases or {}
    for field, messages in error.message_dict.items():
        field = aliases.get(field, field)
        form.add_error(field if field in form.fields else None, messages)


def form_submit(
    form: forms.Form,
    service: Callable[..., Any],
    /,
    *,
    aliases: dict | None = None,
    denied_on_form: bool = False,
    **kwargs: Any,
) -> tuple[bool, Any]:
    """Hand a valid form to its service: `service(**kwargs, **form.cleaned_data)`; `(True, what it returned)`,
    or `(False, None)` when the form is invalid (the service is not called) or the service refused — its
    ValidationError then goes onto the form through `form_add_service_errors` (with `aliases`), and with
    `denied_on_form` a PermissionDenied goes above the form instead of becoming a 403.

    Every POST view repeated the same is_valid / try / except / else; written once, a view only says what it
    does on success, and a refusal is shown the same way everywhere. Transactions and the audit entry stay in
    the service. An unbound form (a GET) is never valid, so a view serving both GET and POST may call this
    unconditionally."""
    if not form.is_valid():
        return False, None
    try:
        result = service(**kwargs, **form.cleaned_data)
    except ValidationError as error:
        form_add_service_errors(form, error, aliases=aliases)
        return False, None
    except PermissionDenied as error:
        if not denied_on_form:
            raise
        form.add_error(None, str(error) or "您无权办理此操作")
        return False, None
    return True, result
