// harness view: runs list, run page (delegation tree + node detail), compare. Plain JS, no build step.
// Every piece of model or paper text goes into the page as a text node (el() and textContent), never as HTML.
"use strict";

const STATIC = window.HARNESS_DATA || null; // set by a static export (data.js); null when a server answers
const POLL_MS = 2000;

// ---- DOM helpers ---------------------------------------------------------------------------------------------
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "text") node.textContent = String(value);
    else if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const fmt = (x, digits = 3) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits));
const pct = (x) => (x === null || x === undefined ? "–" : `${(100 * x).toFixed(0)}%`);
const enc = encodeURIComponent;

function badge(text, kind, title) {
  return el("span", { class: `badge ${kind || ""}`, title }, text);
}

function statusBadge(status) {
  const why = status === "partial" ? "merged from shards that did not all finish" : null;
  return badge(status, `status-${status}`, why);
}

function verdictBadge(verdict) {
  return badge(verdict || "no gold", `verdict-${verdict || "none"}`, "gold verdict (claims checked against the LaTeX)");
}

// Text with some character spans marked: spans are {start, end, status, title}; the text itself stays text.
function markedText(text, spans, tag = "div", cls = "text") {
  const out = el(tag, { class: cls });
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue;
    out.append(document.createTextNode(text.slice(at, s.start)));
    out.append(el("mark", { class: `claim ${s.status}`, title: s.title }, text.slice(s.start, s.end)));
    at = s.end;
  }
  out.append(document.createTextNode(text.slice(at)));
  return out;
}

// ---- data: the server's JSON API, or the export's embedded data ------------------------------------------------
async function api(path, params) {
  const query = new URLSearchParams(params).toString();
  const response = await fetch(`${path}?${query}`, { cache: "no-store" });
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

// A reader's label of one candidate: the server stores it in the run's transcript (a static export cannot).
async function postLabel(body) {
  const response = await fetch("api/label", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), cache: "no-store",
  });
  const answer = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(answer.error || `HTTP ${response.status}`);
  return answer;
}

const source = {
  async runs(threshold) {
    if (STATIC) return { threshold: STATIC.threshold, runs: STATIC.runs };
    return api("api/runs", { threshold });
  },
  async run(key) {
    if (STATIC) {
      if (!(key in STATIC.details)) throw new Error(`no run ${JSON.stringify(key)} in this export`);
      return STATIC.details[key];
    }
    return api("api/run", { id: key });
  },
  async state(key) {
    return STATIC ? null : api("api/state", { id: key });
  },
};

// ---- state shared by the pages --------------------------------------------------------------------------------
const ui = {
  threshold: 0.5,
  pbwOnly: false,
  objective: "",
  level: "",
  search: "",
  selectedRuns: new Set(),
  page: null, // {kind: "list" | "run" | "compare", ...}
  timer: null,
};

function isPbw(c) {
  return c.verdict === "wrong" && c.proxy !== null && c.proxy >= ui.threshold;
}

function setLive(text) {
  document.getElementById("live").textContent = text;
}

function stopPolling() {
  if (ui.timer) clearTimeout(ui.timer);
  ui.timer = null;
}

function poll(fn) {
  stopPolling();
  if (!STATIC) ui.timer = setTimeout(fn, POLL_MS);
}

function showError(message) {
  document.getElementById("app").replaceChildren(el("p", { class: "error" }, message), el("a", { href: "#/" }, "runs"));
}

// ---- runs list ----------------------------------------------------------------------------------------------
const RUN_COLUMNS = [
  ["created", (r) => r.created.replace("T", " ").replace("+00:00", "Z")],
  ["status", (r) => statusBadge(r.status)],
  ["summarizer", (r) => r.models.summarizer],
  ["describer", (r) => r.models.describer],
  ["judge", (r) => r.models.judge],
  ["objective", (r) => r.objective],
  ["optimizer", (r) => r.optimizer],
  ["seed", (r) => r.seed],
  ["papers", (r) => (r.errors ? `${r.papers} (${r.errors} failed)` : r.papers)],
  ["describers", (r) => r.describers],
  ["candidates", (r) => r.candidates],
  ["ROUGE-L", (r) => fmt(r.metrics.rougeL)],
  ["proxy (chosen)", (r) => fmt(r.metrics.proxy_chosen)],
  ["gold (chosen)", (r) => fmt(r.metrics.gold_chosen)],
  ["chosen wrong", (r) => pct(r.metrics.chosen_wrong)],
  ["persuasive wrong", (r) => r.metrics.persuasive_wrong],
  ["sophistry", (r) => fmt(r.metrics.sophistry_rate)],
  ["gold vs people", (r) => r.gold_trust],
];

