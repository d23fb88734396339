"""Pure functions of the approvals app (no ORM, no database, no settings): deadline
arithmetic, routing-tier matching and the e-sign consent text."""
