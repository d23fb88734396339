"""Check that each requirements*.in file and its lock agree, without the network.

`make lock` writes requirements.lock from requirements.in and requirements-dev.lock from
requirements-dev.in (uv, hashes, Python 3.11 on linux x86_64). This check fails when someone
edited an .in file and did not run `make lock`, or edited a lock by hand:

- a requirement of an .in file (or of a file it includes with -r) has no pin in its lock, or
  its pin does not satisfy the requirement's bounds;
- the lock pins a package that nothing in the .in files needs any more (each pin's `# via`
  annotations must lead back to a requirement of the .in files);
- a pin has no hash;
- a pin differs from the one in a lock the .in file constrains it to (-c requirements.lock:
  the development set runs the runtime set's exact versions);
- a leftover requirements.txt (no longer read by anything) still exists.

It reads files only: a newer upstream release never fails it, since `make lock` keeps a pin
while it satisfies the .in file. Usage: python scripts/lock_check.py [DIRECTORY]
"""

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

PAIRS = [("requirements.in", "requirements.lock"), ("requirements-dev.in", "requirements-dev.lock")]
# The one platform the locks are made for (make lock: --python-version 3.11, linux x86_64).
TARGET = {
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "extra": "",
}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)")


@dataclass
class Pin:
    version: str
    hashes: int = 0
    via: set[str] = field(default_factory=set)


@dataclass
class InFile:
    requirements: dict[str, tuple[Requirement, str]] = field(default_factory=dict)
    constraints: list[Path] = field(default_factory=list)


def read_in(path: Path, into: InFile | None = None, seen: set[Path] | None = None) -> InFile:
    """The requirements of an .in file and of the files it includes (-r), by canonical name."""
    into = into if into is not None else InFile()
    seen = seen if seen is not None else set()
    if path in seen:
        return into
    seen.add(path)
    if not path.exists():
        raise SystemExit(f"{path.name}: missing (it is read by another requirements file)")
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")):
            read_in(path.parent / line.split(None, 1)[1], into, seen)
        elif line.startswith(("-c ", "--constraint ")):
            into.constraints.append(path.parent / line.split(None, 1)[1])
        elif line.startswith("-"):
            raise SystemExit(f"{path.name}:{number}: option {line!r} is not supported here")
        else:
            try:
                req = Requirement(line)
            except InvalidRequirement as exc:
                raise SystemExit(f"{path.name}:{number}: {exc}") from exc
            if req.marker is None or req.marker.evaluate(TARGET):
                into.requirements[canonicalize_name(req.name)] = (req, path.name)
    return into


def read_lock(path: Path) -> dict[str, Pin]:
    """Pins of a lock written by uv or pip-compile: name==version, --hash lines, # via lines."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    in_via = False
    for raw in path.read_text().splitlines():
        line = raw.strip()
        match = PIN.match(raw)
        if match:
            current = Pin(version=match.group(3))
            pins[canonicalize_name(match.group(1))] = current
            current.hashes += raw.count("--hash=")
            in_via = False
        elif current is None:
            continue
        elif line.startswith("--hash="):
            current.hashes += line.count("--hash=")
        elif line.startswith("# via"):
            rest = line[len("# via") :].strip()
            in_via = not rest
            if rest:
                current.via.add(rest)
        elif in_via and line.startswith("#   "):
            current.via.add(line[1:].strip())
        else:
            in_via = False
    return pins


def _via_name(source: str) -> str | None:
    """The package named by a `# via` entry; None for "-r file" / "-c file" entries."""
    if source.startswith("-"):
        return None
    return canonicalize_name(source.split("[", 1)[0].split()[0])


def check_pair(directory: Path, in_name: str, lock_name: str) -> list[str]:
    in_path, lock_path = directory / in_name, directory / lock_name
    if not lock_path.exists():
        return [f"{lock_name} is missing: run `make lock`"]
    wanted = read_in(in_path)
    pins = read_lock(lock_path)
    problems = []
    for name, (req, source) in sorted(wanted.requirements.items()):
        pin = pins.get(name)
        if pin is None:
            problems.append(f"{source} asks for {req} but {lock_name} has no pin for it")
        elif req.specifier and not req.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{source} asks for {req} but {lock_name} pins {name}=={pin.version}")
    # Every pin must lead back to a requirement of the .in files through its `# via` chain.
    needed = set(wanted.requirements)
    changed = True
    while changed:
        changed = False
        for name, pin in pins.items():
            if name not in needed and any(_via_name(v) in needed for v in pin.via):
                needed.add(name)
                changed = True
    for name in sorted(set(pins) - needed):
        problems.append(
            f"{lock_name} pins {name}=={pins[name].version} but nothing in {in_name} needs it"
        )
    for name, pin in sorted(pins.items()):
        if pin.hashes == 0:
            problems.append(f"{lock_name}: {name}=={pin.version} has no --hash")
    for constraint in wanted.constraints:
        if not constraint.exists():
            problems.append(f"{in_name}: constraint file {constraint.name} is missing")
            continue
        for name, fixed in sorted(read_lock(constraint).items()):
            if name in pins and pins[name].version != fixed.version:
                problems.append(
                    f"{lock_name} pins {name}=={pins[name].version} but {constraint.name}"
                    f" pins {name}=={fixed.version}"
                )
    return problems


def check(directory: Path) -> list[str]:
    problems = []
    for in_name, lock_name in PAIRS:
        problems += check_pair(directory, in_name, lock_name)
    stray = directory / "requirements.txt"
    if stray.exists():
        declared = set(read_in(directory / "requirements-dev.in").requirements)
        missing = sorted(name for name in read_in(stray).requirements if name not in declared)
        problems.append(
            "requirements.txt is no longer read: move its packages into requirements.in"
            " (runtime) or requirements-dev.in (development), run `make lock`, delete it"
            + (f" (not declared yet: {', '.join(missing)})" if missing else "")
        )
    return problems


def main(argv: list[str]) -> int:
    directory = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    problems = check(directory)
    for problem in problems:
        print(f"lock-check: {problem}", file=sys.stderr)
    if problems:
        print("lock-check: run `make lock` and commit the locks", file=sys.stderr)
        return 1
    print("lock-check: requirements*.in and their locks agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