async function showList(previous = null) {
  ui.page = { kind: "list" };
  document.getElementById("where").textContent = STATIC ? `static export, ${STATIC.exported}` : "";
  let data;
  try {
    data = await source.runs(ui.threshold);
  } catch (err) {
    showError(`could not list runs: ${err.message}`);
    return;
  }
  if (ui.page.kind !== "list") return;
  const running = data.runs.filter((r) => r.status === "running").length;
  setLive(STATIC ? "" : running ? `${running} running, updating` : "");
  const snapshot = JSON.stringify(data);
  poll(() => ui.page.kind === "list" && showList(snapshot));
  if (snapshot === previous) return; // nothing new: keep the page as the user left it
  const compare = el("button", { type: "button", id: "compare", disabled: ui.selectedRuns.size !== 2 }, "compare the two selected runs");
  compare.addEventListener("click", () => {
    const [a, b] = [...ui.selectedRuns];
    location.hash = `#/compare/${enc(a)}/${enc(b)}`;
  });
  const head = el("tr", {}, el("th", {}, ""), el("th", {}, "run"), RUN_COLUMNS.map(([name]) => el("th", {}, name)));
  const rows = data.runs.map((r) => {
    if (r.error) {
      return el("tr", { "data-key": r.key }, el("td", {}, ""), el("td", {}, r.key), el("td", { colspan: RUN_COLUMNS.length, class: "error" }, r.error));
    }
    const box = el("input", { type: "checkbox", "aria-label": `select ${r.key} to compare`, checked: ui.selectedRuns.has(r.key) });
    box.addEventListener("change", () => {
      if (box.checked) ui.selectedRuns.add(r.key);
      else ui.selectedRuns.delete(r.key);
      compare.disabled = ui.selectedRuns.size !== 2;
    });
    return el("tr", { "data-key": r.key }, el("td", {}, box), el("td", {}, el("a", { href: `#/run/${enc(r.key)}` }, r.key)),
      RUN_COLUMNS.map(([, cell]) => el("td", {}, cell(r))));
  });
  const note = `Metrics over rated candidates; persuasive = proxy ≥ ${fmt(data.threshold, 2)}, wrong = gold found a contradicted claim. ` +
    "Sophistry = P(proxy ≥ t | wrong). Select two runs to compare them equation by equation.";
  document.getElementById("app").replaceChildren(
    el("h1", {}, `Runs (${data.runs.length})`),
    data.runs.length ? el("div", { class: "scroll" }, el("table", { id: "runs", class: "grid" }, head, rows))
      : el("p", { class: "muted" }, "No runs here yet. Start one with `harness run`; it appears here while it runs."),
    el("p", { class: "muted" }, note),
    compare,
  );
}

// ---- run page -----------------------------------------------------------------------------------------------
function nodeMatches(node) {
  if (ui.pbwOnly && !node.candidates.some(isPbw)) return false;
  if (ui.objective && node.objective !== ui.objective) return false;
  if (ui.level && String(node.level) !== ui.level) return false;
  if (ui.search) {
    const q = ui.search.toLowerCase();
    const hay = [node.id, node.model, node.objective, node.optimizer, node.latex, node.summary,
      ...node.candidates.map((c) => c.text), ...node.prompts.flatMap((p) => p.messages.map((m) => m.content))];
    if (!hay.some((h) => h && h.toLowerCase().includes(q))) return false;
  }
  return true;
}

const filtering = () => ui.pbwOnly || ui.objective || ui.level || ui.search;

class RunPage {
  constructor(key, nodeId) {
    this.key = key;
    this.selected = nodeId || null;
    this.expanded = new Set();
    this.candidate = -1; // index into the selected node's ranked candidates, for n / N (none yet)
  }

  async load() {
    try {
      this.run = await source.run(this.key);
    } catch (err) {
      showError(`could not open run ${this.key}: ${err.message}`);
      return;
    }
    this.index();
    if (!this.selected || !this.nodes.has(this.selected)) this.selected = this.run.roots[0] || null;
    this.reveal(this.selected);
    this.render();
    this.watch();
  }

  // Open every ancestor of a node, so that a node named in the URL shows in the tree.
  reveal(id) {
    for (let up = this.nodes.get(id)?.parent_id; up; up = this.nodes.get(up)?.parent_id) this.expanded.add(up);
  }

  index() {
    this.nodes = new Map(this.run.nodes.map((n) => [n.id, n]));
  }

  async watch() {
    if (STATIC || this.run.status !== "running") {
      setLive("");
      return;
    }
    setLive(`running: ${this.run.last_seq} events, updating`);
    poll(async () => {
      if (ui.page.kind !== "run" || ui.page.view !== this) return;
      let state;
      try {
        state = await source.state(this.key);
      } catch (err) {
        setLive(`update failed: ${err.message}`);
        return this.watch();
      }
      if (state.last_seq !== this.run.last_seq || state.status !== this.run.status) {
        this.run = await source.run(this.key);
        this.index();
        this.render(true);
      }
      this.watch();
    });
  }

  // Visible tree: with no filter, the expanded subtrees; with one, the matches and their ancestors.
  visibleIds() {
    const out = [];
    const shown = filtering() ? this.filtered() : null;
    const walk = (id) => {
      if (shown && !shown.has(id)) return;
      out.push(id);
      const node = this.nodes.get(id);
      if (shown || this.expanded.has(id)) node.children.forEach(walk);
    };
    this.run.roots.forEach(walk);
    return out;
  }

