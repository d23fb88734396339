"""Pure functions of the trading app (no ORM, no database, no settings): order planning from
a frame of approved trades, order policy, block allocation and the batch schedule."""
