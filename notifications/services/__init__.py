"""Writes of notifications, one module per topic: messages (render and write to the outbox;
what other stages call), outbox (sending), redaction (secrets filled in only when sent),
templates (a firm's own wording), check_errors (the email when a compliance check could not
run)."""
