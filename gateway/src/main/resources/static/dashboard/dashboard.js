// Burstgate cost dashboard: reads the gateway's admin API with a key kept in sessionStorage and renders totals,
// charts (Chart.js), budgets, quality per policy and recent requests. No framework; every value from the API is
// written with textContent, never as HTML. Money fields stay the exact decimal strings the server wrote.
'use strict';

(() => {
  const KEY_STORAGE = 'burstgate.adminKey';
  const REFRESH_MS = 10_000;
  const DAY_MS = 86_400_000;
  const TIER_ORDER = ['local', 'cloud', 'legacy'];
  const TIER_COLORS = { local: '#2e9d5b', cloud: '#3f7fdc', legacy: '#e0862f' };
  const OTHER_COLOR = '#9aa3ad';
  /** Kept as the exact text the server wrote: money, and ids (which may exceed a double's integers). */
  const EXACT_KEY = /_usd$|^usd_per_1000$|^id$/;
  /** A decimal number as JSON (or a BigDecimal) writes it. */
  const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

  const el = (id) => document.getElementById(id);
  const main = el('main');
  const keyForm = el('key-form');
  const keyInput = el('admin-key');
  const forgetButton = el('forget-key');
  const errorBox = el('error');
  const controls = el('controls');
  const content = el('content');
  const statusLine = el('status');
  const periodSelect = el('period');
  const autoRefresh = el('auto-refresh');
  const requestsTable = document.querySelector('[data-testid="requests"]');
  const requestLimit = Number(requestsTable.dataset.limit) || 25;

  const state = { seq: 0, inFlight: 0, loads: 0, charts: {} };

  class AuthError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  class HttpError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  // ---- exact decimals -------------------------------------------------------------------------------------------

  /** Parses JSON keeping every "..._usd" number (and "id") as the string the server wrote (no binary rounding). */
  function parseJson(text) {
    return JSON.parse(text, function (key, value, context) {
      if (typeof value === 'number' && EXACT_KEY.test(key)) {
        return context && typeof context.source === 'string' ? context.source : plainDecimal(value);
      }
      return value;
    });
  }

  /** For browsers without JSON.parse source text access: a plain (non-exponent) decimal string. */
  function plainDecimal(n) {
    return n.toFixed(12).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  }

  /** A decimal string as [sign, BigInt digits, scale]. Accepts exponents too. */
  function toScaled(s) {
    let str = String(s).trim();
    let exp = 0;
    const e = str.search(/[eE]/);
    if (e >= 0) {
      exp = Number(str.slice(e + 1));
      str = str.slice(0, e);
    }
    const negative = str.startsWith('-');
    if (negative || str.startsWith('+')) {
      str = str.slice(1);
    }
    const [intPart, fracPart = ''] = str.split('.');
    let digits = BigInt((intPart || '0') + fracPart);
    let scale = fracPart.length - exp;
    if (scale < 0) {
      digits *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return { negative: negative && digits !== 0n, digits, scale };
  }

  function fromScaled({ negative, digits, scale }) {
    let s = digits.toString().padStart(scale + 1, '0');
    const intPart = s.slice(0, s.length - scale);
    const fracPart = s.slice(s.length - scale);
    return (negative && digits !== 0n ? '-' : '') + intPart + (scale > 0 ? '.' + fracPart : '');
  }

  /** Exact sum of decimal strings. */
  function decimalSum(values) {
    let scale = 0;
    const parsed = values.map((v) => {
      const p = toScaled(v);
      scale = Math.max(scale, p.scale);
      return p;
    });
    let total = 0n;
    for (const p of parsed) {
      const aligned = p.digits * 10n ** BigInt(scale - p.scale);
      total += p.negative ? -aligned : aligned;
    }
    return fromScaled({ negative: total < 0n, digits: total < 0n ? -total : total, scale });
  }

  function groupThousands(intDigits) {
    return intDigits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  }

  /**
   * Formats a decimal string as USD with at least minDecimals and at most maxDecimals decimals (half-up), e.g.
   * formatUsd('1234.5', 2, 6) = '$1,234.50', formatUsd('0.0215', 2, 6) = '$0.0215', formatUsd('0.02', 6, 6) = '$0.020000'.
   */
  function formatUsd(value, minDecimals, maxDecimals) {
    if (value === null || value === undefined || !DECIMAL.test(String(value).trim())) {
      return '—';
    }
    let { negative, digits, scale } = toScaled(value);
    if (scale > maxDecimals) {
      const drop = 10n ** BigInt(scale - maxDecimals);
      const rest = digits % drop;
      digits = digits / drop + (rest * 2n >= drop ? 1n : 0n);
      scale = maxDecimals;
    }
    let s = digits.toString().padStart(scale + 1, '0');
    let intPart = s.slice(0, s.length - scale);
    let fracPart = s.slice(s.length - scale);
    while (fracPart.length > minDecimals && fracPart.endsWith('0')) {
      fracPart = fracPart.slice(0, -1);
    }
    fracPart = fracPart.padEnd(minDecimals, '0');
    const sign = negative && digits !== 0n ? '-' : '';
    return sign + '$' + groupThousands(intPart) + (fracPart ? '.' + fracPart : '');
  }

  function formatInt(n) {
    return n === null || n === undefined ? '—' : groupThousands(String(Math.trunc(Number(n))));
  }

  function formatPercent(n, decimals) {
    return n === null || n === undefined ? '—' : Number(n).toFixed(decimals) + '%';
  }

  function formatTime(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) {
      return String(iso);
    }
    return d.toLocaleString(undefined, {
      year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
  }

  // ---- the admin API -------------------------------------------------------------------------------------------

  function errorMessage(text) {
    try {
      const body = JSON.parse(text);
      return body && body.error && body.error.message ? String(body.error.message) : '';
    } catch {
      return '';
    }
  }

  async function api(path, key) {
    let response;
    try {
      response = await fetch(path, {
        headers: { Authorization: 'Bearer ' + key, Accept: 'application/json' },
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch (e) {
      throw new HttpError(0, 'the gateway did not answer (' + e.message + ')');
    }
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      throw new AuthError(response.status, errorMessage(text));
    }
    if (!response.ok) {
      throw new HttpError(response.status, 'HTTP ' + response.status + (errorMessage(text) ? ': ' + errorMessage(text) : ''));
    }
    return parseJson(text);
  }

  /**
   * The policies, and for each its shadow comparisons and tuning report, each settled on its own: one policy's
   * failing endpoint must not hide the others. Rejects only when the list itself cannot be read.
   */
  async function loadPolicies(key) {
    const body = await api('../admin/policies', key);
    const list = body && Array.isArray(body.policies) ? body.policies : [];
    const path = (name, what) => '../admin/policies/' + encodeURIComponent(String(name)) + '/' + what;
    const details = await Promise.all(list.map(async (policy) => {
      const [shadow, tuning] = await Promise.allSettled([api(path(policy.name, 'shadow'), key), api(path(policy.name, 'tuning'), key)]);
      return { policy, shadow, tuning };
    }));
    return { defaultPolicy: body ? body.default : null, details };
  }

  /** The selected period as UTC dates: from inclusive, to exclusive (tomorrow), so today is included. */
  function periodRange(days) {
    const now = new Date();
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
    return { from: iso(today - (days - 1) * DAY_MS), to: iso(today + DAY_MS) };
  }

  // ---- loading -------------------------------------------------------------------------------------------------

  function storedKey() {
    try {
      return sessionStorage.getItem(KEY_STORAGE);
    } catch {
      return null;
    }
  }

  async function load() {
    const key = storedKey();
    if (!key) {
      lock();
      return;
    }
    const seq = ++state.seq;
    state.inFlight++;
    main.setAttribute('aria-busy', 'true');
    statusLine.textContent = 'Loading…';
    try {
      const range = periodRange(Number(periodSelect.value));
      const query = new URLSearchParams({ from: range.from, to: range.to, groupBy: 'day,tier' });
      const byPolicyQuery = new URLSearchParams({ from: range.from, to: range.to, groupBy: 'policy' });
      const [summary, requests, budgets, byPolicy, policies] = await Promise.allSettled([
        api('../admin/costs/summary?' + query, key),
        api('../admin/costs/requests?' + new URLSearchParams({ limit: String(requestLimit) }), key),
        api('../admin/budgets', key),
        api('../admin/costs/summary?' + byPolicyQuery, key),
        loadPolicies(key),
      ]);
      if (seq !== state.seq) {
        return; // a newer load (another key, another period) superseded this one
      }
      const settled = [summary, requests, budgets, byPolicy, policies];
      if (policies.status === 'fulfilled') {
        for (const p of policies.value.details) {
          settled.push(p.shadow, p.tuning);
        }
      }
      const denied = settled.find((r) => r.status === 'rejected' && r.reason instanceof AuthError);
      if (denied) {
        refuse(denied.reason);
        return;
      }
      const problems = [];
      if (summary.status === 'fulfilled') {
        renderTotals(summary.value);
        renderCharts(summary.value);
      } else {
        problems.push('the cost summary (' + summary.reason.message + ')');
      }
      if (requests.status === 'fulfilled') {
        renderRequests(requests.value);
      } else {
        problems.push('the recent requests (' + requests.reason.message + ')');
      }
      if (budgets.status === 'fulfilled') {
        renderBudgets(budgets.value);
      } else {
        renderBudgetsUnavailable(budgets.reason);
        problems.push('the budgets (' + budgets.reason.message + ')');
      }
      if (byPolicy.status === 'rejected') {
        problems.push('the cost summary per policy (' + byPolicy.reason.message + ')');
      }
      if (policies.status === 'fulfilled') {
        problems.push(...renderQuality(policies.value, byPolicy));
      } else {
        renderQualityUnavailable(policies.reason);
        problems.push('the policies (' + policies.reason.message + ')');
      }
      showError(problems.length ? 'Could not load ' + problems.join('; ') + '.' : '');
      content.hidden = false;
      state.loads++;
      main.dataset.loads = String(state.loads);
      main.dataset.state = problems.length ? 'partial' : 'ready';
      statusLine.textContent = 'Updated ' + new Date().toLocaleTimeString();
    } finally {
      state.inFlight--;
      if (state.inFlight === 0) {
        main.removeAttribute('aria-busy');
      }
    }
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  /** A 401 / 403: forget the key, hide the data and ask again. */
  function refuse(error) {
    try {
      sessionStorage.removeItem(KEY_STORAGE);
    } catch {
      // storage disabled: nothing was kept
    }
    const detail = error.message ? ' The gateway said: “' + error.message + '”' : '';
    showError(error.status === 401
      ? 'The admin key was not accepted (HTTP 401). Enter the gateway\'s admin key.' + detail
      : 'This key may not use the admin API (HTTP 403). Enter the gateway\'s admin key.' + detail);
    main.dataset.state = 'unauthorized';
    main.dataset.error = String(error.status);
    lock();
    keyInput.focus();
  }

  function lock() {
    controls.hidden = true;
    content.hidden = true;
    forgetButton.hidden = true;
    statusLine.textContent = '';
    if (main.dataset.state !== 'unauthorized') {
      main.dataset.state = 'locked';
    }
  }

  function unlock() {
    controls.hidden = false;
    forgetButton.hidden = false;
    main.dataset.state = 'loading';
    delete main.dataset.error;
  }

  // ---- rendering -----------------------------------------------------------------------------------------------

  function node(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) {
        continue;
      }
      if (k === 'class') {
        n.className = v;
      } else if (k === 'dataset') {
        Object.assign(n.dataset, v);
      } else {
        n.setAttribute(k, v);
      }
    }
    for (const c of children) {
      if (c !== null && c !== undefined) {
        n.append(c instanceof Node ? c : String(c));
      }
    }
    return n;
  }

  function raw(v) {
    return v === null || v === undefined ? '' : String(v);
  }

  function figure(testId, value, text, title) {
    const target = document.querySelector('[data-testid="' + testId + '"]');
    target.textContent = text;
    target.dataset.value = raw(value);
    if (title) {
      target.title = title;
    }
  }

  function renderTotals(summary) {
    const t = summary.totals || {};
    const totals = el('totals');
    totals.dataset.from = raw(summary.from);
    totals.dataset.to = raw(summary.to);
    // A midnight (UTC) instant reads as its date.
    const when = (v) => raw(v).replace(/T00:00(:00(\.0+)?)?Z$/, '');
    el('range').textContent = 'from ' + when(summary.from) + ' to ' + when(summary.to) + ' (exclusive, UTC)';
    figure('total-requests', t.requests, formatInt(t.requests));
    figure('total-cost', t.cost_usd, formatUsd(t.cost_usd, 2, 6));
    figure('total-baseline', t.baseline_usd, formatUsd(t.baseline_usd, 2, 6));
    figure('total-saving', t.saving_usd, formatUsd(t.saving_usd, 2, 6));
    figure('total-saving-percent', t.saving_percent, formatPercent(t.saving_percent, 2));
    figure('total-tokens', t.total_tokens, formatInt(t.total_tokens),
      formatInt(t.prompt_tokens) + ' prompt + ' + formatInt(t.completion_tokens) + ' completion tokens');
    renderMeasuredBaseline(t.measured_baseline);
  }

  /**
   * The saving against a baseline measured by shadow comparisons, beside the assumed one, when the summary has one
   * (absent or null: the card stays hidden).
   */
  function renderMeasuredBaseline(m) {
    const card = el('measured-saving-card');
    const value = document.querySelector('[data-testid="total-measured-saving"]');
    const detail = document.querySelector('[data-testid="total-measured-detail"]');
    if (m === null || m === undefined || typeof m !== 'object') {
      card.hidden = true;
      value.textContent = '';
      value.removeAttribute('title');
      detail.textContent = '';
      delete value.dataset.value;
      for (const k of Object.keys(card.dataset)) {
        if (k !== 'testid') {
          delete card.dataset[k];
        }
      }
      return;
    }
    card.hidden = false;
    Object.assign(card.dataset, {
      samples: raw(m.samples), ratio: raw(m.ratio), ratioLow: raw(m.ratio_low), ratioHigh: raw(m.ratio_high),
      baselineUsd: raw(m.baseline_usd), baselineLowUsd: raw(m.baseline_low_usd), baselineHighUsd: raw(m.baseline_high_usd),
      savingUsd: raw(m.saving_usd), savingLowUsd: raw(m.saving_low_usd), savingHighUsd: raw(m.saving_high_usd),
    });
    value.textContent = formatUsd(m.saving_usd, 2, 6);
    value.dataset.value = raw(m.saving_usd);
    value.title = 'Measured baseline ÷ assumed baseline: ' + raw(m.ratio) + ' (' + raw(m.ratio_low) + ' – '
      + raw(m.ratio_high) + ')';
    detail.textContent = usdRange(m.saving_low_usd, m.saving_high_usd) + ' · baseline ' + formatUsd(m.baseline_usd, 2, 6)
      + ' (' + usdRange(m.baseline_low_usd, m.baseline_high_usd) + ') from ' + formatInt(m.samples) + ' comparisons';
  }

  function usdRange(low, high) {
    return formatUsd(low, 2, 6) + ' – ' + formatUsd(high, 2, 6);
  }

  function tierKey(tier) {
    return tier === null || tier === undefined || tier === '' ? 'none' : String(tier);
  }

  function sortTiers(tiers) {
    const rank = (t) => (TIER_ORDER.indexOf(t) >= 0 ? TIER_ORDER.indexOf(t) : TIER_ORDER.length);
    return [...tiers].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  }

  /** Every UTC day of the summary's range (plus any day a group names), oldest first. */
  function daysOf(summary, groups) {
    const days = new Set(groups.map((g) => String(g.day).slice(0, 10)));
    const from = Date.parse(String(summary.from).slice(0, 10) + 'T00:00:00Z');
    const to = Date.parse(String(summary.to));
    if (Number.isFinite(from) && Number.isFinite(to) && to > from && (to - from) / DAY_MS <= 400) {
      for (let d = from; d < to; d += DAY_MS) {
        days.add(new Date(d).toISOString().slice(0, 10));
      }
    }
    return [...days].sort();
  }

  function renderCharts(summary) {
    const groups = Array.isArray(summary.groups) ? summary.groups.filter((g) => g.day !== undefined) : [];
    const days = daysOf(summary, groups);
    const tiers = sortTiers(new Set(groups.map((g) => tierKey(g.tier))));
    const cell = new Map(groups.map((g) => [String(g.day).slice(0, 10) + '|' + tierKey(g.tier), g]));
    const at = (day, tier) => cell.get(day + '|' + tier);
    const color = (tier) => TIER_COLORS[tier] || OTHER_COLOR;

    const spend = tiers.map((tier) => ({
      label: tier,
      data: days.map((d) => (at(d, tier) ? Number(at(d, tier).cost_usd) : 0)),
      backgroundColor: color(tier),
      stack: 'spend',
    }));
    const dayRequests = days.map((d) => tiers.reduce((n, tier) => n + (at(d, tier) ? Number(at(d, tier).requests) : 0), 0));
    const mix = tiers.map((tier) => {
      const counts = days.map((d) => (at(d, tier) ? Number(at(d, tier).requests) : 0));
      return {
        label: tier,
        data: counts.map((c, i) => (dayRequests[i] ? (100 * c) / dayRequests[i] : 0)),
        counts,
        backgroundColor: color(tier),
        stack: 'mix',
      };
    });

    chart('spend', 'spend-chart', { labels: days, datasets: spend }, {
      y: { stacked: true, beginAtZero: true, title: { display: true, text: 'USD' } },
      tooltip: (ctx) => ctx.dataset.label + ': ' + formatUsd(String(ctx.raw), 2, 6),
    });
    chart('mix', 'mix-chart', { labels: days, datasets: mix }, {
      y: { stacked: true, beginAtZero: true, max: 100, ticks: { callback: (v) => v + '%' }, title: { display: true, text: 'share of requests' } },
      tooltip: (ctx) => ctx.dataset.label + ': ' + formatInt(ctx.dataset.counts[ctx.dataIndex]) + ' requests ('
        + Number(ctx.raw).toFixed(1) + '%)',
    });

    dataTable(el('spend-table'), days, tiers, (d, tier) => (at(d, tier) ? at(d, tier).cost_usd : null),
      (v) => formatUsd(v, 2, 6), (values) => formatUsd(decimalSum(values), 2, 6));
    dataTable(el('mix-table'), days, tiers, (d, tier) => (at(d, tier) ? at(d, tier).requests : null),
      formatInt, (values) => formatInt(values.reduce((a, b) => a + Number(b), 0)));
  }

  function chart(name, canvasId, data, options) {
    const canvas = el(canvasId);
    if (typeof window.Chart === 'undefined') {
      canvas.replaceWith(node('p', { class: 'note', id: canvasId }, 'Charts are unavailable (Chart.js did not load); the table below has the data.'));
      return;
    }
    const existing = state.charts[name];
    if (existing) {
      existing.data = data;
      existing.update('none');
      return;
    }
    const styles = getComputedStyle(document.documentElement);
    window.Chart.defaults.color = styles.getPropertyValue('--muted').trim() || '#5b6470';
    window.Chart.defaults.borderColor = styles.getPropertyValue('--line').trim() || '#d9dde3';
    state.charts[name] = new window.Chart(canvas, {
      type: 'bar',
      data,
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: { x: { stacked: true }, y: options.y },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: { callbacks: { label: options.tooltip } },
        },
      },
    });
  }

  function dataTable(table, days, tiers, valueOf, format, totalOf) {
    const head = node('tr', null, node('th', { scope: 'col' }, 'Day (UTC)'),
      ...tiers.map((t) => node('th', { scope: 'col', class: 'num' }, t)), node('th', { scope: 'col', class: 'num' }, 'Total'));
    const rows = days.filter((d) => tiers.some((t) => valueOf(d, t) !== null)).map((d) => {
      const values = tiers.map((t) => valueOf(d, t));
      return node('tr', null, node('th', { scope: 'row' }, d),
        ...values.map((v) => node('td', { class: 'num', dataset: { value: raw(v) } }, v === null ? '—' : format(v))),
        node('td', { class: 'num' }, totalOf(values.filter((v) => v !== null))));
    });
    table.replaceChildren(node('thead', null, head),
      node('tbody', null, ...(rows.length ? rows : [node('tr', null, node('td', { colspan: String(tiers.length + 2) }, 'No requests in this period.'))])));
  }

  function renderRequests(body) {
    const rows = Array.isArray(body) ? body : (body && Array.isArray(body.data) ? body.data : []);
    const tbody = el('request-rows');
    tbody.replaceChildren(...rows.map((r) => {
      const tier = tierKey(r.final_tier);
      const tierCell = node('td', { dataset: { field: 'tier', value: raw(r.final_tier) } },
        node('span', { class: 'tier' }, tier === 'none' ? '—' : tier));
      if (r.decided_tier && r.decided_tier !== r.final_tier) {
        tierCell.append(' ', node('span', { class: 'tier-note' }, '(decided ' + r.decided_tier + ')'));
      }
      if (r.cache_hit) {
        tierCell.append(' ', node('span', { class: 'tier-note' }, '(cache)'));
      }
      const tokens = (Number(r.prompt_tokens) || 0) + (Number(r.completion_tokens) || 0);
      return node('tr', { dataset: { testid: 'request-row', id: raw(r.id) } },
        node('td', { dataset: { field: 'time', value: raw(r.time) } },
          node('time', { datetime: raw(r.time), title: raw(r.time) }, formatTime(r.time))),
        node('td', { dataset: { field: 'tenant', value: raw(r.tenant) } }, raw(r.tenant)),
        tierCell,
        node('td', { dataset: { field: 'outcome', value: raw(r.outcome) } },
          node('span', { class: 'badge ' + raw(r.outcome).replace(/[^a-z-]/g, '') }, raw(r.outcome))),
        node('td', { class: 'num', dataset: { field: 'tokens', value: String(tokens) },
          title: formatInt(r.prompt_tokens) + ' prompt + ' + formatInt(r.completion_tokens) + ' completion' }, formatInt(tokens)),
        node('td', { class: 'num', dataset: { field: 'cost', value: raw(r.cost_usd) } }, formatUsd(r.cost_usd, 6, 6)),
        node('td', { class: 'num', dataset: { field: 'saving', value: raw(r.saving_usd) } }, formatUsd(r.saving_usd, 6, 6)),
        node('td', { class: 'num', dataset: { field: 'latency', value: raw(r.latency_ms) } },
          r.latency_ms === null || r.latency_ms === undefined ? '—' : formatInt(r.latency_ms) + ' ms'),
        node('td', { class: 'reason', dataset: { field: 'reason', value: raw(r.reason) } }, raw(r.reason)));
    }));
    el('requests-empty').hidden = rows.length > 0;
  }

  /** The API's list: a bare array, or one under "budgets" or "data". */
  function budgetList(body) {
    if (Array.isArray(body)) {
      return body;
    }
    const list = body && (body.budgets || body.data);
    return Array.isArray(list) ? list : [];
  }

  function renderBudgets(body) {
    const budgets = budgetList(body).slice().sort((a, b) => String(a.tenant).localeCompare(String(b.tenant)));
    el('budgets-note').hidden = budgets.length > 0;
    el('budgets-note').textContent = budgets.length ? '' : 'No tenants.';
    el('budget-list').replaceChildren(...budgets.map((b) => {
      const status = raw(b.status);
      return node('article', { class: 'budget', dataset: { testid: 'budget', tenant: raw(b.tenant), status } },
        node('h3', null, node('span', { dataset: { field: 'tenant' } }, raw(b.tenant)),
          node('span', { class: 'badge ' + status.replace(/[^a-z-]/g, ''), dataset: { field: 'status', value: status } }, status),
          b.policy ? node('span', { class: 'policy' }, 'policy ' + b.policy) : null),
        period(b.tenant, 'daily', 'Today', b.daily),
        period(b.tenant, 'monthly', 'This month', b.monthly));
    }));
  }

  function period(tenant, name, title, p) {
    p = p || {};
    const limited = p.limit_usd !== null && p.limit_usd !== undefined;
    const fraction = p.fraction_used === null || p.fraction_used === undefined ? null : Number(p.fraction_used);
    const figures = limited
      ? formatUsd(p.spent_usd, 2, 6) + ' of ' + formatUsd(p.limit_usd, 2, 6) + (fraction === null ? '' : ' · ' + (fraction * 100).toFixed(1) + '%')
      : formatUsd(p.spent_usd, 2, 6) + ' spent · no limit';
    const box = node('div', {
      class: 'period',
      dataset: {
        period: name, limitUsd: raw(p.limit_usd), spentUsd: raw(p.spent_usd), reservedUsd: raw(p.reserved_usd),
        fractionUsed: raw(p.fraction_used),
      },
    }, node('div', { class: 'label' },
      node('span', null, title + (p.period ? ' (' + p.period + ')' : '')),
      node('span', { class: 'figures', dataset: { field: 'figures' } }, figures)));
    if (limited) {
      const pct = fraction === null ? 0 : Math.max(0, Math.min(100, fraction * 100));
      const fill = node('div', { class: 'fill' + (fraction >= 1 ? ' full' : fraction >= 0.8 ? ' high' : '') });
      fill.style.width = pct + '%';
      box.append(node('div', {
        class: 'bar', role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': pct.toFixed(1),
        'aria-label': tenant + ' ' + name + ' budget used', 'aria-valuetext': figures,
      }, fill));
    }
    if (p.reserved_usd !== null && p.reserved_usd !== undefined && toScaled(p.reserved_usd).digits !== 0n) {
      box.append(node('div', { class: 'note' }, formatUsd(p.reserved_usd, 2, 6) + ' reserved by requests in flight'));
    }
    return box;
  }

  function renderBudgetsUnavailable(error) {
    el('budget-list').replaceChildren();
    el('budgets-note').hidden = false;
    el('budgets-note').textContent = 'Budgets are unavailable: ' + error.message + '.';
  }

  /** A fraction (0.8723) as a percentage with one decimal ('87.2%'); '—' without a finite value. */
  function fractionPercent(v) {
    const n = v === null || v === undefined || v === '' ? NaN : Number(v);
    return Number.isFinite(n) ? (n * 100).toFixed(1) + '%' : '—';
  }

  function fractionRange(lower, upper) {
    return fractionPercent(lower) + '–' + fractionPercent(upper);
  }

  function threshold(v) {
    const n = v === null || v === undefined ? NaN : Number(v);
    return Number.isFinite(n) ? n.toFixed(2) : '—';
  }

  /** A settled admin call that answered 404: the policy has no such report (or is gone). */
  function notFound(result) {
    return result.status === 'rejected' && result.reason instanceof HttpError && result.reason.status === 404;
  }

  /** The summary's group of one policy, or null. */
  function policyGroup(byPolicy, name) {
    if (byPolicy.status !== 'fulfilled') {
      return null;
    }
    const groups = Array.isArray(byPolicy.value.groups) ? byPolicy.value.groups : [];
    return groups.find((g) => String(g.policy) === String(name)) || null;
  }

  /**
   * One card per policy. Each part stands on its own: a policy without a shadow block, a tuning block or cascaded
   * requests shows '—' and a short note there; one endpoint's error shows in its card. Returns the errors met.
   */
  function renderQuality(policies, byPolicy) {
    const problems = [];
    const details = policies.details.slice().sort((a, b) => String(a.policy.name).localeCompare(String(b.policy.name)));
    el('quality-note').hidden = details.length > 0;
    el('quality-note').textContent = details.length ? '' : 'No policies.';
    el('quality-list').replaceChildren(...details.map((d) => {
      const name = raw(d.policy.name);
      const notes = [];
      const failed = (what, result) => {
        if (result.status === 'rejected' && !notFound(result)) {
          notes.push(node('p', { class: 'note problem', dataset: { field: what + '-error' } },
            'The ' + what + ' report is unavailable: ' + result.reason.message + '.'));
          problems.push('the ' + what + ' report of policy ' + name + ' (' + result.reason.message + ')');
        }
      };
      failed('shadow', d.shadow);
      failed('tuning', d.tuning);
      const shadow = d.shadow.status === 'fulfilled' ? d.shadow.value : null;
      const tuning = d.tuning.status === 'fulfilled' ? d.tuning.value : null;
      const group = policyGroup(byPolicy, name);
      const badges = [];
      if (d.policy.thresholds_tuned) {
        badges.push(node('span', { class: 'badge ok', dataset: { field: 'tuned' } }, 'tuned'));
      }
      if (d.policy.status && d.policy.status !== 'loaded') {
        badges.push(node('span', { class: 'badge degraded', dataset: { field: 'status' } }, raw(d.policy.status)));
      }
      return node('article', { class: 'quality-card', dataset: { testid: 'policy-quality', policy: name } },
        node('h3', null, node('span', { dataset: { field: 'policy' } }, name), ...badges,
          d.policy.version !== undefined ? node('span', { class: 'policy' }, 'version ' + raw(d.policy.version)) : null),
        node('dl', { class: 'figures' },
          qualityFigure(tuning, d.tuning.status === 'rejected' && !notFound(d.tuning)),
          acceptableFigure(shadow),
          shadowSpendFigure(name, shadow),
          cascadeFigure(group, byPolicy)),
        thresholdsTable(name, tuning),
        ...notes);
    }));
    return problems;
  }

  /** One figure of a policy card: a label, the value as text (its raw value in data-value) and a line of detail. */
  function qualityItem(field, label, text, detail, data) {
    return node('div', { class: 'figure', dataset: Object.assign({ field }, data) },
      node('dt', null, label),
      node('dd', { class: 'value' }, text),
      node('dd', { class: 'detail' }, detail));
  }

  /** The estimated quality of the cloud-at threshold in force (the first threshold the tuning report names). */
  function qualityFigure(tuning, failed) {
    const rows = tuning && Array.isArray(tuning.thresholds) ? tuning.thresholds : [];
    const row = rows.find((r) => r.field === 'cloud-at') || rows[0];
    if (failed) {
      return qualityItem('quality', 'Quality kept (estimated)', '—', 'the tuning report is unavailable', {});
    }
    if (!tuning || tuning.quality_target === null || tuning.quality_target === undefined || !row) {
      return qualityItem('quality', 'Quality kept (estimated)', '—', 'no quality target (no tuning block)', {});
    }
    const q = row.current_quality || {};
    const verdicts = Number(row.verdicts) || 0;
    const target = 'target ' + fractionPercent(tuning.quality_target);
    const data = {
      threshold: raw(row.field), value: raw(q.value), lower: raw(q.lower), upper: raw(q.upper), verdicts: raw(row.verdicts),
      target: raw(tuning.quality_target),
    };
    if (verdicts === 0) {
      return qualityItem('quality', 'Quality kept (estimated)', '—', 'no verdicts yet · ' + target, data);
    }
    return qualityItem('quality', 'Quality kept (estimated)', fractionPercent(q.value),
      fractionRange(q.lower, q.upper) + ' at ' + row.field + ' ' + threshold(row.current) + ' · ' + target
        + ' · ' + formatInt(verdicts) + ' verdicts', data);
  }

  /** P(the cheaper answer is acceptable) over every shadow comparison, with its Wilson interval. */
  function acceptableFigure(shadow) {
    if (!shadow) {
      return qualityItem('p-acceptable', 'Cheaper answer acceptable', '—', 'no shadow report', {});
    }
    const p = shadow.p_acceptable || {};
    const v = shadow.verdicts || {};
    const counts = formatInt(v.acceptable) + ' acceptable, ' + formatInt(v.not_acceptable) + ' not, '
      + formatInt(v.error) + ' errors';
    const data = {
      value: raw(p.value), lower: raw(p.lower), upper: raw(p.upper), n: raw(p.n),
      acceptable: raw(v.acceptable), notAcceptable: raw(v.not_acceptable), errors: raw(v.error),
    };
    if (p.value === null || p.value === undefined) {
      return qualityItem('p-acceptable', 'Cheaper answer acceptable', '—',
        (shadow.enabled ? 'no verdicts yet' : 'no shadow block') + (Number(v.error) ? ' · ' + counts : ''), data);
    }
    return qualityItem('p-acceptable', 'Cheaper answer acceptable', fractionPercent(p.value),
      fractionRange(p.lower, p.upper) + ' · ' + counts, data);
  }

  /** Today's shadow spend against the policy's daily shadow budget. */
  function shadowSpendFigure(name, shadow) {
    const today = shadow && shadow.today ? shadow.today : null;
    if (!today) {
      return qualityItem('shadow-spend', 'Shadow spend today', '—', 'no shadow report', {});
    }
    const data = {
      date: raw(today.date), spentUsd: raw(today.spent_usd), reservedUsd: raw(today.reserved_usd),
      budgetUsd: raw(today.budget_usd), remainingUsd: raw(today.remaining_usd),
    };
    const limited = today.budget_usd !== null && today.budget_usd !== undefined;
    const reserved = today.reserved_usd !== null && today.reserved_usd !== undefined
      && toScaled(today.reserved_usd).digits !== 0n ? ' · ' + formatUsd(today.reserved_usd, 2, 6) + ' reserved' : '';
    if (!limited) {
      // No shadow block now; comparisons of an earlier version may still have cost something today.
      const spent = toScaled(today.spent_usd).digits !== 0n;
      return qualityItem('shadow-spend', 'Shadow spend today', spent ? formatUsd(today.spent_usd, 2, 6) : '—',
        'no shadow block' + reserved, data);
    }
    const text = formatUsd(today.spent_usd, 2, 6) + ' of ' + formatUsd(today.budget_usd, 2, 6);
    const item = qualityItem('shadow-spend', 'Shadow spend today', text,
      'daily shadow budget, ' + raw(today.date) + ' (UTC)' + reserved, data);
    const budget = Number(today.budget_usd);
    const fraction = budget > 0 ? Number(today.spent_usd) / budget : (Number(today.spent_usd) > 0 ? 1 : 0);
    const pct = Math.max(0, Math.min(100, fraction * 100));
    const fill = node('div', { class: 'fill' + (fraction >= 1 ? ' full' : fraction >= 0.8 ? ' high' : '') });
    fill.style.width = pct + '%';
    item.append(node('dd', { class: 'meter' }, node('div', {
      class: 'bar', role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': pct.toFixed(1),
      'aria-label': name + ' shadow budget used today', 'aria-valuetext': text,
    }, fill)));
    return item;
  }

  /** The share of the policy's cascaded requests whose local answer was escalated, in the selected period. */
  function cascadeFigure(group, byPolicy) {
    if (byPolicy.status !== 'fulfilled') {
      return qualityItem('cascade', 'Cascade escalations', '—', 'the cost summary per policy is unavailable', {});
    }
    const c = group && group.cascade ? group.cascade : null;
    if (!c || !Number(c.cascaded)) {
      return qualityItem('cascade', 'Cascade escalations', '—',
        group ? 'no request cascaded in this period' : 'no requests in this period', {});
    }
    return qualityItem('cascade', 'Cascade escalations', fractionPercent(c.escalation_rate),
      formatInt(c.escalated) + ' of ' + formatInt(c.cascaded) + ' local answers escalated · '
        + formatUsd(c.escalated_cost_usd, 2, 6) + ' for the discarded ones', {
        value: raw(c.escalation_rate), cascaded: raw(c.cascaded), escalated: raw(c.escalated),
        escalatedCostUsd: raw(c.escalated_cost_usd),
      });
  }

  /** The thresholds in force and proposed, with the estimated quality and cost of each. */
  function thresholdsTable(name, tuning) {
    if (!tuning || tuning.quality_target === null || tuning.quality_target === undefined) {
      return null; // the quality figure says why
    }
    const proposed = tuning.proposed || null;
    const rows = Array.isArray(tuning.thresholds) ? tuning.thresholds : [];
    const quality = (q) => (q ? fractionPercent(q.value) + ' (' + fractionRange(q.lower, q.upper) + ')' : '—');
    const body = rows.map((r) => node('tr', {
      dataset: { testid: 'threshold-row', threshold: raw(r.field), current: raw(r.current), proposed: raw(r.proposed) },
    },
    node('th', { scope: 'row' }, raw(r.field)),
    node('td', { class: 'num', dataset: { field: 'current' } }, threshold(r.current)),
    node('td', { class: 'num', dataset: { field: 'proposed' } }, threshold(r.proposed)),
    node('td', { class: 'num', dataset: { field: 'current-quality' } }, Number(r.verdicts) ? quality(r.current_quality) : '—'),
    node('td', { class: 'num', dataset: { field: 'proposed-quality' } }, quality(r.proposed_quality)),
    node('td', { class: 'num', dataset: { field: 'verdicts' } }, formatInt(r.verdicts))));
    const current = tuning.current || {};
    body.push(node('tr', { dataset: { testid: 'cost-row' } },
      node('th', { scope: 'row' }, 'Cost per 1,000 compared requests'),
      node('td', { class: 'num', dataset: { field: 'current', value: raw(current.usd_per_1000) } }, formatUsd(current.usd_per_1000, 2, 2)),
      node('td', { class: 'num', dataset: { field: 'proposed', value: raw(proposed ? proposed.usd_per_1000 : null) } },
        proposed ? formatUsd(proposed.usd_per_1000, 2, 2) : '—'),
      node('td', { colspan: '3' })));
    const table = node('table', {
      class: 'thresholds', dataset: { field: 'thresholds', proposed: proposed ? 'true' : 'false', samples: raw(tuning.samples) },
    },
    node('caption', null, 'Thresholds of ' + name + ': in force and proposed for a quality target of '
      + fractionPercent(tuning.quality_target)),
    node('thead', null, node('tr', null,
      node('th', { scope: 'col' }, 'Threshold'),
      node('th', { scope: 'col', class: 'num' }, 'In force'),
      node('th', { scope: 'col', class: 'num' }, 'Proposed'),
      node('th', { scope: 'col', class: 'num' }, 'Quality now'),
      node('th', { scope: 'col', class: 'num' }, 'Quality proposed'),
      node('th', { scope: 'col', class: 'num' }, 'Verdicts'))),
    node('tbody', null, ...body));
    const status = proposed
      ? (proposed.differs ? 'Proposed from ' + formatInt(tuning.samples) + ' verdicts'
        + (tuning.auto_apply ? '; auto-apply puts it in force at its next evaluation.' : '; not applied until an admin applies it.')
        : 'The thresholds in force are the proposal.')
      : 'Nothing proposed yet: ' + raw(tuning.why_none) + '.';
    return node('div', { class: 'scroll' }, table,
      node('p', { class: 'note', dataset: { field: 'proposal', proposed: proposed ? 'true' : 'false' } }, status));
  }

  function renderQualityUnavailable(error) {
    el('quality-list').replaceChildren();
    el('quality-note').hidden = false;
    el('quality-note').textContent = 'Quality figures are unavailable: ' + error.message + '.';
  }

  // ---- wiring --------------------------------------------------------------------------------------------------

  keyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const key = keyInput.value.trim();
    if (!key) {
      return;
    }
    try {
      sessionStorage.setItem(KEY_STORAGE, key);
    } catch {
      showError('This browser does not allow session storage, which the dashboard needs to keep the key.');
      return;
    }
    keyInput.value = '';
    showError('');
    unlock();
    load();
  });

  forgetButton.addEventListener('click', () => {
    try {
      sessionStorage.removeItem(KEY_STORAGE);
    } catch {
      // nothing kept
    }
    state.seq++;
    main.dataset.state = 'locked';
    showError('');
    lock();
    keyInput.focus();
  });

  el('refresh').addEventListener('click', () => load());
  periodSelect.addEventListener('change', () => load());

  setInterval(() => {
    if (autoRefresh.checked && !document.hidden && state.inFlight === 0 && storedKey()) {
      load();
    }
  }, REFRESH_MS);

  if (storedKey()) {
    unlock();
    load();
  } else {
    lock();
  }
})();
