"""The README stays true: its commands run and print what it shows."""

from __future__ import annotations

import re
import shlex

import pytest

from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _console_examples():
    """(command, expected lines) for every `$ lineage ...` in ```console blocks."""
    out = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        current = None
        for line in block.splitlines():
            if line.startswith("$ "):
                current = (line[2:], [])
                out.append(current)
            elif current is not None:
                current[1].append(line)
    return out


EXAMPLES = _console_examples()


def test_readme_has_examples():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("command, expected", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_console_examples_run_and_match(run, command, expected):
    args = shlex.split(command)
    assert args[0] == "lineage"
    result = run(*args[1:], data=None)
    shown = [ln for ln in expected if ln.strip() and ln.strip() != "..."]
    failing = any(ln.startswith("Error:") for ln in shown) or "tests/fixtures/bad" in command
    assert result.exit_code == (1 if failing else 0), result.output
    actual = result.output.splitlines()
    pos = 0
    for line in shown:  # every shown line appears, in order
        while pos < len(actual) and actual[pos].rstrip() != line.rstrip():
            pos += 1
        assert pos < len(actual), f"README line not in output of {command!r}: {line!r}"
        pos += 1


def test_readme_test_command_is_what_ci_runs():
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    install, tests = blocks[0].strip(), blocks[1].strip()
    assert install.endswith("python3 -m venv .venv && . .venv/bin/activate && pip install -q . "
                            "&& lineage ancestry Vicuna")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci.splitlines()


def test_readme_counts_match_the_shipped_data(shipped_graph):
    from graph.query import statistics

    s = statistics(shipped_graph)
    m = re.search(r"\): (\d+) records \((\d+) models, (\d+) families, (\d+) datasets,\s+(\d+) "
                  r"techniques, (\d+) papers.*?and (\d+)\s+relations, (\d+) explicit and (\d+) weak",
                  README, flags=re.S)
    assert m, "the README's introduction no longer states the counts"
    got = tuple(int(x) for x in m.groups())
    t = s["by_type"]
    assert got == (s["records"], t["model"], t["family"], t["dataset"], t["technique"],
                   t["paper"], s["relations"], s["by_confidence"]["explicit"],
                   s["by_confidence"]["weak"])
