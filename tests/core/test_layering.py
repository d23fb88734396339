"""core sits below every product app: it may import Django and libraries, never an app."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "core"
APPS = {
    "firms",
    "portfolios",
    "drift",
    "compliance",
    "notifications",
    "approvals",
    "trading",
    "reporting",
    "portal",
    "rebalance_site",
}


def test_core_imports_no_product_app():
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in APPS]
    assert CORE.is_dir() and offenders == []
