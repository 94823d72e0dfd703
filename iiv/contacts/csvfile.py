"""CSV exports read as rows with their line numbers, under a header found among the first lines.

LinkedIn puts a few lines of notes above its header, quoted or not; Google's files start with it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice

from iiv.contacts.contact import Contact, ContactFile, Unreadable
from iiv.errors import BadFile

HEADER_WITHIN = 20  # records read while looking for the header


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]  # header → value; the header's columns missing from the row are ""


Header = Callable[[list[str]], bool]  # is this record the header?


def contact_file(
    text: str, is_header: Header, expected: str, contact: Callable[[Row], Contact | Unreadable]
) -> ContactFile:
    """The contacts `contact` makes of the rows under the header, and each row or record that
    cannot be read, with its line (see `read_rows`)."""
    rows, unreadable = read_rows(text, is_header, expected)
    contacts: list[Contact] = []
    for row in rows:
        found = contact(row)
        if isinstance(found, Contact):
            contacts.append(found)
        else:
            unreadable.append(found)
    return ContactFile(tuple(contacts), tuple(sorted(unreadable, key=lambda u: u.line)))


def read_rows(text: str, is_header: Header, expected: str) -> tuple[list[Row], list[Unreadable]]:
    """The rows under the header, and each record that cannot be read, with its line.

    `expected` names the file for the one line said when no header is found."""
    records = _records(text)
    header = _find_header(records, is_header, expected)
    rows: list[Row] = []
    unreadable: list[Unreadable] = []
    for line, record in records:
        if isinstance(record, str):
            unreadable.append(Unreadable(line, record))
        elif any(value.strip() for value in record):
            _add_row(rows, unreadable, header, line, record)
    return rows, unreadable


def _add_row(
    rows: list[Row], unreadable: list[Unreadable], header: list[str], line: int, record: list[str]
) -> None:
    if len(record) > len(header) and any(value.strip() for value in record[len(header) :]):
        message = f"{len(record)} fields where the header has {len(header)} (an unquoted comma?)"
        unreadable.append(Unreadable(line, message))
        return
    values = {name: (record[i] if i < len(record) else "") for i, name in enumerate(header)}
    rows.append(Row(line, values))


def _records(text: str) -> Iterator[tuple[int, list[str] | str]]:
    """Each record with the line it starts on; a record csv cannot read, as the reason why."""
    # csv's limit on one field (131,072 characters) stays: a longer one is a row csv reports,
    # and no contact has a field that long (raising it would change it for the whole process).
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, f"unreadable CSV: {error}"
            start = reader.line_num + 1
            continue
        yield start, record
        start = reader.line_num + 1


def _find_header(
    records: Iterator[tuple[int, list[str] | str]], is_header: Header, expected: str
) -> list[str]:
    for _, record in islice(records, HEADER_WITHIN):
        if isinstance(record, list) and is_header([name.strip() for name in record]):
            return [name.strip() for name in record]
    raise BadFile(expected)
