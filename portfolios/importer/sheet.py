"""One uploaded file under validation: vectorised column checks that log row-numbered errors.

Each check reads a column's text, logs one error per bad row (the row being the line in the
file), and keeps the parsed values in `sheet.values` for writing. A column the file lacks was
already reported by the reader; checks on it do nothing and return None.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd

from .formats import file_name
from .result import ErrorLog

NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)"
NUMBER_PARTS = r"^[+-]?0*(\d*)(?:\.(\d*?)0*)?$"  # significant integer digits, decimals
ISO_DATE = r"\d{4}-\d{2}-\d{2}"
YES = frozenset({"true", "yes", "y", "1", "t"})
NO = frozenset({"false", "no", "n", "0", "f", ""})


EARLIEST_DATE = date(1900, 1, 1)


def required(_value) -> str:
    return "a value is required"


@dataclass(frozen=True)
class Digits:
    """The size of a DecimalField: digits in all, and after the point."""

    max_digits: int
    decimal_places: int

    @classmethod
    def of(cls, model, field_name: str) -> "Digits":
        field = model._meta.get_field(field_name)
        return cls(field.max_digits, field.decimal_places)

    @property
    def integer_digits(self) -> int:
        return self.max_digits - self.decimal_places


class Sheet:
    """The rows of one file as text (indexed by line number) and what the checks made of them."""

    def __init__(self, kind: str, frame: pd.DataFrame, log: ErrorLog):
        self.kind = kind
        self.file = file_name(kind)
        self.raw = frame
        self.log = log
        self.values: dict[str, pd.Series] = {}  # parsed, per checked column
        self.keys: dict[str, pd.Series] = {}  # normalised text, for duplicate detection

    def __len__(self) -> int:
        return len(self.raw)

    def has(self, column: str) -> bool:
        return column in self.raw.columns

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.values, index=self.raw.index)

    def report(
        self, mask: pd.Series, column: str, message_for, shown: pd.Series | None = None
    ) -> None:
        """Log `message_for(value)` for every row where `mask` holds (value: the cell's text)."""
        if mask.any():
            values = (shown if shown is not None else self._text(column))[mask]
            self.log.add_rows(self.file, column, values.index, values, message_for)

    def report_each(self, column: str, messages: pd.Series) -> None:
        """Log prepared messages, indexed by line."""
        self.log.add_rows(self.file, column, messages.index, messages, str)

    def _text(self, column: str) -> pd.Series:
        return self.raw[column].str.strip()

    def _keep(self, column: str, values: pd.Series, key: pd.Series | None = None) -> pd.Series:
        self.values[column] = values
        self.keys[column] = key if key is not None else self._text(column)
        return values

    # --- checks ------------------------------------------------------------------------

    def text(
        self, column: str, *, max_length: int, optional: bool = False, case: str = ""
    ) -> pd.Series | None:
        if not self.has(column):
            return None
        values = self._text(column)
        values = (
            values.str.upper()
            if case == "upper"
            else values.str.lower()
            if case == "lower"
            else values
        )
        if not optional:
            self.report(values == "", column, required)
        too_long = values.str.len() > max_length
        self.report(too_long, column, lambda v: f'"{v}" is longer than {max_length} characters')
        return self._keep(column, values, values)

    def email(self, column: str, *, optional: bool = False) -> pd.Series | None:
        values = self.text(column, max_length=254, optional=optional, case="lower")
        if values is not None:
            bad = (values != "") & ~values.str.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+")
            self.report(bad, column, lambda v: f'"{v}" is not an email address')
        return values

    def choice(self, column: str, choices, *, default: str | None = None) -> pd.Series | None:
        if not self.has(column):
            return None
        values = self._text(column).str.lower()
        empty = values == ""
        if default is None:
            self.report(empty, column, required)
        else:
            values = values.where(~empty, default)
        allowed = ", ".join(choices.values)
        bad = ~empty & ~values.isin(choices.values)
        self.report(
            bad, column, lambda v: f'"{v}" is not a valid {column}; expected one of {allowed}'
        )
        return self._keep(column, values, values)

    def flag(self, column: str, *, blank=False) -> pd.Series | None:
        """True/False per yes/no cell; an empty cell is `blank` (None: "not said")."""
        if not self.has(column):
            return None
        values = self._text(column).str.lower()
        self.report(
            ~values.isin(YES | NO),
            column,
            lambda v: f'"{v}" is not yes or no (use true/false, yes/no or 1/0)',
        )
        flags = pd.Series(
            [blank if v == "" else v in YES for v in values], index=values.index, dtype=object
        )
        return self._keep(column, flags, values)

    def number(
        self,
        column: str,
        digits: Digits,
        *,
        minimum=Decimal(0),
        above=False,
        maximum=None,
        optional: bool = False,
    ) -> pd.Series | None:
        """Decimals (never floats) within the field's size and bounds; None where bad (or, for
        an `optional` column, empty). `minimum=None`: any sign."""
        if not self.has(column):
            return None
        text = self._text(column)
        if not optional:
            self.report(text == "", column, required)
        numeric = text.str.fullmatch(NUMBER)
        self.report(~numeric & (text != ""), column, lambda v: f'"{v}" is not a number')
        fits = numeric & self._fits(column, text.where(numeric, "0"), digits)
        parsed = pd.Series(
            [Decimal(v) if ok else None for v, ok in zip(text, fits, strict=True)],
            index=text.index,
            dtype=object,
        )
        self._check_bounds(column, parsed, minimum, above, maximum)
        return self._keep(column, parsed)

    def _fits(self, column: str, text: pd.Series, digits: Digits) -> pd.Series:
        parts = text.str.extract(NUMBER_PARTS).fillna("")
        whole, decimals = parts[0].str.len(), parts[1].str.len()
        too_precise = decimals > digits.decimal_places
        places = digits.decimal_places
        self.report(too_precise, column, lambda v: f'"{v}" has more than {places} decimal places')
        too_large = whole > digits.integer_digits
        most = digits.integer_digits
        self.report(
            too_large,
            column,
            lambda v: f'"{v}" is too large (at most {most} digits before the point)',
        )
        return ~too_precise & ~too_large

    def _check_bounds(self, column: str, parsed: pd.Series, minimum, above: bool, maximum) -> None:
        if minimum is None:
            return
        low = parsed.map(lambda d: d is not None and (d <= minimum if above else d < minimum))
        if above:
            self.report(low, column, lambda v: f"{column} must be greater than {minimum}, got {v}")
        elif minimum == 0:
            self.report(low, column, lambda v: f"{column} must not be negative, got {v}")
        else:
            self.report(low, column, lambda v: f"{column} must be at least {minimum}, got {v}")
        if maximum is not None:
            high = parsed.map(lambda d: d is not None and d > maximum)
            self.report(high, column, lambda v: f"{column} must be at most {maximum}, got {v}")

    def date(self, column: str, *, latest: date) -> pd.Series | None:
        """ISO dates (YYYY-MM-DD) no later than `latest`; None where bad."""
        if not self.has(column):
            return None
        text = self._text(column)
        self.report(text == "", column, required)
        shaped = text.str.fullmatch(ISO_DATE)
        stamps = pd.to_datetime(text.where(shaped, None), format="%Y-%m-%d", errors="coerce")
        self.report(
            stamps.isna() & (text != ""), column, lambda v: f'"{v}" is not a date (YYYY-MM-DD)'
        )
        # pandas reads year 0000 (Python's dates start at year 1): anything that early is a typo
        early = stamps < pd.Timestamp(EARLIEST_DATE)
        self.report(
            early, column, lambda v: f"{v} is before {EARLIEST_DATE.isoformat()}; check the year"
        )
        future = stamps > pd.Timestamp(latest)
        self.report(
            future, column, lambda v: f"{v} is in the future (today is {latest.isoformat()})"
        )
        valid = stamps.notna() & ~future & ~early
        dates = pd.Series(
            [s.date() if ok else None for s, ok in zip(stamps, valid, strict=True)],
            index=text.index,
            dtype=object,
        )
        return self._keep(column, dates)

    def known(self, column: str, known, noun: str) -> None:
        """Every non-empty value of `column` (as normalised by its check) is in `known`."""
        values = self.keys.get(column)
        if values is None:
            return
        unknown = (values != "") & ~values.isin(list(known))
        self.report(unknown, column, lambda v: f'unknown {noun} "{v}"')

    def unique(self, columns: list[str], label: str) -> None:
        """Rows repeating the key `columns` of an earlier row are errors naming that row."""
        if any(c not in self.keys for c in columns):
            return
        keys = pd.DataFrame({c: self.keys[c] for c in columns})
        keys = keys[(keys != "").all(axis=1)]
        lines = pd.Series(keys.index, index=keys.index)
        first = lines.groupby([keys[c] for c in columns], sort=False).transform("first")
        repeat = (first != lines).reindex(self.raw.index, fill_value=False)
        first_line = first.reindex(self.raw.index, fill_value=0)
        self.report(repeat, label, lambda line: f"duplicate of row {line}", shown=first_line)
