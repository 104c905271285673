// The dashboard: three views over the JSON API (/api/...), ECharts served by the app itself.
"use strict";

const state = { lang: localStorage.getItem("lang") || "zh", user: null, view: "overview", charts: {}, names: { districts: {}, industries: {} } };
// What the browser tests read: points drawn per chart, live alerts received.
window.injuryhub = { rendered: {}, liveAlerts: 0, loaded: {} };

const $ = (selector) => document.querySelector(selector);
const t = (key) => (window.I18N[state.lang][key] ?? key);
const number = (value, digits = 0) =>
  value === null || value === undefined ? "—" : Number(value).toLocaleString(state.lang === "zh" ? "zh-CN" : "en", { maximumFractionDigits: digits });
const percent = (value) => (value === null || value === undefined ? "—" : `${value > 0 ? "+" : ""}${(value * 100).toFixed(1)}%`);

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: "same-origin", headers: { "Content-Type": "application/json" }, ...options });
  if (response.status === 401) { showLogin(); throw new Error("login"); }
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || response.statusText);
  return body;
}

function translate() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-t]").forEach((node) => { node.textContent = t(node.dataset.t); });
  document.querySelectorAll("[data-t-placeholder]").forEach((node) => { node.placeholder = t(node.dataset.tPlaceholder); });
}

function showLogin() {
  $("#login").hidden = false; $("#app").hidden = true; $("#logout").hidden = true; $("#who").textContent = "";
}

function chart(id, option, points) {
  const node = document.getElementById(id);
  const drawn = state.charts[id] || echarts.init(node);
  state.charts[id] = drawn;
  drawn.setOption({ animation: false, ...option }, true);
  window.injuryhub.rendered[id] = points;
}

function filters() {
  const query = new URLSearchParams({ period: $("#f-period").value });
  if ($("#f-district").value) query.set("district", $("#f-district").value);
  if ($("#f-industry").value) query.set("industry", $("#f-industry").value);
  return query.toString();
}

async function loadFilters() {
  const choices = await api("/api/filters");
  const period = $("#f-period");
  period.innerHTML = "";
  for (const year of choices.years.slice().reverse()) {
    period.add(new Option(year, year));
    for (const q of [4, 3, 2, 1]) period.add(new Option(`${year}-Q${q}`, `${year}-Q${q}`));
    for (let m = 12; m >= 1; m--) period.add(new Option(`${year}-${String(m).padStart(2, "0")}`, `${year}-${String(m).padStart(2, "0")}`));
  }
  if (choices.default_period) period.value = choices.default_period;
  state.names = { districts: {}, industries: { OTHER: t("otherIndustries") } };
  for (const d of choices.districts) {
    $("#f-district").add(new Option(state.lang === "zh" ? d.zh : d.en, d.code));
    state.names.districts[d.code] = state.lang === "zh" ? d.zh : d.en;
  }
  for (const k of choices.industries) {
    $("#f-industry").add(new Option(state.lang === "zh" ? k.zh : k.en, k.code));
    state.names.industries[k.code] = state.lang === "zh" ? k.zh : k.en;
  }
}

const FIGURES = ["insured", "recognised_injuries", "accidents", "deaths", "od_diagnoses", "injuries_per_1000_insured",
  "deaths_per_100000_insured", "od_per_100000_insured", "hazard_rectification_rate", "training_completions"];

