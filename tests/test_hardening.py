"""Hardening: hostile input, unsafe output, silent wrong answers and the first ten minutes.

One regression test (or more) for each class of problem fixed in the issue "Hardening and
the first ten minutes". Tests that need a real process (pipes, /dev/full, /dev/stdin,
a shadowing package) run the installed command in a subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from lineage.errors import DataError, OutputError, QueryLimitError, QueryTimeoutError, RdfError
from lineage.load import SHIPPED_DATA, load, loads
from lineage.output import printable, write_bytes_atomic, write_text_atomic

from .conftest import ROOT, TINY

HOSTILE = ROOT / "tests" / "fixtures" / "hostile"


@pytest.fixture(autouse=True)
def store_kind(monkeypatch):
    """These tests are about input and output, not the store: the in-memory one is enough."""
    monkeypatch.setenv("LINEAGE_STORE", ":memory:")
    return "memory"


def _lineage(*args: str, input: bytes | None = None, env: dict | None = None,
             cwd: Path | None = None, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    """Run the installed ``lineage`` command (or ``cli.main``) in a fresh process."""
    script = Path(sys.executable).with_name("lineage")
    cmd = [str(script)] if script.exists() else [
        sys.executable, "-c", "import sys; from cli import main; sys.exit(main())"]
    full_env = {**os.environ, "LINEAGE_STORE": ":memory:", **(env or {})}
    return subprocess.run([*cmd, *args], input=input, capture_output=True, env=full_env,
                          cwd=cwd, timeout=timeout, **kw)


def _problems(kb) -> list[str]:
    return [str(p) for p in kb.problems]


# --- 1. safe writes -------------------------------------------------------------------


def test_existing_file_is_replaced_and_keeps_its_mode(tmp_path):
    f = tmp_path / "out.ttl"
    f.write_text("old")
    f.chmod(0o600)
    write_text_atomic(f, "new")
    assert f.read_text() == "new"
    assert stat.S_IMODE(f.stat().st_mode) == 0o600


def test_new_file_honours_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        write_text_atomic(tmp_path / "new.html", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.html").stat().st_mode) == 0o640


def test_symlink_is_followed_and_kept(tmp_path):
    target = tmp_path / "real.ttl"
    target.write_text("old")
    link = tmp_path / "link.ttl"
    link.symlink_to(target)
    write_text_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"
    dangling = tmp_path / "dangling.ttl"
    dangling.symlink_to(tmp_path / "made.ttl")
    write_text_atomic(dangling, "made")
    assert dangling.is_symlink() and (tmp_path / "made.ttl").read_text() == "made"


def test_fifo_is_written_directly_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    write_bytes_atomic(fifo, b"through the pipe")
    reader.join(10)
    assert got == [b"through the pipe"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_device_is_written_directly():
    write_text_atomic("/dev/null", "discarded")
    assert stat.S_ISCHR(os.lstat("/dev/null").st_mode)
    assert not list(Path("/dev").glob(".null.*.tmp"))


def test_directory_is_refused_with_one_line_and_the_fix(tmp_path, run):
    with pytest.raises(OutputError) as e:
        write_text_atomic(tmp_path, "x")
    assert "is a directory" in str(e.value) and "Name a file inside it" in str(e.value)
    r = run("export", "rdf", "-o", str(tmp_path))
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and "is a directory" in r.stderr
    assert "Traceback" not in r.output


def test_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    f = tmp_path / "out.txt"
    f.write_text("kept")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OutputError, match="No space left on device"):
        write_text_atomic(f, "lost")
    assert f.read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_stale_temporaries_of_killed_runs_are_removed(tmp_path):
    dead = tmp_path / ".out.txt.999999999.0123abcd.tmp"  # above any pid_max: no such process
    old = tmp_path / ".out.txt.abc12345.tmp"  # an old-style name, two hours old
    live = tmp_path / f".out.txt.{os.getppid()}.89abcdef.tmp"  # a running writer's
    other = tmp_path / ".out.txt.notes.tmp"  # not a temporary of ours
    for p in (dead, old, live, other):
        p.write_text("partial")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    write_text_atomic(tmp_path / "out.txt", "whole")
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {"out.txt", live.name, other.name}


# --- 2. duplicate keys ---------------------------------------------------------------


def test_duplicate_key_is_refused_with_file_line_record_field():
    kb = loads((HOSTILE / "duplicate_key.yaml").read_text(), name="dup.yaml", check=False)
    assert _problems(kb) == [
        "dup.yaml:5 dup-model.name: duplicate key 'name' (first on line 3). Remove one of them: "
        "YAML would silently keep only the last."]


def test_duplicate_key_inside_a_relation_names_the_field(run):
    text = ("- {id: base, type: model, name: Base}\n"
            "- id: tuned\n  type: model\n  name: Tuned\n  relations:\n"
            "    - relation: finetune\n      target: base\n      target: base\n"
            "      sources: [{document: notes, quote: q}]\n")
    with pytest.raises(DataError) as e:
        loads(text, name="t.yaml")
    assert str(e.value).splitlines()[0].startswith(
        "t.yaml:8 tuned.relations[0].target: duplicate key 'target' (first on line 7)")
    r = run("validate", "--no-shipped", str(HOSTILE / "duplicate_key.yaml"), data=None)
    assert r.exit_code == 1 and "duplicate key 'name'" in r.stderr


# plain files are read the fast way; these texts must read exactly as the full way reads them
_PLAIN_TEXTS = [
    "- {id: a, type: model, name: A}\n",
    "- id: a\n  type: model\n  name: 'A: quoted'\n  aliases: [\"x\", y, 'z']\n  date: 2023-03\n",
    "# comment\n\n- id: a  # trailing\n  parameters: 7000000000\n  weights: null\n"
    "  flag: yes\n  ratio: 1.5e3\n  empty:\n  relations:\n  - {relation: finetune, target: b}\n"
    "  - relation: adapter\n    target: c\n    sources:\n      - document: d\n",
    "- id: a\n  description: |\n    two\n    lines\n  note: >\n    folded\n    text\n",
    "- 1: int key\n  false: bool key\n  ~: null key\n  2.5: float key\n",
    "- id: a\r\n  name: crlf\r\n  relations: []\r\n",
    "- id: 阿尔帕卡\n  name: \"\\u00e9t\\u00e9\"\n  relations: not a list\n",
    "- id: a\n  relations:\n    relation: a mapping, not a list\n",
    "---\n- [nested, [lists, [three]]]\n- plain\n- 12\n",
    "{not: a list}\n",
    "just a string\n",
]


@pytest.mark.parametrize("text", _PLAIN_TEXTS + [
    p.read_text(encoding="utf-8") for p in sorted(SHIPPED_DATA.rglob("*.yaml"))[:3]])
def test_a_plain_file_reads_as_the_full_reader_reads_it(text):
    from lineage.load import _ItemLines, _Loader, _parse, _walk

    data, lines, problems = _parse(text, "f.yaml")
    assert isinstance(lines, _ItemLines) and problems == []  # the fast way was taken
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        full = _walk(node).lines
        assert data == loader.construct_document(node)
    finally:
        loader.dispose()
    assert len(full) and all(lines.get(path) == line for path, line in full.items())
    assert dict(lines) == full


@pytest.mark.parametrize("text", [
    "- &a {id: a}\n- *a\n",  # an alias
    "- !!python/name:os.system x\n",  # a tag
    "- {id: a, id: b}\n",  # a duplicate key
    "- {<<: {type: model}, id: a}\n",  # a merge key
    "- {[complex]: key}\n",
    "- " + "[" * 300 + "]" * 300 + "\n",  # deep nesting
])
def test_anything_but_plain_values_is_read_the_full_way(text):
    from lineage.load import _ItemLines, _parse

    data, lines, problems = _parse(text, "f.yaml")
    assert not isinstance(lines, _ItemLines)


def test_a_large_layer_parsed_by_worker_processes_loads_as_one_read_here(tmp_path, monkeypatch):
    """Worker processes parse a large layer's files; what comes out (records, where each
    was defined, every problem in order) is what reading them in this process gives."""
    import lineage.load as L

    from .conftest import BAD

    layer = tmp_path / "layer"
    shutil.copytree(TINY, layer)
    for name in ("yaml_syntax.yaml", "duplicate_id.yaml", "unknown_field.yaml", "hostile.yaml"):
        shutil.copy(BAD / name, layer / f"z-{name}")
    (layer / "b-graph.ttl").write_text("<a> <b> <c> .\n", encoding="utf-8")
    (layer / "c-latin1.yaml").write_bytes(b"- id: caf\xe9\n")
    (layer / "d-dup.yaml").write_text("- {id: d, type: model, name: D, name: E}\n",
                                      encoding="utf-8")

    def what(kb):
        return (kb.records, kb.origins, kb.relation_origins, kb.problems)

    here = what(load([layer], shipped=False, check=False))
    used = []
    real = L._parsed_by_workers
    monkeypatch.setattr(L, "_parsed_by_workers",
                        lambda files, n: used.append(n) or real(files, n))
    monkeypatch.setattr(L, "_PARALLEL_BYTES", 0)
    monkeypatch.setattr(L.os, "cpu_count", lambda: 3)
    assert what(load([layer], shipped=False, check=False)) == here
    assert used == [2]
    assert [p.kind for p in here[3]].count("yaml") >= 2 and here[0]


# --- 3. alias bombs and tags ---------------------------------------------------------


def test_alias_bomb_is_one_line_not_a_hang():
    from lineage.load import _line_map, _Loader

    text = (HOSTILE / "alias_bomb.yaml").read_text()
    assert len(text) < 600
    start = time.monotonic()
    kb = loads(text, name="bomb.yaml", check=False)
    assert time.monotonic() - start < 5
    [problem] = _problems(kb)
    assert problem.startswith("bomb.yaml:3: YAML aliases expand 19 written values to ")
    assert "alias bomb" in problem and "\n" not in problem
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    assert len(_line_map(node)) < 100  # each node once, not every one of its paths


def test_recursive_alias_is_refused():
    kb = loads("- &a [x, *a]\n", name="loop.yaml", check=False)
    assert [p.message for p in kb.problems] == ["a YAML alias refers to a value that contains it"]


def test_a_few_aliases_still_work():
    kb = loads("""
