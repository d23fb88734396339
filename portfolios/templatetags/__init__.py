"""Template filters of the book."""
