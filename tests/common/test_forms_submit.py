"""common.forms.form_submit: a valid form is handed to its service, a refusal lands on the form where the
clerk can read it, and nothing is called for a form that did not validate."""

import pytest
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from common.forms import form_submit


class AmountForm(forms.Form):
    amount = forms.IntegerField(label="金额", error_messages={"required": "请填写金额"})
    note = forms.CharField(label="说明", required=False)


class Service:
    """A stand-in service: records its calls, returns a value or raises what it is told to."""

    def __init__(self, *, raises=None, returns="已保存"):
        self.calls = []
        self.raises = raises
        self.returns = returns

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        if self.raises is not None:
            raise self.raises
        return self.returns


def test_valid_form_calls_service_with_cleaned_data_and_returns_its_result():
    service = Service(returns={"pk": 7})
    form = AmountForm({"amount": "120", "note": "首付"})

    ok, result = form_submit(form, service, actor="clerk", notice="N-1")

    assert ok is True
    assert result == {"pk": 7}
    assert service.calls == [{"actor": "clerk", "notice": "N-1", "amount": 120, "note": "首付"}]
    assert not form.errors


def test_invalid_form_does_not_call_service():
    service = Service()
    form = AmountForm({"amount": "一百"})

    assert form_submit(form, service, actor="clerk") == (False, None)
    assert service.calls == []
    assert "amount" in form.errors


def test_unbound_form_on_a_get_does_not_call_service():
    service = Service()
    form = AmountForm(None)

    assert form_submit(form, service) == (False, None)
    assert service.calls == []
    assert form.errors == {}  # a GET shows the empty form, no “required” messages


def test_service_validation_error_lands_at_its_field():
    service = Service(raises=ValidationError({"amount": "金额不得超过应缴金额"}))
    form = AmountForm({"amount": "999"})

    assert form_submit(form, service) == (False, None)
    assert form.errors["amount"] == ["金额不得超过应缴金额"]
    assert form.non_field_errors() == []


def test_service_validation_error_lands_at_the_alias_field():
    service = Service(raises=ValidationError({"deposit_amount": "金额不得超过应缴金额"}))
    form = AmountForm({"amount": "999"})

    assert form_submit(form, service, aliases={"deposit_amount": "amount"}) == (False, None)
    assert form.errors["amount"] == ["金额不得超过应缴金额"]
    assert form.non_field_errors() == []


@pytest.mark.parametrize("field", ["__all__", "project"])  # no field, or one the form does not offer
def test_service_error_without_a_form_field_goes_above_the_form(field):
    service = Service(raises=ValidationError({field: "该项目已办结，不能再登记"}))
    form = AmountForm({"amount": "5"})

    assert form_submit(form, service) == (False, None)
    assert form.non_field_errors() == ["该项目已办结，不能再登记"]
    assert "amount" not in form.errors


def test_permission_denied_is_a_403_unless_the_view_shows_it_on_the_form():
    form = AmountForm({"amount": "5"})
    with pytest.raises(PermissionDenied):
        form_submit(form, Service(raises=PermissionDenied("只能登记本单位的保证金")))
    assert not form.errors


def test_permission_denied_on_form_goes_above_the_form():
    form = AmountForm({"amount": "5"})

    ok, result = form_submit(
        form, Service(raises=PermissionDenied("只能登记本单位的保证金")), denied_on_form=True
    )

    assert (ok, result) == (False, None)
    assert form.non_field_errors() == ["只能登记本单位的保证金"]


def test_permission_denied_without_a_message_still_says_why():
    form = AmountForm({"amount": "5"})

    form_submit(form, Service(raises=PermissionDenied()), denied_on_form=True)

    assert form.non_field_errors() == ["您无权办理此操作"]
