"""The committed JSON Schema matches the records, and validates real data files."""

from __future__ import annotations

import json

import jsonschema
import yaml

from lineage.load import SHIPPED_DATA, data_files
from lineage.schema import SCHEMA_PATH, json_schema

from .conftest import BAD, TINY


def test_committed_schema_is_in_sync():
    committed = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert committed == json_schema(), (
        "lineage/schema/records.schema.json is stale: run 'python -m lineage.schema'"
    )


def _as_json_data(path):
    # dates stay strings in our loader; make PyYAML do the same for jsonschema
    from lineage.load import _Loader

    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)


def test_schema_accepts_the_fixture_and_shipped_files():
    validator = jsonschema.Draft202012Validator(json_schema())
    files = data_files(TINY) + data_files(SHIPPED_DATA)
    assert files
    for f in files:
        errors = list(validator.iter_errors(_as_json_data(f)))
        assert not errors, (f, errors[0].message)


def test_schema_rejects_an_unknown_field():
    validator = jsonschema.Draft202012Validator(json_schema())
    assert list(validator.iter_errors(_as_json_data(BAD / "unknown_field.yaml")))
