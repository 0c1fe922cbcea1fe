"""The exported page in a real browser: headless Chromium with the network off.

Chromium (Debian's ``chromium``) is driven through the DevTools protocol over
``--remote-debugging-pipe`` (file descriptors 3 and 4, NUL-separated JSON), so
no websocket package is needed. Every test really runs the page's script:
it reads how many nodes and edges vis-network drew, collects console errors,
exceptions and every request the page made, types into the search box, and
probes hostile strings.

The network is blocked three ways: a dead proxy (``--proxy-server=127.0.0.1:9``),
a host resolver that resolves nothing, and the page's own Content-Security-Policy;
the tests also assert that the page requested nothing but its own file.

Also a script: ``python -m tests.test_browser --screenshot docs/graph.png`` takes
the README's screenshot of the default view of the shipped knowledge base.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TINY
from tests.support import nxg

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    "--hide-scrollbars",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--remote-debugging-pipe",
]
INSTALL_HINT = ("Install Debian's chromium to run the browser tests: "
                "apt-get update && apt-get install -y chromium (or set $CHROMIUM to its path).")


class BrowserError(RuntimeError):
    """The browser or the page misbehaved (a protocol error, a timeout, a crash)."""


def chromium_path() -> str | None:
    env = os.environ.get("CHROMIUM")
    if env:
        return env if Path(env).exists() else shutil.which(env)
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


class Chromium:
    """A headless Chromium driven over the DevTools pipe."""

    def __init__(self, executable: str) -> None:
        self.profile = tempfile.mkdtemp(prefix="lineage-chromium-")
        to_browser_r, self._w = os.pipe()
        self._r, from_browser_w = os.pipe()

        def wire() -> None:  # runs in the child: the browser reads fd 3 and writes fd 4
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=wire, close_fds=False,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buf = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        self.dialogs: list[dict[str, Any]] = []
        self.call("Browser.getVersion", timeout=60)

    # -- protocol ------------------------------------------------------------------------

    def _send(self, method: str, params: dict | None, session: str | None) -> int:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        return self._id

    def _read(self, timeout: float) -> dict | None:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._r], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise BrowserError("chromium closed the DevTools pipe (did it crash?)")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        msg = json.loads(raw)
        if msg.get("method") == "Page.javascriptDialogOpening":
            # a dialog blocks the page until handled: record it and dismiss it at once
            self.dialogs.append(msg["params"])
            self._send("Page.handleJavaScriptDialog", {"accept": False}, msg.get("sessionId"))
        if "method" in msg:
            self.events.append(msg)
        return msg

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30) -> dict:
        mid = self._send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read(max(0.0, deadline - time.monotonic()))
            if msg is None:
                raise BrowserError(f"no answer to {method} within {timeout}s")
            if msg.get("id") == mid:
                if "error" in msg:
                    raise BrowserError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def pump(self, seconds: float) -> None:
        """Read events for a while (lets the page run)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._read(deadline - time.monotonic())

    def new_page(self, width: int = 1440, height: int = 900) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"]
        page = Page(self, target, session)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=session)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                  session=session)
        return page

    def close(self) -> None:
        try:
            self._send("Browser.close", None, None)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait(timeout=10)
        finally:
            os.close(self._w)
            os.close(self._r)
            shutil.rmtree(self.profile, ignore_errors=True)


