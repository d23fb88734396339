"""Pure functions of reporting: months and due dates, quantised figures, report charts, safe
CSV cells, and the threshold review's numpy arithmetic. No ORM, no database."""