async function renderOverview() {
  const data = await api(`/api/overview?${filters()}`);
  $("#figures").innerHTML = FIGURES.map((name) => {
    const f = data.figures[name];
    const digits = name.includes("rate") || name.includes("per_") ? 3 : 0;
    const arrow = (c) => (c === null ? "muted" : c > 0 ? "up" : "down");
    return `<div class="figure" data-figure="${name}"><div>${t(name)}</div><div class="value">${number(f.value, digits)}</div>
      <div><span class="${arrow(f.change_vs_previous)}">${t("vsPrevious")} ${percent(f.change_vs_previous)}</span>
      · <span class="${arrow(f.change_vs_year_earlier)}">${t("vsYear")} ${percent(f.change_vs_year_earlier)}</span></div></div>`;
  }).join("");
  const months = data.trend.map((row) => row.month);
  chart("chart-trend", {
    title: { text: t("trend") }, tooltip: { trigger: "axis" }, legend: { bottom: 0 },
    xAxis: { type: "category", data: months }, yAxis: [{ type: "value" }, { type: "value", name: "‰" }],
    series: ["recognised_injuries", "accidents", "od_diagnoses"].map((n) => ({ name: t(n), type: "bar", data: data.trend.map((r) => r[n]) }))
      .concat([{ name: t("injuries_per_1000_insured"), type: "line", yAxisIndex: 1, data: data.trend.map((r) => r.injuries_per_1000_insured) }]),
    grid: { top: 50, bottom: 60 },
  }, data.trend.length);
  const bars = (id, title, rows) => chart(id, {
    title: { text: title }, tooltip: {}, grid: { left: 110 },
    xAxis: { type: "value" }, yAxis: { type: "category", data: rows.map((r) => r.name), inverse: true },
    series: [{ name: t("recognised_injuries"), type: "bar", data: rows.map((r) => r.recognised_injuries || 0) }],
  }, rows.length);
  bars("chart-district", t("byDistrict"), data.by_district);
  bars("chart-industry", t("byIndustry"), data.by_industry);
  const training = data.training.by_category;
  chart("chart-training", {
    title: { text: `${t("training")} ${percent(data.training.coverage).replace("+", "")}` }, tooltip: {}, legend: { bottom: 0 },
    xAxis: { type: "category", data: training.map((c) => t(c.category)) }, yAxis: { type: "value" },
    series: [{ name: t("completed"), type: "bar", data: training.map((c) => c.completed) },
      { name: t("target"), type: "bar", data: training.map((c) => c.target) }],
    grid: { top: 50, bottom: 60 },
  }, training.length);
  window.injuryhub.loaded.overview = true;
}

function alertRow(alert) {
  const row = document.createElement("tr");
  row.dataset.alert = alert.alert_id;
  const message = state.lang === "zh" ? alert.message_zh : alert.message_en;
  row.innerHTML = `<td><span class="sev sev-${alert.severity}">${alert.severity}</span></td><td>${message}</td>
    <td class="status">${alert.status}</td><td class="acts"></td>`;
  if (state.user && state.user.acts_on_alerts) {
    for (const [step, label] of [["ACKNOWLEDGE", "acknowledge"], ["ASSIGN", "assign"], ["CLOSE", "close"]]) {
      const button = document.createElement("button");
      button.textContent = t(label);
      button.dataset.step = step;
      button.addEventListener("click", () => act(alert.alert_id, step, row));
      row.querySelector(".acts").append(button);
    }
  }
  return row;
}

async function act(alertId, step, row) {
  const body = { step, note: "" };
  if (step === "ASSIGN") body.expert_id = window.prompt(t("expertPrompt")) || null;
  const sent = await api(`/api/alerts/${alertId}/actions`, { method: "POST", body: JSON.stringify(body) });
  row.querySelector(".status").textContent = `${step} ✓`;
  row.dataset.sent = sent.event_id;
}

