"""One exception hierarchy for the whole project.

Every message ends with what to do about it. The CLI maps
:class:`LineageError` to exit status 1 and prints ``str(error)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "LineageError",
    "Problem",
    "DataError",
    "UnknownRecordError",
    "NoPathError",
    "NoCommonAncestorError",
    "QueryError",
    "OutputError",
    "RdfError",
    "ReadOnlyQueryError",
    "QueryTimeoutError",
    "QueryLimitError",
]


class LineageError(Exception):
    """Base class of every error the project raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a data file, reported on one line."""

    file: str
    line: int | None
    record: str | None
    field: str | None
    message: str
    fix: str
    severity: str = "error"
    kind: str = "schema"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        what = self.record or ""
        if self.field:
            what = f"{what}.{self.field}" if what else self.field
        head = f"{where} {what}: " if what else f"{where}: "
        fix = f" {self.fix}" if self.fix else ""
        stop = "" if self.message.endswith((".", "?", "!")) else "."
        return f"{head}{self.message}{stop}{fix}"


@dataclass
class DataError(LineageError):
    """The data could not be loaded; ``problems`` lists every reason."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        errors = [p for p in self.problems if p.severity == "error"]
        lines = [str(p) for p in errors]
        n = len(errors)
        lines.append(
            f"{n} problem{'s' if n != 1 else ''} in the data; fix them and run "
            "'lineage validate' again."
        )
        return "\n".join(lines)


class UnknownRecordError(LineageError):
    """No record has this id, name or alias."""

    def __init__(self, name: str, suggestions: list[str] | None = None, kind: str = "record"):
        self.record_id = name
        self.suggestions = list(suggestions or [])
        hint = ""
        if self.suggestions:
            hint = " Did you mean: " + ", ".join(self.suggestions) + "?"
        from .output import printable

        query = printable(name.split()[0] if name.split() else name)
        super().__init__(
            f"unknown {kind} {name!r}.{hint} Run 'lineage search {query}' to list matches."
        )


class NoPathError(LineageError):
    """Two records are not connected by lineage."""

    def __init__(self, source: str, target: str, detail: str = ""):
        self.source = source
        self.target = target
        extra = f" {detail}" if detail else ""
        super().__init__(
            f"no lineage path between {source!r} and {target!r}.{extra} "
            f"Run 'lineage ancestry {source}' to see what it descends from."
        )


class NoCommonAncestorError(LineageError):
    """The records share no lineage ancestor."""

    def __init__(self, records: list[str]):
        self.records = list(records)
        names = ", ".join(repr(r) for r in self.records)
        super().__init__(
            f"no common ancestor of {names} in the knowledge base. "
            f"Run 'lineage ancestry {self.records[0]}' to see what each descends from."
        )


class QueryError(LineageError):
    """A query's arguments are invalid (bad depth, unknown relation kind ...)."""


class OutputError(LineageError):
    """An output file could not be written."""


class RdfError(LineageError):
    """An RDF file cannot be read, or an RDF export cannot be made as asked."""


class ReadOnlyQueryError(QueryError):
    """A SPARQL request would change or fetch data (UPDATE, SERVICE, FROM): refused."""


class QueryTimeoutError(QueryError):
    """A query ran longer than its time limit and was stopped; ``seconds`` is the limit."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        super().__init__(
            f"the query ran longer than {seconds:g} seconds and was stopped (time limit). "
            "Make it more specific (bind more variables, add LIMIT), or allow more time "
            "with --timeout SECONDS."
        )


class QueryLimitError(QueryError):
    """A query returned more rows (or triples) than allowed; ``limit`` is the most allowed."""

    def __init__(self, limit: int, what: str = "rows"):
        self.limit = limit
        super().__init__(
            f"the query returned more than {limit:,} {what} (row limit). Add LIMIT to the "
            "query, or allow more with --max-rows N."
        )
