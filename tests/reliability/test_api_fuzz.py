"""Schemathesis fuzzes every operation of the OpenAPI schema (/api/schema/) through the
Django WSGI app in-process, with a firm staff token, over a firm holding a real book, proposals
and a batch. Target: 0 responses with a 5xx status.

`make test` draws FUZZ_EXAMPLES_CI examples per operation (positive and negative data);
`make reliability` (RELIABILITY=1) draws FUZZ_EXAMPLES_HEAVY. The figures (operations,
requests, status histogram, 5xx) land in test-artifacts/reliability/api_fuzz.json."""

import json
import os
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.generation import GenerationMode

from firms.choices import Role
from firms.services.tenancy import firm_scope
from tests.conftest import _member
from tests.factories import make_book

HEAVY = os.environ.get("RELIABILITY") == "1"
FUZZ_EXAMPLES_CI = 8
FUZZ_EXAMPLES_HEAVY = 60
ARTIFACT = Path(__file__).resolve().parents[2] / "test-artifacts" / "reliability" / "api_fuzz.json"


@pytest.fixture
def fuzz_firm(firm_a):
    """Firm A with a scanned book (so id routes can hit real rows) and an ops token."""
    from firms.services.api_tokens import api_token_create

    member = _member(firm_a, Role.OPS, "fuzz")
    with firm_scope(firm_a):
        book = make_book(firm_a, accounts=3)
    token = api_token_create(member.user)
    return {"token": token, "book": book}


@pytest.fixture
def keep_test_connection():
    """The WSGI handler closes the DB connection after each request (request_finished); the
    test database lives in this connection's transaction, so keep it open as Django's test
    client does."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _wsgi_schema():
    from django.core.wsgi import get_wsgi_application

    return schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


def _fuzz_operation(operation, *, headers: dict, examples: int, failures: list) -> Counter:
    """Fuzz one operation with `examples` positive and negative cases; the statuses it answered
    (each 5xx is also appended to `failures`)."""
    seen: Counter = Counter()
    strategy = operation.as_strategy(
        generation_mode=GenerationMode.POSITIVE
    ) | operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def fuzz(case):
        response = case.call(headers=headers)
        seen[response.status_code] += 1
        if response.status_code >= 500:
            failures.append(
                {
                    "operation": operation.label,
                    "status": response.status_code,
                    "method": case.method,
                    "path": case.formatted_path,
                    "query": case.query,
                    "body": repr(case.body)[:300],
                    "response": response.text[:500],
                }
            )

    fuzz()
    return seen


def test_schemathesis_finds_no_5xx_in_the_api(fuzz_firm, keep_test_connection):
    schema = _wsgi_schema()
    headers = {"Authorization": f"Token {fuzz_firm['token']}", "Host": "localhost"}
    examples = FUZZ_EXAMPLES_HEAVY if HEAVY else FUZZ_EXAMPLES_CI
    statuses: Counter = Counter()
    per_op: dict = {}
    failures: list = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        seen = _fuzz_operation(operation, headers=headers, examples=examples, failures=failures)
        statuses.update(seen)
        per_op[operation.label] = dict(seen)
    figures = {
        "operations": operations,
        "examples_per_operation": examples,
        "requests": sum(statuses.values()),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "5xx": sum(v for k, v in statuses.items() if k >= 500),
        "failures": failures[:20],
        "per_operation": per_op,
    }
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(json.dumps(figures, indent=2, default=str))
    assert operations > 10
    assert failures == [], json.dumps(failures[:5], indent=1, default=str)