async function renderRisk() {
  const [alerts, ranking, heat] = await Promise.all([
    api(`/api/risk/alerts?${filters()}`), api(`/api/risk/ranking?${filters()}`), api(`/api/risk/heatmap?${filters()}`)]);
  const body = $("#alerts tbody");
  body.innerHTML = "";
  for (const alert of alerts) body.append(alertRow(alert));
  window.injuryhub.rendered.alerts = alerts.length;
  const max = Math.max(1, ...heat.values.map((v) => v[2]));
  chart("chart-heatmap", {
    title: { text: t("heatmap") }, tooltip: {}, grid: { left: 90, bottom: 60 },
    xAxis: { type: "category", data: heat.industries.map((code) => state.names.industries[code] || code) },
    yAxis: { type: "category", data: heat.districts.map((code) => state.names.districts[code] || code) },
    visualMap: { min: 0, max, calculable: true, orient: "horizontal", left: "center", bottom: 0 },
    series: [{ type: "heatmap", data: heat.values, label: { show: true } }],
  }, heat.values.length);
  const top = ranking.slice(0, 15);
  const colours = { RED: "#c62828", ORANGE: "#ef6c00", YELLOW: "#c9a400", BLUE: "#1565c0" };
  chart("chart-ranking", {
    title: { text: t("ranking") }, tooltip: {}, grid: { left: 160 },
    xAxis: { type: "value" }, yAxis: { type: "category", inverse: true, data: top.map((r) => r.name || r.enterprise_id) },
    series: [{ type: "bar", data: top.map((r) => ({ value: r.score, itemStyle: { color: colours[r.colour] } })) }],
  }, top.length);
  if (state.user.role === "admin") {
    $("#subscriptions").hidden = false;
    $("#subscriptions-text").value = (await api("/api/subscriptions")).text;
  }
  window.injuryhub.loaded.risk = true;
}

async function saveSubscriptions() {
  try {
    const saved = await api("/api/subscriptions", { method: "PUT", body: JSON.stringify({ text: $("#subscriptions-text").value }) });
    $("#subscriptions-status").textContent = saved.status;
  } catch (error) { $("#subscriptions-status").textContent = error.message; }
}

function listenForAlerts() {
  const source = new EventSource("/api/alerts/live");
  source.onopen = () => { $("#live-status").textContent = t("live"); };
  source.addEventListener("alert", (message) => {
    const alert = JSON.parse(message.data);
    const old = document.querySelector(`#alerts tr[data-alert="${CSS.escape(alert.alert_id)}"]`);
    const row = alertRow(alert);
    row.classList.add("fresh");
    if (old) old.replaceWith(row); else $("#alerts tbody").prepend(row);
    window.injuryhub.liveAlerts += 1;
  });
}

async function renderEvaluation() {
  $("#evaluation-error").textContent = "";
  let data;
  try { data = await api("/api/evaluation"); } catch (error) { $("#evaluation-error").textContent = error.message; return; }
  const did = data.did;
  $("#did-sentence").textContent = did.error || (state.lang === "zh" ? did.sentence_zh : did.sentence_en);
  const funds = data.funds;
  $("#funds-sentence").textContent = `${t("fundsEffect")}: ${funds.error || (state.lang === "zh" ? funds.sentence_zh : funds.sentence_en)}`;
  if (!did.error) {
    chart("chart-did", {
      title: { text: t("did") }, tooltip: {}, xAxis: { type: "category", data: [t("trainedEnterprises")] },
      yAxis: { type: "value", min: 0, max: Math.ceil(Math.max(1.2, did.high * 1.1) * 10) / 10, name: t("rateRatio") },
      series: [{ type: "scatter", symbolSize: 14, data: [did.estimate],
        markLine: { data: [{ yAxis: 1 }], symbol: "none" } },
      { type: "custom", renderItem: (params, api) => {
          const low = api.coord([0, did.low]); const high = api.coord([0, did.high]);
          return { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: { stroke: "#12355b", lineWidth: 3 } };
        }, data: [[0, did.low, did.high]] }],
    }, 1);
  }
  const its = data.its;
  $("#its-sentence").textContent = its.error || (state.lang === "zh" ? its.sentence_zh : its.sentence_en);
  if (!its.error) {
    chart("chart-its", {
      title: { text: t("its") }, tooltip: { trigger: "axis" }, legend: { bottom: 0 }, grid: { top: 50, bottom: 60 },
      xAxis: { type: "category", data: its.weeks }, yAxis: { type: "value" },
      series: [{ name: t("observed"), type: "bar", data: its.observed },
        { name: t("fitted"), type: "line", data: its.fitted, markLine: { data: [{ xAxis: its.policy_date }], symbol: "none" } },
        { name: t("counterfactual"), type: "line", lineStyle: { type: "dashed" }, data: its.counterfactual }],
    }, its.weeks.length);
  }
  const year = $("#f-period").value.slice(0, 4);
  try {
    const units = await api(`/api/model-units?year=${year}`);
    $("#model-units tbody").innerHTML = units.map((u) => `<tr><td>${u.name}<br><span class="muted">${u.enterprise_id}</span></td>
      <td>${state.names.districts[u.district] || u.district}</td><td>${evidence(u.evidence)}</td></tr>`).join("");
    window.injuryhub.rendered["model-units"] = units.length;
  } catch (error) { $("#evaluation-error").textContent = error.message; }
  window.injuryhub.loaded.evaluation = true;
}

