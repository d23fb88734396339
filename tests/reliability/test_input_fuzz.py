"""Every page, form and query parameter fed non-finite, huge, NUL and
deeply nested values answers without a 500, and afterwards the firm's pipeline still runs
(compliance checks every draft, routing starts approvals for the cleared ones).

The pages are enumerated from the URL resolver (ids replaced by out-of-range values), the
query parameters from what each view's module reads (`request.GET...("name")`) plus the
admin's changelist parameters and filters, and the forms from the context of every page that
renders one (each field posted with each bad value, the others left at their initial value);
pages behind an id (a rule's edit page, an account) are reached by following links.
`make test` runs the CI subset of values; `make reliability` (RELIABILITY=1) runs them all.
The figures land in test-artifacts/reliability/input_fuzz.json (input_fuzz_ci.json for the CI
subset)."""

import inspect
import json
import os
import re
from collections import Counter
from datetime import UTC, date, datetime, timezone
from pathlib import Path

import pytest
from django import forms as djforms
from django.urls import URLPattern, URLResolver, get_resolver

from firms.choices import Role
from firms.services.tenancy import firm_scope
from tests.conftest import _member

HEAVY = os.environ.get("RELIABILITY") == "1"
ARTIFACT = (
    Path(__file__).resolve().parents[2]
    / "test-artifacts"
    / "reliability"
    / ("input_fuzz.json" if HEAVY else "input_fuzz_ci.json")
)
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
DAY = date(2026, 11, 24)  # make_book's close

NESTED_LIST = "[" * 5000 + "]" * 5000
NESTED_OBJECT = '{"a":' * 3000 + "1" + "}" * 3000
BAD_VALUES = {
    "nul": "a\x00b",
    "nan": "NaN",
    "infinity": "Infinity",
    "huge_exponent": "1E+999999",
    "minus_huge_exponent": "-1E+999999",
    "beyond_bigint": str(2**63),
    "huge_int": "9" * 40,
    "int_max": "2147483647",
    "nested_list": NESTED_LIST,
    "nested_object": NESTED_OBJECT,
    "nan_in_json": '{"alternatives": NaN, "min_cash_amount": NaN, "max_pct": NaN}',
    "year_zero": "0000-01-01",
    "nul_in_json": '{"a\\u0000": "\\u0000"}',
}
# `make test`: the values that found 500s, on the parameters each view reads and every form
# field; `make reliability`: every value on every parameter name as well (common names, every
# admin filter lookup).
CI_QUERY_VALUES = ("nul", "huge_exponent")
CI_FORM_VALUES = ("nan_in_json", "nested_list", "huge_exponent", "year_zero")
QUERY_VALUES = BAD_VALUES if HEAVY else {k: BAD_VALUES[k] for k in CI_QUERY_VALUES}
FORM_VALUES = BAD_VALUES if HEAVY else {k: BAD_VALUES[k] for k in CI_FORM_VALUES}
ONLY = (
    tuple(os.environ.get("FUZZ_ONLY", "").split(",")) if os.environ.get("FUZZ_ONLY") else ()
)  # path prefixes, for a quick re-run
BAD_IDS = [str(2**63), "9" * 30] if HEAVY else [str(2**63)]

# Pages that end the session or send mail on a GET; everything else is walked.
SKIP_PREFIXES = ("/accounts/logout", "/api/docs", "/admin/logout")
GET_READ = re.compile(r"request\.(?:GET|query_params)(?:\.get|\.getlist)?[\(\[]\s*[\"'](\w+)[\"']")
COMMON_PARAMS = (
    "page",
    "q",
    "o",
    "p",
    "as_of",
    "date",
    "status",
    "account",
    "kind",
    "format",
    "day",
    "month",
    "year",
)


def _patterns(resolver=None, prefix=""):
    """(route string, pattern) for every URL, with nested includes joined."""
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from _patterns(p, route)
        elif isinstance(p, URLPattern):
            yield route, p


def _concrete(route: str, bad_id: str) -> str | None:
    """A path for the route: each converter replaced by `bad_id` (ints) or a plain token."""
    if route.startswith("^") or "(?P" in route:  # regex routes (DRF routers, admin)
        route = route.lstrip("^").rstrip("$").replace("\\Z", "")
        route = re.sub(r"\(\?P<\w+>[^)]*\)", bad_id, route)
        route = route.replace("\\.", ".").replace("\\", "")
        if any(c in route for c in "()[]*+?|"):
            return None
    route = re.sub(r"<int:\w+>", bad_id, route)
    route = re.sub(r"<(?:str|slug|path):\w+>", "x", route)
    route = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", route)
    route = re.sub(r"<\w+>", "x", route)
    if "<" in route:
        return None
    return "/" + route