  filtered() {
    const keep = new Set();
    this.matches = new Set();
    for (const node of this.run.nodes) {
      if (!nodeMatches(node)) continue;
      this.matches.add(node.id);
      for (let id = node.id; id && !keep.has(id); id = this.nodes.get(id)?.parent_id) keep.add(id);
    }
    return keep;
  }

  render(keepScroll = false) {
    const app = document.getElementById("app");
    const treeScroll = keepScroll ? document.getElementById("tree")?.scrollTop : 0;
    document.getElementById("where").textContent = "";
    app.replaceChildren(this.header(), this.filterBar(), el("div", { class: "panes" }, this.treePane(), el("section", { id: "detail" })));
    document.getElementById("tree").scrollTop = treeScroll || 0;
    this.renderDetail();
  }

  header() {
    const r = this.run;
    const cfg = r.config;
    const details = r.model_details || {};
    const modelLine = Object.keys(r.models).map((role) => {
      const d = details[role] || {};
      const extra = [d.backend, d.dtype, d.device].filter(Boolean).join(", ");
      return el("span", { class: "kv" }, el("b", {}, `${role} `), r.models[role], extra ? ` (${extra})` : "");
    });
    return el("div", { class: "run-head" },
      el("h1", {}, `run ${r.id} `, statusBadge(r.status)),
      el("div", { class: "kvs" }, modelLine,
        ["objective", "optimizer", "seed", "depth", "trust", "temperature", "max_equations", "judge_defence", "shard"]
          .filter((k) => cfg[k] !== null && cfg[k] !== undefined)
          .map((k) => el("span", { class: "kv" }, el("b", {}, `${k} `), String(cfg[k]))),
        el("span", { class: "kv" }, el("b", {}, "created "), r.created),
        el("span", { class: "kv" }, el("b", {}, "data "), cfg.data || "built-in demo corpus")),
      runEvents(r),
      el("details", { class: "config" }, el("summary", {}, "full config"),
        kvTable(Object.entries(cfg).map(([k, v]) => [k, v === null ? "null" : String(v)]))));
  }