- {id: base, type: model, name: Base}
- id: tuned
  type: model
  name: Tuned
  relations:
    - {relation: finetune, target: base, sources: &src [{document: notes, quote: "from base"}]}
    - {relation: uses_technique, target: sft, sources: *src}
- {id: sft, type: technique, name: SFT}
""")
    assert [r.sources[0].quote for r in kb.records["tuned"].relations] == ["from base"] * 2


def test_python_and_unknown_tags_are_refused_and_never_run(tmp_path):
    kb = load([HOSTILE / "python_tag.yaml"], shipped=False, check=False)
    [p] = kb.problems
    assert p.line == 2 and "YAML tag '!!python/object/apply:os.system' is not allowed" in str(p)
    assert not (Path.cwd() / "lineage-pwned.txt").exists()
    assert not (ROOT / "lineage-pwned.txt").exists()
    kb = loads("- !custom {id: a, type: model, name: A}\n- {id: b, type: model, name: !!set {}}",
               check=False)
    assert [p.message for p in kb.problems] == ["YAML tag '!custom' is not allowed"]


# --- 4. tracebacks on odd numbers and deep nesting -----------------------------------


@pytest.mark.parametrize("value, message", [
    (".inf", "inf is not a count"),
    ("-.inf", "-inf is not a count"),
    (".nan", "nan is not a count"),
    ("9" * 400, "too large for a count"),
    ('"' + "9" * 400 + 'B"', "too large for a count"),
    ("1.0e+400", "inf is not a count"),
])
def test_odd_counts_are_one_line_problems(value, message):
    kb = loads(f"- {{id: m, type: model, name: M, parameters: {value}}}\n", name="n.yaml",
               check=False)
    [p] = kb.problems
    assert str(p).startswith("n.yaml:1 m.parameters: ") and message in p.message


def test_counts_are_still_exact():
    from lineage.records import parse_count

    assert parse_count("1.5B") == 1_500_000_000
    assert parse_count("0.5K") == 500 and parse_count(10**18) == 10**18


def test_integer_literal_over_4300_digits_names_its_line():
    text = "- id: m\n  type: model\n  name: M\n  parameters: " + "9" * 5000 + "\n"
    kb = loads(text, name="big.yaml", check=False)
    [p] = kb.problems
    assert p.line == 4 and "5,000 characters long is too long to read" in p.message


def test_nan_score_is_refused_with_the_fix():
    kb = loads("""