class Page:
    """One tab: navigate, evaluate, and what it logged and requested."""

    def __init__(self, browser: Chromium, target: str, session: str) -> None:
        self.browser, self.target, self.session = browser, target, session

    def call(self, method: str, params: dict | None = None, timeout: float = 30) -> dict:
        return self.browser.call(method, params, self.session, timeout)

    def _events(self, method: str) -> list[dict]:
        return [e["params"] for e in self.browser.events
                if e.get("sessionId") == self.session and e["method"] == method]

    def open(self, path: Path, timeout: float = 60) -> None:
        self.call("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_for("window.lineageView && window.lineageView.ready && "
                      "window.lineageView.drawn !== null", timeout)

    def evaluate(self, expression: str, timeout: float = 30) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, timeout)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} raised: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(f"(function(){{try{{return {expression}}}catch(e){{return null}}}})()")
            if value:
                return value
            self.browser.pump(0.1)
        raise BrowserError(f"timed out after {timeout}s waiting for {expression}")

    def errors(self) -> list[str]:
        """Console errors and warnings, uncaught exceptions and failed loads, as text."""
        out = []
        for p in self._events("Runtime.consoleAPICalled"):
            if p["type"] in ("error", "warning", "assert"):
                out.append(f"console.{p['type']}: " + " ".join(
                    str(a.get("value", a.get("description", ""))) for a in p["args"]))
        for p in self._events("Runtime.exceptionThrown"):
            out.append("exception: " + json.dumps(p["exceptionDetails"])[:500])
        for p in self._events("Log.entryAdded"):
            if p["entry"]["level"] in ("error", "warning"):
                out.append(f"log.{p['entry']['level']}: {p['entry']['text']}")
        return out

    def requests(self) -> list[str]:
        return [p["request"]["url"] for p in self._events("Network.requestWillBeSent")]

    def dialogs(self) -> list[dict]:
        return list(self.browser.dialogs)

    def type_text(self, selector: str, text: str) -> None:
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", {"text": text})

    def press(self, key: str, code: int) -> None:
        for kind in ("rawKeyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": key,
                                                 "windowsVirtualKeyCode": code})

    def mouse(self, kind: str, x: float, y: float) -> None:
        params = {"type": kind, "x": x, "y": y, "button": "left", "buttons": 0}
        if kind in ("mousePressed", "mouseReleased"):
            params.update(clickCount=1, buttons=1 if kind == "mousePressed" else 0)
        self.call("Input.dispatchMouseEvent", params)

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self.browser.call("Target.closeTarget", {"targetId": self.target})


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    exe = chromium_path()
    if exe is None:
        pytest.fail("chromium was not found. " + INSTALL_HINT, pytrace=False)
    b = Chromium(exe)
    yield b
    b.close()


@pytest.fixture
def page(browser):
    p = browser.new_page()
    yield p
    p.close()


def _graph(*dirs: Path):
    from lineage.load import load
    from tests.support import make_store as build_graph

    return build_graph(load(list(dirs), shipped=False))


def _export(G, tmp_path: Path, name: str = "page.html", **kwargs) -> Path:
    from graph.html import write_html

    return write_html(G, tmp_path / name, **kwargs)


def _assert_offline(page: Page) -> None:
    requested = page.requests()
    assert requested, "the page made no request at all: was it loaded?"
    outside = [u for u in requested if not u.startswith(("file:", "data:", "about:"))]
    assert outside == [], f"the page tried to load from the network: {outside}"


def _drawn(page: Page, nodes: int, edges: int | None = None, timeout: float = 20) -> None:
    """Wait until the page has drawn this many nodes (and edges), then check it."""
    want = f"d.nodes === {nodes}" + ("" if edges is None else f" && d.edges === {edges}")
    try:
        page.wait_for(f"(function(d){{ return d && {want}; }})(window.lineageView.drawn)", timeout)
    except BrowserError:
        pass  # report the numbers below
    drawn = page.evaluate("window.lineageView.drawn")
    assert drawn["nodes"] == nodes and (edges is None or drawn["edges"] == edges), drawn


LINEAGE_TYPES = ("model", "family", "dataset")


def _expected(G, types=LINEAGE_TYPES, kinds=None, nodes=None) -> dict[str, int]:
    """What the page should draw, computed from the graph: the records of ``types``
    (among ``nodes``) and the relations of ``kinds`` (default: weight and data
    lineage) between two of them. The defaults are the lineage view the page opens on."""
    from lineage.records import LINEAGE_RELATIONS

    kinds = set(LINEAGE_RELATIONS if kinds is None else kinds)
    shown = {n for n in (nxg(G) if nodes is None else nodes) if nxg(G).nodes[n]["type"] in types}
    edges = [1 for u, v, r in nxg(G).edges(data="relation")
             if u in shown and v in shown and r in kinds]
    return {"nodes": len(shown), "edges": len(edges)}


