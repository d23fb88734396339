"""What an import reports back: the rows it wrote, or every problem it found."""

from dataclasses import dataclass, field

MAX_ERRORS = 200


@dataclass(frozen=True)
class RowError:
    """One problem. `row` is the line in the file (the header is line 1); None for the file."""

    file: str
    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        return (
            f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    ok: bool
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0  # every problem found; `errors` keeps the first MAX_ERRORS
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)  # file -> columns not read
    unknown_gain_sells: int = 0  # sells with neither realized_gain nor cost_basis
    changed_account_ids: list[int] = field(default_factory=list)  # accounts the files name
    changes_firm_wide: bool = False  # a file that moves every account's drift (prices, models…)
    run_id: int | None = None  # the ImportRun recording this attempt

    @property
    def notes(self) -> list[str]:
        """What a person should know about an import that did not stop it."""
        out = [
            f"{file}: column{'s' if len(cols) > 1 else ''} {', '.join(cols)} not read"
            " (not part of the format)"
            for file, cols in sorted(self.ignored_columns.items())
        ]
        if self.unknown_gain_sells:
            n = self.unknown_gain_sells
            out.append(
                f"transactions.csv: {n} sell{'s' if n > 1 else ''} "
                "with neither realized_gain nor cost_basis: "
                "the gain is unknown, so the wash-sale check treats each as a possible loss"
            )
        return out

    @property
    def errors_hidden(self) -> int:
        return self.error_count - len(self.errors)


class ErrorLog:
    """Collects problems from every file; keeps the first `limit` and counts them all."""

    def __init__(self, limit: int = MAX_ERRORS):
        self.limit = limit
        self.kept: list[RowError] = []
        self.total = 0
        self.ignored: dict[str, list[str]] = {}  # file -> header columns the format does not know

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def room(self) -> int:
        return max(self.limit - len(self.kept), 0)

    def add(self, file: str, row: int | None, column: str, message: str) -> None:
        self.total += 1
        if self.room:
            self.kept.append(RowError(file, row, column, message))

    def add_rows(self, file: str, column: str, lines, values, message_for) -> None:
        """One problem per line in `lines` (values aligned with it); counts all of them but
        builds messages only for as many as are kept, so 100k bad rows stay cheap."""
        shown = self.room
        for row, value in zip(list(lines[:shown]), list(values[:shown]), strict=True):
            self.kept.append(RowError(file, int(row), column, message_for(value)))
        self.total += len(lines)

    def sorted(self, kinds: tuple[str, ...]) -> list[RowError]:
        order = {f"{kind}.csv": i for i, kind in enumerate(kinds)}
        return sorted(self.kept, key=lambda e: (order.get(e.file, -1), e.row or 0))
