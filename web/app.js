// The viewer's single page: run list (#/), run (#/run/<id>), comparison (#/compare/<a>/<b>). Plain modules, no
// dependencies; everything comes from the JSON API of `mlgym view` (src/view/server.ts).
const app = document.getElementById("app");
const liveBadge = document.getElementById("live");
let cleanup = () => {};

const esc = (s) =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c],
  );
const num = (x, digits = 3) =>
  x === null || x === undefined || x === "" ? "" : typeof x === "number" ? +x.toFixed(digits) : esc(x);
const api = async (path) => {
  const res = await fetch(path, { credentials: "same-origin" });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ?? res.statusText);
  return body;
};
const runHref = (id) => `#/run/${encodeURIComponent(id)}`;
/** Observations longer than this many lines start collapsed. */
const LONG_LINES = 30;

function route() {
  cleanup();
  cleanup = () => {};
  liveBadge.hidden = true;
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const show = (promise) => promise.catch((e) => (app.innerHTML = `<p class="worse">${esc(e.message)}</p>`));
  if (parts[0] === "run" && parts.length >= 2) show(runPage(parts.slice(1).join("/")));
  else if (parts[0] === "compare" && parts.length === 3) show(comparePage(parts[1], parts[2]));
  else show(listPage());
}
window.addEventListener("hashchange", route);

// ---- run list -------------------------------------------------------------------------------------------------
const listState = { task: "", model: "", status: "", flag: "", q: "", sort: "path", desc: false, picked: [] };

function options(values, selected, all) {
  return [
    `<option value="">${all}</option>`,
    ...values.map((v) => `<option ${v === selected ? "selected" : ""}>${esc(v)}</option>`),
  ].join("");
}

async function listPage() {
  app.innerHTML = `<div class="filters" data-testid="filters"></div><div id="runs"></div>
    <details id="tables"><summary>Headline tables (the report's AUP, best and last scores)</summary><div>loading…</div></details>`;
  const tables = document.getElementById("tables");
  tables.addEventListener("toggle", () => tables.open && loadTables(tables.querySelector("div")), {
    once: true,
  });
  let timer;
  const load = async () => {
    const params = new URLSearchParams({
      sort: listState.sort,
      desc: listState.desc ? "1" : "0",
      limit: "1000",
    });
    for (const key of ["task", "model", "status", "flag", "q"])
      if (listState[key]) params.set(key, listState[key]);
    const data = await api(`/api/runs?${params}`);
    document.getElementById("root").textContent = data.root;
    renderFilters(data.facets, load);
    renderRuns(data);
    clearTimeout(timer);
    // While the first index is built the list fills in; it then follows running episodes.
    if (data.indexing) timer = setTimeout(load, 500);
    else if (data.rows.some((r) => r.exitStatus === "running")) timer = setTimeout(load, 3000);
  };
  cleanup = () => clearTimeout(timer);
  await load();
}

function renderFilters(f, reload) {
  const box = app.querySelector(".filters");
  if (box.dataset.ready) return;
  box.dataset.ready = "1";
  box.innerHTML = `
    <select name="task">${options(f.tasks, listState.task, "all tasks")}</select>
    <select name="model">${options(f.models, listState.model, "all models")}</select>
    <select name="status">${options(f.statuses, listState.status, "any exit status")}</select>
    <select name="flag">${options(f.flags, listState.flag, "any audit")}</select>
    <input name="q" type="search" placeholder="search" value="${esc(listState.q)}">
    sort <select name="sort">${["path", "score", "vs-baseline", "cost", "steps"].map((s) => `<option ${s === listState.sort ? "selected" : ""}>${s}</option>`).join("")}</select>
    <label><input name="desc" type="checkbox" ${listState.desc ? "checked" : ""}> descending</label>
    <button id="compare" disabled>compare 2 selected</button>`;
  for (const el of box.querySelectorAll("select, input")) {
    el.addEventListener(el.name === "q" ? "input" : "change", () => {
      listState[el.name] = el.type === "checkbox" ? el.checked : el.value;
      reload();
    });
  }
  box.querySelector("#compare").addEventListener("click", () => {
    const [a, b] = listState.picked;
    location.hash = `#/compare/${encodeURIComponent(a)}/${encodeURIComponent(b)}`;
  });
}

