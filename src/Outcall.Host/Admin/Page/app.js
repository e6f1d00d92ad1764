// Outcall live traffic page. Every value shown comes from the admin API and is hostile until proven otherwise
// (host names, paths and agent names are whatever a client sent): text goes in with textContent only, never as
// markup, and the Content-Security-Policy allows no inline script besides.
"use strict";

(() => {
  const MAX_ROWS = 1000;
  const TOP_HOSTS = 8;
  const TOKEN_KEY = "outcall.admin.token";

  // The token arrives in the fragment (never sent to the server in the URL); it is kept for this tab and taken
  // out of the address bar so it does not end up in screenshots or history.
  const token = (() => {
    const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
    if (match) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
      history.replaceState(null, "", location.pathname + location.search);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  })();
  const headers = token ? { "X-Outcall-Token": token } : {};

  const $ = (id) => document.getElementById(id);

  /** An element with text content and attributes; children are elements or strings (as text). */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [key, value] of Object.entries(props)) {
        if (value === undefined || value === null) continue;
        if (key === "text") node.textContent = String(value);
        else if (key === "class") node.className = value;
        else node.setAttribute(key, String(value));
      }
    }
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }

  function notice(text) {
    const box = $("notice");
    box.textContent = text || "";
    box.hidden = !text;
  }

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path) {
    const response = await fetch(path, { headers, cache: "no-store" });
    let body = null;
    try { body = await response.json(); } catch { /* not an envelope */ }
    if (response.status === 401) notice("This node needs its admin token: open the page as /#token=YOUR_TOKEN (outcall.admin.token).");
    if (!response.ok || !body || body.success !== true)
      throw new ApiError(response.status, (body && body.error) || `HTTP ${response.status}`);
    return body.data;
  }

  // ---- formatting ----
  const pad = (n, width = 2) => String(n).padStart(width, "0");
  function clock(iso) {
    const t = new Date(iso);
    if (isNaN(t)) return "";
    return `${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}.${pad(t.getMilliseconds(), 3)}`;
  }
  function bytes(n) {
    if (n === undefined || n === null) return "";
    if (n < 1024) return `${n} B`;
    const units = ["kB", "MB", "GB", "TB"];
    let value = n / 1024, unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
  }
  const count = (n) => (typeof n === "number" ? n.toLocaleString("en-US") : "–");
  const agentName = (agent) => agent || "(unknown)";
  const hostPort = (e) => (e.host.includes(":") ? `[${e.host}]` : e.host) + `:${e.port}`;
  const decisionClass = (decision) => String(decision).toLowerCase().replace(/[^a-z_]/g, "");
  const decisionLabel = (decision) => String(decision).replace("_", " ");

  // ---- state ----
  const events = new Map();          // id -> { event, row }
  const agents = new Map();          // agent -> { ALLOW, BLOCK, WOULD_BLOCK }
  const blockedHosts = new Map();    // host:port -> count
  let selectedId = null;

  // ---- live table ----
  const filters = { agent: "*", decision: "*", host: "" };

  function matches(e) {
    return (filters.agent === "*" || e.agent === filters.agent)
      && (filters.decision === "*" || e.decision === filters.decision)
      && (filters.host === "" || hostPort(e).toLowerCase().includes(filters.host) || (e.server_name || "").toLowerCase().includes(filters.host));
  }

  function statusCell(e) {
    if (e.outcome) return el("td", { class: "num", text: e.outcome.status || e.outcome.end });
    if (e.decision === "BLOCK") return el("td", { class: "num", text: "403", title: "refused by the proxy" });
    return el("td", { class: "num pending", text: "…", title: "still running" });
  }

  function bytesCell(e) {
    if (!e.outcome) return el("td", { class: "num pending", text: "" });
    return el("td", { class: "num", text: `${bytes(e.outcome.bytes_up)} / ${bytes(e.outcome.bytes_down)}` });
  }

  function renderRow(e) {
    const rule = e.rule_id || e.cause;
    const row = el("tr", { "data-id": e.id, "data-decision": e.decision, title: e.reason },
      el("td", { class: "time", text: clock(e.time), title: e.time }),
      el("td", { class: "agent", text: agentName(e.agent) }),
      el("td", { class: "decision" }, el("span", { class: `badge ${decisionClass(e.decision)}`, text: decisionLabel(e.decision) })),
      el("td", { class: "method mono", text: e.method }),
      el("td", { class: "hostport mono", text: hostPort(e), title: e.server_name ? `SNI ${e.server_name}` : hostPort(e) }),
      el("td", { class: "path mono", text: e.path, title: e.path }),
      el("td", { class: "rule mono", text: rule }),
      statusCell(e),
      bytesCell(e));
    row.hidden = !matches(e);
    if (e.id === selectedId) row.classList.add("selected");
    return row;
  }

  /** A verdict or its outcome (same id): new rows go on top, an outcome replaces its row in place. */
  function upsert(e, fresh) {
    const known = events.get(e.id);
    if (known && known.event.outcome && !e.outcome) return;
    const row = renderRow(e);
    if (known) {
      known.row.replaceWith(row);
      known.event = e;
      known.row = row;
      return;
    }
    countEvent(e);
    if (fresh) row.classList.add("fresh");
    const body = $("event-rows");
    // Keep id order even when the recent list and the stream overlap.
    let before = body.firstElementChild;
    while (before && Number(before.dataset.id) > e.id) before = before.nextElementSibling;
    body.insertBefore(row, before);
    events.set(e.id, { event: e, row });
    while (events.size > MAX_ROWS) {
      const oldest = body.lastElementChild;
      events.delete(Number(oldest.dataset.id));
      oldest.remove();
    }
    refreshShown();
  }

  function refreshShown() {
    let shown = 0;
    for (const { row } of events.values()) if (!row.hidden) shown++;
    $("events-empty").hidden = events.size > 0;
    $("shown").textContent = events.size ? `${shown.toLocaleString("en-US")} of ${events.size.toLocaleString("en-US")} shown` : "";
  }

  function applyFilters() {
    filters.agent = $("filter-agent").value;
    filters.decision = $("filter-decision").value;
    filters.host = $("filter-host").value.trim().toLowerCase();
    for (const { event, row } of events.values()) row.hidden = !matches(event);
    refreshShown();
  }

  // ---- counters ----
  function countEvent(e) {
    const tally = agents.get(e.agent) || { ALLOW: 0, BLOCK: 0, WOULD_BLOCK: 0 };
    if (!agents.has(e.agent)) {
      agents.set(e.agent, tally);
      $("filter-agent").append(el("option", { value: e.agent, text: agentName(e.agent) }));
    }
    tally[e.decision] = (tally[e.decision] || 0) + 1;
    if (e.decision === "BLOCK" || e.decision === "WOULD_BLOCK") blockedHosts.set(hostPort(e), (blockedHosts.get(hostPort(e)) || 0) + 1);
    scheduleCounters();
  }

  let countersQueued = false;
  function scheduleCounters() {
    if (countersQueued) return;
    countersQueued = true;
    requestAnimationFrame(() => { countersQueued = false; renderCounters(); });
  }

  function renderCounters() {
    const rows = [...agents.entries()].sort((a, b) => (b[1].ALLOW + b[1].BLOCK + b[1].WOULD_BLOCK) - (a[1].ALLOW + a[1].BLOCK + a[1].WOULD_BLOCK));
    const anyWould = rows.some(([, t]) => t.WOULD_BLOCK > 0);
    document.body.classList.toggle("show-would", anyWould);
    $("agent-rows").replaceChildren(...rows.map(([agent, t]) => el("tr", { "data-agent": agent },
      el("td", { class: "agent", text: agentName(agent) }),
      el("td", { class: "num allowed", text: count(t.ALLOW) }),
      el("td", { class: "num blocked", text: count(t.BLOCK) }),
      el("td", { class: "num would", text: count(t.WOULD_BLOCK) }))));
    $("agents-empty").hidden = rows.length > 0;

    const top = [...blockedHosts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, TOP_HOSTS);
    const most = top.length ? top[0][1] : 1;
    $("blocked-hosts").replaceChildren(...top.map(([host, n]) => {
      const fill = el("span", { class: "fill" });
      fill.style.width = `${Math.max(4, Math.round((100 * n) / most))}%`;
      return el("li", { "data-host": host }, fill, el("span", { class: "host mono", text: host, title: host }), el("span", { class: "count", text: count(n) }));
    }));
    $("hosts-empty").hidden = top.length > 0;
  }

  // ---- the stream: fetch-based Server-Sent Events, so the token travels as a header like every other request ----
  let retryMs = 1000;
  function streamState(state, text) {
    const badge = $("stream-state");
    badge.className = `state ${state}`;
    badge.textContent = text;
  }

  function dispatch(block) {
    let type = "message", data = "";
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") type = value;
      else if (field === "data") data += (data ? "\n" : "") + value;
    }
    if (!data) return;
    const payload = JSON.parse(data);
    if (type === "verdict" || type === "outcome") upsert(payload, type === "verdict");
    else if (type === "lost") notice(`${payload.lost} events were dropped because this page fell behind; the table is missing them.`);
  }

  async function stream() {
    try {
      const response = await fetch("/api/v1/events", { headers: { ...headers, Accept: "text/event-stream" }, cache: "no-store" });
      if (response.status === 401) {
        notice("This node needs its admin token: open the page as /#token=YOUR_TOKEN (outcall.admin.token).");
        streamState("down", "no token");
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      streamState("live", "live");
      retryMs = 1000;
      // Events that happened while the stream was down (or before the page opened) come from the buffer. After a
      // drop the node may have restarted and counts ids from 1 again, so the buffer replaces what the page held.
      if (connectedBefore) forget();
      connectedBefore = true;
      loadRecent();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value.replace(/\r\n?/g, "\n");
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          dispatch(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch (error) {
      console.debug("event stream ended", error);
    }
    streamState("down", "reconnecting");
    setTimeout(stream, retryMs);
    retryMs = Math.min(retryMs * 2, 10000);
  }

  let connectedBefore = false;
  function forget() {
    events.clear();
    agents.clear();
    blockedHosts.clear();
    $("event-rows").replaceChildren();
    $("filter-agent").replaceChildren(el("option", { value: "*", text: "all agents" }));
    filters.agent = "*";
    closeDetail();
    renderCounters();
    refreshShown();
  }

  async function loadRecent() {
    try {
      const recent = await api("/api/v1/events/recent?limit=500");
      for (const e of recent) upsert(e, false);
    } catch (error) {
      console.debug("recent events", error);
    }
  }

  // ---- explanation drawer ----
  function fact(list, name, value, mono) {
    if (value === undefined || value === null || value === "") return;
    list.append(el("dt", { text: name }), el("dd", { class: mono ? "mono" : null, text: value }));
  }

  async function openDetail(id) {
    selectedId = id;
    for (const { row } of events.values()) row.classList.toggle("selected", Number(row.dataset.id) === id);
    const drawer = $("detail"), body = $("detail-body");
    drawer.hidden = false;
    $("detail-title").textContent = `Verdict #${id}`;
    body.replaceChildren(el("p", { class: "muted", text: "Loading the explanation…" }));
    let data;
    try {
      data = await api(`/api/v1/events/${encodeURIComponent(id)}`);
    } catch (error) {
      body.replaceChildren(el("p", { class: "muted", text: error.status === 404 ? "This event is no longer in the node's buffer." : `Cannot load it: ${error.message}` }));
      return;
    }
    if (selectedId !== id) return;
    const e = data.event, x = data.explanation;
    const facts = el("dl", { class: "facts" });
    fact(facts, "Decision", decisionLabel(e.decision));
    fact(facts, "Cause", e.cause);
    fact(facts, "Time", e.time);
    fact(facts, "Agent", agentName(e.agent));
    fact(facts, "Client", e.client_ip, true);
    fact(facts, "Request", `${e.method} ${hostPort(e)}${e.path}`, true);
    fact(facts, "SNI", e.server_name, true);
    fact(facts, "Reason", e.reason);
    fact(facts, "Decided in", `${e.decision_ms} ms`);
    if (e.outcome) {
      fact(facts, "Outcome", `${e.outcome.status || "no response"} · ${e.outcome.end} · ${e.outcome.duration_ms} ms`);
      fact(facts, "Bytes", `↑ ${bytes(e.outcome.bytes_up)} · ↓ ${bytes(e.outcome.bytes_down)}`);
    }
    fact(facts, "Address class", x.address_class);

    const parts = [el("p", { class: "summary", id: "detail-summary", text: x.summary }), facts];
    if (x.deciding_rule) {
      const r = x.deciding_rule;
      parts.push(el("h3", { text: "Deciding rule" }),
        el("p", { class: "mono", id: "detail-rule" }, el("strong", { text: r.id }), ` · ${r.action} · ${r.file}:${r.line}`));
      if (r.description) parts.push(el("p", { class: "muted", text: r.description }));
      parts.push(el("pre", { class: "condition", text: r.condition }));
    }
    if (x.considered && x.considered.length) {
      parts.push(el("h3", { text: "Rules considered" }), el("table", { class: "grid compact" },
        el("thead", null, el("tr", null, el("th", { text: "Rule" }), el("th", { text: "Action" }), el("th", { text: "Outcome" }))),
        el("tbody", { id: "detail-steps" }, ...x.considered.map((s) => el("tr", null,
          el("td", { class: "mono", text: s.rule_id, title: `${s.file}:${s.line}` }),
          el("td", { class: `action-${s.action}`, text: s.action }),
          el("td", null, el("span", { class: `step-outcome ${s.outcome}`, text: s.outcome }),
            s.message ? el("div", { class: "muted small", text: s.message }) : ""))))));
    }
    body.replaceChildren(...parts);
  }

  function closeDetail() {
    selectedId = null;
    $("detail").hidden = true;
    for (const { row } of events.values()) row.classList.remove("selected");
  }

  // ---- polled panels ----
  async function pollProxy() {
    try {
      const p = await api("/api/v1/proxy");
      $("stat-connections").textContent = count(p.active_connections);
      $("stat-tunnels").textContent = count(p.active_tunnels);
      $("stat-requests").textContent = count(p.total_requests);
      $("stat-blocked").textContent = count(p.total_blocked);
      $("stat-listen").textContent = p.listening ? p.listen_address : `${p.listen_address} (not listening)`;
    } catch (error) {
      console.debug("proxy status", error);
    }
  }

  async function pollRules() {
    let rules;
    try {
      rules = await api("/api/v1/rules");
    } catch (error) {
      console.debug("rules", error);
      return;
    }
    // Hit counters appear when the node reports them.
    const hits = rules.some((r) => "hits" in r);
    const head = [el("th", { text: "Id" }), el("th", { text: "Action" }), el("th", { class: "num", text: "Priority" })];
    if (hits) head.push(el("th", { class: "num", text: "Hits" }), el("th", { text: "Last hit" }));
    head.push(el("th", { text: "Condition" }), el("th", { text: "File" }));
    $("rules-head").replaceChildren(el("tr", null, ...head));
    $("rule-rows").replaceChildren(...rules.map((r) => {
      const cells = [el("td", { class: "mono", text: r.id, title: r.description }),
        el("td", { class: `action-${r.action}`, text: r.action }),
        el("td", { class: "num", text: r.priority })];
      if (hits) cells.push(el("td", { class: "num hits", text: count(r.hits) }),
        el("td", { class: "muted", text: r.last_hit ? clock(r.last_hit) : "never", title: r.last_hit }));
      cells.push(el("td", { class: "cond mono", text: r.condition_preview, title: r.condition_preview }),
        el("td", { class: "muted", text: r.file }));
      return el("tr", { "data-rule": r.id }, ...cells);
    }));
    $("rules-count").textContent = `${rules.length} in evaluation order`;
  }

  let clustered = true;
  async function pollCluster() {
    if (!clustered) return;
    let fleet;
    try {
      fleet = await api("/api/v1/cluster");
    } catch (error) {
      // 404: clustering is off on this node; that does not change while it runs.
      if (error.status === 404) clustered = false;
      return;
    }
    $("cluster").hidden = false;
    $("cluster-leader").textContent = fleet.leader || "none";
    $("cluster-rows").replaceChildren(...fleet.members.map((m) => el("tr", null,
      el("td", { class: "mono", text: m.address + (m.address === fleet.self ? " (this node)" : "") }),
      el("td", { text: m.status + (m.reachable ? "" : " (unreachable)") }),
      el("td", { class: "num", text: m.node ? count(m.node.rule_count) : "–" }),
      el("td", { class: "num", text: m.node ? count(m.node.total_requests) : "–" }),
      el("td", { class: "num", text: m.node ? count(m.node.total_blocked) : "–" }))));
  }

  function every(ms, poll) {
    poll();
    setInterval(poll, ms);
  }

  // ---- wiring ----
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  for (const id of ["filter-agent", "filter-decision"]) $(id).addEventListener("change", applyFilters);
  $("filter-host").addEventListener("input", applyFilters);
  $("event-rows").addEventListener("click", (event) => {
    const row = event.target.closest("tr[data-id]");
    if (row) openDetail(Number(row.dataset.id));
  });
  $("detail-close").addEventListener("click", closeDetail);
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") closeDetail(); });

  refreshShown();
  renderCounters();
  stream();
  every(2000, pollProxy);
  every(5000, pollRules);
  every(5000, pollCluster);
})();