- {id: bench, type: benchmark, name: Bench}
- id: m
  type: model
  name: M
  relations:
    - {relation: evaluated_on, target: bench, metric: acc, score: .nan,
       sources: [{document: d, quote: q}]}
""", name="s.yaml", check=False)
    assert _problems(kb) == [
        "s.yaml:7 m.relations[0].score: nan is not a finite number. Write 'score' as a number "
        "such as 71.3, or leave it out when the source gives none."]


@pytest.mark.parametrize("pure_python", [False, True])
def test_deep_nesting_is_one_line(monkeypatch, pure_python):
    import yaml

    from lineage import load as load_module

    if pure_python:  # the pure-Python parser recurses per level: RecursionError
        class PureLoader(yaml.SafeLoader):
            pass

        monkeypatch.setattr(load_module, "_Loader", PureLoader)
    text = "- {id: m, type: model, name: M, note: " + "[" * 5000 + "]" * 5000 + "}\n"
    kb = loads(text, name="deep.yaml", check=False)
    [p] = kb.problems
    assert p.file == "deep.yaml" and "nest" in p.message and "\n" not in str(p)


# --- 5. silent wrong answers ---------------------------------------------------------


def test_unreadable_subdirectory_is_reported(tmp_path, monkeypatch):
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.yaml").write_text("- {id: a, type: model, name: A}\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.yaml").write_text("- {id: b, type: model, name: B}\n")
    real_scandir = os.scandir

    def scandir(path="."):  # works for root too, where chmod 000 would not stop reading
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    kb = load([tmp_path], shipped=False, check=False)
    assert list(kb.records) == ["a"]
    [p] = kb.problems
    assert p.file.endswith("locked") and "cannot read this directory: Permission denied" in str(p)


def test_upper_case_suffixes_are_read(tmp_path):
    (tmp_path / "A.YAML").write_text("- {id: a, type: model, name: A}\n")
    (tmp_path / "b.Yml").write_text("- {id: b, type: model, name: B}\n")
    (tmp_path / "notes.txt").write_text("- {id: c, type: model, name: C}\n")
    assert sorted(load([tmp_path], shipped=False).records) == ["a", "b"]


def test_fifo_is_read(tmp_path):
    fifo = tmp_path / "data.fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(
        target=lambda: fifo.write_text("- {id: piped, type: model, name: Piped}\n"))
    writer.start()
    kb = load([fifo], shipped=False)
    writer.join(10)
    assert list(kb.records) == ["piped"]


def test_validate_reads_dev_stdin():
    r = _lineage("validate", "--no-shipped", "/dev/stdin",
                 input=b"- {id: piped, type: model, name: Piped}\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().startswith("ok: 1 records")
    r = _lineage("validate", "--no-shipped", "/dev/stdin", input=b"- {id: Bad Id, type: model}\n")
    assert r.returncode == 1 and b"not a valid id" in r.stderr


# --- 6. layering is idempotent -------------------------------------------------------


def test_a_copy_of_the_shipped_data_layers_without_problems(tmp_path):
    # a snapshot stands in for the shipped data, which may be edited while tests run
    snapshot, copy = tmp_path / "shipped", tmp_path / "copy"
    shutil.copytree(SHIPPED_DATA, snapshot)
    shutil.copytree(snapshot, copy)
    shipped = load([snapshot], shipped=False, check=False)
    both = load([snapshot, copy], shipped=False, check=False)

    def what(kb):  # the problems, wherever they are reported (the shipped data is clean)
        return sorted((p.record or "", p.field or "", p.message) for p in kb.problems)

    assert what(both) == what(shipped)
    assert not [p for p in both.problems if p.kind in ("duplicate", "override")]
    assert len(both) == len(shipped)
    assert (sum(len(r.relations) for r in both) == sum(len(r.relations) for r in shipped))


def test_a_layer_repeating_a_standalone_relation_replaces_it(tmp_path):
    (tmp_path / "more.yaml").write_text(
        "- type: relation\n  source: alpaca-7b\n  relation: uses_technique\n  target: sft\n"
        "  sources: [{document: first.md, locator: p. 1}]\n")
    (tmp_path / "again").mkdir()
    (tmp_path / "again" / "more.yaml").write_text(
        "- type: relation\n  source: alpaca-7b\n  relation: uses_technique\n  target: sft\n"
        "  sources: [{document: second.md, locator: p. 2}]\n")
    once = load([TINY, tmp_path / "more.yaml"], shipped=False)
    twice = load([TINY, tmp_path / "more.yaml", tmp_path / "again"], shipped=False)
    assert _problems(twice) == []
    rels = [r for r in twice.records["alpaca-7b"].relations if r.relation == "uses_technique"
            and r.target == "sft"]
    assert [s.document for r in rels for s in r.sources] == ["second.md"]
    assert (len(twice.records["alpaca-7b"].relations)
            == len(once.records["alpaca-7b"].relations))
    same = load([TINY, TINY], shipped=False)
    assert _problems(same) == []
    assert same.records == load([TINY], shipped=False).records


def test_overriding_a_record_says_what_happens_to_relations_pointing_at_it(tmp_path):
    (tmp_path / "mine.yaml").write_text("- id: llama-7b\n  type: model\n  name: LLaMA-7B\n")
    kb = load([TINY, tmp_path], shipped=False, check=False)
    [w] = kb.problems
    assert w.severity == "warning" and w.kind == "override" and w.record == "llama-7b"
    assert w.file.endswith("mine.yaml") and w.line == 1
    assert "replaces the record defined at" in w.message and "models.yaml" in w.message
    assert "its 1 relation there is dropped" in w.message
    assert "alpaca-7b" in w.message and "now point at this one" in w.message


# --- 7. validate a directory over the shipped data; check --only ----------------------


def test_validate_layers_user_files_over_the_shipped_data(run, tmp_path):
    (tmp_path / "mine.yaml").write_text(
        "- id: my-llama-tune\n  type: model\n  name: My Llama tune\n  relations:\n"
        "    - {relation: finetune, target: llama-2-7b, sources: [{document: notes.md, "
        "quote: tuned}]}\n")
    r = run("validate", str(tmp_path), data=None)
    assert "mine.yaml" not in r.stderr and "llama-2-7b" not in r.stderr
    shipped_ok = not [p for p in load(check=False).problems if p.severity == "error"]
    assert r.exit_code == (0 if shipped_ok else 1), r.stderr
    if shipped_ok:
        assert r.stdout.startswith("ok: ") and str(tmp_path) in r.stdout
    alone = run("validate", "--no-shipped", str(tmp_path), data=None)
    assert alone.exit_code == 1 and "unknown record 'llama-2-7b'" in alone.stderr
    alone = run("--no-shipped", "validate", str(tmp_path), data=None)
    assert alone.exit_code == 1


def test_check_only_reports_the_given_files(run, tmp_path):
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    mine.mkdir()
    theirs.mkdir()
    (mine / "a.yaml").write_text("- {id: mine-a, type: model, name: Mine A}\n")  # unsourced
    (theirs / "b.yaml").write_text(
        "- id: theirs-b\n  type: model\n  name: Theirs B\n  relations:\n"
        "    - {relation: finetune, target: nowhere, sources: [{document: d, quote: q}]}\n")
    everything = run("--data-dir", str(theirs), "check", "--only", str(mine), data=None)
    assert "unknown record 'nowhere'" not in everything.output
    assert "mine-a" in everything.stdout and everything.exit_code == 0
    strict = run("--data-dir", str(theirs), "check", "--strict", "--only", str(mine),
                 "--json", data=None)
    payload = json.loads(strict.stdout)
    assert strict.exit_code == 1
    assert {p["record"] for p in payload["problems"]} == {"mine-a"}
    assert {Path(p["file"]).name for p in payload["problems"]} == {"a.yaml"}
    clean = run("check", "--strict", "--only", str(theirs / "b.yaml"), data=None)
    assert clean.exit_code == 1 and "unknown record 'nowhere'" in clean.stdout


# --- 8. --data-dir and LINEAGE_DATA_DIR -----------------------------------------------


def _rec(directory: Path, rid: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "r.yaml").write_text(f"- {{id: {rid}, type: model, name: {rid}}}\n")


def test_env_data_dir_splits_on_pathsep_and_the_option_never_splits(run, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cli import main

    a, b = tmp_path / "with space", tmp_path / f"x{os.pathsep}y"
    _rec(a, "env-a")
    _rec(tmp_path / "other", "env-b")
    _rec(b, "colon")
    monkeypatch.setenv("LINEAGE_DATA_DIR", f"{a}{os.pathsep}{tmp_path / 'other'}")
    r = CliRunner().invoke(main, ["--no-shipped", "list", "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert sorted(n["id"] for n in json.loads(r.stdout)["nodes"]) == ["env-a", "env-b"]
    monkeypatch.delenv("LINEAGE_DATA_DIR")
    r = CliRunner().invoke(main, ["--no-shipped", "--data-dir", str(b), "list", "--json"],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert [n["id"] for n in json.loads(r.stdout)["nodes"]] == ["colon"]


# --- 9. RDF/XML with DOCTYPE / ENTITY -------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_rdf_xml_with_entities_is_refused(run, tmp_path, encoding):
    from graph.rdf import parse_rdf

    f = tmp_path / "entity.rdf"
    f.write_bytes((HOSTILE / "entity.rdf").read_text().replace(
        'version="1.0"', f'version="1.0" encoding="{encoding}"').encode(encoding))
    with pytest.raises(RdfError, match="DOCTYPE or ENTITY declaration"):
        parse_rdf(f)
    for args in (["import", "rdf", str(f)], ["validate", "--rdf", str(f)]):
        r = run(*args, data=None)
        assert r.exit_code == 1
        assert r.stderr.count("\n") == 1 and "DOCTYPE or ENTITY" in r.stderr
        assert r.stdout == ""


def test_plain_rdf_xml_still_reads(run, tmp_path):
    out = tmp_path / "kb.rdf"
    assert run("export", "rdf", "--format", "xml", "-o", str(out)).exit_code == 0
    r = run("import", "rdf", str(out), data=None)
    assert r.exit_code == 0 and "id: alpaca-7b" in r.stdout


# --- 10. SPARQL limits and CSV --------------------------------------------------------

CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_sparql_timeout_stops_a_runaway_cross_join(run):
    start = time.monotonic()
    r = run("sparql", "--timeout", "1", CROSS_JOIN)
    assert time.monotonic() - start < 15
    assert r.exit_code == 1
    assert "ran longer than 1 seconds" in r.stderr and "--timeout" in r.stderr


def test_sparql_timeout_stops_a_catastrophic_regex(tiny_graph):
    from graph.sparql import sparql

    q = ('SELECT ?x WHERE { BIND("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab" AS ?x) '
         'FILTER REGEX(?x, "^(a+)+$") }')
    start = time.monotonic()
    with pytest.raises(QueryTimeoutError):
        sparql(tiny_graph, q, timeout=1)
    assert time.monotonic() - start < 10


def test_sparql_max_rows(run, tiny_graph):
    from graph.sparql import sparql

    r = run("sparql", "--max-rows", "5", "SELECT * WHERE { ?s ?p ?o }")
    assert r.exit_code == 1 and "more than 5 rows" in r.stderr and "--max-rows" in r.stderr
    with pytest.raises(QueryLimitError):
        sparql(tiny_graph, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", max_rows=5, timeout=30)
    ok = sparql(tiny_graph, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5", max_rows=5, timeout=30)
    assert len(ok.rows) == 5
    start = time.monotonic()  # a huge join stops at the row limit, at once
    r = run("sparql", "--timeout", "0", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
    assert r.exit_code == 1 and "more than 10,000 rows" in r.stderr
    assert time.monotonic() - start < 30


def test_sparql_csv_neutralises_spreadsheet_formulas(run, tmp_path):
    from graph.sparql import csv_cell

    assert [csv_cell(c) for c in ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\tx", "-0.5", "+3",
                                  "1e5", "GPT-4", ""]] == [
        "'=1+1", "'+1+1", "'-1+1", "'@SUM(A1)", "'\tx", "-0.5", "+3", "1e5", "GPT-4", ""]
    (tmp_path / "evil.yaml").write_text(
        '- {id: evil, type: model, name: "=HYPERLINK(\\"http://x\\",\\"y\\")",'
        ' aliases: ["@SUM(1)", "-2+3"]}\n')
    r = run("sparql", "--format", "csv",
            "SELECT ?v WHERE { kb:evil ?p ?v FILTER(isLiteral(?v)) } ORDER BY ?v",
            data=tmp_path)
    assert r.exit_code == 0, r.stderr
    cells = r.stdout.splitlines()[1:]
    assert "'-2+3" in cells and "'@SUM(1)" in cells
    assert any(c.startswith("\"'=HYPERLINK(") for c in cells)
    assert not any(c.startswith(("=", "@", "-2", "\"=")) for c in cells)


# --- 11. printable --------------------------------------------------------------------


@pytest.mark.parametrize("raw, shown", [
    ("a\nb", "a\\nb"), ("a\rb", "a\\rb"), ("a\tb", "a\\tb"), ("\x1b[2J", "\\u001b[2J"),
    ("\x00\x7f\x85", "\\u0000\\u007f\\u0085"), ("abc\u202edcba", "abc\\u202edcba"),
    ("\u202a\u202b\u202c\u202d", "\\u202a\\u202b\\u202c\\u202d"),
    ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),
    ("\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"), ("line\u2028sep", "line\\u2028sep"),
    ("羊驼 Alpaca-7B café 🦙 C:\\dir", "羊驼 Alpaca-7B café 🦙 C:\\dir"),
])
def test_printable_escapes_controls_and_bidi(raw, shown):
    assert printable(raw) == shown
    assert printable(shown) == shown  # escapes are plain text: stable


# --- 12. output errors and closed pipes -----------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [["list"], ["export", "rdf", "--format", "nt"],
                                  ["ancestry", "vicuna"]])
def test_a_full_disk_on_stdout_is_one_line_and_exit_1(args):
    with open("/dev/full", "wb") as full:
        r = subprocess.run(
            [str(Path(sys.executable).with_name("lineage")), "--no-shipped", "--data-dir",
             str(TINY), *args], stdout=full, stderr=subprocess.PIPE, timeout=120,
            env={**os.environ, "LINEAGE_STORE": ":memory:"})
    err = r.stderr.decode()
    assert r.returncode == 1, err
    assert err.startswith("Error: cannot write to standard output: No space left on device.")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_closed_pipe_exits_0_quietly(tmp_path):
    big = tmp_path / "big.yaml"  # far more output than a pipe holds
    big.write_text("".join(f"- {{id: m-{i}, type: model, name: M{i}, description: {'x' * 300}}}\n"
                           for i in range(1500)))
    script = Path(sys.executable).with_name("lineage")
    proc = subprocess.Popen([str(script), "--no-shipped", "--data-dir", str(big), "export", "rdf",
                             "--format", "nt"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "LINEAGE_STORE": ":memory:"})
    first = proc.stdout.readline()  # like `| head -1`
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0
    assert first.startswith(b"<") and err == b""


# --- 13. seed texts -------------------------------------------------------------------


def test_seed_tests_skip_with_a_reason_when_the_texts_are_absent(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         str(ROOT / "tests" / "test_shipped.py"), "-k", "seed and not resolves"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env={**os.environ, "LINEAGE_SEEDS_DIR": str(tmp_path / "absent")})
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("SKIPPED [") == 3 and "failed" not in r.stdout
    assert f"seed texts not found in {tmp_path / 'absent'}; set LINEAGE_SEEDS_DIR" in r.stdout


def test_seeds_dir_reads_the_environment(tmp_path, monkeypatch):
    from .conftest import seeds_dir

    monkeypatch.setenv("LINEAGE_SEEDS_DIR", str(tmp_path))
    assert seeds_dir() is None  # no texts there
    (tmp_path / "000_x.txt").write_text("seed")
    assert seeds_dir() == tmp_path


# --- 14. the distribution, and shadowed packages ---------------------------------------


def test_distribution_is_llm_lineage_with_the_lineage_command(run):
    from importlib.metadata import distribution

    dist = distribution("llm-lineage")
    [ep] = [e for e in dist.entry_points if e.group == "console_scripts"]
    assert (ep.name, ep.value) == ("lineage", "cli:main")
    r = run("--version", data=None)
    assert r.exit_code == 0 and r.stdout.strip().endswith(f"version {dist.version}")


def test_a_shadowing_graph_package_fails_with_a_clear_message(tmp_path):
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "__init__.py").write_text("'''Some other graph library.'''\n")
    r = _lineage("list", env={"PYTHONPATH": str(tmp_path)})
    err = r.stderr.decode()
    assert r.returncode == 1
    assert "the 'graph' module imported from" in err and str(tmp_path) in err
    assert "is not the one of llm-lineage" in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_shacl_is_an_optional_extra_with_a_one_line_hint(tmp_path, monkeypatch):
    """Without pyshacl installed, 'validate --rdf' says how to install the extra."""
    import builtins

    from graph import rdf
    from graph.query import example_store
    from lineage.errors import RdfError

    path = tmp_path / "kb.nt"
    path.write_text("".join(rdf.iter_ntriples(example_store())), encoding="utf-8")
    real_import = builtins.__import__

    def no_pyshacl(name, *args, **kwargs):
        if name == "pyshacl":
            raise ImportError("No module named 'pyshacl'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyshacl)
    with pytest.raises(RdfError, match=r"pip install 'llm-lineage\[shacl\]'"):
        rdf.validate_rdf(str(path))
