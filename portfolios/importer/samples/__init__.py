"""Sample files of every kind the import reads (the README documents their columns): a small
book that drifts, and a firm's set-up. Served from the import page; tests import them."""

from pathlib import Path

FOLDER = Path(__file__).resolve().parent


def sample_path(kind: str) -> Path:
    return FOLDER / f"{kind}.csv"
