"""Typed records of the lineage knowledge base.

Every record is a strict pydantic model (unknown fields are errors). A data file
is a YAML list whose items are records (``type: model``, ``type: dataset`` ...)
or standalone relations (``type: relation`` with a ``source``), which attach to
the record named by ``source`` when the knowledge base is loaded.

Relations read ``<record> <relation> <target>``: on the record ``alpaca-7b`` the
relation ``{relation: finetune, target: llama-7b}`` says "Alpaca-7B is a
fine-tune of LLaMA-7B". The same direction is used in the graph, in JSON output
and in RDF (``prov:wasDerivedFrom``).
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any, Literal, Union, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

__all__ = [
    "RECORD_TYPES",
    "RELATION_KINDS",
    "WEIGHT_RELATIONS",
    "INFLUENCE_RELATIONS",
    "DATA_RELATIONS",
    "LINEAGE_RELATIONS",
    "KNOWLEDGE_RELATIONS",
    "RELATION_RULES",
    "Source",
    "Relation",
    "Claim",
    "Record",
    "Model",
    "Family",
    "Dataset",
    "Technique",
    "Paper",
    "Organization",
    "Benchmark",
    "Software",
    "Application",
    "License",
    "Document",
    "StandaloneRelation",
    "AnyRecord",
    "Item",
    "PartialDate",
    "parse_count",
    "date_key",
]

ID_PATTERN = r"^[a-z0-9]+(?:[-.][a-z0-9]+)*$"
ARXIV_PATTERN = r"^\d{4}\.\d{4,5}(v\d+)?$"

from .dates import check_partial_date, date_key  # noqa: E402,F401  (date_key re-exported)
from .vocab import (  # noqa: E402  (re-exported: the vocabularies live in a light module)
    DATA_RELATIONS,
    INFLUENCE_RELATIONS,
    KNOWLEDGE_RELATIONS,
    LINEAGE_RELATIONS,
    RECORD_TYPES,
    RELATION_KINDS,
    RELATION_RULES,
    WEIGHT_RELATIONS,
)

RelationKind = Literal[RELATION_KINDS]  # type: ignore[valid-type]  # one list: lineage/vocab.py

# --- small value types ------------------------------------------------------

def _coerce_date(value: Any) -> Any:
    """Accept 2023, "2023-03", "2023-03-13" and YAML dates; return a string."""
    if isinstance(value, bool):
        raise ValueError("expected a date such as 2023, 2023-03 or 2023-03-13")
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("expected a date such as 2023, 2023-03 or 2023-03-13")
    return check_partial_date(value)


_DATE_DESCRIPTION = "A year (2023), a year-month (2023-03) or a full date (2023-03-13)."

PartialDate = Annotated[
    str,
    BeforeValidator(_coerce_date),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
                {"type": "integer", "minimum": 1000, "maximum": 9999},
            ],
            "description": _DATE_DESCRIPTION,
        },
        mode="validation",
    ),
    Field(description=_DATE_DESCRIPTION, pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$"),
]


_SUFFIX = {"k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}
_COUNT_RE = re.compile(r"^\s*([0-9][0-9_,]*(?:\.[0-9]+)?)\s*([kmbtKMBT]?)\s*$")


def parse_count(value: Any) -> int:
    """Parse a count such as ``175B``, ``1.5B``, ``52K``, ``27,540`` or ``7000``.

    >>> parse_count("175B")
    175000000000
    >>> parse_count("1.4T")
    1400000000000
    >>> parse_count("27,540")
    27540
    """
    if isinstance(value, bool):
        raise ValueError("expected a number such as 7000, 52K, 1.5B or 2T")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a count; write 7000, 52K, 1.5B or 2T")
        if value < 0 or value != int(value):
            raise ValueError("a count must be a whole number; use a suffix: 1.5B")
        value = int(value)
    elif isinstance(value, str):
        m = _COUNT_RE.match(value)
        if not m:
            raise ValueError(f"{_short(value)!r} is not a count; write 7000, 52K, 1.5B or 2T")
        number = Decimal(m.group(1).replace(",", "").replace("_", ""))
        mult = _SUFFIX.get(m.group(2).lower(), 1)
        scaled = number * mult
        if scaled > MAX_COUNT:  # compared before int(): no huge conversions
            raise ValueError(f"{_short(value)} is too large for a count (at most 10^18)")
        value = int(scaled.to_integral_value(rounding=ROUND_HALF_EVEN))
    if not isinstance(value, int):
        raise ValueError(f"{value!r} is not a count; write 7000, 52K, 1.5B or 2T")
    if value < 0:
        raise ValueError("a count cannot be negative")
    if value > MAX_COUNT:
        raise ValueError("the number is too large for a count (at most 10^18)")
    return value


MAX_COUNT = 10**18
"""The largest count: more than any parameter or token count, and within 64 bits."""


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


_COUNT_DESCRIPTION = "A whole number; YAML may use K, M, B, T suffixes (1.5B) and commas."

Count = Annotated[
    int,
    BeforeValidator(parse_count),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "string", "pattern": r"^\s*[0-9][0-9_,]*(\.[0-9]+)?\s*[kmbtKMBT]?\s*$"},
            ],
            "description": _COUNT_DESCRIPTION,
        },
        mode="validation",
    ),
    Field(ge=0, description=_COUNT_DESCRIPTION),
]

RecordId = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        description="Stable id of a record: lower-case words joined by '-' (dots allowed "
        "inside version numbers), e.g. 'llama-2-70b' or 'gpt-3.5-turbo'.",
    ),
]

Confidence = Literal["explicit", "weak"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class Source(_Strict):
    """Where a fact comes from: a document plus a short quote or a locator."""

    document: str = Field(
        min_length=1,
        description="The seed file name (e.g. '002_70697c1b2f561b7a.txt'), a URL, or "
        "'arXiv:2302.13971'.",
    )
    quote: str | None = Field(
        default=None,
        description="A short verbatim quote from the document supporting the fact.",
    )
    locator: str | None = Field(
        default=None, description="Section, table, page or figure within the document."
    )
    field: str | None = Field(
        default=None,
        description="For record-level sources: which attribute this source supports "
        "(e.g. 'parameters', 'date').",
    )
    translation: str | None = Field(
        default=None,
        description="An English gloss of a quote in another language (e.g. Chinese). "
        "It is a translation, not the document's words; the quote stays as written.",
    )

    @model_validator(mode="after")
    def _quote_or_locator(self) -> Source:
        if not (self.quote or self.locator):
            raise ValueError(
                "a source needs a 'quote' (short verbatim text) or a 'locator' "
                "(section/table) so a reader can check it"
            )
        if self.translation is not None and not self.quote:
            raise ValueError("a 'translation' glosses a 'quote': add the quote as written")
        return self


Sources = Annotated[
    list[Source],
    Field(min_length=1, description="One or more sources supporting this statement."),
]


class Relation(_Strict):
    """A typed, sourced link from the record that holds it to ``target``."""

    relation: RelationKind = Field(
        description="Kind of link; reads '<record> <relation> <target>'."
    )
    target: RecordId = Field(description="Id of the record this one relates to.")
    confidence: Confidence = Field(
        default="explicit",
        description="How firmly the cited sources state it: 'explicit' when one states it "
        "plainly, 'weak' when they only imply or hedge it. Not where it comes from: a fact "
        "stated plainly by a paper or model card is 'explicit' too (its provenance, seed "
        "article or outside document, follows from the sources' documents).",
    )
    sources: Sources
    note: str | None = Field(default=None, description="Free-text remark, e.g. a caveat.")
    techniques: list[RecordId] = Field(
        default_factory=list,
        description="Ids of techniques applied on this step (e.g. 'sft' for a fine-tune).",
    )
    date: PartialDate | None = Field(
        default=None,
        description="When the relation came to hold, if different from the record's date.",
    )
    score: float | None = Field(
        default=None, allow_inf_nan=False, description="evaluated_on only: the reported score."
    )
    metric: str | None = Field(
        default=None,
        description="evaluated_on only: what the score measures, e.g. 'win rate (%)'.",
    )
    setting: str | None = Field(
        default=None, description="evaluated_on only: evaluation setting, e.g. '5-shot'."
    )

    @model_validator(mode="after")
    def _score_rules(self) -> Relation:
        if self.relation == "evaluated_on":
            if self.metric is None:
                raise ValueError("an evaluated_on relation needs a 'metric'")
        elif self.score is not None or self.metric is not None or self.setting is not None:
            raise ValueError(
                "'score', 'metric' and 'setting' belong only on evaluated_on relations"
            )
        return self


class Claim(_Strict):
    """A sourced statement about an attribute, kept as the source says it.

    Claims with the same ``topic`` and different values on one record are
    contradictions between sources; both are kept and reported by checks.
    """

    topic: str = Field(
        min_length=1,
        description="What the claim is about, e.g. 'users-100m' or 'quality-vs-chatgpt'.",
    )
    value: str = Field(min_length=1, description="The claimed value, as stated.")
    sources: Sources
    note: str | None = Field(default=None, description="Remark, e.g. why sources differ.")


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
"""Control characters a text field may not hold (newlines and tabs it may)."""
_CONTROL_ANY = re.compile(r"[\x00-\x1f]")


class Record(_Strict):
    """Fields shared by every record."""

    id: RecordId
    type: str = Field(description="Record type.")
    name: str = Field(min_length=1, description="Display name, in English where one exists.")
    aliases: list[str] = Field(
        default_factory=list,
        description="Other names in any language (Chinese names included), spellings, "
        "abbreviations.",
    )
    description: str | None = Field(default=None, description="One or two sentences.")
    date: PartialDate | None = Field(
        default=None, description="Release or publication date."
    )
    urls: list[str] = Field(default_factory=list, description="Official pages.")
    sources: list[Source] = Field(
        default_factory=list, description="Sources for the record's attributes."
    )
    relations: list[Relation] = Field(
        default_factory=list, description="Typed, sourced links to other records."
    )
    claims: list[Claim] = Field(
        default_factory=list,
        description="Sourced statements kept verbatim, including ones that disagree.",
    )
    note: str | None = Field(default=None, description="Free-text remark.")

    @field_validator("name", "description", "note")
    @classmethod
    def _no_control_chars(cls, v: str | None) -> str | None:
        if v is not None and _CONTROL.search(v):
            raise ValueError("contains control characters; remove them")
        return v

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, v: list[str]) -> list[str]:
        out = []
        for a in v:
            a = a.strip()
            if not a:
                raise ValueError("an alias cannot be empty")
            if _CONTROL_ANY.search(a):
                raise ValueError(f"alias {a!r} contains control characters")
            out.append(a)
        return out

    @field_validator("urls")
    @classmethod
    def _urls(cls, v: list[str]) -> list[str]:
        for u in v:
            if not re.match(r"^https?://[^\s<>\"]+$", u):
                raise ValueError(f"{u!r} is not an http(s) URL")
        return v


HubId = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$",
        max_length=200,
        description="A Hugging Face Hub repository id, e.g. 'meta-llama/Llama-2-7b-hf'.",
    ),
]


Weights = Literal["open", "restricted", "closed"]


class Model(Record):
    """A trained model (a specific size or version where sources tell them apart)."""

    type: Literal["model"] = Field(description="Record type.")
    parameters: Count | None = Field(default=None, description="Number of parameters.")
    training_tokens: Count | None = Field(
        default=None, description="Number of pre-training tokens."
    )
    context_length: Count | None = Field(
        default=None, description="Maximum context window, in tokens."
    )
    weights: Weights | None = Field(
        default=None,
        description="'open' (downloadable), 'restricted' (on request or under a "
        "research licence), or 'closed' (API or product only).",
    )
    architecture: str | None = Field(
        default=None, description="E.g. 'decoder-only transformer'."
    )
    modality: list[str] = Field(
        default_factory=list, description="Input modalities, e.g. ['text', 'image']."
    )
    hub_ids: list[HubId] = Field(
        default_factory=list,
        description="Hugging Face Hub repository ids of this record (any of them resolves "
        "to it, with or without an 'hf:' prefix).",
    )


class Family(Record):
    """A family or series of models (LLaMA, Llama 2, the GPT-3.5 series)."""

    type: Literal["family"] = Field(description="Record type.")
    weights: Weights | None = Field(
        default=None, description="Access to the weights of the family's models."
    )


DatasetMethod = Literal[
    "human-written",
    "model-generated",
    "user-shared",
    "web-crawl",
    "curated",
    "mixed",
    "synthetic",
]


class Dataset(Record):
    """A dataset: pre-training corpus, instruction data, conversations, preferences."""

    type: Literal["dataset"] = Field(description="Record type.")
    examples: Count | None = Field(default=None, description="Number of examples.")
    conversations: Count | None = Field(
        default=None, description="Number of conversations."
    )
    tokens: Count | None = Field(default=None, description="Number of tokens.")
    method: DatasetMethod | None = Field(
        default=None, description="How the data was made."
    )
    method_note: str | None = Field(
        default=None, description="How it was made, in words."
    )
    kind: str | None = Field(
        default=None,
        description="E.g. 'instruction', 'conversation', 'preference', 'pretraining', "
        "'code'.",
    )
    hub_ids: list[HubId] = Field(
        default_factory=list,
        description="Hugging Face Hub repository ids of this record (any of them resolves "
        "to it, with or without an 'hf:' prefix).",
    )


TechniqueCategory = Literal[
    "training",
    "alignment",
    "architecture",
    "efficiency",
    "data",
    "prompting",
    "inference",
    "scaling",
    "evaluation",
    "paradigm",
]


class Technique(Record):
    """A method: SFT, RLHF, LoRA, RMSNorm, chain-of-thought, scaling laws ..."""

    type: Literal["technique"] = Field(description="Record type.")
    category: TechniqueCategory | None = Field(default=None, description="Broad area.")


class Paper(Record):
    """A paper, report or blog post."""

    type: Literal["paper"] = Field(description="Record type.")
    title: str | None = Field(default=None, description="Full title.")
    authors: list[str] = Field(
        default_factory=list, description="Authors; 'et al.' where the list is abridged."
    )
    arxiv: str | None = Field(
        default=None, pattern=ARXIV_PATTERN, description="arXiv id, e.g. '2302.13971'."
    )
    venue: str | None = Field(default=None, description="Journal, conference or site.")


class Organization(Record):
    """A company, lab, university or community."""

    type: Literal["organization"] = Field(description="Record type.")
    kind: Literal["company", "lab", "university", "community", "nonprofit", "government"] | None = (
        Field(default=None, description="What kind of organization.")
    )
    country: str | None = Field(default=None, description="Country, ISO 3166 alpha-2.")


class Benchmark(Record):
    """A benchmark or leaderboard."""

    type: Literal["benchmark"] = Field(description="Record type.")
    measures: str | None = Field(default=None, description="What it measures.")
    metric: str | None = Field(default=None, description="Its headline metric.")


class Software(Record):
    """A library, framework or tool (llama.cpp, DeepSpeed, FastChat)."""

    type: Literal["software"] = Field(description="Record type.")
    repository: str | None = Field(default=None, description="Source repository URL.")


class Application(Record):
    """A product built on models (New Bing, Microsoft 365 Copilot)."""

    type: Literal["application"] = Field(description="Record type.")


class License(Record):
    """A license or terms of use, as data: may it be used commercially, and why."""

    type: Literal["license"] = Field(description="Record type.")
    spdx: str | None = Field(
        default=None, description="SPDX identifier where one exists (e.g. 'Apache-2.0')."
    )
    commercial_use: bool | None = Field(
        default=None,
        description="Whether the licensed artefact may be used commercially; null when "
        "unknown.",
    )
    restricts_outputs: bool = Field(
        default=False,
        description="True when the terms restrict what the artefact's outputs may be "
        "used for (e.g. training competing models).",
    )
    why: str | None = Field(
        default=None, description="The reason, in one sentence, with the terms' words."
    )


class Document(Record):
    """A cited document: an article, blog post, web page, model card or README.

    Sources name it by one of its ``aliases`` (a file name such as
    ``002_70697c1b2f561b7a.txt``) or by one of its ``urls``; a reader finds it
    by its title, author, publication, date and link. Papers are ``paper``
    records; a source citing ``arXiv:<id>`` resolves to the paper with that id.
    """

    type: Literal["document"] = Field(description="Record type.")
    title: str | None = Field(
        default=None,
        description="The title as the document gives it, in its own language ('name' "
        "holds the English title where one exists, e.g. the original of a translation).",
    )
    authors: list[str] = Field(default_factory=list, description="Authors, as the "
                               "document names them.")
    publication: str | None = Field(
        default=None,
        description="Where it was published: site, blog, journal or repository.",
    )
    language: str | None = Field(
        default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        description="Language of the text, a BCP 47 tag such as 'zh' or 'en'.",
    )
    translation_of: str | None = Field(
        default=None,
        description="For a translation: the URL of the original, as the document gives it.",
    )

    @field_validator("translation_of")
    @classmethod
    def _original_url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^\s<>\"]+$", v):
            raise ValueError(f"{v!r} is not an http(s) URL")
        return v


AnyRecord = Annotated[
    Union[
        Model,
        Family,
        Dataset,
        Technique,
        Paper,
        Organization,
        Benchmark,
        Software,
        Application,
        License,
        Document,
    ],
    Field(discriminator="type"),
]


class StandaloneRelation(Relation):
    """A relation written apart from its record: ``source <relation> target``."""

    type: Literal["relation"] = Field(description="Marks a standalone relation item.")
    source: RecordId = Field(description="Id of the record that holds this relation.")

    def to_relation(self) -> Relation:
        return Relation.model_validate(self.model_dump(exclude={"type", "source"}))


Item = Annotated[
    Union[
        Model,
        Family,
        Dataset,
        Technique,
        Paper,
        Organization,
        Benchmark,
        Software,
        Application,
        License,
        Document,
        StandaloneRelation,
    ],
    Field(discriminator="type"),
]
"""One item of a data file: a record, or a standalone relation."""

_ITEM_ADAPTER: Any = None


@functools.cache
def _record_classes() -> dict[str, type[Record]]:
    """Record type name -> its class."""
    return {get_args(c.model_fields["type"].annotation)[0]: c
            for c in get_args(get_args(Item)[0]) if c is not StandaloneRelation}


def validate_record(item: Any) -> Record:
    """One record from JSON data (a dict with ``type``), validated by its own class.

    Quicker to start than :func:`item_adapter` (no union validator to build), for a
    program that adds a few records to a store; raises
    :class:`pydantic.ValidationError` as the record class does.

    >>> validate_record({"id": "m", "type": "model", "name": "M"}).name
    'M'
    """
    t = item.get("type") if isinstance(item, dict) else None
    cls = _record_classes().get(t)  # type: ignore[arg-type]
    if cls is None:
        return item_adapter().validate_python(item)  # says what is wrong with the type
    return cls.model_validate(item)


def item_adapter() -> Any:
    """The validator of one data-file item (a :class:`pydantic.TypeAdapter` of ``Item``),
    built on first use: a query that never validates never pays for it."""
    global _ITEM_ADAPTER
    if _ITEM_ADAPTER is None:
        from pydantic import TypeAdapter

        _ITEM_ADAPTER = TypeAdapter(Item)
    return _ITEM_ADAPTER