  filterBar() {
    const objectives = [...new Set(this.run.nodes.map((n) => n.objective).filter(Boolean))].sort();
    const levels = [...new Set(this.run.nodes.map((n) => n.level))].sort((a, b) => a - b);
    const rerender = () => this.render();
    const pbw = el("input", { type: "checkbox", id: "pbw-only", checked: ui.pbwOnly });
    pbw.addEventListener("change", () => { ui.pbwOnly = pbw.checked; rerender(); });
    const threshold = el("input", { type: "number", id: "threshold", min: 0, max: 1, step: 0.01, value: ui.threshold });
    threshold.addEventListener("change", () => {
      const t = parseFloat(threshold.value);
      if (!Number.isNaN(t)) { ui.threshold = t; rerender(); }
    });
    const proxies = this.run.nodes.flatMap((n) => n.candidates.map((c) => c.proxy)).filter((p) => p !== null).sort((a, b) => a - b);
    const p75 = proxies.length ? proxies[Math.min(proxies.length - 1, Math.floor(0.75 * proxies.length))] : null;
    const useP75 = el("button", { type: "button", id: "use-p75", disabled: p75 === null, title: "the run's 75th percentile proxy" }, `t = p75 (${fmt(p75)})`);
    useP75.addEventListener("click", () => { ui.threshold = Number(p75.toFixed(3)); rerender(); });
    const select = (id, label, value, options, set) => {
      const s = el("select", { id, "aria-label": label }, el("option", { value: "" }, `any ${label}`),
        options.map((o) => el("option", { value: String(o), selected: String(o) === value }, `${label} ${o}`)));
      s.addEventListener("change", () => { set(s.value); rerender(); });
      return s;
    };
    const search = el("input", { type: "search", id: "search", placeholder: "search text ( / )", value: ui.search });
    let debounce = null;
    search.addEventListener("input", () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => {
        ui.search = search.value.trim();
        this.render();
        const again = document.getElementById("search");
        again.focus();
        again.setSelectionRange(again.value.length, again.value.length);
      }, 200);
    });
    const all = el("button", { type: "button", id: "expand-all" }, "expand all");
    all.addEventListener("click", () => this.expandAll(true));
    const none = el("button", { type: "button", id: "collapse-all" }, "collapse all");
    none.addEventListener("click", () => this.expandAll(false));
    if (filtering()) this.filtered();
    const count = filtering() ? `${this.matches.size} of ${this.run.nodes.length} agents match` : `${this.run.nodes.length} agents`;
    return el("div", { class: "filters" },
      el("label", {}, pbw, " only persuasive-but-wrong"),
      el("label", {}, " persuasive: proxy ≥ ", threshold), useP75,
      select("objective", "objective", ui.objective, objectives, (v) => { ui.objective = v; }),
      select("level", "level", ui.level, levels, (v) => { ui.level = v; }),
      search, all, none,
      el("span", { id: "match-count", class: "muted" }, count),
      el("a", { href: "#/", class: "back" }, "all runs"));
  }

  expandAll(open) {
    this.expanded = open ? new Set(this.run.nodes.filter((n) => n.children.length).map((n) => n.id)) : new Set();
    this.render();
  }

  treePane() {
    const tree = el("div", { id: "tree", role: "tree", "aria-label": "delegation tree" });
    const shown = filtering() ? this.filtered() : null;
    const build = (id, container) => {
      if (shown && !shown.has(id)) return;
      const node = this.nodes.get(id);
      const open = shown ? true : this.expanded.has(id);
      const item = el("div", {
        role: "treeitem", class: "node", tabindex: id === this.selected ? 0 : -1, "data-id": id,
        "aria-level": node.level, "aria-selected": id === this.selected ? "true" : "false",
        "aria-expanded": node.children.length ? String(open) : null,
      });
      if (shown && !this.matches.has(id)) item.classList.add("context");
      const toggle = el("button", { type: "button", class: "toggle", tabindex: -1, "aria-label": open ? "collapse" : "expand", disabled: !node.children.length }, node.children.length ? (open ? "▾" : "▸") : "·");
      toggle.addEventListener("click", (ev) => { ev.stopPropagation(); this.toggle(id); });
      item.append(toggle, this.nodeLabel(node));
      item.addEventListener("click", () => this.select(id));
      container.append(item);
      if (open && node.children.length) {
        const group = el("div", { role: "group", class: "children" });
        node.children.forEach((child) => build(child, group));
        container.append(group);
      }
    };
    this.run.roots.forEach((id) => build(id, tree));
    if (!tree.children.length) tree.append(el("p", { class: "muted" }, "No agent matches the filters."));
    return el("nav", { class: "tree-pane" }, tree);
  }

  nodeLabel(node) {
    const chosen = node.candidates.find((c) => c.chosen);
    const pbw = node.candidates.filter(isPbw).length;
    return el("span", { class: "label" },
      el("span", { class: "level" }, `L${node.level}`), " ",
      el("span", { class: `role role-${node.role}` }, node.role), " ",
      el("span", { class: "id" }, node.id), " ",
      el("span", { class: "muted" }, node.model),
      node.role !== "summarizer" ? el("span", { class: "muted" }, ` ${node.objective} · ${node.optimizer}`) : null,
      node.candidates.length ? el("span", { class: "muted" }, ` · ${node.candidates.length} cand.`) : null,
      chosen ? [" ", verdictBadge(chosen.verdict)] : null,
      pbw ? [" ", badge(`${pbw} persuasive-wrong`, "pbw")] : null,
      node.errors.length ? [" ", badge("error", "verdict-wrong")] : null);
  }

  toggle(id) {
    if (filtering()) return; // while filtering, every match is shown with its ancestors open
    if (this.expanded.has(id)) this.expanded.delete(id);
    else this.expanded.add(id);
    this.select(id, true);
  }

  select(id, rerenderTree = false) {
    if (id !== this.selected) this.candidate = -1;
    this.selected = id;
    history.replaceState(null, "", `#/run/${enc(this.key)}/${enc(id)}`);
    if (rerenderTree) {
      const scroll = document.getElementById("tree").scrollTop;
      document.querySelector(".tree-pane").replaceWith(this.treePane());
      document.getElementById("tree").scrollTop = scroll;
    } else {
      for (const item of document.querySelectorAll("#tree [role=treeitem]")) {
        const on = item.dataset.id === id;
        item.setAttribute("aria-selected", on ? "true" : "false");
        item.tabIndex = on ? 0 : -1;
      }
    }
    const item = document.querySelector(`#tree [data-id="${CSS.escape(id)}"]`);
    if (item) {
      item.scrollIntoView({ block: "nearest" });
      if (!document.activeElement || !["INPUT", "SELECT"].includes(document.activeElement.tagName)) item.focus({ preventScroll: true });
    }
    this.renderDetail();
  }

  move(step) {
    const ids = this.visibleIds();
    const at = ids.indexOf(this.selected);
    const next = ids[Math.max(0, Math.min(ids.length - 1, at + step))];
    if (next) this.select(next);
  }

  right() {
    const node = this.nodes.get(this.selected);
    if (!node || !node.children.length) return;
    if (!filtering() && !this.expanded.has(node.id)) this.toggle(node.id);
    else this.move(1);
  }

  left() {
    const node = this.nodes.get(this.selected);
    if (!node) return;
    if (!filtering() && this.expanded.has(node.id)) this.toggle(node.id);
    else if (node.parent_id) this.select(node.parent_id);
  }

  // Store a label, then show the run again as the transcript now holds it, where the reader was.
  async label(node, c, label, note, who) {
    await postLabel({ run: this.key, agent: node.id, index: c.index, label, note, who });
    const run = await source.run(this.key);
    if (ui.page.view !== this) return;
    this.run = run;
    this.index();
    const y = window.scrollY;
    this.renderDetail();
    window.scrollTo(0, y);
  }

  stepCandidate(step) {
    const cards = document.querySelectorAll("#detail .candidate");
    if (!cards.length) return;
    this.candidate = this.candidate < 0 ? (step > 0 ? 0 : cards.length - 1) : (this.candidate + step + cards.length) % cards.length;
    cards.forEach((c, k) => c.classList.toggle("current", k === this.candidate));
    cards[this.candidate].scrollIntoView({ block: "nearest" });
  }

  renderDetail() {
    const pane = document.getElementById("detail");
    const node = this.nodes.get(this.selected);
    if (!node) {
      pane.replaceChildren(el("p", { class: "muted" }, "This run has no agents yet."));
      return;
    }
    pane.replaceChildren(nodeDetail(node, this));
  }
}

