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
from collections.abc import Iterable
from typing import Any

import click


def _check_packages() -> None:
    """Stop with a clear message when a foreign 'lineage' or 'graph' module shadows ours.

    Both names are common: another distribution, or a file such as graph.py in the
    working directory, would otherwise fail later with a confusing traceback.
    """
    import importlib

    for name in ("lineage", "graph"):
        try:
            module = importlib.import_module(name)
        except ImportError as e:
            sys.exit(f"Error: cannot import the '{name}' package of llm-lineage ({e}). "
                     "Reinstall it: pip install --force-reinstall llm-lineage.")
        if getattr(module, "__distribution__", None) != "llm-lineage":
            where = getattr(module, "__file__", None) or "an unknown place"
            sys.exit(f"Error: the '{name}' module imported from {where} is not the one of "
                     f"llm-lineage: another package or file of that name shadows it. Rename "
                     f"or remove it, or install llm-lineage in its own virtual environment "
                     "(pipx install llm-lineage).")


_check_packages()

from lineage.errors import LineageError  # noqa: E402 - after the check above
from lineage.vocab import RECORD_TYPES, RELATION_KINDS  # noqa: E402

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
        def quiet_stdout() -> None:
            """Point standard output at the null device: the flush at exit cannot fail."""
            import os

            try:
                fd = sys.stdout.fileno()
            except (AttributeError, OSError, ValueError):  # not a real file (tests)
                return
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)
            os.close(null)

        def writing_stdout(e: OSError) -> bool:
            """Whether ``e`` came from a write to standard output (the stream was at hand)."""
            import io

            tb = e.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            if tb is None:
                return False
            try:
                fd = sys.stdout.fileno()
            except (AttributeError, OSError, ValueError):
                fd = None
            for v in tb.tb_frame.f_locals.values():
                if v is sys.stdout or v is getattr(sys.stdout, "buffer", None):
                    return True
                if fd is not None and isinstance(v, io.IOBase):
                    try:
                        if v.fileno() == fd:
                            return True
                    except (OSError, ValueError):
                        pass
            return False

        flushing = False
        try:
            result = super().invoke(ctx)
            flushing = True
            sys.stdout.flush()  # a write error shows here, not in the flush at exit
            return result
        except LineageError as e:
            raise click.ClickException(str(e)) from None
        except BrokenPipeError:  # `lineage list | head`: the reader has what it wanted
            quiet_stdout()
            sys.exit(0)
        except OSError as e:  # `lineage list > /dev/full`
            if not (flushing or writing_stdout(e)):
                raise
            quiet_stdout()
            raise click.ClickException(
                f"cannot write to standard output: {e.strerror or e}. Free some space, or "
                "send the output elsewhere (-o FILE where the command has it).") from None


