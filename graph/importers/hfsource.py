"""Read Hugging Face Hub metadata into :class:`Entry` values, one per model repository.

Sources:

* model cards: a ``README.md`` whose YAML header (between ``---`` lines) holds
  ``base_model``, ``base_model_relation``, ``datasets``, ``license`` ...; or a
  directory laid out like a local mirror of the Hub (``ORG/NAME/README.md``, or
  the ``huggingface_hub`` cache: ``models--ORG--NAME/snapshots/REV/README.md``),
  where each card's repository id comes from its place and the files beside it
  are its repository's files;
* Hub API JSON (``/api/models/{id}``, ``/api/models?full=true&cardData=true``):
  one object, a list, or JSON lines;
* a Parquet snapshot of Hub model metadata, one row per model, read in batches
  (needs ``pyarrow``: ``pip install 'llm-lineage[parquet]'``);
* the Hub itself through ``huggingface_hub`` (``pip install 'llm-lineage[hub]'``).

Card headers are read with the data loader's safe YAML reader: plain values
only (no ``!!python/...`` or other tags), no alias bombs, no duplicate keys;
nothing in a card is ever run. A card that breaks a rule is rejected with one
problem line and the import goes on.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lineage.errors import LineageError, Problem

__all__ = ["Entry", "HUB_URL", "read_sources", "entry_from_api", "read_card_text",
           "online_entries", "is_hub_id", "MAX_CARD_BYTES"]

HUB_URL = "https://huggingface.co"
MAX_CARD_BYTES = 1_000_000
"""A card larger than this is rejected (real cards are a few kilobytes to ~100 KB)."""
MAX_HEADER_BYTES = 200_000
"""A YAML header larger than this is rejected."""
MAX_NESTING = 64
"""Card metadata nested deeper than this is hostile (the Hub's own is two or three deep)."""
PLACEHOLDER_DATE = "2022-03-02T23:29:04.000Z"
"""What the Hub reports as ``createdAt`` for repositories older than the field: not a date."""

_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}(/[A-Za-z0-9][A-Za-z0-9._-]{0,95})?$")


def is_hub_id(text: Any) -> bool:
    """Whether ``text`` is shaped like a Hub repository id (``ORG/NAME`` or a legacy ``NAME``).

    >>> is_hub_id("meta-llama/Llama-2-7b-hf"), is_hub_id("gpt2"), is_hub_id("Llama 2 7B")
    (True, True, False)
    >>> is_hub_id("https://huggingface.co/meta-llama/Llama-2-7b-hf")
    False
    """
    return isinstance(text, str) and bool(_HUB_ID.match(text)) and ".." not in text


@dataclass
class Entry:
    """What one source says about one model repository, before mapping."""

    repo_id: str
    origin: str
    """The file (or URL) it was read from."""
    line: int | None = None
    """Line of a JSON-lines file, row of a Parquet file, or line of the card header."""
    via: str = "card"
    """``card`` (a model card's YAML header) or ``api`` (Hub API metadata)."""
    card: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    siblings: list[str] = field(default_factory=list)
    created_at: str | None = None
    last_modified: str | None = None
    parameters: Any = None
    library_name: str | None = None
    pipeline_tag: str | None = None
    downloads: Any = None
    likes: Any = None
    gated: Any = None
    base_models: list[tuple[str | None, Any]] = field(default_factory=list)
    """``baseModels`` of the API: (relation or None, id) pairs."""
    key_lines: dict[str, int] = field(default_factory=dict)
    """Line of each top-level key in the card header (for problem lines)."""

    @property
    def document(self) -> str:
        """The document every fact of this entry cites."""
        if self.via == "api":
            return f"{HUB_URL}/api/models/{self.repo_id}"
        return f"{HUB_URL}/{self.repo_id}"

    def where(self, key: str | None = None) -> tuple[str, int | None]:
        """(file, line) of the entry, or of one key of its card."""
        if key is not None and key in self.key_lines:
            return self.origin, self.key_lines[key]
        return self.origin, self.line


# --- model cards -----------------------------------------------------------------


def _problem(file: str, line: int | None, record: str | None, message: str, fix: str,
             kind: str = "card", severity: str = "error") -> Problem:
    return Problem(file, line, record, None, message, fix, severity=severity, kind=kind)


