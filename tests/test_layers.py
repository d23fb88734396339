"""The pipeline's stages import only earlier ones (.importlinter at the repository root):
firms < portfolios < reconciliation < drift < compliance < notifications < approvals < trading <
reporting < portal. A later stage hears from an earlier one through its signals, never the other
way."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_no_stage_imports_a_later_stage():
    # The CLI lives next to the interpreter running the tests (.venv/bin/lint-imports).
    cli = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run(
        [str(cli), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
