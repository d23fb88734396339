"""The long simulation (hundreds of seeds) runs only under `make reliability` (RELIABILITY=1);
`make test` runs the short one."""

import os

import pytest

HEAVY = os.environ.get("RELIABILITY") == "1"


def pytest_collection_modifyitems(config, items):
    if HEAVY:
        return
    skip = pytest.mark.skip(reason="heavy: run with `make reliability` (RELIABILITY=1)")
    for item in items:
        if "heavy" in item.keywords and "tests/pipeline" in str(item.fspath):
            item.add_marker(skip)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "heavy: long reliability loops, run by `make reliability` only"
    )


def run_seeds(blocker, seeds, days, start_for, after=None, each=None, **kw):
    """Simulate each seed in its own transaction, rolled back after; returns the results.
    `after`: {seed: callable(world)} run on that seed's world before its rollback;
    `each`: called with the results so far after every seed."""
    from django.db import transaction

    from .sim import simulate

    results = []
    with blocker.unblock():
        for seed in seeds:
            with transaction.atomic():
                results.append(
                    simulate(seed, start_for(seed), days, after=(after or {}).get(seed), **kw)
                )
                transaction.set_rollback(True)
            if each is not None:
                each(results)
    return results