// A run's own events: each resume (what it kept, redid and discarded), each Ray task redone after its worker
// died, and the shards it was merged from.
function runEvents(r) {
  const lines = r.resumes.map((e) => el("div", { class: "run-event resume" }, el("b", {}, "resumed "),
    `${e.finished} finished paper(s) kept, ${e.remaining} redone, ${e.discarded_events} event(s) of unfinished papers discarded`));
  for (const e of r.retries || []) {
    lines.push(el("div", { class: "run-event retry" }, el("b", {}, "retried "),
      `${e.papers.join(", ")} (attempt ${e.attempt} lost: ${e.reason})`));
  }
  if (r.merged) {
    lines.push(el("div", { class: "run-event merged" }, el("b", {}, `merged from ${r.merged.shards.length} shard(s) `),
      r.merged.shards.map((s, k) => [k ? ", " : "", `${s.id} (shard ${s.shard ?? "–"}) `, statusBadge(s.status)])));
  }
  return lines.length ? el("div", { class: "run-events" }, lines) : null;
}

// Every model call of an agent (the judge's ratings included) and whether the call cache answered it.
function callsTable(calls) {
  const hits = calls.filter((c) => c.cached).length;
  const seconds = calls.reduce((sum, c) => sum + (c.seconds || 0), 0);
  return [
    el("h3", {}, `Model calls (${calls.length}, ${hits} answered by the cache, ${fmt(seconds, 2)} s)`),
    el("table", { class: "grid calls" }, el("tr", {}, ["model", "call", "n", "cache", "seconds"].map((h) => el("th", {}, h))),
      calls.map((c) => el("tr", { class: c.cached ? "hit" : "miss" }, el("td", {}, c.model),
        el("td", { title: c.call === "rate" ? "rating candidates (the judge)" : "sampling text" }, c.call), el("td", {}, c.n),
        el("td", {}, c.cached ? "hit" : "miss"), el("td", {}, fmt(c.seconds, 3))))),
  ];
}

function kvTable(rows) {
  return el("table", { class: "kv-table" }, rows.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) =>
    el("tr", {}, el("th", {}, k), el("td", {}, v))));
}

