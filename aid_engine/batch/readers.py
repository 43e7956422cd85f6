"""Streaming readers of batch input: CSV (`;` or `,`, UTF-8 with or without BOM) and JSON Lines.

Each yields one `Row` per record, in file order, with the file line where the record starts (the CSV header
is line 1): either a validated `Declaration` or a `Rejection` naming the line, the learner_id, the fields
and the reasons.  A bad row never stops the reader; only a file that cannot be read at all (no such file,
no usable CSV header) raises `InputFileError`.

They must never hold the whole file: one line (one CSV record) at a time, and one line is at most
`MAX_INPUT_BYTES` (1 MiB) read with a bounded read — a longer line is a rejected row, skipped without being
held, and its value never repeated.  The input is a regular file: a device (`/dev/zero`), a FIFO or a
directory is refused before a byte is read.  The CSV cells are read as docs/contracts.md says
(`true`/`false`/`1`/`0`, `37081,50`), by `Declaration.from_csv_row`.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import get_close_matches
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from ..errors import AidEngineError, DeclarationError, InputFileError
from ..files import MAX_INPUT_BYTES, open_regular
from ..models import DECLARATION_FIELDS, REQUIRED_FIELDS, Declaration, read_json_object
from ..models.fields import is_printable_text, learner_id_of

ROW = "row"
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
JSON_SOURCE = "<line>"  # dropped from the messages: the rejected file has its own line column
TOO_LONG = "is longer than 1 MiB, the limit for one batch line"
_TOO_LONG_LINE = "\ufffd\n"  # what the CSV parser reads in place of a line over the limit (never held)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row that cannot be decided: where it is, whose it is, which fields and why."""

    line: int
    learner_id: str
    fields: tuple[str, ...]
    reason: str

    @classmethod
    def of_error(cls, line: int, learner_id: str, exc: AidEngineError) -> Rejection:
        if isinstance(exc, DeclarationError):
            fields = tuple(dict.fromkeys(p.field for p in exc.problems))
            return cls(line, learner_id, fields, exc.reason)
        field = str(getattr(exc, "field", ROW))
        message = str(exc)
        return cls(line, learner_id, (field,), message.removeprefix(f"{field}: "))

    def __reduce__(self) -> tuple[type[Rejection], tuple[object, ...]]:
        """Pickled as a tuple of its values (between worker processes): faster than a frozen dataclass's state."""
        return Rejection, (self.line, self.learner_id, self.fields, self.reason)


@dataclass(frozen=True, slots=True)
class Record:
    """One input record as read, not yet validated: CSV cells by column, or a JSON Lines line's bytes; or
    already a rejection when it cannot even be read (not UTF-8, more cells than columns)."""

    line: int
    learner_id: str
    cells: dict[str, str] | None = None
    raw: bytes | None = None
    rejection: Rejection | None = None

    def __reduce__(self) -> tuple[type[Record], tuple[object, ...]]:
        """Pickled as a tuple of its values (sent to worker processes): faster than a frozen dataclass's state."""
        return Record, (self.line, self.learner_id, self.cells, self.raw, self.rejection)


@dataclass(frozen=True, slots=True)
class Row:
    """One input record: its line and either its declaration or why it was rejected."""

    line: int
    declaration: Declaration | None
    rejection: Rejection | None = None


def open_input(path: Path) -> BinaryIO:
    """Open a regular input file for reading, or raise `InputFileError` saying why it cannot be (a device, a
    FIFO or a directory is refused here, before the fingerprint would read it without end)."""
    return open_regular(path, what="batch file")


def bounded_lines(binary: Iterable[bytes], limit: int = MAX_INPUT_BYTES) -> Iterator[bytes | None]:
    """The lines of `binary`, each read with a bounded read; None for a line over `limit` bytes, whose rest is
    read and dropped a block at a time (memory stays within the limit, whatever the line's length)."""
    readline = getattr(binary, "readline", None)
    if readline is None:  # an iterable of lines already in memory (tests, callers of the library)
        for raw in binary:
            yield raw if len(raw) <= limit + 1 else None
        return
    while raw := readline(limit + 1):
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield raw
            continue
        while (rest := readline(limit)) and not rest.endswith(b"\n"):
            pass
        yield None


def is_json_lines(path: Path, first: bytes) -> bool:
    """JSON Lines by suffix, else by a first non-blank byte `{`."""
    if path.suffix.lower() in JSONL_SUFFIXES:
        return True
    return path.suffix.lower() != ".csv" and first.lstrip(codecs.BOM_UTF8).lstrip()[:1] == b"{"


def read_records(path: Path) -> Iterator[Record]:
    """Every record of a CSV or JSON Lines file, in order, as read (see `validate`)."""
    with open_input(path) as binary:
        first = binary.peek(4096)[:4096] if hasattr(binary, "peek") else b""
        reader = read_json_lines if is_json_lines(path, first) else read_csv
        yield from reader(binary, str(path))


def validate(record: Record) -> Row:
    """A record validated: its declaration, or its rejection naming the fields and the reasons."""
    if record.rejection is not None:
        return Row(record.line, None, record.rejection)
    if record.cells is not None:
        try:
            return Row(record.line, Declaration.from_csv_row(record.cells, line=record.line))
        except DeclarationError as exc:
            return Row(record.line, None, Rejection.of_error(record.line, record.learner_id, exc))
    return _json_row(record.raw or b"", record.line)


def read_rows(path: Path) -> Iterator[Row]:
    """Every record of a CSV or JSON Lines file, in order, validated (see the module docstring)."""
    for record in read_records(path):
        yield validate(record)