def _params_read_by(pattern) -> set[str]:
    callback = (
        getattr(pattern.callback, "view_class", None)
        or getattr(pattern.callback, "cls", None)
        or pattern.callback
    )
    try:
        source = inspect.getsource(inspect.getmodule(callback))
    except (TypeError, OSError):
        return set()
    return set(GET_READ.findall(source))


def _admin_changelist_params() -> dict[str, set[str]]:
    """Changelist URL → its query parameters (search, ordering, page, every list_filter field)."""
    from django.contrib.admin import FieldListFilter

    from firms.admin import firm_admin_site

    out = {}
    for model, admin in firm_admin_site._registry.items():
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        names = {"q", "o", "p", "_to_field"}
        for f in admin.list_filter:
            if isinstance(f, str):
                names |= (
                    {f"{f}__exact", f"{f}__id__exact", f"{f}__gte", f"{f}__lt", f"{f}__isnull", f}
                    if HEAVY
                    else {f}
                )
            elif isinstance(f, tuple):
                names.add(f"{f[0]}__exact")
            elif isinstance(f, type) and not issubclass(f, FieldListFilter):
                names.add(getattr(f, "parameter_name", "x"))
        for f in admin.date_hierarchy and [admin.date_hierarchy] or []:
            names |= {f"{f}__year", f"{f}__month", f"{f}__day"}
        out[url] = names
    return out


class Tally:
    def __init__(self):
        self.statuses: Counter = Counter()
        self.failures: list = []
        self.requests = 0
        self.last_error = ""
        self.followed: list[str] = []

    def exception(self, sender, request=None, **kwargs):
        import sys

        self.last_error = repr(sys.exc_info()[1])[:300]

    def record(self, method, path, data, response):
        self.requests += 1
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.failures.append(
                {"method": method, "path": path, "data": repr(data)[:160], "error": self.last_error}
            )
        self.last_error = ""


def _send(client, tally, method, path, data=None):
    """One request inside a savepoint, so a failed statement cannot poison the test's
    transaction (and the next request) after it answered."""
    from django.db import transaction

    sid = transaction.savepoint()
    response = getattr(client, method.lower())(path, data or {})
    try:
        transaction.savepoint_commit(sid)
    except Exception:
        transaction.savepoint_rollback(sid)
    tally.record(method, path, data, response)
    return response


def _get(client, tally, path, params=None):
    return _send(client, tally, "GET", path, params)


def _forms_in(response) -> list[djforms.BaseForm]:
    found = []
    for ctx in response.context or []:
        for value in ctx.flatten().values() if hasattr(ctx, "flatten") else []:
            value = getattr(value, "form", value)  # the admin's AdminForm wraps its ModelForm
            if isinstance(value, djforms.BaseForm) and value not in found:
                found.append(value)
    return found


def _initial(form) -> dict:
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, djforms.FileField) or value is None:
            continue
        if isinstance(value, (list, tuple)):
            data[form.add_prefix(name)] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[form.add_prefix(name)] = "on"
        elif isinstance(value, (dict,)):
            data[form.add_prefix(name)] = json.dumps(value)
        else:
            data[form.add_prefix(name)] = str(value)
    return data


_HREF = re.compile(r'href="(/[^"?#]*)"')


def _links(response) -> list[str]:
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    return _HREF.findall(response.content.decode(errors="replace"))


def _fuzz_page(client, tally, path, pattern, admin_params) -> int:
    """Every query parameter and every form field of one page; returns the forms fuzzed."""
    response = _get(client, tally, path)
    names = (
        _params_read_by(pattern)
        | admin_params.get(path, set())
        | (set(COMMON_PARAMS) if HEAVY else {"page"})
    )
    for name in sorted(names):
        for value in QUERY_VALUES.values():
            _get(client, tally, path, {name: value})
    if response.status_code != 200:
        return 0
    forms = _forms_in(response)
    for form in forms:
        base = _initial(form)
        for name, field in form.fields.items():
            if isinstance(field, djforms.FileField):
                continue
            for value in FORM_VALUES.values():
                _send(client, tally, "POST", path, {**base, form.add_prefix(name): value})
    return len(forms)


