"""Shared infrastructure below every product app: COPY bulk writes and frame reads, the named
advisory locks, money and percentage formatting. It imports nothing from the product's apps,
so any of them may import it."""