function nodeDetail(node, page) {
  const parts = [el("h2", {}, `${node.role} L${node.level} `, el("span", { class: "id" }, node.id))];
  const parent = node.parent_id ? el("a", { href: "#", class: "goto", "data-id": node.parent_id }, node.parent_id) : null;
  parts.push(kvTable([
    ["model", node.model], ["objective", node.objective], ["optimizer", node.optimizer], ["paper", node.paper_id],
    ["equation", node.equation_id], ["LaTeX", node.latex ? el("code", {}, node.latex) : null], ["parent", parent],
    ["children", node.children.length ? node.children.map((c, k) => [k ? ", " : "", el("a", { href: "#", class: "goto", "data-id": c }, c)]) : null],
    ["read", node.truncation ? `${node.truncation.kept_tokens}/${node.truncation.body_tokens} body tokens${node.truncation.truncated ? " (truncated)" : ""}` : null],
    ["paper result", node.paper_done ? `ROUGE-L ${fmt(node.paper_done.rougeL)}, mean proxy of chosen ${fmt(node.paper_done.mean_proxy)}, ${node.paper_done.equations} equations` : null],
    ["trust", node.trust ? `${fmt(node.trust.trust_before, 2)} → ${fmt(node.trust.trust_after, 2)}, check rate ${fmt(node.trust.check_rate, 2)}, checked ${node.trust.checked}, defected ${node.trust.defected}, parent's check passed ${node.trust.passed}, gold agrees ${node.trust.gold_agrees ?? "n/a"}` : null],
    ["adapter", node.adapter ? `${node.adapter.path} (${node.adapter.steps} steps, KL ≈ ${fmt(node.adapter.kl_estimate, 2)})` : null],
  ]));
  for (const w of node.warnings) parts.push(el("p", { class: "warning" }, `warning: ${w}`));
  for (const e of node.errors) parts.push(el("p", { class: "error" }, `error: ${e}`));
  if (node.calls.length) parts.push(callsTable(node.calls));

  if (node.summary !== null && node.summary !== undefined) {
    parts.push(el("h3", {}, "Summary"));
    const spans = node.summary_spans.map((s) => ({ ...s, title: "a contradicted claim of a chosen description, repeated here" }));
    parts.push(markedText(node.summary, spans, "div", "text summary"));
    if (node.propagation) parts.push(el("p", { class: "muted" }, `${node.propagation.contradicted} contradicted claim(s) in chosen descriptions; ${node.propagation.in_summary.length} repeated in the summary${node.propagation.in_summary.length ? ": " + node.propagation.in_summary.join("; ") : ""}`));
  }
  for (const p of node.prompts) {
    parts.push(el("h3", {}, `Prompt ${p.prompt}`, el("span", { class: "muted" }, ` seed ${p.seed}: the messages exactly as sent`)));
    parts.push(messagesBlock(p.messages, "prompt"));
  }
  if (node.candidates.length) {
    const pbw = node.candidates.filter(isPbw).length;
    parts.push(el("h3", {}, `Candidates, ranked by proxy score (${node.candidates.length})`,
      pbw ? [" ", badge(`${pbw} persuasive-but-wrong at t = ${fmt(ui.threshold, 2)}`, "pbw")] : null));
    const labeler = page && !STATIC ? (c, label, note, who) => page.label(node, c, label, note, who) : null;
    node.candidates.forEach((c, rank) => parts.push(candidateCard(c, rank, page && rank === page.candidate, labeler)));
  }
  if (node.weight_updates.length) {
    parts.push(el("h3", {}, "Weight updates"));
    const keys = Object.keys(node.weight_updates[0]);
    parts.push(el("table", { class: "grid" }, el("tr", {}, keys.map((k) => el("th", {}, k))),
      node.weight_updates.map((u) => el("tr", {}, keys.map((k) => el("td", {}, typeof u[k] === "number" ? fmt(u[k]) : JSON.stringify(u[k])))))));
  }
  const box = el("div", {}, parts);
  box.addEventListener("click", (ev) => {
    const link = ev.target.closest("a.goto");
    if (!link || !page) return;
    ev.preventDefault();
    page.select(link.dataset.id, true);
  });
  return box;
}

function messagesBlock(messages, cls) {
  return el("div", { class: `messages ${cls}` }, messages.map((m) =>
    el("div", { class: `message role-${m.role}` }, el("div", { class: "message-role" }, m.role), el("pre", {}, m.content))));
}

function distribution(dist) {
  if (!dist) return null;
  const labels = Object.keys(dist);
  const top = Math.max(...labels.map((k) => dist[k]), 1e-9);
  return el("div", { class: "dist", title: "the judge's probability over rating tokens" }, labels.map((k) => {
    const bar = el("span", { class: "bar" });
    bar.style.height = `${Math.round(40 * dist[k] / top)}px`;
    return el("span", { class: "col", title: `P(${k}) = ${dist[k].toFixed(4)}` }, bar, el("span", { class: "tick" }, k));
  }));
}

// claims and style are scored here; a monitor's scores (crossexam) were stored by the run, labelled with its model.
function detectorScores(c) {
  const title = "detector suspicion in [0, 1]: claims and style computed here; crossexam stored by a run with a monitor " +
    "(harness run --monitor), labelled with the monitor's model; grounding needs harness detect";
  return el("span", { class: "detectors", title }, " detectors: ", Object.entries(c.detectors).map(([name, score], k) =>
    el("span", { class: "det", "data-detector": name }, k ? " · " : "", name,
      c.detector_models[name] ? el("span", { class: "det-model" }, ` (${c.detector_models[name]})`) : null, ` ${fmt(score, 2)}`)));
}

const LABELS = ["correct", "wrong", "vacuous"];
const WHO_KEY = "harness-view-labeler";

// The reader's label of a candidate (the latest counts; earlier ones stay in the transcript), and, when a server
// answers, buttons to label it with an optional note and the reader's name (remembered in this browser).
function humanLabel(c, labeler) {
  const latest = c.human_label;
  const earlier = c.human_labels.length - 1;
  const current = latest
    ? el("div", { class: "label-current" }, el("b", {}, "human label "), badge(latest.label, `human-${latest.label}`),
      ` by ${latest.who}, ${latest.at}`, latest.note ? el("span", { class: "label-note-text" }, ` — ${latest.note}`) : null,
      earlier > 0 ? el("span", { class: "muted" }, ` (supersedes ${earlier} earlier label${earlier > 1 ? "s" : ""})`) : null)
    : el("div", { class: "label-current muted" }, "no human label yet");
  if (!labeler) return el("div", { class: "human-label" }, current);
  const note = el("input", { type: "text", class: "label-note", placeholder: "note: the first false claim, in words (optional)", "aria-label": "note" });
  const who = el("input", { type: "text", class: "label-who", placeholder: "your name", "aria-label": "your name", value: localStorage.getItem(WHO_KEY) || "" });
  const status = el("span", { class: "label-status", role: "status" });
  const buttons = LABELS.map((label) => el("button", { type: "button", "data-label": label, class: `human-${label}` }, label));
  for (const button of buttons) {
    button.addEventListener("click", async () => {
      if (!who.value.trim()) {
        status.className = "label-status error";
        status.textContent = "give your name first";
        who.focus();
        return;
      }
      localStorage.setItem(WHO_KEY, who.value.trim());
      buttons.forEach((b) => { b.disabled = true; });
      status.className = "label-status muted";
      status.textContent = "saving…";
      try {
        await labeler(c, button.dataset.label, note.value, who.value);
      } catch (err) {
        status.className = "label-status error";
        status.textContent = `not saved: ${err.message}`;
        buttons.forEach((b) => { b.disabled = false; });
      }
    });
  }
  return el("div", { class: "human-label" }, current,
    el("div", { class: "label-form" }, el("span", { class: "muted" }, latest ? "relabel: " : "label: "), buttons, note, who, status));
}

