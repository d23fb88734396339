"""Heavy reliability runs (1,000-request loops, concurrency) run only under `make reliability`
(RELIABILITY=1); `make test` runs the bounded CI versions of the same checks."""

import os

import pytest

HEAVY = os.environ.get("RELIABILITY") == "1"


def pytest_collection_modifyitems(config, items):
    if HEAVY:
        return
    skip = pytest.mark.skip(reason="heavy: run with `make reliability` (RELIABILITY=1)")
    for item in items:
        if "heavy" in item.keywords:
            item.add_marker(skip)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "heavy: long reliability loops, run by `make reliability` only"
    )