function renderRuns(data) {
  const rows = data.rows
    .map((r) => {
      const vs = r.vsBaseline;
      const vsCell =
        vs === null
          ? ""
          : `<span class="${vs >= 0 ? "better" : "worse"}">${vs >= 0 ? "+" : ""}${(vs * 100).toFixed(1)}%</span>`;
      const flags =
        r.flagged === null
          ? '<span class="muted">–</span>'
          : r.auditFlags.map((f) => `<span class="flag">${esc(f)}</span>`).join("") || "clean";
      return `<tr class="run" data-id="${esc(r.id)}">
        <td><input type="checkbox" class="pick" ${listState.picked.includes(r.id) ? "checked" : ""}></td>
        <td>${esc(r.model)}</td><td>${esc(r.taskId)}</td><td class="num">${r.runIndex ?? ""}</td>
        <td class="num">${num(r.best)}</td><td class="num">${num(r.baseline)}</td><td class="num">${vsCell}</td>
        <td class="num">${r.steps}</td><td class="num">${r.cost === null ? "" : `$${r.cost.toFixed(2)}`}</td>
        <td class="status-${esc(r.exitStatus)}">${esc(r.exitStatus)}</td><td>${flags}</td></tr>`;
    })
    .join("");
  const indexing = data.indexing
    ? ` <span class="muted">(indexing: ${data.indexing.done} of ${data.indexing.total} run folders read)</span>`
    : "";
  document.getElementById("runs").innerHTML = `<p data-testid="count">${data.total} runs${indexing}</p>
    <table data-testid="runs"><thead><tr><th></th><th>model</th><th>task</th><th>run</th><th class="num">best</th>
    <th class="num">baseline</th><th class="num">vs baseline</th><th class="num">steps</th><th class="num">cost</th>
    <th>exit status</th><th>audit</th></tr></thead><tbody>${rows}</tbody></table>`;
  for (const tr of document.querySelectorAll("tr.run")) {
    tr.addEventListener("click", (event) => {
      const id = tr.dataset.id;
      if (event.target.classList.contains("pick")) {
        listState.picked = event.target.checked
          ? [...listState.picked.filter((p) => p !== id), id].slice(-2)
          : listState.picked.filter((p) => p !== id);
        document.getElementById("compare").disabled = listState.picked.length !== 2;
        for (const box of document.querySelectorAll(".pick"))
          box.checked = listState.picked.includes(box.closest("tr").dataset.id);
        return;
      }
      location.hash = runHref(id);
    });
  }
}

async function loadTables(box) {
  const data = await api("/api/tables");
  box.innerHTML =
    (data.note ? `<p class="muted">${esc(data.note)}</p>` : "") +
    data.tables
      .map(({ title, table }) => {
        const [head = [], ...rows] = table;
        return `<h4>${esc(title)}</h4><table data-testid="headline"><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${rows
          .map((r) => `<tr>${r.map((c, i) => `<td class="${i ? "num" : ""}">${esc(c)}</td>`).join("")}</tr>`)
          .join("")}</table>`;
      })
      .join("");
}

// ---- charts ---------------------------------------------------------------------------------------------------
const COLOURS = ["#0b61c4", "#d9480f", "#2b8a3e"];