function candidateCard(c, rank, current, labeler = null) {
  const claimSpans = c.spans.map((s) => ({ ...s, title: `${c.claims[s.claim].status}: ${c.claims[s.claim].evidence}` }));
  const card = el("article", { class: `candidate${c.chosen ? " chosen" : ""}${isPbw(c) ? " is-pbw" : ""}${current ? " current" : ""}`, "data-index": c.index });
  card.append(el("div", { class: "cand-head" },
    el("span", { class: "rank" }, `#${rank + 1}`),
    c.chosen ? badge("★ chosen", "chosen") : null,
    el("span", { class: "proxy" }, `proxy ${fmt(c.proxy)}`),
    verdictBadge(c.verdict),
    c.gold_score !== null ? el("span", { class: "muted" }, ` gold ${fmt(c.gold_score, 2)}`) : null,
    isPbw(c) ? badge("persuasive but wrong", "pbw") : null,
    c.round ? el("span", { class: "muted" }, ` round ${c.round}`) : null,
    el("span", { class: "muted" }, ` candidate ${c.index}`),
    detectorScores(c)));
  card.append(markedText(c.text, claimSpans));
  if (c.claims.length) {
    card.append(el("table", { class: "claims" }, c.claims.map((cl) =>
      el("tr", { class: cl.status }, el("td", {}, badge(cl.status, `claim-${cl.status}`)), el("td", {}, cl.kind),
        el("td", {}, cl.claim), el("td", { class: "muted" }, cl.evidence)))));
  }
  if (c.statements.length) {
    card.append(el("table", { class: "claims statements", title: `gold model layer: ${c.instrument}` }, c.statements.map((st) =>
      el("tr", {}, el("td", {}, badge(`P(false) ${fmt(st.p_false, 2)}`, "claim-unverifiable")),
        el("td", {}, "model"), el("td", {}, st.statement), el("td", { class: "muted" }, c.instrument)))));
  }
  const judge = el("div", { class: "judge-call" });
  if (c.judge) {
    judge.append(el("div", {}, el("b", {}, "judge call "), `${c.judge.model}, template ${c.judge.prompt}: proxy ${fmt(c.judge.proxy)}`), distribution(c.distribution));
    if (c.judge.messages) {
      judge.append(el("details", { class: "judge-prompt" }, el("summary", {}, c.judge.messages_stored ? "the judge's conversation, exactly as rated"
        : "the judge's prompt (rendered again from its template, with this equation and candidate)"),
        messagesBlock(c.judge.messages, "judge")));
    } else {
      judge.append(el("div", { class: "muted" }, "the judge's prompt could not be rendered again (no equation in the prompt above, or its template changed since the run)"));
    }
  } else {
    judge.append(el("div", { class: "muted" }, "not rated: the parent did not check this output"));
  }
  if (c.critique !== null && c.critique !== undefined) {
    judge.append(el("div", { class: "critique" }, el("b", {}, `round ${c.round} answered the parent's critique (judge/critique) `),
      el("span", { class: "text inline" }, c.critique || "(empty)")));
  }
  card.append(judge);
  card.append(humanLabel(c, labeler));
  return card;
}

