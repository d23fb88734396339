"""The batch page's run counts read as a sentence, not the stored dict."""

from trading.models import Batch


def test_counts_read_as_plural_aware_phrases_with_proposal_status_labels():
    batch = Batch(
        counts={
            "orders": 8,
            "queued": 1,
            "skipped": 0,
            "proposals": {"failed": 0, "executed": 2, "partially_executed": 1},
            "reconsent": 0,
            "blocks_held": 0,
            "blocks_sent": 1,
            "blocks_settled": 8,
            "run": 1,
        }
    )
    assert batch.counts_summary == (
        "8 orders · 1 order queued · 0 proposals skipped · 0 proposals sent back to the client · "
        "1 block sent · 8 blocks settled · 0 blocks held by a pause · "
        "proposals: 2 executed, 1 partially executed"
    )


def test_a_batch_that_never_ran_says_nothing():
    assert Batch(counts={}).counts_summary == ""