def _dump(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _terminal_width() -> int | None:
    """The width to fit text output to: the terminal's, or None when not printing to one."""
    if not sys.stdout.isatty():
        return None
    import shutil

    return shutil.get_terminal_size().columns


def _echo_text(text: str) -> None:
    """Print a text answer, each line cut to the terminal's width when printing to one."""
    _echo_lines(text.split("\n"))


def _echo_lines(lines: Iterable[str], chunk: int = 2000) -> None:
    """Print lines as they come, a few thousand at a time (a long answer streams); on a
    terminal each is cut to its width (piped output is never cut)."""
    width = _terminal_width()
    if width is not None:
        from lineage.output import fit_width

        lines = (fit_width(line, width) for line in lines)
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= chunk:
            click.echo("\n".join(batch))
            batch = []
    if batch:
        click.echo("\n".join(batch))


def _store(ctx: click.Context, as_of: str | None = None):
    """Open the store the command reads (see graph.store.open_store), as of --as-of."""
    from graph.store import open_store

    obj = ctx.find_root().obj
    notices: list[str] = []
    S = open_store(obj["data_dirs"], shipped=obj["shipped"], store=obj["store"], as_of=as_of,
                   notices=notices, endpoint=obj.get("endpoint"), graph=obj.get("graph"))
    for n in notices:
        click.echo(f"note: {n}", err=True)
    return S


def _progress(label: str, unit: str = "records"):
    """A progress callback drawing on stderr when it is a terminal (else silent)."""
    if not sys.stderr.isatty():
        return None

    def update(done: int) -> None:
        click.echo(f"\r{label}: {done:,} {unit}", err=True, nl=False)

    return update


def _date_param(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A partial date (2023, 2023-03, 2023-03-13) or a usage error (exit 2)."""
    if value is None:
        return None
    from lineage.dates import check_partial_date

    try:
        return check_partial_date(value)
    except ValueError as e:
        raise click.BadParameter(f"{e}.") from None


def as_of_option(f):
    return click.option("--as-of", "as_of", metavar="DATE", callback=_date_param,
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
@click.option("--store", "store", metavar="PATH", envvar="LINEAGE_STORE",
              help="Read this on-disk store (built by 'lineage index') instead of the YAML "
              "data; ':memory:' validates the data and keeps it in memory (env LINEAGE_STORE).")
@click.option("--endpoint", "endpoint", metavar="URL", envvar="LINEAGE_ENDPOINT",
              help="Answer from the graph on this SPARQL 1.1 query endpoint (see 'lineage "
              "serve', 'lineage push'), e.g. http://127.0.0.1:7878/query (env "
              "LINEAGE_ENDPOINT; credentials: LINEAGE_ENDPOINT_USER and "
              "LINEAGE_ENDPOINT_PASSWORD, or LINEAGE_ENDPOINT_TOKEN, or ~/.netrc).")
@click.option("--graph", "graph_iri", metavar="IRI", envvar="LINEAGE_GRAPH",
              help="With --endpoint: the named graph holding the knowledge graph (default "
              "https://w3id.org/llm-lineage/graph; env LINEAGE_GRAPH).")
@click.version_option(package_name="llm-lineage")
@click.pass_context
def main(ctx: click.Context, data_dirs: tuple[str, ...], no_shipped: bool,
         store: str | None, endpoint: str | None = None, graph_iri: str | None = None) -> None:
    """Where large language models come from: lineage, data, teachers and sources.

    \b
    Examples:
      lineage ancestry Vicuna
      lineage descendants LLaMA --depth 2
      lineage path GPT-3 ChatGPT
      lineage show 阿尔帕卡 --json
    """
    import os

    from click.core import ParameterSource

    if ctx.get_parameter_source("data_dirs") is ParameterSource.ENVIRONMENT:
        # the variable is a list of paths joined by os.pathsep (':', ';' on Windows);
        # click would have split it on white space
        dirs = [p for p in os.environ.get("LINEAGE_DATA_DIR", "").split(os.pathsep) if p]
    else:  # each --data-dir is one path, whatever it contains
        dirs = list(data_dirs)
    ctx.obj = {"data_dirs": dirs, "shipped": not no_shipped}
    ctx.obj["store"] = store or None
    ctx.obj["endpoint"], ctx.obj["graph"] = endpoint or None, graph_iri or None


TREE_WHOLE_MAX = 1999
"""A lineage tree with more records than this (besides its root) shows at most
``TREE_FANOUT`` children of each record, then '... and N more'."""
TREE_FANOUT = 50


def _lineage_command(direction: str):
    def command(ctx: click.Context, name: str, depth: int | None, relations: tuple[str, ...],
                weights_only: bool, sources: bool, as_json: bool, as_jsonl: bool,
                limit: int | None, as_of: str | None) -> None:
        from graph import query, render, serialize

        if as_json and as_jsonl:
            raise click.UsageError("give --json or --jsonl, not both.")
        S = _store(ctx, as_of)
        node = query.resolve(S, name)
        up = direction == "ancestors"
        if as_jsonl:
            _echo_lines(serialize.iter_lineage_jsonl(S, node, up=up, depth=depth,
                                                     relations=relations or None,
                                                     weights_only=weights_only, limit=limit))
            return
        if not as_json and limit is None and depth is None and S.local:
            kinds = query.relation_kinds(relations or None, weights_only=weights_only)
            if query.lineage_exceeds(S, node, TREE_WHOLE_MAX, up=up, kinds=kinds):
                # drawn as the store is read: memory stays flat however big the lineage
                _echo_lines(render.iter_big_tree(S, node, up=up, kinds=kinds,
                                                 fanout=TREE_FANOUT, sources=sources))
                return
        fn = query.ancestry if up else query.descendancy
        result = fn(S, node, depth=depth, relations=relations or None,
                    weights_only=weights_only, limit=limit)
        if as_json:
            _dump(serialize.lineage_json(S, result))
        else:
            big = limit is None and len(result.nodes) > TREE_WHOLE_MAX + 1
            _echo_lines(render.iter_tree(S, result, sources=sources,
                                         fanout=TREE_FANOUT if big else None))

    return command


def _lineage_options(f):
    f = click.argument("name")(f)
    f = click.option("--depth", type=click.IntRange(min=0), default=None,
                     help="Stop after this many hops.")(f)
    f = relation_option(f)
    f = click.option("--weights-only", is_flag=True,
                     help="Follow weight lineage only (fine-tunes, variants ...), not "
                     "influence (successors, reproductions ...) or data.")(f)
    f = click.option("--sources", is_flag=True, help="Print each hop's sources.")(f)
    f = click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N",
                     help="Keep at most N records, nearest first, and say how many were left "
                     "out.")(f)
    f = json_option(f)
    f = click.option("--jsonl", "as_jsonl", is_flag=True,
                     help="Stream one JSON object per line (node, edge, then a summary) as "
                     "the walk goes: for pipelines and very large answers.")(f)
    f = as_of_option(f)
    return click.pass_context(f)


@main.command("ancestry")
@_lineage_options
def ancestry_cmd(ctx, name, depth, relations, weights_only, sources, limit, as_json, as_jsonl,
                 as_of):
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
    _lineage_command("ancestors")(ctx, name, depth, relations, weights_only, sources, as_json,
                                  as_jsonl, limit, as_of)


@main.command("descendants")
@_lineage_options
def descendants_cmd(ctx, name, depth, relations, weights_only, sources, limit, as_json,
                    as_jsonl, as_of):
    """What comes from NAME: fine-tunes, variants, datasets it generated, models trained on them.

    The descendants of a dataset are the models trained on it and their descendants.

    \b
    Examples:
      lineage descendants LLaMA --depth 2
      lineage descendants text-davinci-003
      lineage descendants sharegpt --json
      lineage --store hub.db descendants meta-llama/Llama-2-7b-hf --jsonl > tree.jsonl
    """
    _lineage_command("descendants")(ctx, name, depth, relations, weights_only, sources, as_json,
                                    as_jsonl, limit, as_of)


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

    S = _store(ctx, as_of)
    a, b = query.resolve(S, source), query.resolve(S, target)
    paths = query.lineage_paths(S, a, b, relations=relations or None, cutoff=cutoff, limit=limit)
    if as_json:
        _dump(serialize.paths_json(S, a, b, paths))
    else:
        _echo_text(render.paths_text(S, paths))


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

    S = _store(ctx, as_of)
    node = query.resolve(S, name)
    if as_json:
        from lineage.documents import citations_json

        data = serialize.record_json(S, node)
        data["citations"] = citations_json(S, data)  # document -> {record, type, text, url}
        _dump(data)
    else:
        _echo_text(render.card(S, node))


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

    S = _store(ctx, as_of)
    found = query.search(S, text, limit=limit, types=types or None)
    if as_json:
        _dump(serialize.nodes_json(S, found, "search"))
    else:
        _echo_text(render.table(S, found))


@main.command("list")
@type_option
@click.option("--org", help="Only records developed by this organization (id or name).")
@click.option("--since", metavar="DATE", callback=_date_param,
              help="Only records dated on or after this (2023, 2023-03).")
@click.option("--until", metavar="DATE", callback=_date_param,
              help="Only records dated on or before this.")
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

    S = _store(ctx, as_of)
    org_id = query.resolve(S, org, types=["organization"]) if org else None
    found = query.filter_records(S, types=types or None, organization=org_id, since=since,
                                 until=until, weights=weights)
    if commercial is not None:
        from graph import analytics

        found = analytics.filter_commercial(S, found, commercial)
    if as_json:
        _dump(serialize.nodes_json(S, found, "list"))
    else:
        _echo_text(render.table(S, found))


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

    s = query.statistics(_store(ctx, as_of))
    if as_json:
        _dump({"schema_version": 1, "query": "stats", **s})
    else:
        _echo_text(render.stats_text(s))


@main.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--rdf", "rdf_file", type=click.Path(), metavar="FILE",
              help="Check an RDF export instead (.ttl, .nt, .jsonld, .rdf), edited by hand or "
              "not: SHACL shapes, then the same rules as YAML data.")
@click.option("--no-shipped", "no_shipped", is_flag=True,
              help="Check the PATHs alone, not layered over the shipped data.")
@json_option
@click.pass_context
def validate_cmd(ctx, paths, rdf_file, no_shipped, as_json):
    """Check data files; report every problem, one line each, with the fix.

    With PATHs (directories, YAML files, or '/dev/stdin'), checks them layered
    over the shipped data, as the other commands would read them, so
    references to shipped records resolve; --no-shipped checks them alone.
    Without, checks the data the other commands would use.
    With --rdf FILE, checks an RDF export (see 'lineage export rdf').
    Exit 1 when anything is wrong.

    \b
    Examples:
      lineage validate
      lineage validate my-data/
      lineage validate --no-shipped my-data/
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
    kb = load(dirs, shipped=obj["shipped"] and not no_shipped, check=False)
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
    generated that data or that it was distilled from (OpenAI's terms forbid
    training competing models on ChatGPT outputs). Prints the verdict (allowed /
    NOT allowed / unknown), each restriction with the path that brings it, and
    conflicts between a declared licence and inherited terms.

    \b
    Examples:
      lineage license Vicuna
      lineage license "Dolly 2.0" --json
      lineage license Alpaca --as-of 2023-03
    """
    from graph import analytics, query, render, serialize

    S = _store(ctx, as_of)
    node = query.resolve(S, name, types=analytics.LICENSED_TYPES)
    report = analytics.effective_license(S, node)
    if as_json:
        _dump(serialize.license_json(S, report))
    else:
        _echo_text(render.license_text(S, report))


def _teachings_command(direction: str):
    def command(ctx: click.Context, name: str, direct: bool, as_json: bool,
                as_of: str | None) -> None:
        from graph import analytics, query, render, serialize

        S = _store(ctx, as_of)
        node = query.resolve(S, name)
        fn = analytics.teachers if direction == "teachers" else analytics.students
        found = fn(S, node, inherited=not direct)
        if as_json:
            _dump(serialize.teachings_json(S, node, found, direction))
        else:
            _echo_text(render.teachings_text(S, node, found, direction))

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

    A teacher generated data NAME was trained on, or NAME was distilled from it
    (directly, through data derived from it, or through a model whose weights
    NAME carries).

    \b
    Examples:
      lineage teachers Koala
      lineage teachers Alpaca --json
      lineage teachers sharegpt
    """
    _teachings_command("teachers")(ctx, name, direct, as_json, as_of)


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
    _teachings_command("students")(ctx, name, direct, as_json, as_of)


@main.command("common")
@click.argument("names", nargs=-1, required=True)
@relation_option
@click.option("--weights-only", is_flag=True,
              help="Follow weight lineage only (fine-tunes, variants ...), not influence "
              "(successors, reproductions ...) or data.")
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
    S = _store(ctx, as_of)
    nodes = [query.resolve(S, n) for n in names]
    result = analytics.common_ancestors(S, nodes, relations=relations or None,
                                        weights_only=weights_only)
    if as_json:
        _dump(serialize.common_json(S, result))
    else:
        _echo_text(render.common_text(S, result))


@main.command("check")
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. licence conflicts) as errors.")
@click.option("--only", "only", multiple=True, type=click.Path(), metavar="PATH",
              help="Report only problems in the files under PATH (repeatable), layered over "
              "the rest of the data; PATH is read as data if it is not already.")
@json_option
@click.pass_context
def check_cmd(ctx, strict, only, as_json):
    """Consistency report over the data, beyond what 'validate' checks.

    Reports what 'validate' does (schema, dangling references, cycles, children
    dated before parents) and: merges dated before a parent, one-sided
    relations (single-parent merges, model-generated data with no generator),
    records with no sources, contradictory claims, and licence conflicts (a
    declared licence more permissive than inherited terms). A weight-lineage
    parent dated after its child is an error. Ends with a count by kind and a
    line counting the gaps: records without a date, without a developer, and
    models without any lineage (--json lists them). Exit 1 when there are errors.

    \b
    Examples:
      lineage check
      lineage check --strict
      lineage --data-dir my-data/ check --json
      lineage check --strict --only my-data/
    """
    from graph.analytics import consistency_report
    from graph.serialize import check_json
    from lineage.load import SHIPPED_DATA, is_within, load

    obj = ctx.find_root().obj
    dirs = list(obj["data_dirs"])
    read = ([SHIPPED_DATA] if obj["shipped"] else []) + dirs
    dirs += [p for p in only if not any(is_within(p, layer) for layer in read)]
    report = consistency_report(load(dirs, shipped=obj["shipped"], check=False), strict=strict)
    if only:
        report = report.only(only)
    if as_json:
        _dump(check_json(report))
    else:
        from graph.render import check_text

        _echo_text(check_text(report))
    if report.errors:
        sys.exit(1)


@main.command("index")
@click.option("-o", "--output", "path", metavar="PATH",
              help="Where to build the store (default: --store / LINEAGE_STORE).")
@click.pass_context
def index_cmd(ctx, path):
    """Build the on-disk store from the data, for fast queries on large graphs.

    Validates the layered data (shipped, --data-dir ...) and writes one
    indexed SQLite file; every command then reads it with --store PATH (or
    LINEAGE_STORE). The build is atomic: an interrupted one leaves the
    previous store as it was. Queries say when the data changed since.

    \b
    Examples:
      lineage --data-dir my-data/ index -o kb.db
      lineage --store kb.db ancestry Vicuna
      LINEAGE_STORE=kb.db lineage descendants LLaMA --jsonl
    """
    from graph.store import index_store

    obj = ctx.find_root().obj
    path = path or obj["store"]
    if not path:
        raise click.UsageError("say where to build the store: 'lineage index -o kb.db' (or "
                               "--store / LINEAGE_STORE).")
    if path == ":memory:":
        raise click.UsageError("':memory:' is not a file; give a path such as kb.db.")
    S = index_store(path, obj["data_dirs"], shipped=obj["shipped"],
                    progress=_progress("indexing"))
    if sys.stderr.isatty():
        click.echo("", err=True)
    click.echo(f"Built {path}: {len(S):,} records, {S.edge_count():,} relations. "
               f"Query it with: lineage --store {path} ...")
    S.close()


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


def _html_page(ctx, output, focus, depth, types, relations, layout, max_nodes, as_of):
    """Write the page (or print it for '-'); return the path written and a summary."""
    from graph import html, query
    from lineage.output import write_text_atomic

    if depth is not None and not focus:
        raise click.UsageError("--depth needs --focus NAME (or 'lineage view NAME'): "
                               "it limits the neighbourhood of the focus record.")
    S = _store(ctx, as_of)
    sel = html.select(S, focus=query.resolve(S, focus) if focus else None, depth=depth,
                      types=types or None, relations=relations or None, max_nodes=max_nodes)
    page = html.render(S, sel, layout)
    if output == "-":
        click.echo(page, nl=False)
        return None, ""
    write_text_atomic(output, page)
    return output, html.describe(S, sel)


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
    path, summary = _html_page(ctx, output, focus, depth, types, relations, layout, max_nodes,
                               as_of)
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
    path, summary = _html_page(ctx, output, name, depth, types, relations, layout, max_nodes,
                               as_of)
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
              show_default=True, help="RDF syntax: Turtle, N-Triples, JSON-LD (all three "
              "streamed, record by record) or RDF/XML.")
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
    S = _store(ctx, as_of)
    if focus:
        S = rdf.focus_graph(S, query.resolve(S, focus), depth=depth)
    if output in (None, "-"):
        streamed = {"nt": rdf.iter_ntriples, "turtle": rdf.iter_turtle,
                    "jsonld": rdf.iter_jsonld}.get(fmt)
        if streamed is not None:  # never the whole file in memory
            from itertools import islice

            chunks = streamed(S, base=base)  # chunks of whole lines (records)
            while True:
                chunk = "".join(islice(chunks, 200))
                if not chunk:
                    break
                click.echo(chunk, nl=False)
        else:
            click.echo(rdf.to_rdf(S, fmt, base=base), nl=False)
        return
    rdf.write_rdf(S, output, fmt, base=base)
    click.echo(f"Wrote {output} ({fmt}; {len(S)} records, {S.edge_count()} relations).")


