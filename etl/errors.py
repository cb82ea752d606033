"""Errors the ETL reports to the user: each names the file, and the line or field where it can."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PER_KIND = 20
"""Problems of one kind (same file, field and sort of message) listed before the rest are only counted."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input file.

    ``sheet`` and ``column``: for a spreadsheet, where the cell is (``line`` is then its row).
    ``more``: on a summary line, how many further problems of the kind it stands for.
    """

    file: Path | str
    message: str
    line: int | None = None
    field: str | None = None
    sheet: str | None = None
    column: str | None = None
    more: int = 0

    def __str__(self) -> str:
        where = str(self.file)
        if self.sheet is not None:
            where += f", sheet '{self.sheet}'"
            if self.line is not None:
                where += f", row {self.line}"
            if self.column:
                where += f", column {self.column}"
            if self.field:
                where += f" ('{self.field}')"
            return f"{where}: {self.message}"
        if self.line is not None:
            where += f", line {self.line}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class InputError(Exception):
    """Bad input: raised with every problem found, so the user can fix them in one go."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    @property
    def total(self) -> int:
        """Problems found, counting those a summary line stands for."""
        return sum(p.more or 1 for p in self.problems)


class Problems:
    """Collects problems, keeping the first ``per_kind`` of each kind and counting the rest.

    ``problems()`` gives the kept ones in the order found, each kind's overflow as one line
    "and N more of this kind" after its last kept problem.
    """

    def __init__(self, per_kind: int = PER_KIND):
        self.per_kind = per_kind
        self._kept: list[tuple[tuple, Problem]] = []
        self._count: dict[tuple, int] = {}
        self._sample: dict[tuple, Problem] = {}

    def add(self, problem: Problem, kind: str | None = None) -> None:
        key = (str(problem.file), problem.field, kind if kind is not None else problem.message)
        n = self._count.get(key, 0) + 1
        self._count[key] = n
        if n <= self.per_kind:
            self._kept.append((key, problem))
            self._sample[key] = problem

    def extend(self, problems: list[Problem], kind: str | None = None) -> None:
        for problem in problems:
            self.add(problem, kind)

    def __len__(self) -> int:
        return sum(self._count.values())

    def __bool__(self) -> bool:
        return bool(self._count)

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        last = {key: i for i, (key, _) in enumerate(self._kept)}
        for i, (key, problem) in enumerate(self._kept):
            out.append(problem)
            extra = self._count[key] - self.per_kind
            if last[key] == i and extra > 0:
                sample = self._sample[key]
                out.append(Problem(sample.file, f"and {extra} more of this kind", field=sample.field,
                                   sheet=sample.sheet, column=sample.column, more=extra))
        return out

    def raise_if_any(self) -> None:
        if self:
            raise InputError(self.problems())
