"""``lineage``: where large language models come from.

A thin click layer: each command parses its options, calls one library
function in ``graph`` or ``lineage``, and prints text or ``--json``. Errors
raised as :class:`lineage.errors.LineageError` become one message and exit
status 1; usage errors exit 2. Heavy modules (networkx, rdflib, pyvis) are
imported inside the commands that need them.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from lineage.errors import LineageError
from lineage.vocab import RECORD_TYPES, RELATION_KINDS

__all__ = ["main"]

ALIASES = {"ancestors": "ancestry"}


class LineageGroup(click.Group):
    """A click group with command aliases that turns LineageError into exit 1."""

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, ALIASES.get(cmd_name, cmd_name))

    def resolve_command(self, ctx, args):
        name, cmd, rest = super().resolve_command(ctx, args)
        return (cmd.name if cmd else name), cmd, rest

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LineageError as e:
            raise click.ClickException(str(e)) from None
        except BrokenPipeError:  # e.g. `lineage list | head`
            sys.stderr.close()
            sys.exit(1)


def _dump(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _graph(ctx: click.Context):
    """Load the knowledge base and build its graph, as of --as-of when given."""
    from graph.build import build_graph
    from lineage.load import load

    obj = ctx.find_root().obj
    G = build_graph(load(obj["data_dirs"], shipped=obj["shipped"]))
    as_of = ctx.params.get("as_of")
    if as_of:
        from graph.query import as_of as graph_as_of

        G = graph_as_of(G, as_of)
    return G


def as_of_option(f):
    return click.option("--as-of", "as_of", metavar="DATE",
                        help="Query the graph as it stood on DATE (2023, 2023-03, 2023-03-13): "
                        "records and relations dated later are left out.")(f)


json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print JSON (the documented contract) instead of text.")
relation_option = click.option(
    "--relation", "relations", multiple=True, type=click.Choice(RELATION_KINDS),
    metavar="KIND", help="Follow only this relation kind (repeatable). "
    f"Kinds: {', '.join(RELATION_KINDS)}.")


@click.group(cls=LineageGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", "data_dirs", multiple=True, type=click.Path(),
              metavar="PATH", envvar="LINEAGE_DATA_DIR",
              help="Extra data directory or YAML file, layered over the shipped data "
              "(repeatable; env LINEAGE_DATA_DIR, ':'-separated).")
@click.option("--no-shipped", is_flag=True, envvar="LINEAGE_NO_SHIPPED",
              help="Use only the --data-dir data, not the curated data shipped with lineage.")
@click.version_option(package_name="lineage")
@click.pass_context
def main(ctx: click.Context, data_dirs: tuple[str, ...], no_shipped: bool) -> None:
    """Where large language models come from: lineage, data, teachers and sources.

    \b
    Examples:
      lineage ancestry Vicuna
      lineage descendants LLaMA --depth 2
      lineage path GPT-3 ChatGPT
      lineage show 阿尔帕卡 --json
    """
    dirs: list[str] = []
    for d in data_dirs:
        dirs.extend(p for p in d.split(":") if p)
    ctx.obj = {"data_dirs": dirs, "shipped": not no_shipped}


def _lineage_command(direction: str):
    def command(ctx: click.Context, name: str, depth: int | None, relations: tuple[str, ...],
                weights_only: bool, sources: bool, as_json: bool) -> None:
        from graph import query, render, serialize

        G = _graph(ctx)
        node = query.resolve(G, name)
        fn = query.ancestry if direction == "ancestors" else query.descendancy
        result = fn(G, node, depth=depth, relations=relations or None, weights_only=weights_only)
        if as_json:
            _dump(serialize.lineage_json(G, result))
        else:
            click.echo(render.tree(G, result, sources=sources))

    return command


def _lineage_options(f):
    f = click.argument("name")(f)
    f = click.option("--depth", type=click.IntRange(min=0), default=None,
                     help="Stop after this many hops.")(f)
    f = relation_option(f)
    f = click.option("--weights-only", is_flag=True,
                     help="Follow weight lineage only (fine-tunes, variants ...), not data.")(f)
    f = click.option("--sources", is_flag=True, help="Print each hop's sources.")(f)
    f = json_option(f)
    f = as_of_option(f)
    return click.pass_context(f)


@main.command("ancestry")
@_lineage_options
def ancestry_cmd(ctx, name, depth, relations, weights_only, sources, as_json, as_of):
    """What NAME comes from: base models, training data and the teachers behind it.

    Follows weight lineage ([weights]: fine-tuned from, variant of ...) and data
    lineage ([data]: trained on, generated by ...). Alias: 'ancestors'.

    \b
    Examples:
      lineage ancestry Vicuna
      lineage ancestry "LLaMA 2-Chat 70B" --weights-only
      lineage ancestry alpaca-7b --depth 1 --sources
      lineage ancestry 考拉 --json
    """
    _lineage_command("ancestors")(ctx, name, depth, relations, weights_only, sources, as_json)


@main.command("descendants")
@_lineage_options
def descendants_cmd(ctx, name, depth, relations, weights_only, sources, as_json, as_of):
    """What comes from NAME: fine-tunes, variants, datasets it generated, models trained on them.

    The descendants of a dataset are the models trained on it and their descendants.

    \b
    Examples:
      lineage descendants LLaMA --depth 2
      lineage descendants text-davinci-003
      lineage descendants sharegpt --json
    """
    _lineage_command("descendants")(ctx, name, depth, relations, weights_only, sources, as_json)


@main.command("path")
@click.argument("source")
@click.argument("target")
@relation_option
@click.option("--limit", type=click.IntRange(min=1), default=5, show_default=True,
              help="Most paths to print.")
@click.option("--cutoff", type=click.IntRange(min=1), default=10, show_default=True,
              help="Longest path considered, in hops.")
@json_option
@as_of_option
@click.pass_context
def path_cmd(ctx, source, target, relations, limit, cutoff, as_json, as_of):
    """Lineage paths between SOURCE and TARGET, strongest evidence first.

    Each hop shows its relation, confidence and source. Exit 1 when neither
    record descends from the other.

    \b
    Examples:
      lineage path GPT-3 ChatGPT
      lineage path text-davinci-003 Alpaca --json
    """
    from graph import query, render, serialize

    G = _graph(ctx)
    a, b = query.resolve(G, source), query.resolve(G, target)
    paths = query.lineage_paths(G, a, b, relations=relations or None, cutoff=cutoff, limit=limit)
    if as_json:
        _dump(serialize.paths_json(G, a, b, paths))
    else:
        click.echo(render.paths_text(G, paths))


@main.command("show")
@click.argument("name")
@json_option
@as_of_option
@click.pass_context
def show_cmd(ctx, name, as_json, as_of):
    """The card of one record: attributes, parents, children, data, scores, sources.

    \b
    Examples:
      lineage show Vicuna
      lineage show 近端策略优化
      lineage show llama-license --json
    """
    from graph import query, render, serialize

    G = _graph(ctx)
    node = query.resolve(G, name)
    if as_json:
        _dump(serialize.record_json(G, node))
    else:
        click.echo(render.card(G, node))


type_option = click.option("--type", "types", multiple=True, type=click.Choice(RECORD_TYPES),
                           help="Only records of this type (repeatable).")


@main.command("search")
@click.argument("text")
@type_option
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@json_option
@as_of_option
@click.pass_context
def search_cmd(ctx, text, types, limit, as_json, as_of):
    """Find records by id, name, alias (English or Chinese) or description.

    \b
    Examples:
      lineage search llama
      lineage search 羊驼
      lineage search "preference optimization" --type technique
    """
    from graph import query, render, serialize

    G = _graph(ctx)
    found = query.search(G, text, limit=limit, types=types or None)
    if as_json:
        _dump(serialize.nodes_json(G, found, "search"))
    else:
        click.echo(render.table(G, found))


@main.command("list")
@type_option
@click.option("--org", help="Only records developed by this organization (id or name).")
@click.option("--since", help="Only records dated on or after this (2023, 2023-03).")
@click.option("--until", help="Only records dated on or before this.")
@click.option("--weights", type=click.Choice(["open", "restricted", "closed"]),
              help="Only models with this access to their weights.")
@click.option("--commercial/--non-commercial", "commercial", default=None,
              help="Only records whose lineage allows (or forbids) commercial use; "
              "see 'lineage license NAME'. Records whose terms are unknown are left out.")
@json_option
@as_of_option
@click.pass_context
def list_cmd(ctx, types, org, since, until, weights, commercial, as_json, as_of):
    """List records, oldest first, filtered by type, organization, date, access and licence.

    \b
    Examples:
      lineage list --type model --org meta
      lineage list --type dataset
      lineage list --since 2023-03 --until 2023-06 --weights open
      lineage list --type model --commercial
    """
    from graph import query, render, serialize

    G = _graph(ctx)
    org_id = query.resolve(G, org, types=["organization"]) if org else None
    found = query.filter_records(G, types=types or None, organization=org_id, since=since,
                                 until=until, weights=weights)
    if commercial is not None:
        from graph import analytics

        found = analytics.filter_commercial(G, found, commercial)
    if as_json:
        _dump(serialize.nodes_json(G, found, "list"))
    else:
        click.echo(render.table(G, found))


@main.command("stats")
@json_option
@as_of_option
@click.pass_context
def stats_cmd(ctx, as_json, as_of):
    """Counts of records and relations by type, kind and confidence.

    \b
    Example:
      lineage stats
    """
    from graph import query, render

    s = query.statistics(_graph(ctx))
    if as_json:
        _dump({"schema_version": 1, "query": "stats", **s})
    else:
        click.echo(render.stats_text(s))


@main.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--rdf", "rdf_file", type=click.Path(), metavar="FILE",
              help="Check an RDF export instead (.ttl, .nt, .jsonld, .rdf), edited by hand or "
              "not: SHACL shapes, then the same rules as YAML data.")
@json_option
@click.pass_context
def validate_cmd(ctx, paths, rdf_file, as_json):
    """Check data files; report every problem, one line each, with the fix.

    With PATHs, checks those directories or files alone (add --data-dir to
    layer them); without, checks the data the other commands would use.
    With --rdf FILE, checks an RDF export (see 'lineage export rdf').
    Exit 1 when anything is wrong.

    \b
    Examples:
      lineage validate
      lineage validate my-data/
      lineage --data-dir my-data/ validate
      lineage validate --rdf lineage.ttl
    """
    from lineage.load import load

    if rdf_file is not None:
        if paths:
            raise click.UsageError("give PATHs (YAML data) or --rdf FILE, not both.")
        _validate_rdf(rdf_file, as_json)
        return
    obj = ctx.find_root().obj
    dirs = obj["data_dirs"] + list(paths)
    shipped = obj["shipped"] and not paths
    kb = load(dirs, shipped=shipped, check=False)
    errors = [p for p in kb.problems if p.severity == "error"]
    if as_json:
        _dump({"schema_version": 1, "query": "validate", "records": len(kb),
               "problems": [{"file": p.file, "line": p.line, "record": p.record,
                             "field": p.field, "kind": p.kind, "severity": p.severity,
                             "message": p.message, "fix": p.fix} for p in kb.problems]})
    else:
        for p in kb.problems:
            click.echo(str(p), err=True)
        if not errors:
            n = sum(len(r.relations) for r in kb)
            click.echo(f"ok: {len(kb)} records, {n} relations in {', '.join(kb.layers) or '-'}")
        else:
            click.echo(f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found.", err=True)
    if errors:
        sys.exit(1)


def _validate_rdf(path: str, as_json: bool) -> None:
    """``validate --rdf``: SHACL shapes, direct/qualified consistency, then the data rules."""
    from graph.rdf import validate_rdf

    triples, problems = validate_rdf(path)
    errors = [p for p in problems if p.severity == "error"]
    if as_json:
        _dump({"schema_version": 1, "query": "validate", "rdf": path, "triples": triples,
               "problems": [{"file": p.file, "line": p.line, "record": p.record,
                             "field": p.field, "kind": p.kind, "severity": p.severity,
                             "message": p.message, "fix": p.fix} for p in problems]})
    else:
        for p in problems:
            click.echo(str(p), err=True)
        if not errors:
            click.echo(f"ok: {path} conforms ({triples} triples)")
        else:
            click.echo(f"{len(errors)} problem{'s' if len(errors) != 1 else ''} found.", err=True)
    if errors:
        sys.exit(1)


@main.command("schema")
@click.pass_context
def schema_cmd(ctx):
    """Print the JSON Schema of a data file (for editors and other tools).

    \b
    Example:
      lineage schema > records.schema.json
    """
    from lineage.schema import json_schema

    _dump(json_schema())


@main.command("license")
@click.argument("name")
@json_option
@as_of_option
@click.pass_context
def license_cmd(ctx, name, as_json, as_of):
    """May NAME be used commercially? Its terms, computed along its lineage.

    Collects NAME's own licence, the licences of the models whose weights it
    carries, of the data it was trained on, and the terms of the models that
    generated that data (OpenAI's terms forbid training competing models on
    ChatGPT outputs). Prints the verdict (allowed / NOT allowed / unknown), each
    restriction with the path that brings it, and conflicts between a declared
    licence and inherited terms.

    \b
    Examples:
      lineage license Vicuna
      lineage license "Dolly 2.0" --json
      lineage license Alpaca --as-of 2023-03
    """
    from graph import analytics, query, render, serialize

    G = _graph(ctx)
    node = query.resolve(G, name, types=analytics.LICENSED_TYPES)
    report = analytics.effective_license(G, node)
    if as_json:
        _dump(serialize.license_json(G, report))
    else:
        click.echo(render.license_text(G, report))


def _teachings_command(direction: str):
    def command(ctx: click.Context, name: str, direct: bool, as_json: bool) -> None:
        from graph import analytics, query, render, serialize

        G = _graph(ctx)
        node = query.resolve(G, name)
        fn = analytics.teachers if direction == "teachers" else analytics.students
        found = fn(G, node, inherited=not direct)
        if as_json:
            _dump(serialize.teachings_json(G, node, found, direction))
        else:
            click.echo(render.teachings_text(G, node, found, direction))

    return command


def _teachings_options(f):
    f = click.argument("name")(f)
    f = click.option("--direct", is_flag=True,
                     help="Only models trained on the data themselves, not models that "
                     "carry their weights (fine-tunes, merges ...).")(f)
    f = json_option(f)
    f = as_of_option(f)
    return click.pass_context(f)


@main.command("teachers")
@_teachings_options
def teachers_cmd(ctx, name, direct, as_json, as_of):
    """The models whose outputs NAME learned from, and the data that carried them.

    A teacher generated data NAME was trained on (directly, through data derived
    from it, or through a model whose weights NAME carries).

    \b
    Examples:
      lineage teachers Koala
      lineage teachers Alpaca --json
      lineage teachers sharegpt
    """
    _teachings_command("teachers")(ctx, name, direct, as_json)


@main.command("students")
@_teachings_options
def students_cmd(ctx, name, direct, as_json, as_of):
    """The models that learned from NAME's outputs: the reverse of 'teachers'.

    For a family, students of its members count too.

    \b
    Examples:
      lineage students GPT-4
      lineage students ChatGPT --as-of 2023-03
      lineage students text-davinci-003 --direct --json
    """
    _teachings_command("students")(ctx, name, direct, as_json)


@main.command("common")
@click.argument("names", nargs=-1, required=True)
@relation_option
@click.option("--weights-only", is_flag=True,
              help="Follow weight lineage only (fine-tunes, variants ...), not data.")
@json_option
@as_of_option
@click.pass_context
def common_cmd(ctx, names, relations, weights_only, as_json, as_of):
    """The lowest common ancestors of two or more records, and how each descends from them.

    Exit 1 when they share no ancestor.

    \b
    Examples:
      lineage common Alpaca Vicuna
      lineage common Alpaca Vicuna Koala --weights-only
      lineage common Vicuna Koala --json
    """
    from graph import analytics, query, render, serialize

    if len(names) < 2:
        raise click.UsageError("give two or more records, e.g. 'lineage common Alpaca Vicuna'.")
    G = _graph(ctx)
    nodes = [query.resolve(G, n) for n in names]
    result = analytics.common_ancestors(G, nodes, relations=relations or None,
                                        weights_only=weights_only)
    if as_json:
        _dump(serialize.common_json(G, result))
    else:
        click.echo(render.common_text(G, result))


@main.command("check")
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. licence conflicts) as errors.")
@json_option
@click.pass_context
def check_cmd(ctx, strict, as_json):
    """Consistency report over the data, beyond what 'validate' checks.

    Reports what 'validate' does (schema, dangling references, cycles, children
    dated before parents) and: merges dated before a parent, one-sided
    relations (single-parent merges, model-generated data with no generator),
    records with no sources, contradictory claims, and licence conflicts (a
    declared licence more permissive than inherited terms). Ends with a count
    by kind. Exit 1 when there are errors.

    \b
    Examples:
      lineage check
      lineage check --strict
      lineage --data-dir my-data/ check --json
    """
    from graph.analytics import consistency_report
    from graph.serialize import check_json
    from lineage.load import load

    obj = ctx.find_root().obj
    report = consistency_report(load(obj["data_dirs"], shipped=obj["shipped"], check=False),
                                strict=strict)
    if as_json:
        _dump(check_json(report))
    else:
        from graph.render import check_text

        click.echo(check_text(report))
    if report.errors:
        sys.exit(1)


@main.group("export")
def export_group():
    """Write the knowledge graph to a file (the interactive HTML page, RDF ...)."""


HTML_LAYOUTS = ("force", "timeline", "hierarchy")  # = graph.html.LAYOUTS (tests keep them equal)
HTML_MAX_NODES = 1500  # = graph.html.DEFAULT_MAX_NODES


def _html_options(f):
    f = as_of_option(f)
    f = click.option("--max-nodes", type=click.IntRange(min=0), default=HTML_MAX_NODES,
                     show_default=True, help="Most records on the page; a larger graph opens "
                     "as a focus view that says what it left out (0: no limit).")(f)
    f = click.option("--layout", type=click.Choice(HTML_LAYOUTS), default=HTML_LAYOUTS[0],
                     show_default=True, help="The layout the page opens with (it can switch): "
                     "force, timeline (x = release date) or hierarchy (parents above).")(f)
    f = click.option("--relation", "relations", multiple=True, type=click.Choice(RELATION_KINDS),
                     metavar="KIND", help="Show only relations of this kind (repeatable).")(f)
    f = type_option(f)
    f = click.option("--depth", type=click.IntRange(min=0), default=None,
                     help="With a focus: show only records this many hops away or nearer.")(f)
    return f


def _html_page(ctx, output, focus, depth, types, relations, layout, max_nodes):
    """Write the page (or print it for '-'); return the path written and a summary."""
    from graph import html, query
    from lineage.output import write_text_atomic

    if depth is not None and not focus:
        raise click.UsageError("--depth needs --focus NAME (or 'lineage view NAME'): "
                               "it limits the neighbourhood of the focus record.")
    G = _graph(ctx)
    sel = html.select(G, focus=query.resolve(G, focus) if focus else None, depth=depth,
                      types=types or None, relations=relations or None, max_nodes=max_nodes)
    page = html.render(G, sel, layout)
    if output == "-":
        click.echo(page, nl=False)
        return None, ""
    write_text_atomic(output, page)
    return output, html.describe(G, sel)


@export_group.command("html")
@click.option("-o", "--output", default="lineage.html", show_default=True, metavar="FILE",
              help="Where to write the page ('-': standard output).")
@click.option("--focus", metavar="NAME",
              help="Centre on NAME: its ancestors, descendants and direct neighbours.")
@_html_options
@click.pass_context
def export_html_cmd(ctx, output, focus, depth, types, relations, layout, max_nodes, as_of):
    """The interactive graph as one self-contained HTML page that works offline.

    Search (names and aliases, Chinese too), filters by type, relation and
    year, tooltips and a details panel with sources; force, timeline and
    hierarchy layouts. Share the file: it loads nothing from the network.

    \b
    Examples:
      lineage export html -o lineage.html
      lineage export html --focus LLaMA --depth 2 -o llama.html
      lineage export html --layout timeline --type model --type family
    """
    path, summary = _html_page(ctx, output, focus, depth, types, relations, layout, max_nodes)
    if path is not None:
        click.echo(f"Wrote {path} ({summary}). Open it in a browser, or run 'lineage view'.")


@main.command("view")
@click.argument("name", required=False)
@click.option("-o", "--output", metavar="FILE",
              help="Write the page here (default: lineage-NAME.html in the temporary directory).")
@_html_options
@click.pass_context
def view_cmd(ctx, name, output, depth, types, relations, layout, max_nodes, as_of):
    """Open the interactive graph in the browser, centred on NAME if given.

    Writes the page (see 'lineage export html') and opens it in the default
    browser; prints the file's path when no browser can be opened.

    \b
    Examples:
      lineage view
      lineage view Vicuna --depth 2
      lineage view --layout timeline
    """
    import tempfile
    import webbrowser
    from pathlib import Path

    if output is None:
        slug = "graph" if not name else "".join(c if c.isalnum() else "-" for c in name)[:60]
        output = str(Path(tempfile.gettempdir()) / f"lineage-{slug}.html")
    path, summary = _html_page(ctx, output, name, depth, types, relations, layout, max_nodes)
    if path is None:
        return
    try:
        opened = webbrowser.open(Path(path).resolve().as_uri())
    except webbrowser.Error:
        opened = False
    if opened:
        click.echo(f"Opened {path} ({summary}) in the browser.")
    else:
        click.echo(f"No browser could be opened; open this file in one: {path}")


RDF_FORMATS = ("turtle", "nt", "jsonld", "xml")  # = graph.rdf.FORMATS (a test keeps them equal)
RDF_BASE = "https://w3id.org/llm-lineage/id/"  # = graph.ns.DEFAULT_BASE


def _rdf_base(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from graph.rdf import check_base

    try:
        return check_base(value)
    except LineageError as e:
        raise click.BadParameter(str(e)) from None


rdf_base_option = click.option(
    "--base", default=RDF_BASE, show_default=True, metavar="IRI", callback=_rdf_base,
    help="Base of the record IRIs: a record's IRI is IRI + its id (prefix kb:).")


@export_group.command("rdf")
@click.option("--format", "fmt", type=click.Choice(RDF_FORMATS), default="turtle",
              show_default=True, help="RDF syntax: Turtle, N-Triples (streamed), JSON-LD "
              "or RDF/XML.")
@click.option("-o", "--output", metavar="FILE",
              help="Write to FILE, atomically; without it (or with '-'), to standard output.")
@click.option("--focus", metavar="NAME",
              help="Export only NAME's lineage (ancestors and descendants), the records "
              "they point to (developers, licences, papers ...) and the relations among them.")
@click.option("--depth", type=click.IntRange(min=0), default=None,
              help="With --focus: follow lineage this many hops at most.")
@rdf_base_option
@as_of_option
@click.pass_context
def export_rdf_cmd(ctx, fmt, output, focus, depth, base, as_of):
    """The knowledge graph as RDF (PROV-O, FAIR4ML, schema.org and our vocabulary).

    Every relation is a direct triple (prov:wasDerivedFrom, fair4ml:trainedOn,
    schema:creator ...) plus a qualified node with its kind, confidence and
    sources. Lossless: 'lineage import rdf' reads it back into the same
    records. Check a file with 'lineage validate --rdf FILE'.

    \b
    Examples:
      lineage export rdf -o lineage.ttl
      lineage export rdf --format nt > lineage.nt
      lineage export rdf --focus Vicuna --depth 2 --format jsonld
    """
    from graph import query, rdf

    if depth is not None and not focus:
        raise click.UsageError("--depth needs --focus NAME: it limits the lineage around "
                               "the focus record.")
    G = _graph(ctx)
    if focus:
        G = rdf.focus_graph(G, query.resolve(G, focus), depth=depth)
    if output in (None, "-"):
        if fmt == "nt":  # streamed: never the whole file in memory
            from itertools import islice

            chunks = rdf.iter_ntriples(G, base=base)  # one chunk per record
            while True:
                chunk = "".join(islice(chunks, 200))
                if not chunk:
                    break
                click.echo(chunk, nl=False)
        else:
            click.echo(rdf.to_rdf(G, fmt, base=base), nl=False)
        return
    rdf.write_rdf(G, output, fmt, base=base)
    click.echo(f"Wrote {output} ({fmt}; {G.number_of_nodes()} records, "
               f"{G.number_of_edges()} relations).")


@main.command("sparql")
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(("table", "json", "csv")), default="table",
              show_default=True, help="table (aligned text), json (SPARQL results JSON) or "
              "csv; CONSTRUCT/DESCRIBE give Turtle, JSON-LD or subject,predicate,object rows.")
@rdf_base_option
@as_of_option
@click.pass_context
def sparql_cmd(ctx, query, fmt, base, as_of):
    """Run a read-only SPARQL QUERY (or @file.rq) over the knowledge graph.

    SELECT, ASK, CONSTRUCT and DESCRIBE run in-process over the RDF export
    of the data (see 'lineage export rdf'); prefixes kb:, lineage:, prov:,
    schema:, fair4ml:, codemeta:, dcterms:, skos:, rdf:, rdfs:, xsd: and owl:
    are predeclared. An UPDATE (INSERT, DELETE, LOAD ...), SERVICE or FROM is
    refused with exit status 2.

    \b
    Examples:
      lineage sparql 'SELECT ?a WHERE { kb:vicuna-13b prov:wasDerivedFrom+ ?a }'
      lineage sparql @queries/teachers.rq --format csv
      lineage sparql 'ASK { kb:alpaca-7b fair4ml:trainedOn ?d }'
    """
    from graph import sparql
    from lineage.errors import ReadOnlyQueryError

    text = sparql.read_query(query)
    try:
        sparql.prepare(text, base=base)  # refuse before loading any data
    except ReadOnlyQueryError as e:
        raise click.UsageError(str(e)) from None
    result = sparql.sparql(_graph(ctx), text, base=base)
    out = sparql.format_result(result, fmt)
    click.echo(out, nl=not out.endswith("\n"))


@main.group("import")
def import_group():
    """Read records from other formats into YAML data files."""


@import_group.command("rdf")
@click.argument("file", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(RDF_FORMATS), default=None,
              help="RDF syntax of FILE (default: from its suffix: .ttl, .nt, .jsonld, .rdf).")
@click.option("-o", "--output", metavar="FILE.yaml",
              help="Write the records as one YAML data file, atomically; without it (or "
              "with '-'), to standard output.")
@click.pass_context
def import_rdf_cmd(ctx, file, fmt, output):
    """Read an RDF export back into records, checked like YAML data.

    The records come back exactly as exported (every field, relation, source
    and claim). Write them to a YAML file and use it as a data source.

    \b
    Examples:
      lineage import rdf lineage.ttl -o kb.yaml
      lineage --no-shipped --data-dir kb.yaml ancestry Vicuna
    """
    from graph import rdf
    from lineage.output import write_text_atomic

    kb = rdf.read_rdf(file, fmt=fmt)
    text = rdf.records_to_yaml(kb)
    if output in (None, "-"):
        click.echo(text, nl=False)
        return
    write_text_atomic(output, text)
    click.echo(f"Wrote {output} ({len(kb)} records). Use it with: "
               f"lineage --no-shipped --data-dir {output} ...")


if __name__ == "__main__":  # pragma: no cover
    main()