def _click(page: Page, selector: str) -> None:
    page.evaluate(f"document.querySelector({json.dumps(selector)}).click()")


def _ticked(page: Page, what: str) -> list[str]:
    return page.evaluate(f"Array.from(document.querySelectorAll('#{what}-filter input'))"
                         f".filter(i => i.checked).map(i => i.dataset.{what})")


def _node_dom(page: Page, node: str) -> tuple[float, float]:
    """Viewport coordinates of a node's centre."""
    xy = page.evaluate(f"""(function(){{
        var v = window.lineageView, p = v.network.getPositions([{json.dumps(node)}])[{json.dumps(node)}];
        var d = v.network.canvasToDOM(p), box = document.getElementById('graph').getBoundingClientRect();
        return [box.left + d.x, box.top + d.y];
    }})()""")
    return xy[0], xy[1]


# --- tests ------------------------------------------------------------------------------------


def test_page_opens_on_the_lineage_view_offline_without_errors(page, tmp_path):
    from lineage.records import LINEAGE_RELATIONS

    G = _graph(TINY)
    page.open(_export(G, tmp_path))
    want = _expected(G)
    assert 0 < want["nodes"] < len(G) and 0 < want["edges"] < G.edge_count()
    drawn = page.evaluate("window.lineageView.drawn")
    assert drawn == want
    # everything else is in the page, hidden until ticked
    assert page.evaluate("window.lineageView.nodes.length") == len(G)
    assert page.evaluate("window.lineageView.edges.length") == G.edge_count()
    assert _ticked(page, "type") == list(LINEAGE_TYPES)
    present = {r for *_, r in nxg(G).edges(data="relation")}
    assert set(_ticked(page, "relation")) == present & set(LINEAGE_RELATIONS)
    unticked = page.evaluate("Array.from(document.querySelectorAll('#type-filter input'))"
                             ".filter(i => !i.checked).map(i => i.dataset.type)")
    assert set(unticked) == {nxg(G).nodes[n]["type"] for n in nxg(G)} - set(LINEAGE_TYPES)
    # something was really painted: the canvas has many non-background pixels
    painted = page.evaluate("""(function(){
        var c = document.querySelector('#graph canvas'), ctx = c.getContext('2d');
        var d = ctx.getImageData(0, 0, c.width, c.height).data, n = 0;
        for (var i = 0; i < d.length; i += 4) if (d[i+3] > 0 && (d[i] < 200 || d[i+2] < 200)) n++;
        return n;
    })()""")
    assert painted > 2000
    summary = page.evaluate("document.getElementById('summary-text').textContent")
    assert summary == (f"{want['nodes']} of {len(G)} records shown (organizations, "
                       f"techniques … hidden: tick them in the legend), {want['edges']} of "
                       f"{G.edge_count()} relations.")
    assert page.evaluate("document.getElementById('show-all').hidden") is False
    assert page.errors() == []
    assert page.dialogs() == []
    _assert_offline(page)