def read_card_text(data: bytes, display: str, repo_id: str | None,
                   problems: list[Problem]) -> tuple[dict[str, Any], dict[str, int]] | None:
    """The YAML header of a card as (mapping, line of each top-level key), or None (with a
    problem) when the card cannot be used."""
    if len(data) > MAX_CARD_BYTES:
        problems.append(_problem(display, None, repo_id,
                                 f"card is {len(data):,} bytes (more than {MAX_CARD_BYTES:,})",
                                 "Trim the card; its YAML header needs only a few lines.",
                                 kind="hostile"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        problems.append(_problem(display, None, repo_id,
                                 f"not UTF-8 text ({e.reason} at byte {e.start})",
                                 "Save the card as UTF-8.", kind="hostile"))
        return None
    text = text.lstrip("\ufeff")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(_problem(display, 1, repo_id, "no YAML header (the card does not start "
                                 "with '---')", "Add the metadata between '---' lines at the "
                                 "top of the card.", kind="no-metadata", severity="warning"))
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        problems.append(_problem(display, 1, repo_id, "YAML header is not closed",
                                 "End the header with a '---' line.", kind="hostile"))
        return None
    header = "\n".join(lines[1:end])
    if len(header.encode("utf-8")) > MAX_HEADER_BYTES:
        problems.append(_problem(display, 2, repo_id,
                                 f"YAML header is larger than {MAX_HEADER_BYTES:,} bytes",
                                 "Keep the header to the metadata; move the rest into the "
                                 "card's text.", kind="hostile"))
        return None
    from lineage.load import _parse  # the data loader's safe YAML reader (tags, bombs, keys)

    header_problems: list[Problem] = []
    try:
        data_, line_map, header_problems = _parse(header, display)
    except RecursionError:  # belt and braces: the reader keeps its own stack
        data_, line_map = None, {}
        header_problems = [_problem(display, 2, repo_id, "YAML nested too deeply",
                                    "Flatten the header.", kind="hostile")]
    if header_problems:
        p = header_problems[0]
        problems.append(_problem(display, None if p.line is None else p.line + 1, repo_id,
                                 f"card rejected: {p.message}", p.fix, kind="hostile"))
        return None
    if data_ is None:
        problems.append(_problem(display, 1, repo_id, "empty YAML header",
                                 "Add base_model, license and datasets to the header.",
                                 kind="no-metadata", severity="warning"))
        return None
    if not isinstance(data_, dict):
        problems.append(_problem(display, 2, repo_id,
                                 f"YAML header is a {type(data_).__name__}, not a mapping",
                                 "Write the header as 'key: value' lines.", kind="hostile"))
        return None
    if _too_deep(data_):
        problems.append(_problem(display, 2, repo_id, f"card rejected: YAML header nested more "
                                 f"than {MAX_NESTING} levels deep", "Flatten the header.",
                                 kind="hostile"))
        return None
    key_lines = {str(path[0]): line + 1 for path, line in line_map.items()
                 if len(path) == 1 and isinstance(path[0], str)}
    return data_, key_lines


def _entry_from_card(header: dict[str, Any], key_lines: dict[str, int], repo_id: str,
                     display: str, siblings: list[str]) -> Entry:
    tags = header.get("tags")
    tags = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    lib = header.get("library_name")
    pipe = header.get("pipeline_tag")
    return Entry(repo_id=repo_id, origin=display, line=None, via="card", card=header,
                 tags=tags, siblings=siblings,
                 library_name=lib if isinstance(lib, str) else None,
                 pipeline_tag=pipe if isinstance(pipe, str) else None,
                 key_lines=key_lines)


def _mirror_repo_id(rel: tuple[str, ...]) -> str | None:
    """The repository id of a card at ``rel`` (its directory's parts) in a mirror."""
    if rel and rel[0].startswith("models--"):
        # the huggingface_hub cache: models--ORG--NAME/snapshots/REV/README.md
        repo = rel[0][len("models--"):].replace("--", "/", 1)
        return repo if is_hub_id(repo) else None
    if 1 <= len(rel) <= 2:
        repo = "/".join(rel)
        return repo if is_hub_id(repo) else None
    return None


def _siblings(directory: Path, limit: int = 500) -> list[str]:
    out: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            rel = os.path.relpath(os.path.join(root, f), directory)
            out.append(rel.replace(os.sep, "/"))
            if len(out) >= limit:
                return out
    return out


def _card_file(path: Path, repo_id: str | None, problems: list[Problem],
               display: str | None = None) -> Entry | None:
    display = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_CARD_BYTES:
            problems.append(_problem(display, None, repo_id,
                                     f"card is {size:,} bytes (more than {MAX_CARD_BYTES:,})",
                                     "Trim the card; its YAML header needs only a few lines.",
                                     kind="hostile"))
            return None
        data = path.read_bytes()
    except OSError as e:
        problems.append(_problem(display, None, repo_id, f"cannot read: {e.strerror}",
                                 "Check the path and its permissions.", kind="input"))
        return None
    if repo_id is None:
        problems.append(_problem(display, None, None, "cannot tell which repository this card "
                                 "belongs to", "Name it with --repo-id ORG/NAME, or lay the "
                                 "cards out as ORG/NAME/README.md.", kind="input"))
        return None
    got = read_card_text(data, display, repo_id, problems)
    if got is None:
        return None
    header, key_lines = got
    sibs = _siblings(path.parent) if path.name == "README.md" else []
    return _entry_from_card(header, key_lines, repo_id, display, sibs)


def _cards_in(directory: Path, problems: list[Problem]) -> Iterator[Entry]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if "README.md" not in files:
            continue
        rel = Path(root).relative_to(directory).parts
        card = Path(root) / "README.md"
        repo = _mirror_repo_id(rel)
        if repo is None:
            problems.append(_problem(str(card), None, None,
                                     "not laid out as ORG/NAME/README.md; skipped",
                                     "Give the card alone with --repo-id ORG/NAME.",
                                     kind="input", severity="warning"))
            continue
        entry = _card_file(card, repo, problems)
        if entry is not None:
            yield entry


# --- API JSON ----------------------------------------------------------------------


def _jsonish(value: Any) -> Any:
    """A value a Parquet or CSV export may hold as JSON text."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    return value


def _base_models(value: Any) -> list[tuple[str | None, Any]]:
    """``baseModels`` in any of its shapes: ``["id", ...]``, ``[{"id": ...}, ...]`` or
    ``{"relation": R, "models": [{"id": ...}]}`` (also a list of such).

    >>> _base_models({"relation": "quantized", "models": [{"id": "a/b"}]})
    [('quantized', 'a/b')]
    >>> _base_models(["a/b", {"id": "c/d"}])
    [(None, 'a/b'), (None, 'c/d')]
    """
    value = _jsonish(value)
    out: list[tuple[str | None, Any]] = []
    if isinstance(value, dict):
        rel = value.get("relation")
        rel = rel if isinstance(rel, str) else None
        models = value.get("models")
        if models is None and "id" in value:
            models = [value]
        for m in models if isinstance(models, list) else []:
            mid = m.get("id") if isinstance(m, dict) else m
            out.append((rel, mid))
    elif isinstance(value, list):
        for m in value:
            if isinstance(m, dict) and "models" in m:
                out.extend(_base_models(m))
            else:
                out.append((None, m.get("id") if isinstance(m, dict) else m))
    return out


def _too_deep(value: Any, limit: int = MAX_NESTING) -> bool:
    """Whether lists and mappings in ``value`` nest deeper than ``limit`` (no recursion).

    >>> _too_deep({"a": [[1]]}), _too_deep([[[[]]]], limit=2)
    (False, True)
    """
    stack = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(v, dict):
            stack.extend((x, depth + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v)
    return False


def entry_from_api(obj: Any, origin: str, line: int | None,
                   problems: list[Problem]) -> Entry | None:
    """An :class:`Entry` from one Hub API model object (or a Parquet row of one)."""
    if not isinstance(obj, dict):
        problems.append(_problem(origin, line, None,
                                 f"expected a model object, found {type(obj).__name__}",
                                 "Give the output of /api/models/{id} or /api/models "
                                 "(objects with an 'id').", kind="input"))
        return None
    repo = obj.get("id") or obj.get("modelId")
    if not is_hub_id(repo):
        problems.append(_problem(origin, line, None if not isinstance(repo, str) else repo[:80],
                                 "model object without a valid 'id'",
                                 "Each object needs 'id': 'ORG/NAME'.", kind="input"))
        return None
    card = _jsonish(obj.get("cardData") or obj.get("card_data") or {})
    if not isinstance(card, dict):
        card = {}
    if _too_deep(card):
        problems.append(_problem(origin, line, repo[:80], f"cardData nested more than "
                                 f"{MAX_NESTING} levels deep: left out", "Flatten the card's "
                                 "metadata.", kind="hostile", severity="warning"))
        card = {}
    tags = _jsonish(obj.get("tags"))
    tags = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    sibs = _jsonish(obj.get("siblings"))
    siblings = []
    for s in sibs if isinstance(sibs, list) else []:
        name = s.get("rfilename") if isinstance(s, dict) else s
        if isinstance(name, str):
            siblings.append(name)
    st = _jsonish(obj.get("safetensors"))
    params = st.get("total") if isinstance(st, dict) else None
    if params is None:
        params = obj.get("safetensors.total", obj.get("parameters"))

    def text(key: str) -> str | None:
        v = obj.get(key)
        return v if isinstance(v, str) and v else None

    lib = text("library_name") or (card.get("library_name")
                                   if isinstance(card.get("library_name"), str) else None)
    return Entry(repo_id=repo, origin=origin, line=line, via="api", card=card, tags=tags,
                 siblings=siblings, created_at=text("createdAt") or text("created_at"),
                 last_modified=text("lastModified") or text("last_modified"),
                 parameters=params, library_name=lib,
                 pipeline_tag=text("pipeline_tag") or (card.get("pipeline_tag") if isinstance(
                     card.get("pipeline_tag"), str) else None),
                 downloads=obj.get("downloads"), likes=obj.get("likes"), gated=obj.get("gated"),
                 base_models=_base_models(obj.get("baseModels") or obj.get("base_models")))


def _json_file(path: Path, problems: list[Problem]) -> Iterator[Entry]:
    display = str(path)
    try:
        with path.open("rb") as f:
            head = f.read(1 << 16).lstrip()
    except OSError as e:
        problems.append(_problem(display, None, None, f"cannot read: {e.strerror}",
                                 "Check the path and its permissions.", kind="input"))
        return
    # one JSON document (an object or a list), or JSON lines (one object per line)
    lines_format = path.suffix in (".jsonl", ".ndjson") or (
        head[:1] == b"{" and b"\n{" in head and path.suffix != ".json")
    if not lines_format:
        try:
            data = json.loads(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError as e:
            problems.append(_problem(display, None, None, f"not UTF-8 text ({e.reason})",
                                     "Save the file as UTF-8.", kind="input"))
            return
        except RecursionError:
            problems.append(_problem(display, None, None, "JSON nested too deeply",
                                     "Give Hub API output: model objects.", kind="input"))
            return
        except ValueError as e:
            if head[:1] == b"{" and "Extra data" in str(e):
                yield from _json_lines(path, problems)
                return
            problems.append(_problem(display, None, None, f"not JSON ({e})",
                                     "Give Hub API output: one object, a list, or JSON lines.",
                                     kind="input"))
            return
        items = data if isinstance(data, list) else [data]
        for i, obj in enumerate(items):
            e = entry_from_api(obj, display, i + 1 if isinstance(data, list) else None, problems)
            if e is not None:
                yield e
        return
    yield from _json_lines(path, problems)


def _json_lines(path: Path, problems: list[Problem]) -> Iterator[Entry]:
    display = str(path)
    with path.open("rb") as f:
        for n, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (ValueError, RecursionError) as e:
                problems.append(_problem(display, n, None, f"not a JSON object ({e})",
                                         "Each line holds one model object.", kind="input"))
                continue
            e = entry_from_api(obj, display, n, problems)
            if e is not None:
                yield e


# --- Parquet -------------------------------------------------------------------------


PARQUET_HINT = ("reading Parquet needs pyarrow: pip install 'llm-lineage[parquet]' "
                "(or give the metadata as JSON lines)")


def _parquet_file(path: Path, problems: list[Problem], batch_rows: int = 20_000
                  ) -> Iterator[Entry]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise LineageError(f"{path}: {PARQUET_HINT}.") from None
    display = str(path)
    try:
        pf = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises its own error types for damaged files
        problems.append(_problem(display, None, None, f"not a Parquet file ({e})",
                                 "Give a Parquet snapshot of Hub model metadata.", kind="input"))
        return
    wanted = {"id", "modelId", "author", "createdAt", "lastModified", "tags", "cardData",
              "card_data", "siblings", "safetensors", "library_name", "pipeline_tag",
              "downloads", "likes", "gated", "baseModels", "base_models", "parameters"}
    columns = [c for c in pf.schema_arrow.names if c in wanted]
    if "id" not in columns and "modelId" not in columns:
        problems.append(_problem(display, None, None, "no 'id' column",
                                 "Each row needs the repository id in an 'id' column.",
                                 kind="input"))
        return
    row = 0
    for batch in pf.iter_batches(batch_size=batch_rows, columns=columns):
        for obj in batch.to_pylist():
            row += 1
            e = entry_from_api(obj, display, row, problems)
            if e is not None:
                yield e


# --- every source ----------------------------------------------------------------------


def read_sources(sources: Iterable[str], problems: list[Problem], *,
                 repo_id: str | None = None) -> Iterator[Entry]:
    """Every :class:`Entry` of the named files and directories, in order.

    ``repo_id`` names the repository of a single card given as a file.
    Problems (unreadable or hostile input) are appended to ``problems``.
    """
    for src in sources:
        path = Path(src)
        if path.is_dir():
            yield from _cards_in(path, problems)
        elif not path.exists():
            problems.append(_problem(src, None, None, "no such file or directory",
                                     "Check the path.", kind="input"))
        elif path.suffix.lower() == ".parquet":
            yield from _parquet_file(path, problems)
        elif path.suffix.lower() in (".json", ".jsonl", ".ndjson"):
            yield from _json_file(path, problems)
        else:
            repo = repo_id
            if repo is None and path.name == "README.md":
                parts = path.resolve().parent.parts
                guess = _mirror_repo_id(tuple(parts[-2:]))
                repo = guess
            if repo is not None and not is_hub_id(repo):
                raise LineageError(f"--repo-id {repo!r} is not a Hub repository id. Give it "
                                   "as ORG/NAME, e.g. --repo-id meta-llama/Llama-2-7b-hf.")
            entry = _card_file(path, repo, problems)
            if entry is not None:
                yield entry


# --- the Hub itself ------------------------------------------------------------------------

HUB_HINT = ("--online needs huggingface_hub: pip install 'llm-lineage[hub]'")


def _info_dict(info: Any) -> dict[str, Any]:
    """A ``huggingface_hub`` ``ModelInfo`` as the API JSON it was made from."""
    card = getattr(info, "card_data", None)
    if card is not None and hasattr(card, "to_dict"):
        card = card.to_dict()
    st = getattr(info, "safetensors", None)

    def iso(v: Any) -> str | None:
        if v is None:
            return None
        s = v.isoformat() if hasattr(v, "isoformat") else str(v)
        return s.replace("+00:00", "Z")

    created = iso(getattr(info, "created_at", None))
    if created and created.startswith("2022-03-02T23:29:04"):
        created = PLACEHOLDER_DATE
    return {
        "id": info.id, "author": getattr(info, "author", None),
        "createdAt": created, "lastModified": iso(getattr(info, "last_modified", None)),
        "tags": list(getattr(info, "tags", None) or []), "cardData": card or {},
        "siblings": [{"rfilename": s.rfilename} for s in getattr(info, "siblings", None) or []],
        "safetensors": {"total": getattr(st, "total", None)} if st is not None else None,
        "library_name": getattr(info, "library_name", None),
        "pipeline_tag": getattr(info, "pipeline_tag", None),
        "downloads": getattr(info, "downloads", None), "likes": getattr(info, "likes", None),
        "gated": getattr(info, "gated", None),
    }


def online_entries(repo_ids: Iterable[str], depth: int, problems: list[Problem], *,
                   parents: Callable[[Entry], list[str]], endpoint: str | None = None,
                   token: Any = None) -> Iterator[Entry]:
    """Fetch model info (with its card data) for each id through ``huggingface_hub`` and
    follow ``base_model`` upward ``depth`` levels (``parents`` says which ids an entry
    names as its bases)."""
    try:
        from huggingface_hub import HfApi
        from huggingface_hub.errors import HfHubHTTPError
    except ImportError:
        raise LineageError(f"{HUB_HINT}.") from None
    api = HfApi(endpoint=endpoint, token=token)
    seen: set[str] = set()
    frontier = [r for r in repo_ids]
    for r in frontier:
        if not is_hub_id(r):
            raise LineageError(f"--online {r!r} is not a Hub repository id. Give ids as "
                               "ORG/NAME, e.g. --online TheBloke/Llama-2-7B-Chat-GGUF.")
    level = 0
    while frontier and level <= depth:
        nxt: list[str] = []
        for rid in frontier:
            if rid.casefold() in seen:
                continue
            seen.add(rid.casefold())
            url = f"{api.endpoint}/api/models/{rid}"
            try:
                info = api.model_info(rid)
            except HfHubHTTPError as e:
                status = getattr(getattr(e, "response", None), "status_code", None)
                problems.append(_problem(url, None, rid,
                                         f"the Hub answered {status or 'an error'}: "
                                         f"{str(e).splitlines()[0][:200]}",
                                         "Check the id (and your token for gated or private "
                                         "repositories).", kind="online"))
                continue
            except Exception as e:  # network errors: one line, and go on with the rest
                problems.append(_problem(url, None, rid, f"cannot reach the Hub "
                                         f"({type(e).__name__}: {str(e)[:200]})",
                                         "Check the network, or HF_ENDPOINT.", kind="online"))
                continue
            entry = entry_from_api(_info_dict(info), url, None, problems)
            if entry is None:
                continue
            yield entry
            if level < depth:
                nxt.extend(p for p in parents(entry) if is_hub_id(p))
        frontier = nxt
        level += 1
