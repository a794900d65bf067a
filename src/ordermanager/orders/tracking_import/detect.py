"""Opening a tracking file as the shipping tool wrote it: its encoding and its delimiter are detected.

Shipping tools on Windows write Windows-1252 or UTF-8 (often with a byte order mark), separated by commas,
tabs or semicolons (European Excel). The file is read as a stream: only a sample is held to detect them.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Generator
from dataclasses import dataclass
from typing import IO

from ordermanager.errors import InputError

SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", "\t", ";")
MAX_FIELD = 10_000


@dataclass(frozen=True)
class Dialect:
    encoding: str
    delimiter: str

    @property
    def label(self) -> str:
        names = {",": "comma", "\t": "tab", ";": "semicolon"}
        return f"{self.encoding}, {names[self.delimiter]}-separated"


def _encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        # A sample may end mid-character: only the last three bytes may be incomplete.
        sample.decode("utf-8") if len(sample) < SAMPLE_BYTES else sample[:-3].decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    if counts[best] == 0:
        raise InputError("file", "the first line has no commas, tabs or semicolons: is it a CSV export?")
    return best


def detect(binary: IO[bytes]) -> Dialect:
    """Look at the start of the file, then rewind it."""
    sample = binary.read(SAMPLE_BYTES)
    binary.seek(0)
    if not sample.strip():
        raise InputError("file", "the file is empty")
    if b"\x00" in sample:
        raise InputError("file", "this is not a text file (a spreadsheet must be saved as CSV first)")
    encoding = _encoding(sample)
    text = sample.decode(encoding, errors="replace")
    header = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    return Dialect(encoding, _delimiter(header))


def read_rows(binary: IO[bytes], dialect: Dialect) -> Generator[list[str], None, None]:
    """Rows as lists of text, one at a time. Windows-1252 never fails to decode; UTF-8 is checked as read."""
    csv.field_size_limit(MAX_FIELD)
    text = io.TextIOWrapper(binary, encoding=dialect.encoding, errors="strict", newline="")
    try:
        yield from csv.reader(text, delimiter=dialect.delimiter)
    except UnicodeDecodeError as error:
        raise InputError("file", f"the file is not valid {dialect.encoding} past byte {error.start}") from None
    except csv.Error as error:
        raise InputError("file", f"the file is not readable as CSV: {error}") from None
    finally:
        if not binary.closed:
            text.detach()  # the caller owns the file: leave it open