# -- JSON Lines ------------------------------------------------------------------------------------------------


def read_json_lines(binary: Iterable[bytes], source: str) -> Iterator[Record]:
    for number, raw in enumerate(bounded_lines(binary), start=1):
        if raw is None:
            yield Record(number, "", rejection=Rejection(number, "", (ROW,), TOO_LONG))
            continue
        if not raw.strip() or (number == 1 and not raw.lstrip(codecs.BOM_UTF8).strip()):
            continue
        yield Record(number, "", raw=raw)


def _json_row(raw: bytes, number: int) -> Row:
    try:
        data = read_json_object(raw, source=JSON_SOURCE, line=number)
    except InputFileError as exc:
        return Row(number, None, Rejection(number, "", (ROW,), _bare(exc)))
    learner_id = learner_id_of(data) or ""
    try:
        return Row(number, Declaration.parse(data, line=number))
    except DeclarationError as exc:
        return Row(number, None, Rejection.of_error(number, learner_id, exc))


def _bare(exc: InputFileError) -> str:
    """The message of a file error without the file and position (the rejected file has its own columns)."""
    text = str(exc).removeprefix(exc.source)
    if exc.line is not None:
        text = text.removeprefix(f", line {exc.line}")
    if exc.column is not None:
        text = text.removeprefix(f", column {exc.column}")
    return text.removeprefix(": ")


# -- CSV ---------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _required_cells(header: tuple[str, ...]) -> int:
    """How many cells a row needs to reach every required column of `header`."""
    return 1 + max(header.index(f) for f in REQUIRED_FIELDS)


class _Lines:
    """Decoded lines of a binary file, the BOM dropped; remembers which lines were not UTF-8."""

    def __init__(self, binary: Iterable[bytes]) -> None:
        self.binary = binary
        self.bad: set[int] = set()
        self.too_long: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(bounded_lines(self.binary), start=1):
            if raw is None:
                self.too_long.add(number)
                yield _TOO_LONG_LINE
                continue
            if number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                self.bad.add(number)
                yield raw.decode("utf-8", "replace")


def delimiter_of(header: str) -> str:
    """`;` or `,`: whichever the header line holds more of.

    >>> delimiter_of("learner_id;application_date"), delimiter_of("learner_id,application_date")
    (';', ',')
    """
    return ";" if header.count(";") > header.count(",") else ","


def check_header(columns: list[str], source: str) -> list[str]:
    """The header's column names, or `InputFileError` naming what is wrong with them."""
    names = [c.strip() for c in columns]
    unknown = [n for n in names if n not in DECLARATION_FIELDS]
    if unknown:
        close = get_close_matches(unknown[0], DECLARATION_FIELDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputFileError(source, f"unknown column {unknown[0]!r}{hint}", line=1)
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputFileError(source, f"column {duplicated[0]!r} appears twice", line=1)
    missing = [f for f in REQUIRED_FIELDS if f not in names]
    if missing:
        raise InputFileError(source, f"missing column(s): {', '.join(missing)}", line=1)
    return names


def read_csv(binary: Iterable[bytes], source: str) -> Iterator[Record]:
    lines = _Lines(binary)
    text = iter(lines)
    header_line = next(text, None)
    if header_line is None or not header_line.strip():
        raise InputFileError(source, "is empty: a CSV batch starts with a header line", line=1)
    if 1 in lines.bad:
        raise InputFileError(source, "is not UTF-8 text (a CSV batch is UTF-8, with or without a BOM)", line=1)
    if 1 in lines.too_long:
        raise InputFileError(source, f"the header line {TOO_LONG.removeprefix('is ')}", line=1)
    delimiter = delimiter_of(header_line)
    try:
        columns = next(csv.reader([header_line], delimiter=delimiter))
    except csv.Error as exc:  # e.g. a carriage return inside the header line
        raise InputFileError(source, f"the header line is not readable CSV ({exc})", line=1) from None
    header = check_header(columns, source)
    records = csv.reader(text, delimiter=delimiter)
    ends_at = 1
    while True:
        try:
            cells = next(records)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a cell over the csv module's size limit: this record only is rejected
            start, ends_at = ends_at + 1, records.line_num + 1
            yield Record(start, "", rejection=Rejection(start, "", (ROW,), f"is not readable CSV ({exc})"))
            continue
        start, ends_at = ends_at + 1, records.line_num + 1
        if any(cell.strip() for cell in cells):
            yield _csv_row(header, cells, start, ends_at, lines)


def _csv_row(header: list[str], cells: list[str], start: int, end: int, lines: _Lines) -> Record:
    if any(n in lines.too_long for n in range(start, end + 1)):
        return Record(start, "", rejection=Rejection(start, "", (ROW,), TOO_LONG))
    learner_id = cells[header.index("learner_id")].strip() if len(cells) > header.index("learner_id") else ""
    learner_id = learner_id if is_printable_text(learner_id) else ""  # a bad id is never repeated
    if any(n in lines.bad for n in range(start, end + 1)):
        return Record(start, learner_id, rejection=Rejection(start, learner_id, (ROW,), "is not UTF-8 text"))
    if len(cells) > len(header) or len(cells) < _required_cells(tuple(header)):
        # One reason, not one per missing field: a file of one-character rows gives one short line each.
        return Record(start, learner_id, rejection=Rejection(
            start, learner_id, (ROW,), f"has {len(cells)} cells but the header has {len(header)} columns"))
    return Record(start, learner_id, cells=dict(zip(header, cells, strict=False)))
