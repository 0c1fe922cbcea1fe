"""The JSON Schema of a data file, generated from the records.

The committed copy lives in ``lineage/schema/records.schema.json``; a test
keeps it in sync. Regenerate it with ``python -m lineage.schema``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from .records import Item

__all__ = ["SCHEMA_PATH", "json_schema", "write_schema"]

SCHEMA_PATH = Path(__file__).parent / "schema" / "records.schema.json"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of one data file: a list of records and relations."""
    schema = TypeAdapter(list[Item]).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "lineage data file"
    schema["description"] = (
        "A YAML list of lineage records (model, family, dataset, technique, paper, "
        "organization, benchmark, software, application, license, document) and standalone "
        "relations."
    )
    return schema


def write_schema(path: Path = SCHEMA_PATH) -> None:
    """Write the schema atomically."""
    from .output import write_text_atomic

    write_text_atomic(path, json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":  # pragma: no cover
    write_schema()
    print(f"wrote {SCHEMA_PATH}")
