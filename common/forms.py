"""What every app's forms share with the services behind them."""

from django import forms
from django.core.exceptions import ValidationError


def form_add_service_errors(form: forms.Form, error: ValidationError, *, aliases: dict | None = None) -> None:
    """A service's refusal shown where it belongs: each message at the form's field of that name (`aliases`
    maps a service's name to the form's), one about a field the form does not offer above the form. The
    service saved nothing (its transaction)."""
    aliases = aliases or {}
    for field, messages in error.message_dict.items():
        field = aliases.get(field, field)
        form.add_error(field if field in form.fields else None, messages)
