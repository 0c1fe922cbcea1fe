"""The record schema: strict fields, counts, dates, sources, relation rules."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from lineage.records import Item, Model, Relation, Source, date_key, parse_count

ITEM = TypeAdapter(Item)
SRC = [{"document": "002_70697c1b2f561b7a.txt", "quote": "q"}]


@pytest.mark.parametrize(
    "text, value",
    [("175B", 175 * 10**9), ("1.5B", 1_500_000_000), ("52K", 52_000), ("27,540", 27540),
     ("2T", 2 * 10**12), (7000, 7000), ("330M", 330_000_000)],
)
def test_counts_parse_suffixes(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize("bad", ["thirteen", "-5", True, 1.5, "1.5Q"])
def test_counts_reject_garbage(bad):
    with pytest.raises(ValueError):
        parse_count(bad)


@pytest.mark.parametrize("value, stored", [(2023, "2023"), ("2023-03", "2023-03"),
                                           ("2023-03-13", "2023-03-13")])
def test_partial_dates(value, stored):
    m = Model(id="m", type="model", name="M", date=value)
    assert m.date == stored


@pytest.mark.parametrize("bad", ["2023-13", "2023-02-30", "March 2023", "23", True])
def test_bad_dates_are_rejected(bad):
    with pytest.raises(ValidationError):
        Model(id="m", type="model", name="M", date=bad)


def test_date_key_orders_partial_dates():
    assert date_key("2023-03") < date_key("2023-03-13") < date_key("2023-04")
    assert date_key(None) is None


def test_unknown_fields_are_errors():
    with pytest.raises(ValidationError) as e:
        ITEM.validate_python({"id": "m", "type": "model", "name": "M", "paramaters": "7B"})
    assert e.value.errors()[0]["type"] == "extra_forbidden"


def test_ids_are_slugs():
    with pytest.raises(ValidationError):
        Model(id="LLaMA 7B", type="model", name="LLaMA 7B")
    assert Model(id="gpt-3.5-turbo", type="model", name="GPT-3.5-turbo").id == "gpt-3.5-turbo"


def test_source_needs_quote_or_locator():
    with pytest.raises(ValidationError, match="quote"):
        Source(document="002_70697c1b2f561b7a.txt")
    assert Source(document="arXiv:2302.13971", locator="abstract").locator == "abstract"


def test_relation_needs_a_source():
    with pytest.raises(ValidationError):
        Relation(relation="finetune", target="llama-7b", sources=[])


def test_scores_only_on_evaluated_on():
    with pytest.raises(ValidationError, match="evaluated_on"):
        Relation(relation="finetune", target="x", score=1.0, sources=SRC)
    with pytest.raises(ValidationError, match="metric"):
        Relation(relation="evaluated_on", target="mt-bench", score=7.3, sources=SRC)
    r = Relation(relation="evaluated_on", target="mt-bench", score=7.34, metric="score",
                 sources=SRC)
    assert r.score == 7.34


def test_unknown_relation_kind_is_rejected():
    with pytest.raises(ValidationError):
        Relation(relation="fine-tune", target="x", sources=SRC)


def test_control_characters_in_names_are_rejected():
    with pytest.raises(ValidationError, match="control"):
        Model(id="m", type="model", name="bad\x00name")


def test_hostile_but_printable_names_are_data():
    m = Model(id="m", type="model", name="<img src=x onerror=alert(1)>",
              aliases=["</script>"])
    assert m.name.startswith("<img")


def test_standalone_relation_attaches_as_relation():
    item = ITEM.validate_python({"type": "relation", "source": "a", "relation": "finetune",
                                 "target": "b", "sources": SRC})
    assert item.to_relation().target == "b"


def test_relation_literal_matches_the_vocabulary():
    from typing import get_args

    from lineage.records import RelationKind
    from lineage.vocab import RELATION_KINDS

    assert get_args(RelationKind) == RELATION_KINDS