def test_search_in_chinese_selects_centres_and_highlights_the_lineage(page, tmp_path):
    from graph import query

    G = _graph(TINY)
    page.open(_export(G, tmp_path))
    page.type_text("#search", "小羊驼")
    shown = page.wait_for("document.querySelector('#suggestions li .s-name') && "
                          "document.querySelector('#suggestions li .s-name').textContent")
    assert shown == "Vicuna-13B"
    page.press("Enter", 13)
    state = page.wait_for("window.lineageView.state.selected && window.lineageView.state")
    assert state["selected"] == "vicuna-13b"
    assert sorted(state["ancestors"]) == sorted(query.ancestors(G, "vicuna-13b"))
    assert sorted(state["descendants"]) == sorted(query.descendants(G, "vicuna-13b"))
    assert "chatgpt" in state["ancestors"]  # through ShareGPT: data lineage counts
    assert page.evaluate("window.lineageView.network.getSelectedNodes()") == ["vicuna-13b"]
    opacity = page.evaluate("""(function(){ var n = window.lineageView.nodes; return {
        sel: n.get('vicuna-13b').opacity, anc: n.get('llama').opacity,
        other: n.get('alpaca-7b').opacity, org: n.get('meta').opacity}; })()""")
    assert opacity["sel"] == 1 and opacity["anc"] == 1
    assert opacity["other"] < 0.5 and opacity["org"] < 0.5
    # centred: once the animation ends, the record is in the middle of the canvas
    # area that the details panel leaves free
    centred = """(function(){ var v = window.lineageView.network;
        var d = v.canvasToDOM(v.getPositions(['vicuna-13b'])['vicuna-13b']);
        var g = document.getElementById('graph'), panel = document.getElementById('details');
        var free = g.clientWidth - (panel.hidden ? 0 : panel.offsetWidth + 12);
        return [d.x - free / 2, d.y - g.clientHeight / 2]; })()"""
    try:
        page.wait_for(f"(function(o){{ return Math.abs(o[0]) < 5 && Math.abs(o[1]) < 5; }})({centred})")
    except BrowserError:
        pass
    off = page.evaluate(centred)
    assert abs(off[0]) < 5 and abs(off[1]) < 5, off
    details = page.evaluate("document.getElementById('details').hidden ? null : "
                            "document.getElementById('details-body').textContent")
    assert details and "Vicuna-13B" in details and "fine-tuned from" in details
    assert "LLaMA-13B" in details and "ShareGPT conversations" in details
    # Escape clears the highlight
    page.evaluate("document.getElementById('search').blur()")
    page.press("Escape", 27)
    assert page.evaluate("window.lineageView.nodes.get('alpaca-7b').opacity") == 1
    assert page.errors() == []


def test_click_and_hover_show_details_and_tooltip(page, tmp_path):
    G = _graph(TINY)
    page.open(_export(G, tmp_path))
    x, y = _node_dom(page, "alpaca-7b")
    page.mouse("mouseMoved", x, y)
    tip = page.wait_for("!document.getElementById('tooltip').hidden && "
                        "document.getElementById('tooltip').textContent")
    for text in ("Alpaca-7B", "model", "2023-03-13", "Stanford University", "7B"):
        assert text in tip
    page.mouse("mousePressed", x, y)
    page.mouse("mouseReleased", x, y)
    body = page.wait_for("!document.getElementById('details').hidden && "
                         "document.getElementById('details-body').textContent")
    assert "Comes from (parents)" in body and "LLaMA-7B" in body
    # sources are listed with their quotes; arXiv ids and URLs become links, seed files do not
    assert "002_70697c1b2f561b7a.txt" in body
    hrefs = page.evaluate("Array.from(document.querySelectorAll('#details a')).map(a => a.href)")
    assert all(h.startswith(("https://", "http://")) for h in hrefs)
    # clicking a parent's name moves the selection there
    page.evaluate("Array.from(document.querySelectorAll('#details button.link'))"
                  ".find(b => b.textContent === 'LLaMA-7B').click()")
    assert page.wait_for("window.lineageView.state.selected") == "llama-7b"
    assert page.errors() == []


