/* lineage: the interactive graph page.
 *
 * Every string shown comes from the JSON block #lineage-data and reaches the
 * document through textContent and DOM properties only, never as markup: a
 * record whose name is an HTML tag renders as that text.
 */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("lineage-data").textContent);
  var STYLE = DATA.style;
  var LINEAGE = new Set(STYLE.lineage_relations);
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", ' +
    '"PingFang SC", "Microsoft YaHei", sans-serif';

  // ---- small DOM helpers (text only) ---------------------------------------------------

  function $(id) { return document.getElementById(id); }

  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        if (k === "text") node.textContent = props[k];
        else if (k === "cls") node.className = props[k];
        else if (k === "style") Object.assign(node.style, props[k]);
        else node[k] = props[k];
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function safeHref(url) {
    return typeof url === "string" && /^https?:\/\/[^\s<>"'`\\]+$/i.test(url) ? url : null;
  }

  function link(url, text) {
    var href = safeHref(url);
    if (!href) return document.createTextNode(text || String(url));
    return el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: text || href });
  }

  function norm(text) {
    return String(text || "").normalize("NFKC").toLowerCase()
      .replace(/[\s\-_\u2010\u2011\u2012\u2013\u2014\u2015\u00b7\u30fb\/]+/g, "");
  }

  function rgba(hex, alpha) {
    var h = hex.replace("#", "");
    var r = parseInt(h.slice(0, 2), 16), g = parseInt(h.slice(2, 4), 16), b = parseInt(h.slice(4, 6), 16);
    return "rgba(" + r + "," + g + "," + b + "," + alpha + ")";
  }

  function shade(hex, f) {
    var h = hex.replace("#", "");
    var c = [0, 2, 4].map(function (i) { return parseInt(h.slice(i, i + 2), 16); });
    c = c.map(function (v) { return Math.max(0, Math.min(255, Math.round(v * f))); });
    return "#" + c.map(function (v) { return (v < 16 ? "0" : "") + v.toString(16); }).join("");
  }

  // ---- the graph's data ----------------------------------------------------------------

  var byId = new Map();
  DATA.nodes.forEach(function (n) { byId.set(n.id, n); });
  var edgeById = new Map();
  var outEdges = new Map(), inEdges = new Map();
  function addTo(map, key, e) { if (!map.has(key)) map.set(key, []); map.get(key).push(e); }
  DATA.edges.forEach(function (e) {
    edgeById.set(e.id, e); addTo(outEdges, e.from, e); addTo(inEdges, e.to, e);
  });
  DATA.context_edges.forEach(function (e) { addTo(outEdges, e.from, e); addTo(inEdges, e.to, e); });

  function nameOf(id) {
    var n = byId.get(id);
    if (n) return n.name;
    var o = DATA.others[id];
    return o ? o.name : id;
  }

  function typeColor(type) { return (STYLE.types[type] || STYLE.types.model).color; }

  function accessOf(n) {
    if (n.type !== "model" && n.type !== "family") return null;
    return n.weights || "unknown";
  }

  // How each record and relation is drawn was assembled in Python (pyvis) for the layout the
  // page opens with: DATA.vis holds vis-network's nodes, edges and options. Switching layouts
  // changes only a record's place, size and label size; dimming changes only opacity.
  var VIS = DATA.vis;
  var baseNode = new Map(), baseEdge = new Map();
  VIS.nodes.forEach(function (v) { baseNode.set(v.id, v); });
  VIS.edges.forEach(function (v) { baseEdge.set(v.id, v); });

  function copy(obj) { return JSON.parse(JSON.stringify(obj)); }

  function nodeStyle(n) {
    var s = copy(baseNode.get(n.id));
    s.size = n.size[layout];
    s.x = n.pos[layout][0];
    s.y = n.pos[layout][1];
    s.font.size = n.font[layout];
    return s;
  }

  function edgeStyle(e) { return copy(baseEdge.get(e.id)); }

  // ---- state ---------------------------------------------------------------------------

  var layout = DATA.layouts.indexOf(DATA.layout) >= 0 ? DATA.layout : DATA.layouts[0];
  // what the page opens showing: on an unfocused page the lineage view (models,
  // families, datasets and the lineage relations); the rest is ticked in the legend
  var VIEW = DATA.view || { types: STYLE.present_types, relations: STYLE.present_relations, lineage: false };
  var state = {
    selected: null, ancestors: [], descendants: [], lineageEdges: [],
    types: new Set(VIEW.types), relations: new Set(VIEW.relations), userOff: new Set(),
    yearFrom: DATA.years ? DATA.years[0] : null, yearTo: DATA.years ? DATA.years[1] : null,
    undated: true, onlyLineage: false
  };

  var nodes = new vis.DataSet(VIS.nodes);
  var edges = new vis.DataSet(VIS.edges);

  function smoothFor(name) { return VIS.smooth[name]; }

  var container = $("graph");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, VIS.options);

  // ---- drawing guides (timeline years and lanes, hierarchy rows) -------------------------

  var extentCache = null;  // the visible records' extent in the current layout (page units)

  function visibleBox() {
    if (extentCache) return extentCache;
    var b = null;
    DATA.nodes.forEach(function (n) {
      if (n._hidden) return;
      var p = n.pos[layout];
      if (!b) b = [p[0], p[1], p[0], p[1]];
      else { b[0] = Math.min(b[0], p[0]); b[1] = Math.min(b[1], p[1]); b[2] = Math.max(b[2], p[0]); b[3] = Math.max(b[3], p[1]); }
    });
    extentCache = b;
    return b;
  }

  function labelShown(l) {
    // a guide label stands for records of some types: shown while any of them is
    if (l.types && !l.types.some(function (t) { return shownTypes.has(t); })) return false;
    return !(l.undated && !state.undated);
  }

  function guideLabels(g) { return g.labels.filter(labelShown); }

  network.on("beforeDrawing", function (ctx) {
    var g = DATA.guides[layout];
    if (!g) return;
    var px = 1 / network.getScale();
    var b = visibleBox();
    ctx.save();
    ctx.lineWidth = px;
    ctx.strokeStyle = "#e3e7ec";
    g.vlines.forEach(function (v) {
      var y0 = b ? Math.min(b[1] - 60, -60) : v.y0, y1 = b ? Math.max(b[3] + 60, 60) : v.y1;
      ctx.beginPath(); ctx.moveTo(v.x, y0); ctx.lineTo(v.x, y1); ctx.stroke();
    });
    if (g.axis) {
      ctx.strokeStyle = "#aab2bb";
      ctx.lineWidth = 2 * px;
      ctx.beginPath(); ctx.moveTo(g.axis.x0, g.axis.y); ctx.lineTo(g.axis.x1, g.axis.y); ctx.stroke();
    }
    ctx.textBaseline = "middle";
    ctx.textAlign = "center";
    ctx.font = "700 " + 13 * px + "px " + FONT;
    var lastRight = -Infinity;
    (g.ticks || []).forEach(function (t) {
      var w = ctx.measureText(t.text).width + 12 * px;
      if (t.x - w / 2 < lastRight + 6 * px) return;  // no room: skip this year's label
      lastRight = t.x + w / 2;
      ctx.fillStyle = "#ffffff";
      ctx.strokeStyle = "#aab2bb";
      ctx.lineWidth = px;
      ctx.beginPath();
      if (ctx.roundRect) ctx.roundRect(t.x - w / 2, g.axis.y - 10 * px, w, 20 * px, 10 * px);
      else ctx.rect(t.x - w / 2, g.axis.y - 10 * px, w, 20 * px);
      ctx.fill(); ctx.stroke();
      ctx.fillStyle = "#57606a";
      ctx.fillText(t.text, t.x, g.axis.y + 0.5 * px);
    });
    ctx.font = "600 " + 12 * px + "px " + FONT;
    ctx.fillStyle = "#8c959f";
    guideLabels(g).forEach(function (l) {
      ctx.textAlign = l.align === "left" ? "left" : "right";
      ctx.fillText(l.text, l.x, l.y);
    });
    ctx.restore();
  });

  var measure = document.createElement("canvas").getContext("2d");

  function fitView(animate) {
    // fit the records, then widen the view for the guide labels (drawn at a fixed
    // size on screen, so their extent in page units depends on the scale)
    var g = DATA.guides[layout];
    network.fit({ animation: false });
    var w = container.clientWidth, h = container.clientHeight;
    var b = visibleBox();
    if (!g || !b || !w || !h) return;
    var labels = guideLabels(g);
    var ext = [b[0], b[1] - 40, b[2], b[3] + 40];
    labels.forEach(function (l) {
      ext[0] = Math.min(ext[0], l.x); ext[2] = Math.max(ext[2], l.x);
      ext[1] = Math.min(ext[1], l.y - 20); ext[3] = Math.max(ext[3], l.y + 20);
    });
    measure.font = "600 12px " + FONT;
    var scale = network.getScale(), centre = network.getViewPosition();
    for (var pass = 0; pass < 3; pass++) {
      var x0 = centre.x - w / 2 / scale, x1 = centre.x + w / 2 / scale;
      var y0 = centre.y - h / 2 / scale, y1 = centre.y + h / 2 / scale;
      x0 = Math.min(x0, ext[0]); x1 = Math.max(x1, ext[2]);
      y0 = Math.min(y0, ext[1]); y1 = Math.max(y1, ext[3]);
      labels.forEach(function (l) {
        var tw = (measure.measureText(l.text).width + 16) / scale;
        if (l.align === "left") x1 = Math.max(x1, l.x + tw); else x0 = Math.min(x0, l.x - tw);
      });
      scale = Math.min(w / (x1 - x0), h / (y1 - y0));
      centre = { x: (x0 + x1) / 2, y: (y0 + y1) / 2 };
    }
    network.moveTo({
      position: centre, scale: scale,
      animation: animate ? { duration: 300, easingFunction: "easeInOutQuad" } : false
    });
  }

  var view = {
    network: network, nodes: nodes, edges: edges, data: DATA, state: state,
    drawn: null, draws: 0
  };
  window.lineageView = view;

  network.on("afterDrawing", function () {
    view.draws += 1;
    view.drawn = { nodes: network.body.nodeIndices.length, edges: network.body.edgeIndices.length };
    document.documentElement.setAttribute("data-drawn-nodes", String(view.drawn.nodes));
    document.documentElement.setAttribute("data-drawn-edges", String(view.drawn.edges));
  });

  // ---- lineage highlight -----------------------------------------------------------------

  function walk(start, up) {
    var seen = new Set([start]), via = [], queue = [start];
    while (queue.length) {
      var cur = queue.shift();
      var list = (up ? outEdges : inEdges).get(cur) || [];
      list.forEach(function (e) {
        if (!edgeById.has(e.id) || !LINEAGE.has(e.relation) || !state.relations.has(e.relation)) return;
        var other = up ? e.to : e.from;
        via.push(e.id);
        if (!seen.has(other)) { seen.add(other); queue.push(other); }
      });
    }
    seen.delete(start);
    return { nodes: Array.from(seen), edges: via };
  }

  var styled = new Map();  // node id -> style currently applied ("base" or "dim")
  var edgeStyled = new Map();

  function applyHighlight() {
    var keep = null, keepEdges = null;
    if (state.selected) {
      keep = new Set([state.selected].concat(state.ancestors, state.descendants));
      keepEdges = new Set(state.lineageEdges);
      (outEdges.get(state.selected) || []).concat(inEdges.get(state.selected) || []).forEach(function (e) {
        if (edgeById.has(e.id)) keepEdges.add(e.id);
      });
    }
    var nodeUpdates = [];
    DATA.nodes.forEach(function (n) {
      var want = !keep || keep.has(n.id) ? "base" : "dim";
      if ((styled.get(n.id) || "base") === want) return;
      styled.set(n.id, want);
      if (want === "base") {
        var s = nodeStyle(n);
        nodeUpdates.push({ id: n.id, opacity: 1, color: s.color, font: s.font });
      } else {
        nodeUpdates.push({
          id: n.id, opacity: 0.16,
          font: { size: n.font[layout], color: "rgba(36,41,47,0.18)", face: FONT, strokeWidth: 0 }
        });
      }
    });
    var edgeUpdates = [];
    DATA.edges.forEach(function (e) {
      var want = !keepEdges ? "base" : keepEdges.has(e.id) ? "strong" : "dim";
      if ((edgeStyled.get(e.id) || "base") === want) return;
      edgeStyled.set(e.id, want);
      var s = edgeStyle(e);
      if (want === "dim") {
        s.color = { color: s.color.color, highlight: s.color.color, hover: s.color.color, opacity: 0.08 };
        s.font = { size: 10, face: FONT, color: "rgba(87,96,106,0.1)", strokeWidth: 0, align: "middle" };
      } else if (want === "strong") {
        s.width = s.width * 1.7;
        s.color.opacity = 1;
      }
      edgeUpdates.push({ id: s.id, color: s.color, font: s.font, width: s.width });
    });
    if (nodeUpdates.length) nodes.update(nodeUpdates);
    if (edgeUpdates.length) edges.update(edgeUpdates);
  }

  function isHidden(n) {
    return nodes.get(n.id, { fields: ["hidden"] }).hidden === true;
  }

  function select(id, opts) {
    opts = opts || {};
    var n = byId.get(id);
    if (!n) return false;
    if (isHidden(n) && !state.onlyLineage) reveal(n);
    var up = walk(id, true), down = walk(id, false);
    state.selected = id;
    state.ancestors = up.nodes;
    state.descendants = down.nodes;
    state.lineageEdges = up.edges.concat(down.edges);
    $("only-lineage").disabled = false;
    applyHighlight();
    applyFilters();
    network.selectNodes([id]);
    showNode(n);
    if (opts.center !== false) {
      // centre it in the part of the canvas the details panel leaves free
      network.focus(id, {
        scale: Math.max(network.getScale(), 0.85),
        offset: { x: details.hidden ? 0 : -(details.offsetWidth + 12) / 2, y: 0 },
        animation: opts.animate === false ? false : { duration: 450, easingFunction: "easeInOutQuad" }
      });
    }
    return true;
  }

  function clearSelection() {
    state.selected = null;
    state.ancestors = []; state.descendants = []; state.lineageEdges = [];
    $("only-lineage").checked = false;
    $("only-lineage").disabled = true;
    state.onlyLineage = false;
    network.unselectAll();
    applyHighlight();
    applyFilters();
    hideDetails();
  }

  view.select = select;
  view.clearSelection = clearSelection;

  // ---- filters ---------------------------------------------------------------------------

  function yearOf(n) { return n.date ? parseInt(n.date.slice(0, 4), 10) : null; }

  var shownTypes = new Set();  // types with at least one record on screen
  var drawnEdges = 0;          // relations on screen (ticked, both records shown)

  function typeOf(id) { var n = byId.get(id); return n ? n.type : null; }

  // Ticking a type also ticks the relation kinds that link its records to the
  // records shown (ticking "technique" draws the uses_technique arrows too); once
  // every type is ticked, so is every kind the page opened without.
  function showType(t) {
    state.types.add(t);
    DATA.edges.forEach(function (e) {
      var a = typeOf(e.from), b = typeOf(e.to);
      if (((a === t && state.types.has(b)) || (b === t && state.types.has(a))) && !state.userOff.has(e.relation)) {
        state.relations.add(e.relation);
      }
    });
    if (STYLE.present_types.every(function (x) { return state.types.has(x); })) {
      STYLE.present_relations.forEach(function (r) { if (!state.userOff.has(r)) state.relations.add(r); });
    }
  }

  // Ticking a relation kind also ticks the types at the far end of its relations
  // from the records shown (ticking "developed by" shows the organizations).
  function showRelation(r) {
    state.relations.add(r);
    state.userOff.delete(r);
    var before = new Set(state.types);
    DATA.edges.forEach(function (e) {
      if (e.relation !== r) return;
      var a = typeOf(e.from), b = typeOf(e.to);
      if (before.has(a) && !before.has(b)) state.types.add(b);
      if (before.has(b) && !before.has(a)) state.types.add(a);
    });
  }

  function syncLegend() {
    document.querySelectorAll("#type-filter input").forEach(function (i) { i.checked = state.types.has(i.dataset.type); });
    document.querySelectorAll("#relation-filter input").forEach(function (i) { i.checked = state.relations.has(i.dataset.relation); });
  }

  // a hidden record asked for (search, a name in the details panel): show its type,
  // and its year when the year range hides it
  function reveal(n) {
    if (!state.types.has(n.type)) showType(n.type);
    var y = yearOf(n);
    if (y === null ? !state.undated : (y < state.yearFrom || y > state.yearTo)) resetYears();
    syncLegend();
    applyFilters();
  }

  function applyFilters() {
    var lineageSet = state.onlyLineage && state.selected ?
      new Set([state.selected].concat(state.ancestors, state.descendants)) : null;
    var nodeUpdates = [];
    DATA.nodes.forEach(function (n) {
      var y = yearOf(n);
      var hide = !state.types.has(n.type) ||
        (y === null ? !state.undated : (y < state.yearFrom || y > state.yearTo)) ||
        (lineageSet !== null && !lineageSet.has(n.id));
      if (n.id === state.selected) hide = false;
      if (!!n._hidden !== hide) { n._hidden = hide; nodeUpdates.push({ id: n.id, hidden: hide }); }
    });
    shownTypes = new Set();
    DATA.nodes.forEach(function (n) { if (!n._hidden) shownTypes.add(n.type); });
    var edgeUpdates = [];
    drawnEdges = 0;
    DATA.edges.forEach(function (e) {
      var hide = !state.relations.has(e.relation);
      if (!!e._hidden !== hide) { e._hidden = hide; edgeUpdates.push({ id: e.id, hidden: hide }); }
      if (!hide && !byId.get(e.from)._hidden && !byId.get(e.to)._hidden) drawnEdges += 1;
    });
    if (nodeUpdates.length) nodes.update(nodeUpdates);
    if (edgeUpdates.length) edges.update(edgeUpdates);
    extentCache = null;
    updateSummary();
  }

  function resetYears() {
    if (DATA.years) { state.yearFrom = DATA.years[0]; state.yearTo = DATA.years[1]; }
    state.undated = true;
    $("show-undated").checked = true;
    if (DATA.years) { $("year-from").value = DATA.years[0]; $("year-to").value = DATA.years[1]; }
    updateYearLabel();
  }

  // back to how the page opened
  function resetFilters() {
    state.types = new Set(VIEW.types);
    state.relations = new Set(VIEW.relations);
    state.userOff = new Set();
    resetYears();
    syncLegend();
    applyFilters();
  }

  function showAll() {
    state.types = new Set(STYLE.present_types);
    state.relations = new Set(STYLE.present_relations);
    state.userOff = new Set();
    resetYears();
    syncLegend();
    applyFilters();
  }

  view.guideLabels = function () { return guideLabels(DATA.guides[layout]).map(function (l) { return l.text; }); };
  view.applyFilters = applyFilters;
  view.resetFilters = resetFilters;
  view.showAll = showAll;

  // ---- layouts ---------------------------------------------------------------------------

  function setLayout(name) {
    if (DATA.layouts.indexOf(name) < 0) return;
    layout = name;
    extentCache = null;
    if (name !== "force" && $("physics").checked) { $("physics").checked = false; network.setOptions({ physics: { enabled: false } }); }
    $("physics").disabled = name !== "force";
    nodes.update(DATA.nodes.map(function (n) {
      var s = nodeStyle(n);
      if (styled.get(n.id) === "dim") s.font = { size: n.font[name], color: "rgba(36,41,47,0.18)", face: FONT, strokeWidth: 0 };
      return { id: n.id, x: n.pos[name][0], y: n.pos[name][1], size: s.size, font: s.font };
    }));
    network.setOptions({ edges: { smooth: smoothFor(name) } });
    document.querySelectorAll("#layouts button").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.layout === name));
    });
    view.layout = name;
    fitView(false);
  }
  view.setLayout = setLayout;
  view.layout = layout;

  // ---- tooltip ---------------------------------------------------------------------------

  var tooltip = $("tooltip");

  function tipRow(label, value) {
    if (!value) return null;
    return el("div", { cls: "t-row" }, el("b", { text: label + " " }), value);
  }

  function showTooltip(content, pointer) {
    tooltip.textContent = "";
    tooltip.appendChild(content);
    tooltip.hidden = false;
    var box = container.getBoundingClientRect();
    var x = box.left + pointer.x + 14, y = box.top + pointer.y + 14;
    var w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    if (x + w > window.innerWidth - 8) x = Math.max(8, box.left + pointer.x - w - 14);
    if (y + h > window.innerHeight - 8) y = Math.max(8, box.top + pointer.y - h - 14);
    tooltip.style.left = x + "px";
    tooltip.style.top = y + "px";
  }

  function nodeTip(n) {
    var params = (n.attrs || []).filter(function (a) { return a[0] === "parameters"; })[0];
    var access = accessOf(n);
    return el("div", null,
      el("div", { cls: "t-name", text: n.name }),
      el("div", { cls: "t-row", text: n.type + (access ? " · " + access + " weights" : "") }),
      tipRow("date", n.date),
      tipRow("developer", (n.developers || []).join(", ")),
      tipRow("parameters", params ? params[1] : null),
      tipRow("license", (n.licences || []).join(", ")),
      n.aliases ? tipRow("also", n.aliases.slice(0, 6).join(" · ")) : null);
  }

  function edgeTip(e) {
    var rel = STYLE.relations[e.relation];
    var first = e.sources && e.sources[0];
    return el("div", null,
      el("div", { cls: "t-name", text: nameOf(e.from) + " " + rel.phrase[0] + " " + nameOf(e.to) }),
      el("div", { cls: "t-row", text: e.relation + " · " + rel.category + " · " + e.confidence + " evidence" }),
      first && first.quote ? el("div", { cls: "t-row", text: "“" + first.quote + "”" }) : null,
      first ? el("div", { cls: "t-row", text: "— " + (first.citation || first.document) }) : null);
  }

  network.on("hoverNode", function (p) { var n = byId.get(p.node); if (n) showTooltip(nodeTip(n), p.pointer.DOM); });
  network.on("hoverEdge", function (p) { var e = edgeById.get(p.edge); if (e) showTooltip(edgeTip(e), p.pointer.DOM); });
  ["blurNode", "blurEdge", "dragStart", "zoom"].forEach(function (ev) {
    network.on(ev, function () { tooltip.hidden = true; });
  });

  // ---- details panel ---------------------------------------------------------------------

  var details = $("details"), body = $("details-body");

  function hideDetails() { details.hidden = true; body.textContent = ""; }

  function badge(text, color, outline) {
    var b = el("span", { cls: "badge" + (outline ? " outline" : ""), text: text });
    if (outline) b.style.color = color; else b.style.background = color;
    return b;
  }

  function sourceItem(s) {
    var shown = s.citation || s.document;
    var doc = s.href ? link(s.href, shown) : document.createTextNode(shown);
    return el("div", { cls: "src" },
      s.quote ? el("q", { text: s.quote }) : null,
      s.quote ? " " : null,
      s.translation ? el("span", { cls: "gloss", text: "(translation: " + s.translation + ") " }) : null,
      el("span", { cls: "doc" }, "— ", doc, s.locator ? ", " + s.locator : "", s.field ? " (" + s.field + ")" : ""));
  }

  function sourcesBlock(sources, open) {
    if (!sources || !sources.length) return null;
    var d = el("details", null, el("summary", { text: sources.length === 1 ? "1 source" : sources.length + " sources" }));
    if (open) d.open = true;
    sources.forEach(function (s) { d.appendChild(sourceItem(s)); });
    return d;
  }

  function recordButton(id) {
    if (byId.has(id)) {
      var b = el("button", { cls: "link", type: "button", text: nameOf(id) });
      b.addEventListener("click", function () { select(id); });
      return b;
    }
    return el("span", null, nameOf(id), " ", el("span", { cls: "absent", text: "(not on this page)" }));
  }

  function relItem(e, up) {
    var rel = STYLE.relations[e.relation];
    var other = up ? e.to : e.from;
    var extra = [];
    if (e.score !== undefined) extra.push(e.score + (e.metric ? " " + e.metric : "") + (e.setting ? ", " + e.setting : ""));
    if (e.techniques) extra.push("via " + e.techniques.join(", "));
    if (e.date) extra.push(e.date);
    return el("li", null,
      el("span", { cls: "swatch", style: { background: rel.color } }),
      el("span", { cls: "phrase", text: rel.phrase[up ? 0 : 1] + " " }),
      recordButton(other),
      e.confidence === "weak" ? el("span", { cls: "weak", text: "weak" }) : null,
      extra.length ? el("div", { cls: "hint", text: extra.join(" · ") }) : null,
      e.note ? el("div", { cls: "hint", text: e.note }) : null,
      sourcesBlock(e.sources));
  }

  function relSection(title, list, up) {
    if (!list.length) return [];
    var ul = el("ul", { cls: "rels" });
    list.forEach(function (e) { ul.appendChild(relItem(e, up)); });
    return [el("h4", { text: title + " (" + list.length + ")" }), ul];
  }

  function showNode(n) {
    body.textContent = "";
    var st = STYLE.types[n.type];
    var access = accessOf(n);
    var badges = el("div", { cls: "badges" }, badge(n.type, st.color, false));
    if (access) badges.appendChild(badge(access + " weights", st.color, true));
    var parts = [badges, el("h3", { text: n.name })];
    if (n.aliases) parts.push(el("p", { cls: "aliases", text: n.aliases.join(" · ") }));
    var meta = [n.date, (n.developers || []).join(", ")].filter(Boolean).join(" · ");
    if (meta) parts.push(el("p", { text: meta }));
    if (n.description) parts.push(el("p", { text: n.description }));
    if (n.note) parts.push(el("p", { cls: "hint", text: n.note }));
    var rows = (n.attrs || []).slice();
    if (n.licences) rows.push(["license", n.licences.join(", ")]);
    rows.unshift(["id", n.id]);
    var table = el("table");
    rows.forEach(function (r) { table.appendChild(el("tr", null, el("td", { text: r[0] }), el("td", { text: r[1] }))); });
    parts.push(el("h4", { text: "Attributes" }), table);
    if (n.urls) {
      var links = el("p");
      n.urls.forEach(function (u, i) { if (i) links.appendChild(document.createTextNode(" · ")); links.appendChild(link(u)); });
      parts.push(links);
    }
    var outs = outEdges.get(n.id) || [], ins = inEdges.get(n.id) || [];
    var parents = outs.filter(function (e) { return LINEAGE.has(e.relation); });
    var children = ins.filter(function (e) { return LINEAGE.has(e.relation); });
    var otherOut = outs.filter(function (e) { return !LINEAGE.has(e.relation); });
    var otherIn = ins.filter(function (e) { return !LINEAGE.has(e.relation); });
    parts = parts.concat(
      relSection("Comes from (parents)", parents, true),
      relSection("Leads to (children)", children, false),
      relSection("Relations", otherOut, true),
      relSection("Referenced by", otherIn, false));
    if (state.selected === n.id && (state.ancestors.length || state.descendants.length)) {
      parts.push(el("p", { cls: "hint", text: "Highlighted: " + state.ancestors.length + " ancestors, " +
        state.descendants.length + " descendants." }));
    }
    if (n.claims) {
      var ul = el("ul", { cls: "rels" });
      n.claims.forEach(function (c) {
        ul.appendChild(el("li", null, el("b", { text: c.topic + ": " }), c.value,
          c.note ? el("div", { cls: "hint", text: c.note }) : null, sourcesBlock(c.sources)));
      });
      parts.push(el("h4", { text: "Claims" }), ul);
    }
    if (n.sources) {
      parts.push(el("h4", { text: "Sources" }));
      n.sources.forEach(function (s) { parts.push(sourceItem(s)); });
    }
    parts.forEach(function (p) { body.appendChild(p); });
    details.hidden = false;
    details.scrollTop = 0;
  }

  function showEdge(e) {
    body.textContent = "";
    var rel = STYLE.relations[e.relation];
    var parts = [
      el("div", { cls: "badges" }, badge(e.relation.replace(/_/g, " "), rel.color, false),
        badge(e.confidence + " evidence", rel.color, true)),
      el("h3", null, recordButton(e.from), " ", el("span", { cls: "phrase", text: rel.phrase[0] }), " ", recordButton(e.to))
    ];
    var rows = [["category", rel.category]];
    ["date", "score", "metric", "setting", "note"].forEach(function (k) { if (e[k] !== undefined) rows.push([k, String(e[k])]); });
    if (e.techniques) rows.push(["techniques", e.techniques.join(", ")]);
    var table = el("table");
    rows.forEach(function (r) { table.appendChild(el("tr", null, el("td", { text: r[0] }), el("td", { text: r[1] }))); });
    parts.push(table, el("h4", { text: "Sources" }));
    (e.sources || []).forEach(function (s) { parts.push(sourceItem(s)); });
    parts.forEach(function (p) { body.appendChild(p); });
    details.hidden = false;
  }

  view.showEdge = function (id) { var e = edgeById.get(id); if (e) showEdge(e); };

  network.on("click", function (p) {
    if (p.nodes.length) { select(p.nodes[0], { center: false }); return; }
    if (p.edges.length) { var e = edgeById.get(p.edges[0]); if (e) { showEdge(e); return; } }
    if (state.selected) clearSelection(); else hideDetails();
  });
  $("close-details").addEventListener("click", function () { clearSelection(); });

  // ---- search ----------------------------------------------------------------------------

  var index = DATA.nodes.map(function (n) {
    var labels = [n.name, n.id].concat(n.aliases || []);
    return { id: n.id, labels: labels, keys: labels.map(norm) };
  });

  function search(text, limit) {
    var q = norm(text);
    if (!q) return [];
    var found = [];
    index.forEach(function (item) {
      var best = null;
      item.keys.forEach(function (k, i) {
        var rank = k === q ? 0 : k.indexOf(q) === 0 ? 1 : k.indexOf(q) > 0 ? 2 : null;
        if (rank !== null && (best === null || rank < best.rank)) best = { rank: rank, label: item.labels[i] };
      });
      if (best) found.push({ id: item.id, rank: best.rank, label: best.label });
    });
    found.sort(function (a, b) {
      return a.rank - b.rank || nameOf(a.id).localeCompare(nameOf(b.id));
    });
    return found.slice(0, limit || 12);
  }
  view.search = search;

  var input = $("search"), list = $("suggestions");
  var results = [], active = 0;

  function renderSuggestions() {
    list.textContent = "";
    if (!input.value.trim()) { list.hidden = true; return; }
    if (!results.length) {
      list.appendChild(el("li", { cls: "empty", text: "No record matches." }));
    }
    results.forEach(function (r, i) {
      var n = byId.get(r.id);
      var li = el("li", { cls: i === active ? "active" : "" },
        el("span", { cls: "s-name", text: n.name }),
        r.label !== n.name && r.label !== n.id ? el("span", { cls: "s-alias", text: r.label }) : null,
        el("span", { cls: "s-meta", text: n.type + (n.date ? " · " + n.date.slice(0, 4) : "") }));
      li.setAttribute("role", "option");
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(i); });
      list.appendChild(li);
    });
    list.hidden = false;
  }

  function pick(i) {
    var r = results[i];
    if (!r) return;
    input.value = nameOf(r.id);
    list.hidden = true;
    select(r.id);
  }

  input.addEventListener("input", function () { results = search(input.value); active = 0; renderSuggestions(); });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown") { active = Math.min(active + 1, results.length - 1); renderSuggestions(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp") { active = Math.max(active - 1, 0); renderSuggestions(); ev.preventDefault(); }
    else if (ev.key === "Enter") {
      results = search(input.value);
      if (results.length) pick(Math.min(active, results.length - 1));
      ev.preventDefault();
    } else if (ev.key === "Escape") { list.hidden = true; input.blur(); }
  });
  input.addEventListener("blur", function () { list.hidden = true; });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "/" && document.activeElement !== input) { input.focus(); ev.preventDefault(); }
    else if (ev.key === "Escape" && document.activeElement !== input) clearSelection();
  });

  // ---- sidebar: legend, filters, layout buttons ---------------------------------------------

  var SVG = "http://www.w3.org/2000/svg";
  function shapeIcon(shape, fill, stroke, dashed, strokeWidth) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "16"); svg.setAttribute("height", "16"); svg.setAttribute("viewBox", "0 0 16 16");
    var s;
    var poly = {
      triangle: "8,2 14.5,13.5 1.5,13.5", triangleDown: "1.5,2.5 14.5,2.5 8,14",
      diamond: "8,1 15,8 8,15 1,8", hexagon: "8,1.2 14,4.6 14,11.4 8,14.8 2,11.4 2,4.6",
      star: "8,1 9.9,6 15,6.2 11,9.4 12.4,14.6 8,11.6 3.6,14.6 5,9.4 1,6.2 6.1,6"
    }[shape];
    if (poly) { s = document.createElementNS(SVG, "polygon"); s.setAttribute("points", poly); }
    else if (shape === "square") {
      s = document.createElementNS(SVG, "rect");
      s.setAttribute("x", "2.5"); s.setAttribute("y", "2.5"); s.setAttribute("width", "11"); s.setAttribute("height", "11");
    } else {
      s = document.createElementNS(SVG, "circle");
      s.setAttribute("cx", "8"); s.setAttribute("cy", "8"); s.setAttribute("r", "6");
    }
    s.setAttribute("fill", fill);
    s.setAttribute("stroke", stroke);
    s.setAttribute("stroke-width", String(strokeWidth || 1.2));
    if (dashed) s.setAttribute("stroke-dasharray", "2.5 1.8");
    svg.appendChild(s);
    return svg;
  }

  function lineIcon(color, dashed) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", "22"); svg.setAttribute("height", "10"); svg.setAttribute("viewBox", "0 0 22 10");
    var l = document.createElementNS(SVG, "line");
    l.setAttribute("x1", "1"); l.setAttribute("y1", "5"); l.setAttribute("x2", "21"); l.setAttribute("y2", "5");
    l.setAttribute("stroke", color); l.setAttribute("stroke-width", "2.5");
    if (dashed) l.setAttribute("stroke-dasharray", "4 3");
    svg.appendChild(l);
    return svg;
  }

  function countBy(items, key) {
    var m = new Map();
    items.forEach(function (x) { m.set(x[key], (m.get(x[key]) || 0) + 1); });
    return m;
  }

  function buildSidebar() {
    var typeCounts = countBy(DATA.nodes, "type");
    var tf = $("type-filter");
    STYLE.present_types.forEach(function (t) {
      var st = STYLE.types[t];
      var box = el("input", { type: "checkbox", checked: state.types.has(t) });
      box.dataset.type = t;
      box.addEventListener("change", function () {
        if (box.checked) showType(t); else state.types.delete(t);
        syncLegend();
        applyFilters();
      });
      tf.appendChild(el("li", null, el("label", null, box, shapeIcon(st.shape, st.color, shade(st.color, 0.72)),
        t, el("span", { cls: "count", text: String(typeCounts.get(t)) }))));
    });
    var wl = $("weights-legend");
    var m = STYLE.types.model;
    [["open", m.color, shade(m.color, 0.72), false, 1.2], ["restricted", m.light, m.color, true, 1.6],
      ["closed", "#ffffff", m.color, false, 2.2], ["access unknown", m.light, m.color, false, 1.2]].forEach(function (w) {
      wl.appendChild(el("li", null, shapeIcon("dot", w[1], w[2], w[3], w[4]), w[0] === "access unknown" ? w[0] : w[0] + " weights"));
    });
    var relCounts = countBy(DATA.edges, "relation");
    var rf = $("relation-filter");
    var lastCat = null;
    STYLE.present_relations.forEach(function (r) {
      var rel = STYLE.relations[r];
      if (rel.category !== lastCat) {
        lastCat = rel.category;
        rf.appendChild(el("li", { cls: "cat", text: { weights: "weight lineage", influence: "influence (no weights)", data: "data lineage", knowledge: "other relations" }[rel.category] }));
      }
      var box = el("input", { type: "checkbox", checked: state.relations.has(r) });
      box.dataset.relation = r;
      box.addEventListener("change", function () {
        if (box.checked) showRelation(r); else { state.relations.delete(r); state.userOff.add(r); }
        syncLegend();
        if (state.selected) select(state.selected, { center: false }); else applyFilters();
      });
      rf.appendChild(el("li", null, el("label", null, box, lineIcon(rel.color, false), r.replace(/_/g, " "),
        el("span", { cls: "count", text: String(relCounts.get(r)) }))));
    });
    if (!STYLE.present_relations.length) rf.appendChild(el("li", { cls: "hint", text: "No relations on this page." }));

    var lb = $("layouts");
    DATA.layouts.forEach(function (name) {
      var b = el("button", { type: "button", text: name });
      b.dataset.layout = name;
      b.setAttribute("aria-pressed", String(name === layout));
      b.addEventListener("click", function () { setLayout(name); });
      lb.appendChild(b);
    });

    if (DATA.years) {
      ["year-from", "year-to"].forEach(function (id, i) {
        var r = $(id);
        r.min = DATA.years[0]; r.max = DATA.years[1]; r.step = 1; r.value = DATA.years[i];
        r.addEventListener("input", function () {
          var a = parseInt($("year-from").value, 10), b = parseInt($("year-to").value, 10);
          if (a > b) { if (i === 0) $("year-to").value = a; else $("year-from").value = b; }
          state.yearFrom = parseInt($("year-from").value, 10);
          state.yearTo = parseInt($("year-to").value, 10);
          updateYearLabel();
          applyFilters();
        });
      });
      updateYearLabel();
    } else {
      $("years-section").hidden = true;
    }
    $("show-undated").addEventListener("change", function () { state.undated = $("show-undated").checked; applyFilters(); });
    $("only-lineage").addEventListener("change", function () { state.onlyLineage = $("only-lineage").checked; applyFilters(); });
    $("physics").addEventListener("change", function () { network.setOptions({ physics: { enabled: $("physics").checked } }); });
    $("physics").disabled = layout !== "force";
    $("fit").addEventListener("click", function () { fitView(true); });
    $("reset").addEventListener("click", function () { resetFilters(); fitView(true); });
    $("show-all").addEventListener("click", function () { showAll(); fitView(true); });

    var notes = $("notes");
    var lines = DATA.notes.slice();
    var left = Object.keys(DATA.left_out);
    if (left.length) {
      var total = left.reduce(function (s, k) { return s + DATA.left_out[k]; }, 0);
      lines.push("Left out: " + total + " record" + (total === 1 ? "" : "s") + " (" +
        left.map(function (k) { return DATA.left_out[k] + " " + k; }).join(", ") + ").");
      if (DATA.auto_focus) lines.push("Export with --focus NAME (and --depth N) to centre another record, or --max-nodes to show more.");
    }
    lines.forEach(function (t) { notes.appendChild(el("p", { text: t })); });
    notes.hidden = !lines.length;
    $("footer").textContent = "Exported by lineage" + (DATA.as_of ? ", as of " + DATA.as_of : "") +
      ". Click a record for details; search with /; Esc clears.";
  }

  function updateYearLabel() {
    $("year-values").textContent = $("year-from").value + " – " + $("year-to").value;
  }

  var PLURAL = {
    model: "models", family: "families", dataset: "datasets", technique: "techniques", paper: "papers",
    organization: "organizations", benchmark: "benchmarks", software: "software", application: "applications",
    license: "licences"
  };

  function updateSummary() {
    var shown = DATA.nodes.filter(function (n) { return !n._hidden; }).length;
    var c = DATA.counts;
    var counts = countBy(DATA.nodes, "type");
    var off = STYLE.present_types.filter(function (t) { return !state.types.has(t); })
      .sort(function (a, b) { return counts.get(b) - counts.get(a); });
    var text = shown + " of " + c.nodes + " records shown";
    if (off.length) {
      text += " (" + off.slice(0, 2).map(function (t) { return PLURAL[t]; }).join(", ") +
        (off.length > 2 ? " …" : "") + " hidden: tick them in the legend)";
    }
    text += ", " + drawnEdges + " of " + c.edges + " relations";
    if (c.total_nodes > c.nodes) text += " (" + c.total_nodes + " records in the knowledge base)";
    $("summary-text").textContent = text + ".";
    var all = shown === c.nodes && drawnEdges === c.edges;
    $("show-all").hidden = all;
  }

  buildSidebar();
  applyFilters();
  setLayout(layout);
  if (DATA.focus && !DATA.auto_focus && byId.has(DATA.focus)) {
    network.selectNodes([DATA.focus]);
    showNode(byId.get(DATA.focus));
  }
  view.ready = true;
})();
