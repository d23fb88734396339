"""Pure functions of the book: the NYSE calendar, inline SVG charts, money as pages print it.
No ORM, no database, no settings: later stages import these freely."""