def test_ticking_the_legend_shows_the_rest_and_all_types_draw_the_whole_graph(page, tmp_path):
    G = _graph(TINY)
    page.open(_export(G, tmp_path))
    lineage = [r for r in {r for *_, r in nxg(G).edges(data="relation")}
               if r not in ("developed_by", "evaluated_on", "licensed_under", "introduced_in",
                            "uses_technique", "uses_model")]
    # a type: its records, and the relation kinds linking them to the records shown
    _click(page, "#type-filter input[data-type=organization]")
    _drawn(page, **_expected(G, LINEAGE_TYPES + ("organization",), lineage + ["developed_by"]))
    assert "developed_by" in _ticked(page, "relation")
    # a relation kind: its relations, and the records at their far end
    _click(page, "#relation-filter input[data-relation=evaluated_on]")
    assert "benchmark" in _ticked(page, "type")
    _drawn(page, **_expected(G, LINEAGE_TYPES + ("organization", "benchmark"),
                             lineage + ["developed_by", "evaluated_on"]))
    # every type ticked: the whole graph
    for t in page.evaluate("Array.from(document.querySelectorAll('#type-filter input'))"
                           ".filter(i => !i.checked).map(i => i.dataset.type)"):
        _click(page, f"#type-filter input[data-type={t}]")
    _drawn(page, len(G), G.edge_count())
    n, m = len(G), G.edge_count()
    assert page.evaluate("document.getElementById('summary-text').textContent") == (
        f"{n} of {n} records shown, {m} of {m} relations.")
    assert page.evaluate("document.getElementById('show-all').hidden") is True
    # reset: back to the lineage view; "Show everything": all of it in one click
    _click(page, "#reset")
    _drawn(page, **_expected(G))
    _click(page, "#show-all")
    _drawn(page, n, m)
    # a hidden record asked for by search is shown with its type
    _click(page, "#reset")
    _drawn(page, **_expected(G))
    page.type_text("#search", "Meta")
    assert page.wait_for("document.querySelector('#suggestions li .s-name') && "
                         "document.querySelector('#suggestions li .s-name').textContent") == "Meta AI"
    page.press("Enter", 13)
    assert page.wait_for("window.lineageView.state.selected") == "meta"
    _drawn(page, **_expected(G, LINEAGE_TYPES + ("organization",), lineage + ["developed_by"]))
    assert page.errors() == []


def test_layouts_filters_and_year_range(page, tmp_path):
    G = _graph(TINY)
    page.open(_export(G, tmp_path, layout="timeline"))
    n, m = _expected(G).values()
    assert page.evaluate("window.lineageView.layout") == "timeline"
    # timeline: x grows with the release date
    xs = page.evaluate("(function(){var p = window.lineageView.network.getPositions();"
                       "return [p['gpt-3'].x, p['codex'].x, p['chatgpt'].x, p['vicuna-13b'].x];})()")
    assert xs == sorted(xs)
    for name in ("hierarchy", "force", "timeline"):
        page.evaluate(f"document.querySelector('#layouts button[data-layout={name}]').click()")
        assert page.evaluate("window.lineageView.layout") == name
        page.browser.pump(0.2)
        _drawn(page, n, m)
    # the guide labels of hidden records are hidden too
    page.evaluate("document.querySelector('#layouts button[data-layout=timeline]').click()")
    labels = page.evaluate("window.lineageView.guideLabels()")
    assert "open weights ↑" in labels and "papers, techniques, other records" not in labels
    _click(page, "#show-all")
    assert "papers, techniques, other records" in page.evaluate(
        "window.lineageView.guideLabels()")
    _click(page, "#reset")
    _drawn(page, n, m)
    # type filter: hiding datasets hides their trained_on and generated_by edges too
    page.evaluate("document.querySelector('#type-filter input[data-type=dataset]').click()")
    _drawn(page, **_expected(G, ("model", "family")))
    # relation filter
    page.evaluate("document.getElementById('reset').click()")
    page.evaluate("document.querySelector('#relation-filter input[data-relation=finetune]').click()")
    from lineage.records import LINEAGE_RELATIONS

    _drawn(page, **_expected(G, kinds=[r for r in LINEAGE_RELATIONS if r != "finetune"]))
    # years: only 2023, without undated records
    page.evaluate("document.getElementById('reset').click()")
    page.evaluate("""(function(){ var f = document.getElementById('year-from');
        f.value = 2023; f.dispatchEvent(new Event('input'));
        document.getElementById('show-undated').click(); })()""")
    in_2023 = [x for x in nxg(G) if (nxg(G).nodes[x]["date"] or "").startswith("2023")]
    _drawn(page, _expected(G, nodes=in_2023)["nodes"])
    assert page.errors() == []


