"""Plain-text views of query results (trees, paths, cards, tables)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lineage.output import printable
from lineage.vocab import PHRASES as _PHRASES

from .query import Edge, Lineage, LineagePath, developers, neighbours
from .store.base import Store

if TYPE_CHECKING:  # analytics imports this module; import its types for annotations only
    from .analytics import CheckReport, CommonAncestors, LicenseReport, Teaching

__all__ = [
    "label",
    "tree",
    "iter_tree",
    "iter_big_tree",
    "paths_text",
    "card",
    "table",
    "stats_text",
    "PHRASES",
    "path_text",
    "license_text",
    "teachings_text",
    "common_text",
    "check_text",
    "cite",
    "source_text",
]

def printable_lines(lines: list[str]) -> str:
    """Lines (each may hold several, split on newlines) made printable and joined."""
    return "\n".join(printable(part) for line in lines for part in line.split("\n"))


PHRASES = _PHRASES  # relation: (reading upwards, reading downwards); one table in lineage/vocab.py


TAGS: dict[str, str] = {"weights": "weights", "influence": "influence", "data": "data",
                        "knowledge": "info"}
"""The tag a tree hop shows for each relation category: ``[weights]``, ``[influence]`` ..."""


def label(S: Store, node: str) -> str:
    """``Name  (type, date, developer)`` for one record."""
    data = S.node(node)
    bits = [data.type]
    if data.date:
        bits.append(data.date)
    devs = [S.node(d).name for d in developers(S, node)]
    if devs:
        bits.append(", ".join(devs))
    return printable(f"{data.name}  ({'; '.join(bits)})")


def _hop(e: Edge, up: bool) -> str:
    phrase = PHRASES[e.relation][0 if up else 1]
    tag = TAGS.get(e.category, e.category)
    weak = ", weak" if e.confidence == "weak" else ""
    return f"[{tag}{weak}] {phrase}"


def _via(S: Store, e: Edge) -> str:
    if not e.techniques:
        return ""
    names = [S.node(t).name if t in S else t for t in e.techniques]
    return "  · via " + ", ".join(names)


def tree(S: Store, result: Lineage, *, sources: bool = False, fanout: int | None = None) -> str:
    """Draw an ancestry or descendants result as an indented tree.

    A record reached twice is drawn once; later mentions say ``(see above)``.
    With ``fanout``, each record shows at most that many children, then
    ``... and N more``.
    """
    return "\n".join(iter_tree(S, result, sources=sources, fanout=fanout))


def iter_tree(S: Store, result: Lineage, *, sources: bool = False,
              fanout: int | None = None):
    """The lines of :func:`tree`, one at a time, so a large tree prints as it is drawn."""
    up = result.direction == "ancestors"
    children: dict[str, list[Edge]] = {}
    for e in result.edges:
        near = e.source if up else e.target
        children.setdefault(near, []).append(e)
    drawn = yield from _tree_lines(S, result.root, up, lambda n: children.get(n, []),
                                   sources, fanout)
    if drawn == 1:
        what = "ancestors" if up else "descendants"
        yield f"(no {what} in the knowledge base)"
    if result.truncated:
        more = f"{result.truncated:,}" if result.complete else f"at least {result.truncated:,}"
        yield (f"... {more} more records not shown (--limit); use --jsonl for the whole "
               "answer")


def iter_big_tree(S: Store, root: str, *, up: bool, kinds: tuple[str, ...],
                  fanout: int, sources: bool = False):
    """The lines of :func:`iter_tree` for a lineage too big to hold (a hub of a million-
    model store), each record's relations read from the store as the drawing reaches it:
    what is held is what is drawn (at most ``fanout`` children a record), however big the
    lineage. The same lines as the tree of the whole result, which has the same
    children in the same order, with no depth limit."""
    def children(node: str) -> list[Edge]:
        return S.out_edges(node, kinds) if up else S.in_edges(node, kinds)

    yield from _tree_lines(S, root, up, children, sources, fanout)


def _tree_lines(S: Store, root: str, up: bool, children: Any, sources: bool,
                fanout: int | None):
    """Draw the tree below ``root``; returns (as a generator's value) the lines drawn."""
    yield label(S, root)
    drawn = 1
    shown = {root}
    # depth first, on an explicit stack (a chain of fine-tunes may be deeper than Python's
    # recursion allows): each frame is (edges to draw, index, prefix, path, more)
    stack: list[list[Any]] = []

    def push(node: str, prefix: str, path: frozenset) -> None:
        kids = children(node)
        more = 0
        if fanout is not None and len(kids) > fanout:
            kids, more = kids[:fanout], len(kids) - fanout
        stack.append([kids, 0, prefix, path, more])

    push(root, "", frozenset({root}))
    while stack:
        frame = stack[-1]
        kids, i, prefix, path, more = frame
        if i >= len(kids):
            stack.pop()
            if more:
                yield f"{prefix}└── ... and {more:,} more (use --limit / --jsonl)"
            continue
        frame[1] = i + 1
        e = kids[i]
        far = e.target if up else e.source
        last = i == len(kids) - 1 and not more
        branch = "└── " if last else "├── "
        again = far in shown
        suffix = "  (see above)" if again else ""
        if far in path:
            suffix = "  (cycle)"
        yield printable(f"{prefix}{branch}{_hop(e, up)} ▸ {label(S, far)}{_via(S, e)}{suffix}")
        drawn += 1
        ext = "    " if last else "│   "
        if sources:
            for src in e.sources:
                yield printable(f"{prefix}{ext}    source: {source_text(S, src)}")
        if not again and far not in path:
            shown.add(far)
            push(far, prefix + ext, path | {far})
    return drawn


def cite(S: Store, document: str) -> str:
    """How a source's document prints: its citation and link when a record names it.

    ``Cameron R. Wolfe, *The History of Open-Source LLMs: ... (Part Three)*, 2023-11-28
    <https://...>``; a document no record names prints as written.
    """
    from lineage.documents import for_store

    c = for_store(S).citation(document)
    if c is None:
        return document
    return f"{c.text} <{c.url}>" if c.url else c.text


def source_text(S: Store, src: Any) -> str:
    """One source: citation, locator, the quote as written and an English gloss if given."""
    get = src.get if isinstance(src, dict) else lambda k: getattr(src, k, None)
    loc = f" [{get('locator')}]" if get("locator") else ""
    quote = f" “{get('quote')}”" if get("quote") else ""
    gloss = f" (translation: “{get('translation')}”)" if get("translation") else ""
    return f"{cite(S, get('document'))}{loc}{quote}{gloss}"


def paths_text(S: Store, paths: list[LineagePath]) -> str:
    out = []
    for i, p in enumerate(paths, 1):
        weak = f", {p.weak_hops} weak" if p.weak_hops else ", all explicit"
        out.append(f"Path {i} ({len(p.edges)} hops{weak})")
        out.append(f"  {label(S, p.nodes[0])}")
        for node, e in zip(p.nodes[1:], p.edges, strict=True):
            forward = e.target == node  # the previous node states the relation
            phrase = PHRASES[e.relation][0 if forward else 1]
            conf = "weak" if e.confidence == "weak" else "explicit"
            out.append(f"  {'↑' if forward else '↓'} {phrase} [{e.category}, {conf}]")
            for s in e.sources[:2]:
                out.append(f"      source: {source_text(S, s)}")
            out.append(f"  {label(S, node)}")
        out.append("")
    return printable_lines(out).rstrip()


_CARD_SKIP = {"id", "type", "name", "aliases", "description", "relations", "sources", "claims",
              "note", "urls", "date"}


def _fmt_value(key: str, value: Any) -> str:
    if isinstance(value, int) and key in ("parameters", "training_tokens", "tokens"):
        for div, suf in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")):
            if value >= div:
                return f"{value / div:g}{suf} ({value:,})"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def card(S: Store, node: str) -> str:
    """A record's card: attributes, relations out and in, sources, claims."""
    rec = S.record(node)
    lines = [f"{rec['name']}  [{rec['type']}]  id: {rec['id']}"]
    if rec.get("aliases"):
        lines.append(f"  aliases: {', '.join(rec['aliases'])}")
    if rec.get("date"):
        lines.append(f"  date: {rec['date']}")
    if rec.get("description"):
        lines.append(f"  {rec['description']}")
    for key, value in rec.items():
        if key in _CARD_SKIP or value is None or value in ([], "", False):
            continue
        lines.append(f"  {key.replace('_', ' ')}: {_fmt_value(key, value)}")
    for u in rec.get("urls") or ():
        lines.append(f"  url: {u}")
    nb = neighbours(S, node)
    groups: dict[str, list[str]] = {}
    for e in nb["out"]:
        head = {"weights": "Parents (weights)", "influence": "Influenced by",
                "data": "Parents (data)"}.get(e.category)
        if head is None:
            head = {"uses_technique": "Techniques", "introduced_in": "Papers",
                    "developed_by": "Developed by", "evaluated_on": "Scores",
                    "licensed_under": "License", "uses_model": "Uses models"}[e.relation]
        groups.setdefault(head, []).append(_card_edge(S, e, e.target, up=True))
    for e in nb["in"]:
        head = {"weights": "Children (weights)", "influence": "Influenced",
                "data": "Children (data)"}.get(e.category, "Referenced by")
        groups.setdefault(head, []).append(_card_edge(S, e, e.source, up=False))
    order = ["Developed by", "License", "Parents (weights)", "Influenced by", "Parents (data)",
             "Children (weights)", "Influenced", "Children (data)", "Techniques", "Papers", "Scores",
             "Uses models", "Referenced by"]
    for head in order:
        if head in groups:
            lines.append(f"{head}:")
            lines.extend(groups[head])
    if rec.get("claims"):
        lines.append("Claims (kept as each source states them):")
        for c in rec["claims"]:
            srcs = "; ".join(cite(S, src["document"]) for src in c["sources"])
            note = f" — {c['note']}" if c.get("note") else ""
            lines.append(f"  {c['topic']}: {c['value']}  [{srcs}]{note}")
    if rec.get("sources"):
        lines.append("Sources:")
        for src in rec["sources"]:
            what = f"{src['field']}: " if src.get("field") else ""
            lines.append(f"  {what}{source_text(S, src)}")
    if rec.get("note"):
        lines.append(f"Note: {rec['note']}")
    return printable_lines(lines)


def _card_edge(S: Store, e: Edge, other: str, up: bool) -> str:
    phrase = PHRASES[e.relation][0 if up else 1]
    weak = " (weak)" if e.confidence == "weak" else ""
    score = ""
    if e.relation == "evaluated_on":
        setting = f", {e.setting}" if e.setting else ""
        score = f": {e.score:g} {e.metric}{setting}" if e.score is not None else f": {e.metric}"
    via = f" via {', '.join(e.techniques)}" if e.techniques else ""
    src = e.sources[0]
    quote = f" “{src.quote}”" if src.quote else (f" [{src.locator}]" if src.locator else "")
    gloss = f" (translation: “{src.translation}”)" if src.translation else ""
    more = f" (+{len(e.sources) - 1} more)" if len(e.sources) > 1 else ""
    line = f"  {phrase} {S.node(other).name} [{other}]{score}{via}{weak}\n"
    line += f"      {cite(S, src.document)}{quote}{gloss}{more}"
    if e.note:
        line += f"\n      note: {e.note}"
    return line


def table(S: Store, nodes: list[str]) -> str:
    if not nodes:
        return "(no records match)"
    rows = [(n, S.node(n).type, S.node(n).date or "", S.node(n).name) for n in nodes]
    w = [max(len(r[i]) for r in rows) for i in range(3)]
    return printable_lines([f"{a:<{w[0]}}  {b:<{w[1]}}  {c:<{w[2]}}  {d}" for a, b, c, d in rows])


def stats_text(s: dict[str, Any]) -> str:
    lines = [f"records: {s['records']}   relations: {s['relations']}   "
             f"documents cited: {s['documents_cited']}"]
    lines.append("by type:      " + ", ".join(f"{k} {v}" for k, v in s["by_type"].items()))
    lines.append("by category:  " + ", ".join(f"{k} {v}" for k, v in s["by_category"].items()))
    lines.append("by relation:  " + ", ".join(f"{k} {v}" for k, v in s["by_relation"].items()))
    lines.append("confidence:   " + ", ".join(f"{k} {v}" for k, v in s["by_confidence"].items()))
    if "by_provenance" in s:
        lines.append("provenance:   " + ", ".join(
            f"{p} {sum(c.values())} ({', '.join(f'{k} {v}' for k, v in c.items())})"
            for p, c in s["by_provenance"].items()))
    lines.append(f"dated records: {s['with_date']}   lineage roots: {s['lineage_roots']}   "
                 f"longest lineage: {s['longest_lineage']} hops")
    return printable_lines(lines)


# --- lineage analytics -------------------------------------------------------------


def path_text(S: Store, path: LineagePath, *, drop_last: bool = False) -> str:
    """One line reading a path upwards: ``Vicuna-13B ← fine-tuned from LLaMA-13B ← ...``.

    Every hop is read in the direction the data states it; weak hops say so.
    With ``drop_last`` the last hop (e.g. ``licensed under``) is left out.
    """
    edges = path.edges[:-1] if drop_last and path.edges else path.edges
    out = S.node(path.nodes[0]).name
    for e in edges:  # each hop states "source <relation> target", read upwards
        phrase = PHRASES[e.relation][0]
        weak = " [weak]" if e.confidence == "weak" else ""
        out += f" ← {phrase}{weak} {S.node(e.target).name}"
    return out


_EFFECT_MARK = {"forbids": "✗", "allows": "✓", "unknown": "?"}
_VERDICT = {True: "allowed", False: "NOT allowed", None: "unknown"}


def license_text(S: Store, report: LicenseReport) -> str:
    """A record's effective usage terms: verdict, each restriction with its path, conflicts."""
    name = S.node(report.node).name
    partial = " (incomplete)" if report.incomplete else ""
    lines = [f"{name}: commercial use {_VERDICT[report.commercial_use]}{partial}",
             f"  {report.reason}"]
    declared = ", ".join(S.node(d.license).name for d in report.declared)
    lines.append(f"Declared licence: {declared or 'none recorded'}")
    if report.restrictions:
        lines.append("Terms along the lineage:")
    for r in report.restrictions:
        weak = " (weakly sourced)" if r.weak else ""
        lines.append(f"  {_EFFECT_MARK[r.effect]} [{r.kind}] {r.reason}{weak}")
        if len(r.path.edges) > 1 or r.kind != "own":
            lines.append(f"      {path_text(S, r.path, drop_last=True)}")
    if report.conflicts:
        lines.append("Conflicts (the declared licence is more permissive than inherited terms):")
    for c in report.conflicts:
        weak = " (weakly sourced)" if c.weak else ""
        lines.append(f"  ! declares {S.node(c.declared.license).name}, but "
                     f"{c.inherited.reason}{weak}")
        lines.append(f"      {path_text(S, c.inherited.path, drop_last=True)}")
    if report.missing:
        lines.append("Terms not recorded (models whose weights it carries, data it was trained on):")
    for m in report.missing:
        lines.append(f"  ? [{m.kind}] {S.node(m.node).name}")
        lines.append(f"      {path_text(S, m.path)}")
    lines.append(LEGAL_NOTE)
    return printable_lines(lines)


LEGAL_NOTE = ("Not legal advice: a summary of the terms recorded in the knowledge base; read the "
              "licences themselves before relying on it.")
"""The last line of ``lineage license`` (text only: the --json object stays data)."""


def teachings_text(S: Store, node: str, teachings: list[Teaching],
                   direction: str) -> str:
    """Teachers (``direction="teachers"``) or students of ``node``, one group per model."""
    name = S.node(node).name
    if direction == "teachers":
        head = f"Teachers of {name} (models whose outputs it learned from):"
        empty = (f"(no teachers in the knowledge base: {name} names no model-generated data "
                 "and no model it was distilled from)")
    else:
        head = f"Students of {name} (models that learned from its outputs):"
        empty = f"(no students in the knowledge base: no model learned from {name}'s outputs)"
    if not teachings:
        return f"{head}\n{empty}"
    lines = [head]
    groups: dict[str, list[Teaching]] = {}
    for t in teachings:
        groups.setdefault(t.teacher if direction == "teachers" else t.student, []).append(t)
    for other, items in groups.items():
        lines.append(f"  {label(S, other)}")
        for t in items:
            how = "" if t.direct else "  (through a model whose weights it carries)"
            lines.append(f"      {path_text(S, t.path)}{how}")
    return printable_lines(lines)


def common_text(S: Store, result: CommonAncestors) -> str:
    """The lowest common ancestors and how each record descends from them."""
    names = [S.node(n).name for n in result.nodes]
    joined = ", ".join(names[:-1]) + " and " + names[-1]
    lines = [f"Lowest common ancestors of {joined}:"]
    for a in result.ancestors:
        lines.append(f"  {label(S, a)}")
        for p in result.paths[a]:
            text = path_text(S, p) if p.edges else f"{S.node(p.nodes[0]).name} (itself)"
            lines.append(f"      {text}")
    return printable_lines(lines)


def check_text(report: CheckReport) -> str:
    """Each problem on one line, the gaps line, then a summary count by kind."""
    lines = [f"{p.severity} [{p.kind}] {p}" for p in report.problems]
    lines.extend(gaps_line(report))  # before the last line, which stays the count
    if not report.problems:
        n = report.records
        lines.append(f"ok: no problems in {n} record{'s' if n != 1 else ''}")
        return printable_lines(lines)
    ne, nw = len(report.errors), len(report.warnings)
    kinds = ", ".join(f"{k} {v}" for k, v in report.by_kind().items())
    n = report.records
    lines.append(f"{ne} error{'s' if ne != 1 else ''}, {nw} warning{'s' if nw != 1 else ''} "
                 f"in {n} record{'s' if n != 1 else ''} ({kinds})")
    return printable_lines(lines)


def gaps_line(report: CheckReport) -> list[str]:
    """``gaps: 3 records without a date, ...`` (one line; none when there are no gaps)."""
    g = report.gaps
    if not any(g.values()):
        return []

    def n(k: str, one: str, many: str) -> str:
        c = len(g.get(k, ()))
        return f"{c} {one if c == 1 else many}"

    return [f"gaps: {n('undated', 'record', 'records')} without a date, "
            f"{n('no_developer', 'record', 'records')} without a developer, "
            f"{n('no_lineage', 'model', 'models')} without any lineage "
            "('lineage check --json' lists them)"]