/** An inline SVG line chart of score trails; x is the step when known, else the attempt. */
function trailChart(series, baseline, width = 560, height = 200) {
  const points = series.flatMap((s) =>
    s.trail
      .filter((p) => p.value !== null)
      .map((p) => ({ x: p.step === null ? p.attempt : p.step + 1, y: p.value })),
  );
  if (points.length === 0) return '<p class="muted">no validation scores</p>';
  const ys = points.map((p) => p.y).concat(baseline === null || baseline === undefined ? [] : [baseline]);
  const xs = points.map((p) => p.x);
  const [x0, x1] = [Math.min(...xs, 0), Math.max(...xs, 1)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = 36;
  const sx = (x) => pad + ((x - x0) / (x1 - x0)) * (width - 2 * pad);
  const sy = (y) => height - pad / 2 - ((y - y0) / (y1 - y0)) * (height - pad);
  const lines = series
    .map((s, i) => {
      const pts = s.trail
        .filter((p) => p.value !== null)
        .map((p) => `${sx(p.step === null ? p.attempt : p.step + 1).toFixed(1)},${sy(p.value).toFixed(1)}`);
      const dots = pts
        .map((p) => `<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="2.5" fill="${COLOURS[i]}"/>`)
        .join("");
      return `<polyline data-series="${i}" fill="none" stroke="${COLOURS[i]}" stroke-width="1.5" points="${pts.join(" ")}"/>${dots}`;
    })
    .join("");
  const base =
    baseline === null || baseline === undefined
      ? ""
      : `<line x1="${pad}" x2="${width - pad}" y1="${sy(baseline)}" y2="${sy(baseline)}" stroke="#888" stroke-dasharray="4 3"/><text x="${width - pad}" y="${sy(baseline) - 3}" font-size="10" text-anchor="end" fill="#666">baseline</text>`;
  const legend = series
    .map(
      (s, i) =>
        `<text x="${pad + i * 200}" y="12" font-size="11" fill="${COLOURS[i]}">${esc(s.label)}</text>`,
    )
    .join("");
  return `<svg class="chart" data-testid="chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
    <text x="4" y="${sy(y1) + 4}" font-size="10">${num(y1)}</text><text x="4" y="${sy(y0)}" font-size="10">${num(y0)}</text>
    <text x="${width - pad}" y="${height - 2}" font-size="10" text-anchor="end">step ${x1}</text>${base}${lines}${legend}</svg>`;
}

// ---- one run --------------------------------------------------------------------------------------------------
function highlightAction(action) {
  const text = esc(action);
  return text.replace(/^(\s*)([\w.\-/]+)/, '$1<span class="cmd">$2</span>');
}

function stepHtml(step, index) {
  const obs = String(step.observation ?? "");
  const lines = obs.split("\n").length;
  const observation =
    lines > LONG_LINES
      ? `<details><summary>observation (${lines} lines)</summary><pre class="observation">${esc(obs)}</pre></details>`
      : `<pre class="observation">${esc(obs)}</pre>`;
  const requeries = (step.requeries ?? [])
    .map((r) => `<div class="requery"><b>re-query:</b> ${esc(r.error)}<pre>${esc(r.response)}</pre></div>`)
    .join("");
  return `<div class="step" data-step="${index}"><h3>step ${index + 1}${step.execution_time === undefined ? "" : ` <span class="muted">${num(step.execution_time, 2)} s</span>`}</h3>
    ${requeries}${step.thought ? `<pre class="thought">${esc(step.thought)}</pre>` : ""}
    <pre class="action" data-testid="action">${highlightAction(step.action ?? "")}</pre>${observation}</div>`;
}

function resultsTable(detail) {
  const entries = [
    ["baseline", detail.results.baseline],
    ...detail.results.agent.map((e, i) => [`attempt ${i + 1}`, e]),
  ];
  const metrics = [
    ...new Set(entries.flatMap(([, e]) => (e && typeof e === "object" ? Object.keys(e) : []))),
  ];
  if (metrics.length === 0) return '<p class="muted">no results.json scores</p>';
  return `<table data-testid="results"><tr><th></th>${metrics.map((m) => `<th class="num">${esc(m)}${m === detail.row.metric ? " ★" : ""}</th>`).join("")}</tr>${entries
    .map(
      ([label, e]) =>
        `<tr><td>${label}</td>${metrics.map((m) => `<td class="num">${num(e?.[m])}</td>`).join("")}</tr>`,
    )
    .join("")}</table>`;
}

function cards(detail) {
  const r = detail.row;
  const card = (label, value) => `<div class="card"><b>${label}</b>${value}</div>`;
  const flags = detail.audit
    ? detail.audit.flags
        .map(
          (f) =>
            `<span class="flag" title="${esc(f.message)}">step ${f.step}: ${esc(f.rule)} (${f.severity})</span>`,
        )
        .join(" ") || "clean"
    : "not audited";
  return [
    card(
      "exit status",
      `<span data-testid="exit-status" class="status-${esc(r.exitStatus)}">${esc(r.exitStatus)}</span>`,
    ),
    card("steps", `<span data-testid="step-count">${r.steps}</span>`),
    card(`best ${esc(r.metric)}`, num(r.best)),
    card("baseline", num(r.baseline)),
    card("cost", r.cost === null ? "–" : `$${r.cost.toFixed(4)}`),
    card("tokens sent / received", `${r.tokensSent ?? "–"} / ${r.tokensReceived ?? "–"}`),
    card("API calls", r.apiCalls ?? "–"),
    card(
      "re-queries (format errors, blocked)",
      `<span data-testid="requeries">${detail.requeries}</span>${detail.requeriesUnplaced ? ` <small title="the original's trajectories keep only each step's accepted answer: counted from the API calls">(${detail.requeriesUnplaced} not placed at a step)</small>` : ""}`,
    ),
    card("audit", flags),
    r.infrastructure ? card("infrastructure", esc(r.infrastructure)) : "",
  ].join("");
}

async function runPage(id) {
  let detail = await api(`/api/run?id=${encodeURIComponent(id)}`);
  // A running episode opens at its latest step and follows new ones while the last is shown.
  let current = detail.row.exitStatus === "running" ? Math.max(0, detail.outline.length - 1) : 0;
  let all = false;
  const cache = new Map();
  const fetchSteps = async (from, to) => {
    const missing = [];
    for (let i = from; i < to; i++) if (!cache.has(i)) missing.push(i);
    if (missing.length === 0) return;
    const data = await api(
      `/api/steps?id=${encodeURIComponent(id)}&from=${missing[0]}&to=${missing.at(-1) + 1}`,
    );
    data.steps.forEach((s, k) => {
      cache.set(data.from + k, s);
    });
  };
  app.innerHTML = `<h2>${esc(detail.row.model)} · ${esc(detail.row.taskId)} <span class="muted">${esc(id)}</span></h2>
    <div class="cards" id="cards"></div><div id="chart"></div><div id="results"></div>
    <p class="key">j/k or ↓/↑: next/previous step · a: all steps / one step · <a href="#/">back to runs</a></p>
    <div class="layout"><div class="outline" id="outline" data-testid="outline"></div><div id="steps"></div></div>`;
  const header = () => {
    document.getElementById("cards").innerHTML = cards(detail);
    document.getElementById("chart").innerHTML = trailChart(
      [{ label: "validation score", trail: detail.trail }],
      detail.row.baseline,
    );
    document.getElementById("results").innerHTML = resultsTable(detail);
    document.getElementById("outline").innerHTML = detail.outline
      .map(
        (s, i) =>
          `<div data-i="${i}" class="${i === current ? "current" : ""}">${i + 1}. ${esc(s.action)}${s.requeries ? ` <span class="flag">${s.requeries}</span>` : ""}</div>`,
      )
      .join("");
  };
  const show = async () => {
    const total = detail.outline.length;
    const box = document.getElementById("steps");
    if (total === 0) {
      box.innerHTML = '<p class="muted">no steps yet</p>';
      return;
    }
    current = Math.max(0, Math.min(current, total - 1));
    if (all) {
      await fetchSteps(0, Math.min(total, 200));
      box.innerHTML =
        [...Array(Math.min(total, 200)).keys()].map((i) => stepHtml(cache.get(i), i)).join("") +
        (total > 200 ? `<p class="muted">first 200 of ${total} steps</p>` : "");
    } else {
      await fetchSteps(current, Math.min(total, current + 5));
      box.innerHTML = `<p data-testid="position">step ${current + 1} of ${total}</p>${stepHtml(cache.get(current), current)}`;
    }
    for (const el of document.querySelectorAll("#outline div"))
      el.classList.toggle("current", Number(el.dataset.i) === current);
    document.querySelector("#outline .current")?.scrollIntoView({ block: "nearest" });
  };
  header();
  await show();
  document.getElementById("outline").addEventListener("click", (e) => {
    const i = e.target.closest("[data-i]")?.dataset.i;
    if (i !== undefined) {
      current = Number(i);
      all = false;
      void show();
    }
  });
  const onKey = (e) => {
    if (e.target.matches?.("input, select, textarea")) return;
    if (e.key === "j" || e.key === "ArrowDown" || e.key === "ArrowRight") current++;
    else if (e.key === "k" || e.key === "ArrowUp" || e.key === "ArrowLeft") current--;
    else if (e.key === "a") all = !all;
    else return;
    e.preventDefault();
    void show();
  };
  document.addEventListener("keydown", onKey);
  // Live: the server says when the run's files change; new steps are fetched and, when following the end, shown.
  const events = new EventSource(`/api/events?id=${encodeURIComponent(id)}`);
  events.addEventListener("change", async () => {
    const atEnd = current >= detail.outline.length - 1;
    detail = await api(`/api/run?id=${encodeURIComponent(id)}`);
    cache.clear();
    liveBadge.hidden = false;
    if (atEnd) current = detail.outline.length - 1;
    header();
    await show();
  });
  cleanup = () => {
    events.close();
    document.removeEventListener("keydown", onKey);
  };
}

// ---- two runs side by side ------------------------------------------------------------------------------------
async function comparePage(a, b) {
  const [da, db] = await Promise.all([a, b].map((id) => api(`/api/run?id=${encodeURIComponent(id)}`)));
  const label = (d) => `${d.row.model} run ${d.row.runIndex ?? ""}`;
  const total = Math.max(da.outline.length, db.outline.length);
  let current = 0;
  const same =
    da.row.taskId === db.row.taskId
      ? ""
      : `<p class="worse">different tasks: ${esc(da.row.taskId)} and ${esc(db.row.taskId)}</p>`;
  app.innerHTML = `<h2>compare · ${esc(da.row.taskId)}</h2>${same}
    ${trailChart(
      [
        { label: label(da), trail: da.trail },
        { label: label(db), trail: db.trail },
      ],
      da.row.baseline,
      720,
      220,
    )}
    <div class="compare"><div class="cards">${cards(da)}</div><div class="cards">${cards(db)}</div></div>
    <p class="key">j/k or ↓/↑: next/previous step</p>
    <div class="compare" id="pair"></div>
    <table data-testid="aligned"><tr><th>step</th><th>${esc(a)}</th><th>${esc(b)}</th></tr>${[
      ...Array(total).keys(),
    ]
      .map(
        (i) =>
          `<tr data-i="${i}"><td class="num">${i + 1}</td><td>${esc(da.outline[i]?.action ?? "")}</td><td>${esc(db.outline[i]?.action ?? "")}</td></tr>`,
      )
      .join("")}</table>`;
  const step = async (id, d) =>
    current < d.outline.length
      ? (await api(`/api/steps?id=${encodeURIComponent(id)}&from=${current}&to=${current + 1}`)).steps[0]
      : undefined;
  const show = async () => {
    current = Math.max(0, Math.min(current, total - 1));
    const [sa, sb] = await Promise.all([step(a, da), step(b, db)]);
    document.getElementById("pair").innerHTML = [sa, sb]
      .map((s) => (s ? stepHtml(s, current) : '<p class="muted">no such step</p>'))
      .join("");
    for (const tr of document.querySelectorAll("tr[data-i]"))
      tr.classList.toggle("current", Number(tr.dataset.i) === current);
  };
  await show();
  for (const tr of document.querySelectorAll("tr[data-i]"))
    tr.addEventListener("click", () => {
      current = Number(tr.dataset.i);
      void show();
    });
  const onKey = (e) => {
    if (e.key === "j" || e.key === "ArrowDown") current++;
    else if (e.key === "k" || e.key === "ArrowUp") current--;
    else return;
    e.preventDefault();
    void show();
  };
  document.addEventListener("keydown", onKey);
  cleanup = () => document.removeEventListener("keydown", onKey);
}

route();
