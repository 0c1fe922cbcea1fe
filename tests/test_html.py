"""The exported page without a browser: structure, selection, layouts, escaping and
the safety of the embedded JSON. (tests/test_browser.py runs the page in Chromium.)"""

from __future__ import annotations

import json
import random
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from graph import query
from graph.html import (
    DEFAULT_MAX_NODES,
    LAYOUTS,
    LINEAGE_VIEW_RELATIONS,
    LINEAGE_VIEW_TYPES,
    RELATION_COLOURS,
    TYPE_STYLE,
    initial_view,
    json_for_script,
    layout_positions,
    page_data,
    select,
    to_html,
    write_html,
)
from lineage.errors import OutputError, QueryError, UnknownRecordError
from lineage.records import LINEAGE_RELATIONS, RECORD_TYPES, RELATION_KINDS, date_key
from tests.conftest import TINY
from tests.support import nxg


def synthetic_yaml(n: int, seed: int = 0) -> str:
    """A valid knowledge base of about ``n`` records with the shape of the real one:
    families with sized models, fine-tunes of fine-tunes, generated datasets,
    organizations, papers and techniques."""
    rnd = random.Random(seed)
    lines: list[str] = []
    src = '[{document: synthetic, quote: "q"}]'
    orgs = [f"org-{i}" for i in range(max(2, n // 40))]
    techs = [f"tech-{i}" for i in range(max(2, n // 25))]
    for o in orgs:
        lines.append(f"- {{id: {o}, type: organization, name: Org {o[4:]}}}")
    for t in techs:
        lines.append(f"- {{id: {t}, type: technique, name: Technique {t[5:]}}}")
    models: list[tuple[str, int]] = []
    datasets: list[str] = []
    papers = 0
    i = 0
    while len(lines) < n:
        i += 1
        month = min(71, i * 72 // max(n, 1))  # later records are never older than earlier ones
        year = 2018 + month // 12
        date = f"{year}-{month % 12 + 1:02d}"
        kind = rnd.random()
        rels = [f"{{relation: developed_by, target: {rnd.choice(orgs)}, sources: {src}}}"]
        if kind < 0.04 or not models:
            rid = f"family-{i}"
            lines.append(f"- {{id: {rid}, type: family, name: Family {i}, date: {date}, "
                         f"weights: open, relations: [{', '.join(rels)}]}}")
            models.append((rid, year))
            continue
        if kind < 0.16 and models:
            rid = f"data-{i}"
            teacher = rnd.choice(models)[0]
            rels = [f"{{relation: generated_by, target: {teacher}, sources: {src}}}"]
            lines.append(f"- {{id: {rid}, type: dataset, name: Dataset {i}, date: {date}, "
                         f"relations: [{', '.join(rels)}]}}")
            datasets.append(rid)
            continue
        if kind < 0.24:
            papers += 1
            lines.append(f"- {{id: paper-{i}, type: paper, name: 'Paper {i}: on models', "
                         f"date: {date}}}")
            continue
        rid = f"model-{i}"
        parent = rnd.choice(models[-60:])[0]
        rel = "variant" if parent.startswith("family") else "finetune"
        rels.append(f"{{relation: {rel}, target: {parent}, sources: {src}}}")
        if datasets and rnd.random() < 0.4:
            rels.append(f"{{relation: trained_on, target: {rnd.choice(datasets[-40:])}, "
                        f"sources: {src}}}")
        rels.append(f"{{relation: uses_technique, target: {rnd.choice(techs)}, sources: {src}}}")
        weights = rnd.choice(["open", "open", "closed", "restricted"])
        lines.append(f"- {{id: {rid}, type: model, name: Model {i} 模型, date: {date}, "
                     f"weights: {weights}, parameters: {rnd.choice([7, 13, 70])}B, "
                     f"relations: [{', '.join(rels)}]}}")
        models.append((rid, year))
    return "\n".join(lines) + "\n"


def _graph(*dirs: Path):
    from lineage.load import load
    from tests.support import make_store as build_graph

    return build_graph(load(list(dirs), shipped=False))


_STORES: dict = {}


@pytest.fixture
def G(store_kind):
    if store_kind not in _STORES:
        _STORES[store_kind] = _graph(TINY)
    return _STORES[store_kind]


def _data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="lineage-data">(.*?)</script>', page,
                  re.S)
    assert m, "the page has no data block"
    return json.loads(m.group(1))


class _Tags(HTMLParser):
    """Collects start tags with their attributes, and the text of each script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def _parse(page: str) -> _Tags:
    p = _Tags()
    p.feed(page)
    p.close()
    return p


# --- structure ------------------------------------------------------------------------------


def test_page_is_one_self_contained_document(G):
    page = to_html(G)
    assert page.startswith("<!DOCTYPE html>")
    tags = _parse(page)
    names = [t for t, _ in tags.tags]
    assert names.count("script") == 3  # data, vis-network, our script: nothing else runs
    # nothing to load: no src, no stylesheet links, no imports, no remote url()
    for tag, attrs in tags.tags:
        assert "src" not in attrs, (tag, attrs)
        assert tag != "link" and tag != "iframe" and tag != "object"
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page)
    assert not re.search(r"sourceMappingURL", page)
    # the CSP allows exactly our two scripts (by hash) and no connection at all
    csp = next(a["content"] for t, a in tags.tags
               if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    import base64
    import hashlib

    for body in tags.scripts[1:]:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    # vis-network is inlined with its licence header
    assert "vis-network" in tags.scripts[1][:200] and "@license" in tags.scripts[1][:1000]


def test_page_data_matches_the_graph(G):
    data = _data(to_html(G))
    assert data["counts"] == {"nodes": 22, "edges": G.edge_count(), "total_nodes": 22,
                              "total_edges": G.edge_count()}
    assert {n["id"] for n in data["nodes"]} == set(nxg(G))
    assert sorted((e["from"], e["relation"], e["to"]) for e in data["edges"]) == sorted(
        (u, r, v) for u, v, r in nxg(G).edges(data="relation"))
    alpaca = next(n for n in data["nodes"] if n["id"] == "alpaca-7b")
    assert alpaca["developers"] == ["Stanford University"]
    assert ["parameters", "7B"] in alpaca["attrs"]
    assert alpaca["aliases"] == ["Alpaca", "阿尔帕卡"]
    assert set(alpaca["pos"]) == set(LAYOUTS)
    llama7 = next(n for n in data["nodes"] if n["id"] == "llama-7b")
    assert llama7["licences"] == ["LLaMA license (via LLaMA)"]  # inherited from its family
    weak = [e for e in data["edges"] if e["confidence"] == "weak"]
    assert [(e["from"], e["to"]) for e in weak] == [("code-davinci-002", "codex")]
    assert data["left_out"] == {} and data["focus"] is None


def test_pyvis_assembles_what_vis_network_draws(G):
    from pyvis.network import Network

    from graph.html import page_data, select, vis_network

    data = page_data(G, select(G), "hierarchy")
    net = vis_network(data)
    assert isinstance(net, Network) and net.directed
    assert [n["id"] for n in net.nodes] == [n["id"] for n in data["nodes"]]
    by_id = {n["id"]: n for n in data["nodes"]}
    for v in net.nodes:  # shape by type, place and size from the opening layout
        n = by_id[v["id"]]
        assert v["shape"] == TYPE_STYLE[n["type"]]["shape"]
        assert [v["x"], v["y"]] == n["pos"]["hierarchy"] and v["size"] == n["size"]["hierarchy"]
        assert v["label"] == n["label"]
    closed = [v for v in net.nodes if by_id[v["id"]].get("weights") == "closed"]
    assert closed and all(v["color"]["background"] == "#ffffff" for v in closed)
    assert [(e["from"], e["to"]) for e in net.edges] == [(e["from"], e["to"]) for e in data["edges"]]
    weak = {e["id"] for e in data["edges"] if e["confidence"] == "weak"}
    assert {e["id"] for e in net.edges if e["dashes"]} == weak
    assert net.options["edges"]["smooth"]["forceDirection"] == "vertical"
    # the page carries exactly what pyvis assembled, and opens with it
    page = _data(to_html(G, layout="hierarchy"))
    nodes, edges, *_rest, options = net.get_network_data()
    assert page["vis"]["nodes"] == json.loads(json.dumps(nodes))
    assert page["vis"]["edges"] == json.loads(json.dumps(edges))
    assert page["vis"]["options"] == json.loads(options)


def test_vis_network_script_is_the_one_pyvis_ships(G):
    import pyvis

    from graph.html import vis_network_js

    path = vis_network_js()
    assert Path(pyvis.__file__).parent in path.parents
    tags = _parse(to_html(G))
    assert tags.scripts[1].startswith(path.read_text(encoding="utf-8")[:500])


def test_every_type_and_relation_has_a_style():
    assert set(TYPE_STYLE) == set(RECORD_TYPES)
    assert set(RELATION_COLOURS) == set(RELATION_KINDS)
    for style in TYPE_STYLE.values():
        assert re.fullmatch(r"#[0-9a-f]{6}", style["color"]) and style["shape"]
    # colour and shape together tell every type apart
    assert len({(s["shape"], s["color"]) for s in TYPE_STYLE.values()}) == len(TYPE_STYLE)


def test_sources_get_links_only_when_safe(G):
    from graph.html import _href

    assert _href("arXiv:2302.13971") == "https://arxiv.org/abs/2302.13971"
    assert _href("https://crfm.stanford.edu/2023/03/13/alpaca.html").startswith("https://")
    for bad in ("javascript:alert(1)", "002_70697c1b2f561b7a.txt", "data:text/html,x",
                'https://x.org/"><img src=x>', "//evil.example/x"):
        assert _href(bad) is None


# --- selection -----------------------------------------------------------------------------


def test_focus_is_the_lineage_neighbourhood(G):
    s = select(G, focus="Vicuna")
    expected = {"vicuna-13b", *query.ancestors(G, "vicuna-13b"), *query.descendants(G, "vicuna-13b"),
                "vicuna-eval"}  # + direct neighbours (the benchmark it was evaluated on)
    assert set(s.nodes) == expected
    assert s.nodes[0] == "vicuna-13b" and s.focus == "vicuna-13b" and not s.auto_focus
    assert all(u in expected and v in expected for u, v, _ in s.edges)
    assert sum(s.left_out.values()) == len(G) - len(expected)
    assert "Focus view" in s.notes[0]


def test_depth_limits_the_neighbourhood(G):
    s = select(G, focus="alpaca-7b", depth=1)
    assert set(s.nodes) == {"alpaca-7b", "llama-7b", "alpaca-data", "stanford"}
    s0 = select(G, focus="alpaca-7b", depth=0)
    assert s0.nodes == ["alpaca-7b"] and s0.edges == []


def test_type_and_relation_filters(G):
    s = select(G, types=["model"])
    assert {nxg(G).nodes[n]["type"] for n in s.nodes} == {"model"}
    assert all(nxg(G).edges[e]["relation"] in ("finetune", "successor") for e in s.edges)
    r = select(G, relations=["finetune"])
    assert {nxg(G).edges[e]["relation"] for e in r.edges} == {"finetune"}
    assert set(r.nodes) == {x for u, v, _ in r.edges for x in (u, v)}
    assert any("no relation of the chosen kinds" in n for n in r.notes)
    # the focus is kept even when its type is filtered out
    f = select(G, focus="llama", types=["model"])
    assert "llama" in f.nodes and all(nxg(G).nodes[n]["type"] == "model" for n in f.nodes[1:])


def test_big_graphs_become_a_focus_view():
    from lineage.load import loads
    from tests.support import make_store as build_graph
    from tests.support import nxg

    G = build_graph(loads(synthetic_yaml(1200), name="synthetic"))
    s = select(G, max_nodes=300)
    assert len(s.nodes) <= 300 and s.auto_focus and s.focus is not None
    assert nxg(G).nodes[s.focus]["type"] in ("model", "family")
    assert sum(s.left_out.values()) == len(G) - len(s.nodes)
    # no limit: everything
    assert len(select(G, max_nodes=0).nodes) == len(G)


@pytest.mark.parametrize("kwargs, message", [
    ({"depth": 1}, "give a focus too"),
    ({"focus": "llama", "depth": -1}, "depth must be a whole number"),
    ({"types": ["modle"]}, "unknown record type 'modle'"),
    ({"relations": ["fine-tune"]}, "unknown relation kind 'fine-tune'"),
    ({"max_nodes": -5}, "max_nodes must be"),
])
def test_bad_arguments_raise_query_errors(G, kwargs, message):
    with pytest.raises(QueryError, match=message):
        select(G, **kwargs)


def test_unknown_focus_suggests_names(G):
    with pytest.raises(UnknownRecordError, match="Did you mean"):
        to_html(G, focus="vicunna")
    with pytest.raises(QueryError, match="unknown layout 'circle'"):
        to_html(G, layout="circle")


# --- the lineage view: what an unfocused page opens showing -----------------------------


def lineage_view(G, nodes=None):
    """The records and relations the lineage view shows, computed from the graph:
    models, families and datasets, and the weight and data lineage between them."""
    nodes = list(nxg(G)) if nodes is None else nodes
    shown = {n for n in nodes if nxg(G).nodes[n]["type"] in ("model", "family", "dataset")}
    edges = {(u, v, k) for u, v, k, r in nxg(G).edges(keys=True, data="relation")
             if u in shown and v in shown and r in LINEAGE_RELATIONS}
    return shown, edges


def test_lineage_view_is_models_families_datasets_and_lineage_relations():
    assert LINEAGE_VIEW_TYPES == ("model", "family", "dataset")
    assert set(LINEAGE_VIEW_RELATIONS) == set(LINEAGE_RELATIONS)
    assert "organization" not in LINEAGE_VIEW_TYPES  # one click away, like papers


def test_unfocused_page_has_everything_and_opens_on_the_lineage_view(G):
    s = select(G)
    assert set(s.nodes) == set(nxg(G)) and len(s.edges) == G.edge_count()  # all on the page
    assert s.view_types == ["model", "family", "dataset"]
    assert s.view_relations == list(LINEAGE_RELATIONS)
    nodes, edges = initial_view(G, s)
    shown, shown_edges = lineage_view(G)
    assert set(nodes) == shown and set(edges) == shown_edges
    assert len(nodes) == 13 and len(edges) == 13  # of 22 records and 22 relations
    assert {nxg(G).nodes[n]["type"] for n in set(nxg(G)) - shown} == {
        "organization", "technique", "paper", "license", "benchmark"}
    # the page's data says the same: the legend opens with these ticked
    data = page_data(G, s)
    assert data["view"] == {"types": ["model", "family", "dataset"],
                            "relations": sorted({nxg(G).edges[e]["relation"] for e in shown_edges},
                                                key=RELATION_KINDS.index),
                            "lineage": True}
    assert set(data["style"]["present_types"]) == {nxg(G).nodes[n]["type"] for n in nxg(G)}


@pytest.mark.parametrize("kwargs", [
    {"focus": "Vicuna"},                       # a focus view is small: everything around it
    {"focus": "alpaca-7b", "depth": 1},
    {"types": ["model", "technique"]},         # explicit filters override the default
    {"relations": ["uses_technique", "finetune"]},
    {"types": ["organization"], "relations": ["developed_by"]},
])
def test_focus_and_explicit_filters_open_showing_all_they_select(G, kwargs):
    s = select(G, **kwargs)
    assert s.view_types is None and s.view_relations is None
    assert initial_view(G, s) == (s.nodes, s.edges)
    data = page_data(G, s)
    assert data["view"]["types"] == data["style"]["present_types"]
    assert data["view"]["relations"] == data["style"]["present_relations"]
    assert data["view"]["lineage"] is False


@pytest.mark.parametrize("focus, context", [
    ("llama", {"meta", "llama-license"}),             # its developer and licence
    ("vicuna-13b", {"vicuna-eval"}),                  # the benchmark it was evaluated on
    ("self-instruct", {"self-instruct-paper"}),       # a technique and its paper
])
def test_focus_view_shows_the_records_around_the_focus(G, focus, context):
    nodes, edges = initial_view(G, select(G, focus=focus))
    assert context <= set(nodes)
    touching = {e for e in nxg(G).edges(keys=True) if focus in e[:2]}
    assert touching <= set(edges)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_an_empty_page_is_still_a_page(G, layout):
    s = select(G, types=["organization"], relations=["developed_by"])
    assert s.nodes == [] and s.edges == []
    data = _data(to_html(G, types=["organization"], relations=["developed_by"], layout=layout))
    assert data["nodes"] == [] and data["counts"]["nodes"] == 0


def test_a_page_without_lineage_records_opens_showing_them():
    from lineage.load import loads
    from tests.support import make_store as build_graph

    G = build_graph(loads(
        "- {id: lora, type: technique, name: LoRA, relations: [{relation: introduced_in, "
        "target: lora-paper, sources: [{document: x, quote: q}]}]}\n"
        "- {id: lora-paper, type: paper, name: 'LoRA: low-rank adaptation'}\n", name="t"))
    s = select(G)
    assert s.view_types is None and initial_view(G, s) == (s.nodes, s.edges)


def test_a_big_graph_focus_view_still_opens_on_the_lineage():
    from lineage.load import loads
    from tests.support import make_store as build_graph

    G = build_graph(loads(synthetic_yaml(1200), name="synthetic"))
    s = select(G, max_nodes=300)
    assert s.auto_focus and s.view_types is not None
    nodes, edges = initial_view(G, s)
    shown, shown_edges = lineage_view(G, s.nodes)
    assert set(nodes) == shown and set(edges) == shown_edges
    assert 0 < len(nodes) < len(s.nodes)


def test_force_layout_is_computed_for_the_lineage_view():
    """The records the page hides at first do not spread out the ones it shows: the
    lineage view is laid out exactly as it is alone, and every other record sits
    near a record it is linked to."""
    import math

    from graph.html import _geometry, _layout
    from lineage.load import loads
    from tests.support import make_store as build_graph
    from tests.support import nxg

    G = build_graph(loads(synthetic_yaml(400, seed=3), name="synthetic"))
    s = select(G)
    nodes, edges = initial_view(G, s)
    assert len(nodes) < len(s.nodes) and len(edges) < len(s.edges)
    geo = _geometry(nxg(G), s.nodes, s.edges)  # the same sizes and labels both times
    pos, _ = _layout(nxg(G), s.nodes, s.edges, "force", geo)
    alone, _ = _layout(nxg(G), nodes, edges, "force", geo)
    assert {n: pos[n] for n in nodes} == alone
    xs, ys = [pos[n][0] for n in nodes], [pos[n][1] for n in nodes]
    span = math.hypot(max(xs) - min(xs), max(ys) - min(ys))
    shown = set(nodes)
    for n in set(s.nodes) - shown:
        linked = [v for v in nxg(G).successors(n) if v in shown] + [
            u for u in nxg(G).predecessors(n) if u in shown]
        if linked:
            nearest = min(math.dist(pos[n], pos[m]) for m in linked)
            assert nearest < span / 4, (n, nearest, span)


@pytest.mark.parametrize("layout", ["timeline", "hierarchy"])
def test_timeline_and_hierarchy_put_the_lineage_view_first(G, layout):
    """The other records' rows are under the lineage view's, so hiding them leaves no
    holes in it."""
    s = select(G)
    nodes, _ = initial_view(G, s)
    pos = layout_positions(nxg(G), s.nodes, s.edges, layout)
    lowest = max(pos[n][1] for n in nodes)
    assert all(pos[n][1] > lowest for n in set(s.nodes) - set(nodes))


def test_guide_labels_name_the_types_they_stand_for(G):
    data = page_data(G, select(G), "timeline")
    labels = data["guides"]["timeline"]["labels"]
    texts = {g["text"]: g for g in labels}
    assert texts["open weights ↑"]["types"] == ["model", "family"]
    assert "papers, techniques, other records" in texts
    assert not set(texts["papers, techniques, other records"]["types"]) & set(LINEAGE_VIEW_TYPES)
    hier = data["guides"]["hierarchy"]["labels"]
    assert any(g["text"].startswith("lineage:") for g in hier)
    assert all(g["types"] for g in labels + hier)


# --- layouts -------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layouts_place_every_record_without_stacking_them(G, layout):
    edges = list(nxg(G).edges(keys=True))
    pos = layout_positions(nxg(G), list(nxg(G)), edges, layout)
    assert set(pos) == set(nxg(G))
    assert len({(round(x), round(y)) for x, y in pos.values()}) == len(pos)


def test_timeline_orders_by_date_and_splits_open_from_closed(G):
    pos = layout_positions(nxg(G), list(nxg(G)), list(nxg(G).edges(keys=True)), "timeline")
    dated = sorted((n for n in nxg(G) if nxg(G).nodes[n]["date"]),
                   key=lambda n: date_key(nxg(G).nodes[n]["date"]))
    for a, b in zip(dated, dated[1:], strict=False):
        if date_key(nxg(G).nodes[a]["date"])[0] < date_key(nxg(G).nodes[b]["date"])[0]:
            assert pos[a][0] < pos[b][0], (a, b)
    assert pos["gpt-3"][1] > 0 and pos["chatgpt"][1] > 0          # closed: below the axis
    assert pos["llama-7b"][1] < 0 and pos["llama"][1] < 0         # restricted/open: above


def test_hierarchy_puts_parents_above_children(G):
    pos = layout_positions(nxg(G), list(nxg(G)), list(nxg(G).edges(keys=True)), "hierarchy")
    for u, v, r in nxg(G).edges(data="relation"):
        if r in ("finetune", "variant", "trained_on", "generated_by", "successor",
                 "continued_pretraining"):
            assert pos[v][1] < pos[u][1], (u, r, v)


# --- escaping ------------------------------------------------------------------------------

HOSTILE_NAMES = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    "<!-- <script>",
    "a & b \u2028 c \u2029 d",
    "{{data}} {{vis_js}}",
]


@pytest.mark.parametrize("text", HOSTILE_NAMES)
def test_json_for_script_cannot_end_the_script_and_round_trips(text):
    out = json_for_script({"name": text, "list": [text]})
    assert "<" not in out and ">" not in out and "&" not in out
    assert "\u2028" not in out and "\u2029" not in out
    assert json.loads(out) == {"name": text, "list": [text]}


def test_json_for_script_escapes_lone_surrogates():
    out = json_for_script(["\ud800x"])
    out.encode("utf-8")  # encodable
    assert json.loads(out) == ["\ud800x"]


def test_hostile_records_stay_inside_the_data_block(tmp_path):
    hostile = tmp_path / "evil.yaml"
    hostile.write_text(
        "- id: evil\n  type: model\n  name: '<img src=x onerror=alert(1)>'\n"
        "  description: '</script><script>alert(2)</script><!--'\n"
        "  aliases: ['{{data}}', '{{app_js}}']\n"
        "  note: '</style><b>x</b> \u2028'\n", encoding="utf-8")
    G = _graph(TINY, tmp_path)
    page = to_html(G, title="</title><script>alert(3)</script>")
    tags = _parse(page)
    assert [t for t, _ in tags.tags].count("script") == 3
    assert not any(t in ("img", "b") for t, _ in tags.tags)
    assert "<title>&lt;/title&gt;&lt;script&gt;" in page
    # the placeholders in names were not expanded
    data = _data(page)
    evil = next(n for n in data["nodes"] if n["id"] == "evil")
    assert evil["name"] == "<img src=x onerror=alert(1)>"
    assert evil["description"] == "</script><script>alert(2)</script><!--"
    assert evil["aliases"] == ["{{data}}", "{{app_js}}"]
    assert page.count("</script>") == 3  # only our three elements close a script
    # our script never writes HTML from data
    app = tags.scripts[2]
    assert "innerHTML" not in app and "outerHTML" not in app and "insertAdjacentHTML" not in app
    assert "document.write" not in app and "eval(" not in app


# --- writing -------------------------------------------------------------------------------


def test_write_html_is_atomic_and_reports_bad_paths(G, tmp_path):
    out = write_html(G, tmp_path / "g.html", layout="hierarchy")
    assert out.read_text(encoding="utf-8") == to_html(G, layout="hierarchy")
    assert _data(out.read_text(encoding="utf-8"))["layout"] == "hierarchy"
    with pytest.raises(OutputError, match="does not exist"):
        write_html(G, tmp_path / "missing" / "g.html")
    assert not (tmp_path / "missing").exists()
    # a failed export leaves the old file as it was
    before = out.read_bytes()
    with pytest.raises(UnknownRecordError):
        write_html(G, out, focus="nothing-like-this")
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["g.html"]


def test_page_data_is_deterministic(G):
    assert to_html(G) == to_html(G)
    sel = select(G)
    assert page_data(G, sel) == page_data(G, sel)


# --- CLI -----------------------------------------------------------------------------------


def test_cli_export_html(run, tmp_path):
    out = tmp_path / "tiny.html"
    r = run("export", "html", "-o", str(out), "--layout", "timeline")
    assert r.exit_code == 0, r.output
    assert str(out) in r.output and "22 records" in r.output
    data = _data(out.read_text(encoding="utf-8"))
    assert data["layout"] == "timeline" and data["counts"]["nodes"] == 22


def test_cli_export_html_focus_depth_type_relation(run, tmp_path):
    out = tmp_path / "f.html"
    r = run("export", "html", "-o", str(out), "--focus", "小羊驼", "--depth", "1",
            "--type", "model", "--type", "dataset", "--relation", "finetune",
            "--relation", "trained_on")
    assert r.exit_code == 0, r.output
    data = _data(out.read_text(encoding="utf-8"))
    assert data["focus"] == "vicuna-13b"
    assert {n["id"] for n in data["nodes"]} == {"vicuna-13b", "llama-13b", "sharegpt"}
    assert {e["relation"] for e in data["edges"]} == {"finetune", "trained_on"}


def test_cli_export_html_to_stdout(run):
    r = run("export", "html", "-o", "-")
    assert r.exit_code == 0
    assert r.stdout.startswith("<!DOCTYPE html>") and r.stdout.rstrip().endswith("</html>")


@pytest.mark.parametrize("args, code, message", [
    (["--focus", "vicunna"], 1, "Error: unknown record 'vicunna'"),
    (["--depth", "2"], 2, "--depth needs --focus"),
    (["--layout", "circle"], 2, "Invalid value for '--layout'"),
    (["--type", "modle"], 2, "Invalid value for '--type'"),
    (["-o", "/nonexistent-dir/x.html"], 1, "does not exist"),
])
def test_cli_export_html_errors(run, args, code, message):
    r = run("export", "html", *args)
    assert r.exit_code == code
    assert message in r.output
    assert "Traceback" not in r.output


def test_cli_view_opens_the_browser_or_prints_the_path(run, tmp_path, monkeypatch):
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: opened.append(url) or True)
    out = tmp_path / "v.html"
    r = run("view", "Alpaca", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert opened == [out.resolve().as_uri()]
    assert _data(out.read_text(encoding="utf-8"))["focus"] == "alpaca-7b"
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: False)
    r = run("view", "-o", str(out))
    assert r.exit_code == 0
    assert "No browser" in r.output and str(out) in r.output


def test_cli_view_without_a_path_writes_a_temporary_file(run, monkeypatch, tmp_path):
    import tempfile
    import webbrowser

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(webbrowser, "open", lambda url, *a, **k: False)
    r = run("view")
    assert r.exit_code == 0
    written = list(tmp_path.glob("lineage-*.html"))
    assert len(written) == 1 and str(written[0]) in r.output


def test_cli_layout_choices_match_the_library():
    from cli import main

    html_cmd = main.commands["export"].commands["html"]
    layout = next(p for p in html_cmd.params if p.name == "layout")
    assert tuple(layout.type.choices) == LAYOUTS
    max_nodes = next(p for p in html_cmd.params if p.name == "max_nodes")
    assert max_nodes.default == DEFAULT_MAX_NODES
