"""Inputs the product cannot use, refused where they enter.

- RejectNulMiddleware: a NUL character in the query string or the path, before any view runs.
  PostgreSQL cannot store or compare a string holding NUL, so every filter, search or lookup
  that passed one on failed inside the database (a 500).
- strict_json_loads / StrictJSONField: JSON typed into a form or the admin (non-finite
  numbers, deep nesting, NUL).
- FirmConstraintsMixin: a firm's unique constraints as form errors."""

import json
import math

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.fields import InvalidJSONInput, JSONString
from django.http import HttpResponseBadRequest


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(
                "The address holds a NUL character (\\x00), which no field accepts.",
                content_type="text/plain",
            )
        return self.get_response(request)


MAX_JSON_DEPTH = 20


class JsonRefused(ValueError):
    """Text that is not a JSON document the product stores: the message says why."""


def _refuse_constant(name: str):
    raise JsonRefused(f"{name} is not a number JSON allows; enter a finite number.")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JsonRefused(f"{text} is too large a number; enter a finite number.")
    return value


def _check_tree(value, level: int = 1) -> None:
    """Nesting within MAX_JSON_DEPTH and no NUL in any key or string (jsonb cannot hold \\u0000)."""
    if level > MAX_JSON_DEPTH:
        raise JsonRefused(f"The JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels).")
    if isinstance(value, str):
        if "\x00" in value:
            raise JsonRefused("The JSON holds a NUL character (\\u0000), which cannot be stored.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_tree(key, level)
            _check_tree(item, level + 1)
    elif isinstance(value, list):
        for item in value:
            _check_tree(item, level + 1)


def strict_json_loads(text: str):
    """json.loads for user input: NaN / Infinity refused (Python's json accepts them), nesting
    bounded (deep nesting exhausts the parser's recursion), and NUL refused inside strings
    (PostgreSQL's jsonb cannot hold \\u0000)."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise JsonRefused(
            f"The JSON is nested too deeply (at most {MAX_JSON_DEPTH} levels)."
        ) from None
    except json.JSONDecodeError as exc:
        raise JsonRefused(f"This is not valid JSON: {exc.msg} (line {exc.lineno}).") from None
    except ValueError as exc:  # JsonRefused itself, or an integer of thousands of digits
        raise JsonRefused(
            str(exc) if isinstance(exc, JsonRefused) else "A number in the JSON is too long."
        ) from None
    _check_tree(value)
    return value


class StrictJSONField(forms.JSONField):
    """forms.JSONField parsing with strict_json_loads: bad JSON is a form error, never a 500."""

    def to_python(self, value):
        if (
            self.disabled
            or not isinstance(value, str)
            or isinstance(value, JSONString)
            or value in self.empty_values
        ):
            return super().to_python(value)
        try:
            converted = strict_json_loads(value)
        except JsonRefused as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None
        return JSONString(converted) if isinstance(converted, str) else converted

    def bound_data(self, data, initial):
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return strict_json_loads(data)
        except JsonRefused:
            return InvalidJSONInput(data)


class FirmConstraintsMixin:
    """For a ModelForm whose instance carries its firm (never a form field): the model's
    unique constraints that include `firm` (a name used twice, a second default) are checked
    as form errors instead of failing as an IntegrityError on save. Django skips every
    constraint naming a field the form excludes; the firm is set, so it can be checked."""

    constraint_messages: dict[str, str] = {}

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        if getattr(self.instance, "firm_id", None) is not None:
            exclude.discard("firm")
        return exclude

    def _update_errors(self, errors):
        """A constraint on `firm` alone (one settings row per firm) reports on the firm, which
        is no field of the form: show it above the form instead."""
        if hasattr(errors, "error_dict"):
            for key in [
                k for k in errors.error_dict if k != NON_FIELD_ERRORS and k not in self.fields
            ]:
                errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(
                    errors.error_dict.pop(key)
                )
        super()._update_errors(errors)

    def _post_clean(self):
        super()._post_clean()
        errors = self._errors.get(NON_FIELD_ERRORS) if self._errors else None
        if errors:
            named = {
                f"Constraint “{name}” is violated.": text
                for name, text in self.constraint_messages.items()
            }
            self._errors[NON_FIELD_ERRORS] = self.error_class(
                [named.get(e, e) for e in errors], error_class="nonfield"
            )