// ---- compare ------------------------------------------------------------------------------------------------
async function showCompare(a, b) {
  ui.page = { kind: "compare" };
  setLive("");
  let runs;
  try {
    runs = await Promise.all([source.run(a), source.run(b)]);
  } catch (err) {
    showError(`could not compare: ${err.message}`);
    return;
  }
  const rows = new Map(); // equation (paper/equation id) -> [node in a, node in b]
  runs.forEach((run, side) => {
    for (const node of run.nodes) {
      if (!node.candidates.length) continue;
      const key = node.equation_id || node.id;
      if (!rows.has(key)) rows.set(key, [null, null]);
      rows.get(key)[side] = node;
    }
  });
  const render = () => {
    const q = ui.search.toLowerCase();
    const keep = [...rows].filter(([key, pair]) => {
      const nodes = pair.filter(Boolean);
      if (ui.pbwOnly && !nodes.some((n) => n.candidates.some(isPbw))) return false;
      if (q && !key.toLowerCase().includes(q) && !nodes.some((n) => n.candidates.some((c) => c.text.toLowerCase().includes(q)))) return false;
      return true;
    });
    const head = runs.map((r) => el("th", {}, el("a", { href: `#/run/${enc(r.key)}` }, r.id), el("div", { class: "muted" },
      `${r.models.describer} · ${r.config.objective} · ${r.config.optimizer} · seed ${r.config.seed}`)));
    const body = keep.map(([key, pair]) => {
      const latex = (pair[0] || pair[1]).latex;
      return [
        el("tr", { class: "eq-row" }, el("th", { colspan: 2 }, key, " ", latex ? el("code", {}, latex) : null)),
        el("tr", {}, pair.map((node) => el("td", {}, node ? compareCell(node) : el("p", { class: "muted" }, "not in this run")))),
      ];
    });
    const pbw = el("input", { type: "checkbox", id: "pbw-only", checked: ui.pbwOnly });
    pbw.addEventListener("change", () => { ui.pbwOnly = pbw.checked; render(); });
    const search = el("input", { type: "search", id: "search", placeholder: "search text ( / )", value: ui.search });
    search.addEventListener("change", () => { ui.search = search.value.trim(); render(); });
    document.getElementById("app").replaceChildren(
      el("h1", {}, "Compare two runs"),
      el("div", { class: "filters" }, el("label", {}, pbw, ` only persuasive-but-wrong (proxy ≥ ${fmt(ui.threshold, 2)})`), search,
        el("span", { class: "muted" }, `${keep.length} of ${rows.size} equations`), el("a", { href: "#/", class: "back" }, "all runs")),
      el("table", { id: "compare-table", class: "compare" }, el("tr", {}, head), body));
  };
  render();
}

function compareCell(node) {
  return el("div", {}, el("div", { class: "muted" }, `${node.objective} · ${node.optimizer} · L${node.level}`),
    node.candidates.map((c, rank) => {
      const spans = c.spans.map((s) => ({ ...s, title: `${c.claims[s.claim].status}: ${c.claims[s.claim].evidence}` }));
      return el("div", { class: `cmp-cand${c.chosen ? " chosen" : ""}${isPbw(c) ? " is-pbw" : ""}` },
        el("div", {}, el("span", { class: "rank" }, `#${rank + 1}`), c.chosen ? badge("★ chosen", "chosen") : null,
          el("span", { class: "proxy" }, ` proxy ${fmt(c.proxy)} `), verdictBadge(c.verdict),
          c.gold_score !== null ? el("span", { class: "muted" }, ` gold ${fmt(c.gold_score, 2)} `) : null,
          isPbw(c) ? badge("persuasive but wrong", "pbw") : null),
        markedText(c.text, spans));
    }));
}

// ---- routing and keys -----------------------------------------------------------------------------------------
function route() {
  stopPolling();
  // The old page goes at once, so nothing on it can be clicked while the new one loads.
  document.getElementById("app").replaceChildren(el("p", { class: "muted" }, "loading…"));
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (parts[0] === "run" && parts[1]) {
    const view = new RunPage(parts[1], parts[2]);
    ui.page = { kind: "run", view };
    view.load();
  } else if (parts[0] === "compare" && parts[1] && parts[2]) {
    showCompare(parts[1], parts[2]);
  } else {
    showList();
  }
}

function onKey(ev) {
  const help = document.getElementById("help");
  if (ev.key === "Escape") {
    if (help.open) help.close();
    else if (document.activeElement) document.activeElement.blur();
    return;
  }
  const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement?.tagName);
  if (typing || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const view = ui.page?.kind === "run" ? ui.page.view : null;
  const keys = {
    "?": () => (help.open ? help.close() : help.showModal()),
    "/": () => document.getElementById("search")?.focus(),
    g: () => { location.hash = "#/"; },
    p: () => {
      ui.pbwOnly = !ui.pbwOnly;
      if (view) view.render();
      else if (ui.page?.kind === "compare") route();
    },
  };
  if (view && view.run) {
    Object.assign(keys, {
      j: () => view.move(1), ArrowDown: () => view.move(1),
      k: () => view.move(-1), ArrowUp: () => view.move(-1),
      l: () => view.right(), ArrowRight: () => view.right(),
      h: () => view.left(), ArrowLeft: () => view.left(),
      e: () => view.expandAll(true), c: () => view.expandAll(false),
      n: () => view.stepCandidate(1), N: () => view.stepCandidate(-1),
    });
    const active = document.activeElement;
    if (active === document.body || active?.getAttribute("role") === "treeitem") keys.Enter = () => view.toggle(view.selected);
  }
  const action = keys[ev.key];
  if (action) {
    ev.preventDefault();
    action();
  }
}

document.addEventListener("keydown", onKey);
document.getElementById("help-button").addEventListener("click", () => document.getElementById("help").showModal());
document.getElementById("help-close").addEventListener("click", () => document.getElementById("help").close());
window.addEventListener("hashchange", route);
route();
