"""Reads of the drift app, one module per topic: `scan` (the scan's inputs, set-based: a
handful of queries per firm, never one per account), `harvest` (harvest rules, opportunities,
substitutes), `wash_sale` (the household facts the wash-sale window is judged on) and
`rule_params` (the enabled compliance rules' parameters the builder respects). Everything runs
inside the caller's firm scope (app filter + RLS)."""