HOSTILE = r"""
- id: evil
  type: model
  name: <img src=x onerror="window.__pwned=1;alert(1)">
  aliases: ['"><svg onload="window.__pwned=2">', 'evil 模型']
  description: </script><script>window.__pwned=3;alert(3)</script><!--
  note: "{{data}} ${alert(4)} </style><b>bold</b>"
  date: 2023-04
  weights: open
  sources:
    - document: javascript:window.__pwned=5
      quote: <iframe src="javascript:window.__pwned=6"></iframe>
  relations:
    - relation: finetune
      target: llama-7b
      note: <script>window.__pwned=7</script>
      sources: [{document: "https://example.org/\"><img src=x onerror=alert(8)>", quote: "</textarea><img src=x>"}]
  claims:
    - topic: <b>topic</b>
      value: <img src=x onerror=alert(9)>
      sources: [{document: "data:text/html,<script>alert(10)</script>", quote: x}]
"""


def test_injection_probe_renders_hostile_strings_as_text(page, tmp_path):
    data = tmp_path / "hostile"
    data.mkdir()
    (data / "evil.yaml").write_text(HOSTILE, encoding="utf-8")
    G = _graph(TINY, data)
    name = nxg(G).nodes["evil"]["name"]
    path = _export(G, tmp_path, focus="evil")
    page.open(path)
    label = page.evaluate("window.lineageView.nodes.get('evil').label")  # long: shortened
    assert label.endswith("…") and name.startswith(label[:-1])
    # the focus record's details are open: every hostile string is there as text
    body = page.evaluate("document.getElementById('details-body').textContent")
    assert name in body and "</script><script>window.__pwned=3" in body
    # hover, click, search and the edge's details: every place strings are shown
    x, y = _node_dom(page, "evil")
    page.mouse("mouseMoved", x, y)
    assert name in page.wait_for("!document.getElementById('tooltip').hidden && "
                                 "document.getElementById('tooltip').textContent")
    page.mouse("mousePressed", x, y)
    page.mouse("mouseReleased", x, y)
    page.evaluate("document.querySelectorAll('#details details').forEach(d => d.open = true)")
    page.type_text("#search", "<img")
    assert page.wait_for("document.querySelector('#suggestions li .s-name') && "
                         "document.querySelector('#suggestions li .s-name').textContent") == name
    page.press("Enter", 13)
    assert page.wait_for("window.lineageView.state.selected") == "evil"
    edge = page.evaluate("window.lineageView.data.edges.find(e => e.from === 'evil').id")
    page.evaluate(f"window.lineageView.showEdge({json.dumps(edge)})")
    page.browser.pump(0.5)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.dialogs() == []
    assert page.evaluate("document.querySelectorAll('img, iframe, textarea, style').length") == 1
    assert page.evaluate("""Array.from(document.querySelectorAll('*')).filter(e =>
        Array.from(e.attributes).some(a => a.name.startsWith('on'))).length""") == 0
    assert page.evaluate("document.scripts.length") == 3
    links = page.evaluate("Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href'))")
    assert all(h.startswith(("https://", "http://")) and "<" not in h and '"' not in h
               for h in links)
    assert page.errors() == []
    _assert_offline(page)


def test_big_graph_opens_as_a_focus_view_that_says_what_was_left_out(page, tmp_path):
    from graph.html import select
    from lineage.load import loads
    from tests.support import make_store as build_graph

    from .test_html import synthetic_yaml

    G = build_graph(loads(synthetic_yaml(3000), name="synthetic"))
    path = _export(G, tmp_path, max_nodes=600)
    page.open(path, timeout=120)
    drawn = page.evaluate("window.lineageView.drawn")
    counts = page.evaluate("window.lineageView.data.counts")
    on_page = select(G, max_nodes=600).nodes
    assert counts["nodes"] == len(on_page) <= 600
    assert drawn == _expected(G, nodes=on_page)  # it opens on the lineage view too
    _click(page, "#show-all")
    _drawn(page, counts["nodes"], counts["edges"], timeout=60)
    notes = page.evaluate("document.getElementById('notes').hidden ? '' : "
                          "document.getElementById('notes').textContent")
    assert "Focus view" in notes and "Left out:" in notes
    left = page.evaluate("window.lineageView.data.left_out")
    assert sum(left.values()) == len(G) - counts["nodes"]
    assert page.errors() == []


