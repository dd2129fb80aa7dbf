"""Reading records from JSONL or CSV files, one per line, each with its line number."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

__all__ = ["NESTED_CSV_FIELDS", "Record", "read_records"]

Record = tuple[int, dict[str, Any] | str]
"""A line number and either the parsed object or why the line could not be parsed."""

NESTED_CSV_FIELDS: dict[str, frozenset[str]] = {
    "clients": frozenset({"client_profile", "consents"}),
    "portfolios": frozenset({"accounts", "target_allocation"}),
    "securities": frozenset({"controversies"}),
    "events": frozenset({"context"}),
}
"""CSV columns that hold JSON text, because the field is an object or a list."""


def read_records(path: Path, kind: str) -> Iterator[Record]:
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        yield from _jsonl(path)
    elif suffix == ".csv":
        yield from _csv(path, NESTED_CSV_FIELDS[kind])
    else:
        raise ValueError(f"{path.name}: use a .jsonl or .csv file")


def _jsonl(path: Path) -> Iterator[Record]:
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                value = orjson.loads(line)
            except orjson.JSONDecodeError as error:
                yield number, f"not valid JSON: {error}"
                continue
            yield number, value if isinstance(value, dict) else "each line must be a JSON object"


def _csv(path: Path, nested: frozenset[str]) -> Iterator[Record]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            number = reader.line_num
            record: dict[str, Any] = {}
            problem = None
            for key, cell in row.items():
                if key is None:
                    problem = "the row has more cells than the header has columns"
                    break
                if cell is None or cell == "":
                    continue
                if key in nested:
                    try:
                        record[key] = orjson.loads(cell)
                    except orjson.JSONDecodeError:
                        problem = f"column {key} must hold JSON"
                        break
                else:
                    record[key] = cell
            yield number, problem if problem else record