# --- export sbom (issue 15) ------------------------------------------------------------
SBOM_FORMATS = ("spdx3", "cyclonedx")  # = graph.sbom.FORMATS (a test keeps them equal)


@export_group.command("sbom")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(SBOM_FORMATS), required=True,
              help="spdx3 (SPDX 3.0.1 JSON-LD, AI and Dataset profiles) or cyclonedx "
              "(CycloneDX 1.6 JSON).")
@click.option("-o", "--output", metavar="FILE",
              help="Write to FILE, atomically; without it (or with '-'), to standard output.")
@click.option("--depth", type=click.IntRange(min=0), default=None,
              help="Follow lineage this many hops at most (the licence verdict still covers "
              "the whole lineage).")
@click.option("--weights-only", is_flag=True,
              help="Only the models whose weights NAME carries: no datasets or teachers.")
@click.option("--validate", "check", is_flag=True,
              help="Check the bill with the standard's own validator first (needs "
              "pip install 'llm-lineage[sbom]'); refuse to write an invalid one.")
@as_of_option
@click.pass_context
def export_sbom_cmd(ctx, name, fmt, output, depth, weights_only, check, as_of):
    """An AI bill of materials of NAME: its whole lineage as SPDX 3.0 or CycloneDX 1.6.

    NAME is the root; every model whose weights it carries (fine-tune,
    adapter, quantization, merge, continued pre-training, family) is an
    ancestor with its relation kind; the data it or an ancestor was trained on
    comes with the teacher models that generated it; licences are declared per
    component and concluded for NAME ('lineage license'), with the path of
    each restriction; developers, dates, Hub ids, URLs and the sources of every
    fact are kept. The same data gives the same bytes.

    \b
    Examples:
      lineage export sbom Vicuna --format cyclonedx -o vicuna.cdx.json
      lineage export sbom Vicuna --format spdx3 -o vicuna.spdx.json
      lineage export sbom deepseek-ai/DeepSeek-R1-Distill-Qwen-7B --format spdx3 --depth 2
    """
    from graph import query, sbom

    S = _store(ctx, as_of)
    node = query.resolve(S, name)
    bill = sbom.collect(S, node, depth=depth, weights_only=weights_only)
    text = sbom.render(bill, fmt)
    if check:
        from graph.sbom.validate import validate

        problems = validate(text, fmt)
        if problems:
            raise click.ClickException(
                f"the {fmt} bill of {node} is not valid: {problems[0]} "
                "(please report this as a bug).")
    if output in (None, "-"):
        click.echo(text, nl=False)
        return
    from lineage.output import write_text_atomic

    write_text_atomic(output, text)
    n = len(bill.components)
    click.echo(f"Wrote {output} ({fmt}; {n} component{'s' if n != 1 else ''}, "
               f"{len(bill.edges)} relation{'s' if len(bill.edges) != 1 else ''}, "
               f"{len(bill.licenses)} licence{'s' if len(bill.licenses) != 1 else ''}"
               f"{', validated' if check else ''}).")