def _walk(client, tally) -> int:
    """Every route: id routes with ids beyond bigint (a 404 expected), the others fuzzed in
    full. Then one real page of each id route, found by following the links of the pages
    walked (a rule's edit page, an account, a proposal), fuzzed in full too."""
    from django.urls import Resolver404, resolve

    admin_params = _admin_changelist_params()
    seen_forms, links, done_routes = 0, [], set()
    for route, pattern in _patterns():
        id_route = bool(re.search(r"<[\w:]+>|\(\?P<", route))  # an id, a slug, an object path
        for bad_id in BAD_IDS if id_route else BAD_IDS[:1]:
            path = _concrete(route, bad_id)
            if (
                path is None
                or path.startswith(SKIP_PREFIXES)
                or (ONLY and not path.startswith(ONLY))
            ):
                continue
            if id_route:
                _get(client, tally, path)
                continue
            done_routes.add(route)
            seen_forms += _fuzz_page(client, tally, path, pattern, admin_params)
            links += _links(client.get(path))
    for path in dict.fromkeys(links):
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if (
            match.route in done_routes
            or path.startswith(SKIP_PREFIXES)
            or not match.kwargs
            or (ONLY and not path.startswith(ONLY))
        ):
            continue
        done_routes.add(match.route)
        pattern = next((p for r, p in _patterns() if p.callback is match.func), None)
        if pattern is not None:
            tally.followed.append(path)
            seen_forms += _fuzz_page(client, tally, path, pattern, admin_params)
    return seen_forms


def _pipeline_runs(firm, day, officer):
    """The book's drift scanned: compliance checks every draft (the officer overrides any it
    flags, with a reason) and routing starts an approval for every one of them."""
    from approvals.services.start import approvals_start
    from compliance.choices import ReviewStatus
    from compliance.models import ComplianceReview
    from compliance.services.checks import proposals_check
    from compliance.services.review import review_override
    from drift.choices import ProposalStatus
    from drift.models import Proposal
    from drift.services.scan import drift_scan_run

    with firm_scope(firm):
        drift_scan_run(
            firm_id=firm.pk, as_of=day
        )  # idempotent: the drafts of the scan before the walk
        drafts = list(
            Proposal.objects.filter(status=ProposalStatus.DRAFT).values_list("pk", flat=True)
        )
        assert drafts, "no draft left to check; the stall check would prove nothing"
        outcomes = proposals_check(firm_id=firm.pk, proposal_ids=drafts)
        assert set(outcomes) == set(drafts), "compliance stalled: some drafts have no review"
        for review in ComplianceReview.objects.filter(
            proposal_id__in=drafts, status=ReviewStatus.FLAGGED
        ):
            review_override(review=review, officer=officer, reason="fuzz pass: reviewed by hand")
        routable = set(
            Proposal.objects.filter(pk__in=drafts, status=ProposalStatus.CHECKED).values_list(
                "pk", flat=True
            )
        )
        routed = approvals_start(firm_id=firm.pk, now=NOW)
        assert routable and set(routed) == routable, (
            f"routing stalled: routed {routed} of {sorted(routable)}"
        )
        return {
            "drafts": len(drafts),
            "outcomes": dict(Counter(outcomes.values())),
            "routed": len(routed),
        }


@pytest.mark.django_db
def test_fuzzing_every_page_form_and_query_parameter_gives_no_500_and_no_stall(
    firm_a, client, settings
):
    # /readyz answers 503 by design while the beat heartbeat is missing: keep it fresh for the
    # run, so any 5xx from it under fuzzing is a real failure.
    from core.heartbeat import heartbeat_record

    heartbeat_record()
    settings.READYZ_BEAT_MAX_AGE_S = 3600
    admin = _member(firm_a, Role.FIRM_ADMIN, "fuzz")
    client.force_login(admin.user, backend="django.contrib.auth.backends.ModelBackend")
    client.raise_request_exception = False
    with firm_scope(
        firm_a
    ):  # a book with drifted accounts and draft proposals, so id pages have rows
        from drift.services.rules import drift_rules_ensure_defaults
        from drift.services.scan import drift_scan_run
        from portfolios import models as pm
        from tests.factories import make_book

        make_book(firm_a, accounts=2)
        pm.Account.objects.update(segment="conservative")
        drift_rules_ensure_defaults(firm_id=firm_a.pk)
        drift_scan_run(firm_id=firm_a.pk, as_of=DAY)
    from django.core.signals import got_request_exception

    tally = Tally()
    got_request_exception.connect(tally.exception)
    forms_seen = _walk(client, tally)
    figures = {
        "heavy": HEAVY,
        "query_values": sorted(QUERY_VALUES),
        "form_values": sorted(FORM_VALUES),
        "requests": tally.requests,
        "forms": forms_seen,
        "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
        "5xx": len(tally.failures),
        "failures": tally.failures[:200],
        "id_pages_followed": tally.followed,
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(figures, indent=2, default=str))
    figures["pipeline_after"] = _pipeline_runs(firm_a, DAY, admin)
    ARTIFACT.write_text(json.dumps(figures, indent=2, default=str))
    assert ONLY or (tally.requests > 500 and forms_seen > 5)
    assert tally.failures == [], json.dumps(tally.failures[:30], indent=1)