function evidence(e) {
  const parts = [
    `${t("seriousAccidents")} ${e.serious_accidents}`, `${t("trainedCategories")} ${e.trained_categories.length}/3`,
    `${t("hazardsOnTime")} ${e.hazards_on_time}/${e.hazards_due}`, `${t("odCases")} ${e.od_cases}`,
  ];
  if (e.union_nomination) parts.push(`${t("nomination")}: ${e.union_nomination}`);
  return parts.join(" · ");
}

// Text from the log goes in as text, never as markup.
const cell = (value) => { const td = document.createElement("td"); td.textContent = value ?? "—"; return td; };

function fill(id, rows, cells, flagged = () => false, actions = null) {
  const body = document.querySelector(`#${id} tbody`);
  body.replaceChildren(...rows.map((row) => {
    const tr = document.createElement("tr");
    tr.append(...cells(row).map(cell));
    if (actions) {
      const td = document.createElement("td");
      for (const [label, handler] of actions(row)) {
        const button = document.createElement("button");
        button.textContent = t(label);
        button.dataset.act = label;
        button.addEventListener("click", handler);
        td.append(button);
      }
      tr.append(td);
    }
    if (flagged(row)) tr.classList.add("overdue");
    return tr;
  }));
  window.injuryhub.rendered[id] = rows.length;
}

// A step on the governance page: posted, then the page drawn again from the log.
async function govern(path, body) {
  try {
    await api(`/api/governance/${path}`, { method: "POST", body: JSON.stringify(body) });
    $("#governance-error").textContent = "";
  } catch (error) { $("#governance-error").textContent = error.message; return; }
  await renderGovernance();
}

const reasoned = (path, extra = {}) => () => {
  const reason = window.prompt(t("reasonPrompt"));
  if (reason !== null) govern(path, { ...extra, reason });
};

const day = (iso) => (iso ? new Date(iso).toLocaleDateString(state.lang === "zh" ? "zh-CN" : "en", { timeZone: "Asia/Shanghai" }) : t("noEnd"));

function deadline(row) {
  if (!row.open) return t("answered");
  const flags = [row.reminded && t("reminded"), row.escalated && t("escalated")].filter(Boolean).join(" · ");
  const text = row.overdue ? t("overdueBy").replace("{n}", -row.days_left) : t("daysLeft").replace("{n}", row.days_left);
  return flags ? `${text} · ${flags}` : text;
}

function options(selector, entries) {
  const select = $(selector);
  const chosen = select.value;
  select.replaceChildren(...entries.map((e) => new Option(`${e.topic} · ${t(e.sharing)}`, e.topic)));
  if (entries.some((e) => e.topic === chosen)) select.value = chosen;
}