@main.command("sparql")
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(("table", "json", "csv")), default="table",
              show_default=True, help="table (aligned text), json (SPARQL results JSON) or "
              "csv; CONSTRUCT/DESCRIBE give Turtle, JSON-LD or subject,predicate,object rows.")
@click.option("--timeout", type=click.FloatRange(min=0), default=30.0, show_default=True,
              metavar="SECONDS", help="Stop the query after this long, with exit status 1 "
              "(0: no limit).")
@click.option("--max-rows", type=click.IntRange(min=0), default=10000, show_default=True,
              metavar="N", help="Refuse a result of more than N rows or triples, with exit "
              "status 1 (0: no limit).")
@rdf_base_option
@as_of_option
@click.pass_context
def sparql_cmd(ctx, query, fmt, timeout, max_rows, base, as_of):
    """Run a read-only SPARQL QUERY (or @file.rq) over the knowledge graph.

    SELECT, ASK, CONSTRUCT and DESCRIBE run over the RDF export of the data
    (see 'lineage export rdf'); prefixes kb:, lineage:, prov:,
    schema:, fair4ml:, codemeta:, dcterms:, skos:, rdf:, rdfs:, xsd: and owl:
    are predeclared. An UPDATE (INSERT, DELETE, LOAD ...), SERVICE or FROM is
    refused with exit status 2. A query that runs past --timeout or returns
    more than --max-rows rows stops with exit status 1 and says which. In
    CSV, a cell that a spreadsheet would run as a formula (=, +, -, @) gets a
    leading '.

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
    obj = ctx.find_root().obj
    if obj.get("endpoint"):  # answered by the server, checked and bounded the same way
        from graph.remote import remote_sparql

        if as_of:
            raise click.UsageError("--as-of cannot be applied to a query answered by a "
                                   "SPARQL server; filter on dates in the query instead.")
        result = remote_sparql(obj["endpoint"], text, graph=obj.get("graph"), base=base,
                               timeout=timeout or None, max_rows=max_rows or None)
    else:
        result = sparql.sparql(_store(ctx, as_of), text, base=base, timeout=timeout or None,
                               max_rows=max_rows or None)
    out = sparql.format_result(result, fmt)
    click.echo(out, nl=not out.endswith("\n"))


def _local_store(ctx: click.Context):
    """The local data (--store, --data-dir), whatever --endpoint says: what push and serve
    upload."""
    from graph.store import open_store

    obj = ctx.find_root().obj
    notices: list[str] = []
    S = open_store(obj["data_dirs"], shipped=obj["shipped"], store=obj["store"],
                   notices=notices)
    for n in notices:
        click.echo(f"note: {n}", err=True)
    return S


graph_iri_option = click.option(
    "--graph", "graph_iri", metavar="IRI", envvar="LINEAGE_GRAPH", default=None,
    help="The named graph that holds the knowledge graph on the server (default: the "
    "global --graph, else https://w3id.org/llm-lineage/graph; env LINEAGE_GRAPH).")


@main.command("push")
@click.option("--endpoint", "endpoint", metavar="URL", required=True,
              help="The server's SPARQL 1.1 Graph Store URL, e.g. http://127.0.0.1:7878/store "
              "(Oxigraph) or https://host/fuseki/DATASET/data (Fuseki).")
@graph_iri_option
@click.option("--update-endpoint", "update", metavar="URL", default=None,
              help="The server's SPARQL Update URL, for the atomic swap (default: beside "
              "--endpoint for Oxigraph's /store and Fuseki's /data; '' to do without).")
@click.option("--timeout", type=click.FloatRange(min=1), default=600.0, show_default=True,
              metavar="SECONDS", help="Give up when the server is silent this long.")
@click.option("--bulk", is_flag=True,
              help="Oxigraph: load straight into GRAPH with the server's bulk loader (no "
              "transaction, no swap): the leanest first load of a very large graph; readers "
              "may see it partly loaded.")
@rdf_base_option
@click.pass_context
def push_cmd(ctx, endpoint, graph_iri, update, timeout, bulk, base):
    """Upload the knowledge graph to a SPARQL 1.1 server, replacing GRAPH there.

    Streams the RDF export (see 'lineage export rdf') of the local data
    (--store, --data-dir) with the Graph Store HTTP Protocol into a new version
    of GRAPH, then moves the pointer <GRAPH> lineage:currentVersion to it in one
    small update: readers of the graph see the old one or the new one, never a
    part (docs/server.md). Credentials come from
    LINEAGE_ENDPOINT_USER and LINEAGE_ENDPOINT_PASSWORD, or
    LINEAGE_ENDPOINT_TOKEN, or ~/.netrc; never from the command line. Exit 1
    when the server is down, refuses or answers with an error.

    \b
    Examples:
      lineage push --endpoint http://127.0.0.1:7878/store
      lineage --store kb.db push --endpoint https://kg.example.org/fuseki/lineage/data \\
          --graph https://example.org/graphs/lineage
    """
    from graph.remote import DEFAULT_GRAPH, check_graph_iri, check_url
    from graph.server import push

    graph_iri = graph_iri or ctx.find_root().obj.get("graph") or DEFAULT_GRAPH
    check_url(endpoint)  # refuse a hostile URL or graph before reading any data
    check_graph_iri(graph_iri)
    S = _local_store(ctx)
    result = push(S, endpoint, graph=graph_iri, base=base, update=update, timeout=timeout,
                  bulk=bulk, progress=_progress("Uploaded", "triples"))
    if sys.stderr.isatty():
        click.echo("", err=True)
    from graph.remote import redact

    how = ("swapped in atomically" if result.atomic
           else "bulk-loaded" if bulk else "replaced with one PUT")
    if result.version:
        how += f" as version <{result.version}>"
        if result.dropped:
            how += f"; {len(result.dropped)} older version(s) deleted"
    click.echo(f"Pushed {result.records:,} records ({result.triples:,} triples, "
               f"{result.bytes / 1e6:,.1f} MB) to <{graph_iri}> on {redact(endpoint)} in "
               f"{result.seconds:.1f} s ({how}).")


@main.command("serve")
@click.option("--port", type=click.IntRange(1, 65535), default=7878, show_default=True)
@click.option("--bind", "host", default="127.0.0.1", show_default=True, metavar="ADDRESS",
              help="Address to listen on; 0.0.0.0 to share it on the network.")
@click.option("--read-only", is_flag=True,
              help="Refuse updates and uploads (queries only).")
@click.option("--location", metavar="DIR", type=click.Path(file_okay=False),
              help="Keep the server's database in DIR (kept after the server stops); "
              "default: a temporary directory, removed at the end.")
@graph_iri_option
@click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
              metavar="SECONDS", help="The server stops any query running longer.")
@rdf_base_option
@click.pass_context
def serve_cmd(ctx, port, host, read_only, location, graph_iri, timeout, base):
    """Serve the knowledge graph over SPARQL 1.1 (an Oxigraph server) until Ctrl-C.

    Loads the RDF export of the local data (--store, --data-dir) into GRAPH and
    prints the query, update and graph store URLs; every query command then
    answers from it with --endpoint. Stops cleanly on Ctrl-C or SIGTERM. Needs
    the server extra: pip install 'llm-lineage[server]'.

    \b
    Examples:
      lineage serve
      lineage --store hub.db serve --port 8080 --read-only --location ./kg-db
      lineage --endpoint http://127.0.0.1:7878/query ancestry Vicuna
    """
    from graph.remote import DEFAULT_GRAPH, check_graph_iri
    from graph.server import oxigraph_binary, serve

    graph_iri = graph_iri or ctx.find_root().obj.get("graph") or DEFAULT_GRAPH
    check_graph_iri(graph_iri)
    oxigraph_binary()  # say at once when the server is not installed
    S = _local_store(ctx)
    code = serve(S, location=location, host=host, port=port, read_only=read_only,
                 graph=graph_iri, base=base, query_timeout=timeout,
                 say=lambda line: click.echo(line))
    sys.exit(code)


@main.group("import")
def import_group():
    """Read records from other formats: RDF exports, Hugging Face Hub metadata."""


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



# --- lineage import hf (graph/importers/hf.py) ---------------------------------------------


@import_group.command("hf")
@click.argument("sources", nargs=-1, type=click.Path())
@click.option("--store", "store_path", metavar="PATH",
              help="Import into this store (built from the curated data first if missing); "
              "the same as the global --store.")
@click.option("-o", "--output", "output", metavar="DIR",
              help="Write YAML data files into DIR instead (use them with --data-dir DIR).")
@click.option("--repo-id", metavar="ORG/NAME",
              help="The repository of a single card given as a file.")
@click.option("--online", "online", multiple=True, metavar="REPO_ID",
              help="Fetch this repository from the Hub (repeatable; needs the [hub] extra).")
@click.option("--depth", type=click.IntRange(min=0), default=3, show_default=True,
              help="With --online: how many base_model levels to follow upward.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the summary and every problem as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress and no problem lines.")
@click.pass_context
def import_hf_cmd(ctx, sources, store_path, output, repo_id, online, depth, as_json, quiet):
    """Import Hugging Face Hub metadata: model cards, API JSON, Parquet, or the Hub.

    SOURCES are model cards (README.md with a YAML header), directories laid out
    as ORG/NAME/README.md (a local mirror or the huggingface_hub cache), Hub API
    JSON (one object, a list, or JSON lines) and Parquet snapshots. Each
    repository becomes a record named by its Hub id, under the curated records
    its base_model names; every fact cites the card. Problems are reported, one
    line each, and the rest is imported; the exit status is 1 only when nothing
    could be imported.

    \b
    Examples:
      lineage --store hub.db import hf ./mirror/
      lineage --store hub.db ancestry TheBloke/Llama-2-7B-Chat-GGUF
      lineage import hf models.jsonl -o my-data/
      lineage --store hub.db import hf --online TheBloke/Llama-2-7B-Chat-GGUF --depth 3
    """
    from graph.importers import hf as hfimport
    from graph.importers import hfsource

    obj = ctx.find_root().obj
    if store_path and output:
        raise click.UsageError("give either --store PATH or -o DIR, not both.")
    store = None if output else store_path or obj["store"]
    if not output and (not store or store == ":memory:"):
        raise click.UsageError(
            "say where to import: a store ('lineage --store hub.db import hf ...'; it is built "
            "from the curated data if missing) or a directory of YAML files ('-o DIR'). The "
            "default compiled cache is rebuilt from YAML data, so imports do not go there.")
    if not sources and not online:
        raise click.UsageError("name at least one card, directory, JSON or Parquet file, or "
                               "--online REPO_ID.")
    if repo_id is not None and not hfsource.is_hub_id(repo_id):
        raise click.BadParameter(f"{repo_id!r} is not a Hub repository id; write ORG/NAME.",
                                 param_hint="--repo-id")
    notices: list[str] = []
    sink = hfimport.open_sink(store=store, output=output, data_dirs=obj["data_dirs"],
                              shipped=obj["shipped"], notices=notices)
    for n in notices:
        click.echo(f"note: {n}", err=True)
    problems = hfimport.ProblemLog()

    def entries():
        yield from hfsource.read_sources(sources, problems, repo_id=repo_id)
        if online:
            yield from hfsource.online_entries(online, depth, problems,
                                               parents=hfimport.entry_parent_ids)

    progress = None if quiet else _progress("importing")
    try:
        result = hfimport.import_hf(entries(), sink, problems=problems, progress=progress)
    except BaseException:
        sink.abort()
        raise
    if progress is not None and sys.stderr.isatty():
        click.echo("", err=True)
    if as_json:
        _dump(result.to_json())
    else:
        if not quiet:
            for p in result.problems:
                click.echo(f"{p.severity}: {p}", err=True)
            if result.problems.left_out:
                click.echo(f"... and {result.problems.left_out:,} more problems (counted by kind "
                           "in the summary)", err=True)
        click.echo(result.summary())
    if result.imported == 0 and result.problems.total:
        sys.exit(1)

if __name__ == "__main__":  # pragma: no cover
    main()
