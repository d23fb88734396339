"""`make lock-check` (scripts/lock_check.py): the .in files and their locks agree; an edit to an
.in file without `make lock` fails it, naming the package; a newer upstream release does not
(it reads files only, and a pin that satisfies its .in file is what `make lock` keeps)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = ["requirements.in", "requirements-dev.in", "requirements.lock", "requirements-dev.lock"]


def _check(directory: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "lock_check.py"), str(directory)],
        capture_output=True,
        text=True,
    )


@pytest.fixture
def copy(tmp_path):
    for name in FILES:
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def test_the_repository_s_requirements_and_locks_agree():
    result = _check(ROOT)
    assert result.returncode == 0, result.stderr
    assert "agree" in result.stdout


def test_every_pin_has_hashes_and_the_dev_set_runs_the_runtime_pins():
    runtime = (ROOT / "requirements.lock").read_text()
    dev = (ROOT / "requirements-dev.lock").read_text()
    assert runtime.count("==") and runtime.count("--hash=sha256:") >= runtime.count("==")
    # Test tools never reach the production image; the development set has the whole runtime.
    for tool in ("pytest==", "playwright==", "hypothesis==", "schemathesis==", "locust=="):
        assert f"\n{tool}" not in runtime and f"\n{tool}" in dev
    for line in runtime.splitlines():
        if "==" in line and not line.startswith(" "):
            assert line in dev, f"{line} differs between the locks"


def test_a_package_added_without_make_lock_fails(copy):
    (copy / "requirements.in").write_text(
        (copy / "requirements.in").read_text() + "tabulate>=0.9\n"
    )
    result = _check(copy)
    assert result.returncode == 1
    assert "requirements.in asks for tabulate>=0.9 but requirements.lock has no pin" in (
        result.stderr
    )


def test_a_package_removed_without_make_lock_fails(copy):
    _edit(copy / "requirements-dev.in", "locust>=2.30\n", "")
    result = _check(copy)
    assert result.returncode == 1
    assert "requirements-dev.lock pins locust==" in result.stderr
    assert "nothing in requirements-dev.in needs it" in result.stderr
    # Locust's own dependencies lead back to it only: they are named too.
    assert "pins geventhttpclient==" in result.stderr


def test_a_bound_the_pin_does_not_satisfy_fails(copy):
    _edit(copy / "requirements.in", "Django>=5.2,<5.3", "Django>=5.3")
    result = _check(copy)
    assert result.returncode == 1
    assert "requirements.in asks for Django>=5.3 but requirements.lock pins django==5.2" in (
        result.stderr
    )


def test_a_dev_pin_that_differs_from_the_runtime_pin_fails(copy):
    lock = copy / "requirements-dev.lock"
    pinned = next(line for line in lock.read_text().splitlines() if line.startswith("django=="))
    _edit(lock, pinned, "django==5.2.0 \\")
    result = _check(copy)
    assert result.returncode == 1
    assert "requirements-dev.lock pins django==5.2.0 but requirements.lock pins django==" in (
        result.stderr
    )


def test_a_pin_without_hashes_fails(copy):
    lock = copy / "requirements.lock"
    text = lock.read_text()
    start = text.index("\nnh3==")
    end = text.index("# via", start)
    version = text[start:end].split("==")[1].split()[0]
    lock.write_text(text[:start] + f"\nnh3=={version}\n    " + text[end:])
    result = _check(copy)
    assert result.returncode == 1 and f"nh3=={version} has no --hash" in result.stderr


def test_a_newer_upstream_release_does_not_fail_the_check(copy):
    # Lower bounds only, as the .in files have them: any newer release satisfies them and the
    # pins stay valid; the check reads no index, so nothing outside the files can fail it.
    _edit(copy / "requirements.in", "numpy>=1.26", "numpy>=1.0")
    result = _check(copy)
    assert result.returncode == 0, result.stderr


def test_a_leftover_requirements_txt_is_named(copy):
    # As a branch made before the split leaves it: one package declared already, one not.
    (copy / "requirements.txt").write_text("whitenoise>=6\npython-json-logger>=3\n")
    result = _check(copy)
    assert result.returncode == 1
    assert "requirements.txt is no longer read" in result.stderr
    assert "(not declared yet: python-json-logger)" in result.stderr


def test_make_installs_the_dev_lock_with_hashes_and_checks_it_before_the_tests():
    # `make -n` prints the commands without running them (nothing is installed here).
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    planned = subprocess.run(
        ["make", "-n", "-B", "-W", "requirements-dev.lock", "test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    install = planned.index("pip install --quiet --require-hashes -r requirements-dev.lock")
    check = planned.index("scripts/lock_check.py")
    tests = planned.index("-m pytest tests")
    assert install < check < tests
    # The stamp depends on the dev lock only: an unchanged lock installs nothing.
    makefile = (ROOT / "Makefile").read_text()
    assert ".venv/installed: requirements-dev.lock\n" in makefile