async function renderGovernance() {
  try {
    const data = await api("/api/governance");
    const mine = state.user.role === "department" ? state.user.department : null;
    fill("gov-requests", data.requests, (r) => [r.request_id, r.requester, r.owner, r.topic, r.purpose, t(r.status), r.due_by, deadline(r)], (r) => r.overdue,
      (r) => [
        ...(r.status === "pending" && r.owner === mine ? [["approve", () => govern(`requests/${r.request_id}/answer`, { approve: true })],
          ["refuse", reasoned(`requests/${r.request_id}/answer`, { approve: false })]] : []),
        ...(r.status === "granted" && (r.owner === mine || state.user.role === "admin") ? [["revoke", reasoned(`requests/${r.request_id}/revoke`)]] : []),
      ]);
    fill("gov-grants", data.grants, (g) => [g.request_id, g.department, g.topic, day(g.until)]);
    fill("gov-corrections", data.corrections, (c) => [c.flag_id, c.flagger, c.owner, `${c.topic} · ${c.event_id}`, c.reason, t(c.status), c.due_by, deadline(c)], (c) => c.overdue,
      (c) => (c.status === "pending" && c.owner === mine ? [["confirm", () => govern(`corrections/${c.flag_id}/answer`, { approve: true })],
        ["reject", reasoned(`corrections/${c.flag_id}/answer`, { approve: false })]] : []));
    fill("gov-catalogue", data.catalogue, (e) => [e.topic, e.owner, t(e.sharing), e.personal_fields.join(", ") || "—", e.retention,
      e.access.map((a) => (a.basis === "owner" ? null : a.basis === "standing" ? a.department : `${a.department} (${a.basis})`)).filter(Boolean).join(", ") || "—"]);
    $("#gov-forms").hidden = !mine;
    if (mine) {
      const reads = (e) => e.access.some((a) => a.department === mine);
      options("#gov-ask-topic", data.catalogue.filter((e) => e.sharing !== "not_shared" && !reads(e)));
      options("#gov-flag-topic", data.catalogue.filter((e) => e.owner !== mine && reads(e) && e.event_type));
    }
    $("#governance-error").textContent = "";
  } catch (error) { $("#governance-error").textContent = error.message; }
  window.injuryhub.loaded.governance = true;
}

const RENDER = { overview: renderOverview, risk: renderRisk, evaluation: renderEvaluation, governance: renderGovernance };

async function show(view) {
  state.view = view;
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("active", b.dataset.view === view));
  document.querySelectorAll(".view").forEach((v) => { v.hidden = v.id !== `view-${view}`; });
  $("#filters").hidden = view === "governance";  // the log is not filtered by period or place
  window.injuryhub.loaded[view] = false;
  await RENDER[view]();
  Object.values(state.charts).forEach((c) => c.resize());
}

async function start() {
  translate();
  try { state.user = await api("/api/me"); } catch (error) { return; }
  $("#login").hidden = true; $("#app").hidden = false; $("#logout").hidden = false;
  $("#who").textContent = `${state.user.name} (${state.user.role}${state.user.department ? " · " + state.user.department : ""})`;
  await loadFilters();
  listenForAlerts();
  await show(state.view);
}

$("#login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    await api("/api/login", { method: "POST", body: JSON.stringify({ name: form.get("name"), password: form.get("password") }) });
    $("#login-error").textContent = "";
    await start();
  } catch (error) { $("#login-error").textContent = error.message; }
});
$("#subscriptions-save").addEventListener("click", saveSubscriptions);
$("#gov-ask").addEventListener("submit", (event) => {
  event.preventDefault();
  govern("requests", { topic: $("#gov-ask-topic").value, purpose: $("#gov-ask-purpose").value });
});
$("#gov-flag").addEventListener("submit", (event) => {
  event.preventDefault();
  govern("corrections", { topic: $("#gov-flag-topic").value, event_id: $("#gov-flag-event").value, reason: $("#gov-flag-reason").value });
});
$("#logout").addEventListener("click", async () => { await api("/api/logout", { method: "POST" }); showLogin(); });
$("#language").addEventListener("click", () => {
  state.lang = state.lang === "zh" ? "en" : "zh"; localStorage.setItem("lang", state.lang); translate();
  if (state.user) show(state.view);
});
document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => show(b.dataset.view)));
["#f-period", "#f-district", "#f-industry"].forEach((s) => $(s).addEventListener("change", () => show(state.view)));
start();