def test_shipped_knowledge_base_opens_on_its_lineage_and_draws_whole(page, tmp_path):
    from graph.query import resolve
    from lineage.load import load
    from tests.support import make_store as build_graph

    # check=False: curators may be mid-edit; the page must draw whatever loads
    G = build_graph(load([], shipped=True, check=False))
    page.open(_export(G, tmp_path), timeout=120)
    assert page.evaluate("window.lineageView.drawn") == _expected(G)
    summary = page.evaluate("document.getElementById('summary-text').textContent")
    assert summary.startswith(f"{_expected(G)['nodes']} of {len(G)} records shown (")
    assert "hidden: tick them in the legend" in summary
    # the main models' labels are readable at the zoom the page opens with
    scale = page.evaluate("window.lineageView.network.getScale()")
    fonts = page.evaluate("Object.fromEntries(window.lineageView.data.nodes.map(n => [n.id, n.font.force]))")
    for name in ("LLaMA", "Llama 2", "GPT-3", "ChatGPT", "GPT-4", "Alpaca", "Vicuna", "Koala",
                 "Codex"):
        node = resolve(G, name)
        assert fonts[node] * scale >= 10, (name, fonts[node], scale)
    # ticking every type draws the whole graph
    for t in page.evaluate("Array.from(document.querySelectorAll('#type-filter input'))"
                           ".filter(i => !i.checked).map(i => i.dataset.type)"):
        _click(page, f"#type-filter input[data-type={t}]")
    _drawn(page, len(G), G.edge_count())
    assert page.errors() == []
    _assert_offline(page)


# --- the README screenshot ---------------------------------------------------------------


def screenshot(out: Path, *, layout: str = "force", width: int = 1600, height: int = 1000,
               data_dirs: list[str] | None = None, shipped: bool = True,
               focus: str | None = None, check: bool = True) -> None:
    """Export the page and save a screenshot of its default view to ``out``."""
    from graph.html import write_html
    from lineage.load import load
    from tests.support import make_store as build_graph

    exe = chromium_path()
    if exe is None:
        raise SystemExit("chromium was not found. " + INSTALL_HINT)
    G = build_graph(load(data_dirs or [], shipped=shipped, check=check))
    with tempfile.TemporaryDirectory() as tmp:
        path = write_html(G, Path(tmp) / "page.html", layout=layout, focus=focus)
        b = Chromium(exe)
        try:
            p = b.new_page(width, height)
            p.open(path, timeout=120)
            b.pump(1.0)
            errors = p.errors()
            if errors:
                raise SystemExit("the page logged errors: " + "; ".join(errors))
            p.screenshot(out)
        finally:
            b.close()


if __name__ == "__main__":  # pragma: no cover
    import argparse

    ap = argparse.ArgumentParser(description=screenshot.__doc__)
    ap.add_argument("--screenshot", type=Path, default=Path("docs/graph.png"))
    ap.add_argument("--layout", default="force")
    ap.add_argument("--focus")
    ap.add_argument("--width", type=int, default=1600)
    ap.add_argument("--height", type=int, default=1000)
    ap.add_argument("--data-dir", action="append", default=[])
    ap.add_argument("--no-shipped", action="store_true")
    ap.add_argument("--unchecked", action="store_true",
                    help="draw whatever loads, even while the data has problems")
    args = ap.parse_args()
    screenshot(args.screenshot, layout=args.layout, width=args.width, height=args.height,
               data_dirs=args.data_dir, shipped=not args.no_shipped, focus=args.focus,
               check=not args.unchecked)
    print(f"wrote {args.screenshot}")
