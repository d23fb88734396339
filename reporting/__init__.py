"""Monthly compliance reports, the metrics dashboard, the threshold review, evidence packs."""
