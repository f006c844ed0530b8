// The migration dashboard: polls the service's own JSON API and renders it; no framework, no build step.
// Everything from the server is put into the page as text (textContent), never as HTML.

const POLL_MS = 1500;
const HIDDEN_POLL_MS = 5000;
const REQUEST_TIMEOUT_MS = 5000;
const DIFFERENCES_LIMIT = 50;
const LIST_LIMIT = 10;
// While GET /migrator/inconsistencies answers 404 (a service without the list), ask again this rarely.
const DIFFERENCES_REPROBE_MS = 15000;
const KEY_STORAGE = 'migration.apiKey';

const PATTERNS = [
  { id: 'src_only', text: 'Reads and writes on the source only.' },
  { id: 'src_first', text: 'Source first, copied to the target. The source is the truth.' },
  { id: 'dst_first', text: 'Target first, copied to the source. The target is the truth.' },
  { id: 'dst_only', text: 'Reads and writes on the target only.' },
];

const TYPES = [
  { id: 'target_missing', text: 'in the base, missing on the other side' },
  { id: 'neq', text: 'on both sides, columns differ' },
  { id: 'base_missing', text: 'on the other side only' },
];

const STATUS_TONES = { running: 'run', completed: 'ok', stopped: 'idle', failed: 'bad' };
const OUTCOME_TONES = { repaired: 'ok', unchanged: 'ok', gone: 'ok', pending: 'run', conflict: 'warn', 'dead-letter': 'bad', dead_letter: 'bad', failed: 'bad' };

const state = {
  pattern: null,
  status: null,
  lastUpdate: null,
  differences: { available: null, probedAt: 0, items: [] },
  refreshing: null,
  again: false,
  timer: 0,
};

// ---------------------------------------------------------------- small DOM helpers

const $ = (id) => document.getElementById(id);

/** Creates an element: props are attributes (class, aria-*, data-*...), children are nodes or text. */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = value;
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Sets text only when it changed, so live regions announce real changes and nothing flickers. */
function setText(el, text) {
  const value = String(text ?? '');
  if (el.textContent !== value) el.textContent = value;
}

function setAttr(el, name, value) {
  const text = String(value);
  if (el.getAttribute(name) !== text) el.setAttribute(name, text);
}

const signatures = new WeakMap();

/** Replaces the children of el with build()'s nodes when the data behind them (signature) changed. */
function renderOnce(el, data, build) {
  const signature = typeof data === 'string' ? data : JSON.stringify(data);
  if (signatures.get(el) === signature) return;
  signatures.set(el, signature);
  el.replaceChildren(...[build()].flat().filter(Boolean));
}

function setBadge(el, text, tone) {
  setText(el, text);
  setAttr(el, 'data-tone', tone);
}

/**
 * A table in a scrollable, focusable region that stays in place (keyboard focus survives updates); only the table
 * inside is rebuilt, when data changed. columns: [title, cell class]; rows: {attrs, cells}. Each cell carries its
 * column's title, so a narrow screen can show rows as labelled blocks.
 */
function renderTable(container, data, { id, label, caption, columns, rows, empty }) {
  if (!rows.length) {
    renderOnce(container, 'empty', () => h('p', { class: 'empty' }, empty));
    return;
  }
  let wrap = container.querySelector(':scope > .table-wrap');
  if (!wrap) {
    wrap = h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: 0 });
    container.replaceChildren(wrap);
    signatures.set(container, 'table');
  }
  renderOnce(wrap, data, () => h('table', { id, class: 'data-table' },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map(([title]) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, rows.map(({ attrs, cells }) => h('tr', attrs ?? {},
      cells.map((content, i) => h('td', { class: columns[i][1] || undefined, 'data-label': columns[i][0] }, h('span', {}, content))))))));
}

// ---------------------------------------------------------------- formatting

const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const n = (value) => (typeof value === 'number' && Number.isFinite(value) ? numberFormat.format(value) : '—');

function time(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function dateTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' });
}

function timeEl(iso) {
  return h('time', { datetime: iso ?? undefined, title: dateTime(iso) }, time(iso));
}

function duration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

function secondsBetween(from, to) {
  const a = Date.parse(from);
  const b = to ? Date.parse(to) : Date.now();
  return Number.isNaN(a) || Number.isNaN(b) ? null : Math.max(0, (b - a) / 1000);
}

/** A row key as the service sends it: a value, or an object of column → value (one column shows as its value). */
function formatKey(key) {
  if (key === null || key === undefined) return '—';
  if (typeof key !== 'object') return String(key);
  const entries = Object.entries(key);
  return entries.length === 1 ? String(entries[0][1]) : entries.map(([column, value]) => `${column}=${value}`).join(', ');
}

function formatValue(value) {
  if (value === null || value === undefined) return 'NULL';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

// ---------------------------------------------------------------- the API

function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

/** One request; resolves to {status, data} for any HTTP answer and throws only when the service is unreachable. */
async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const key = apiKey();
  if (key) headers['X-Api-Key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const abort = new AbortController();
  const timeout = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
      signal: abort.signal,
    });
    const text = await response.text();
    let data = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = { detail: text.slice(0, 500) };
      }
    }
    return { status: response.status, ok: response.ok, data };
  } finally {
    clearTimeout(timeout);
  }
}

/** What a refused or failed answer means, in one sentence, from its ProblemDetails. */
function problemText(answer, action) {
  const p = answer.data ?? {};
  switch (answer.status) {
    case 401:
      return `The service refused the API key (401): ${action} needs a valid key.`;
    case 403:
      return `This key may not do that (403): ${action} needs a key with the operator role.`;
    default: {
      const parts = [p.title, p.detail].filter(Boolean);
      const fields = p.errors && typeof p.errors === 'object'
        ? Object.entries(p.errors).map(([field, messages]) => `${field}: ${[messages].flat().join(' ')}`)
        : [];
      return `${action} failed (${answer.status}${parts.length ? `: ${parts.join(' — ')}` : ''})${fields.length ? ` ${fields.join('; ')}` : ''}`;
    }
  }
}

// ---------------------------------------------------------------- API key

function renderKey(message) {
  const key = apiKey();
  $('key-form').hidden = Boolean(key);
  $('key-set').hidden = !key;
  if (key) setText($('key-status'), 'Key set for this tab');
  for (const hint of document.querySelectorAll('[data-key-hint]')) hint.hidden = Boolean(key);
  for (const button of document.querySelectorAll('[data-needs-key]')) {
    button.disabled = !key;
    if (!key) button.title = 'Enter an API key first';
    else button.removeAttribute('title');
  }
  setText($('key-hint'), message ?? (key
    ? 'Sent as X-Api-Key with every request; forgotten when this tab closes.'
    : 'Kept in this tab\'s session storage only; needed to start, stop and switch.'));
  $('key-hint').dataset.tone = message ? 'bad' : '';
  $('key-hint').classList.toggle('error-text', Boolean(message));
}

function forgetKey(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  renderKey(message);
  $('api-key').value = '';
  $('api-key').focus();
}

/** A 401 on an action means the stored key is wrong: drop it and ask again. */
function handleAuth(answer) {
  if (answer.status === 401 && apiKey()) {
    forgetKey('The service refused that key (401 Unauthorized). Enter another.');
  }
}

// ---------------------------------------------------------------- actions

function feedback(el, tone, ...content) {
  el.dataset.tone = tone;
  el.replaceChildren(...content);
}

async function act(button, feedbackEl, action, run) {
  if (!apiKey()) {
    feedback(feedbackEl, 'bad', 'Enter an API key first.');
    $('api-key').focus();
    return;
  }
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await run();
  } catch {
    feedback(feedbackEl, 'bad', `${action} failed: the service did not answer. Check that it is running and try again.`);
  } finally {
    button.removeAttribute('aria-busy');
    button.disabled = !apiKey();
    refreshNow();
  }
}

async function startFull(event) {
  event.preventDefault();
  const button = event.submitter ?? event.target.querySelector('button[type=submit]');
  await act(button, $('runs-feedback'), 'Starting the full run', async () => {
    const answer = await request('POST', '/migrator/full/start');
    if (answer.ok) feedback($('runs-feedback'), 'ok', `Full run started (base ${answer.data?.baseSide ?? '?'}).`);
    else {
      feedback($('runs-feedback'), 'bad', problemText(answer, 'Starting the full run'));
      handleAuth(answer);
    }
  });
}

async function stopRun(kind, button) {
  const label = kind === 'full' ? 'the full run' : 'the incremental run';
  await act(button, $('runs-feedback'), `Stopping ${label}`, async () => {
    const answer = await request('POST', `/migrator/${kind}/stop`);
    if (answer.ok) feedback($('runs-feedback'), 'ok', `Stopped ${label}.`);
    else {
      feedback($('runs-feedback'), 'bad', problemText(answer, `Stopping ${label}`));
      handleAuth(answer);
    }
  });
}

async function startIncr(event) {
  event.preventDefault();
  const form = event.target;
  if (!form.reportValidity()) return;
  const button = event.submitter ?? form.querySelector('button[type=submit]');
  const body = { utime: Number($('incr-utime').value), interval: Number($('incr-interval').value) };
  await act(button, $('runs-feedback'), 'Starting the incremental run', async () => {
    const answer = await request('POST', '/migrator/incr/start', body);
    if (answer.ok) feedback($('runs-feedback'), 'ok', `Incremental run started from utime ${body.utime}, polling every ${body.interval} ms.`);
    else {
      feedback($('runs-feedback'), 'bad', problemText(answer, 'Starting the incremental run'));
      handleAuth(answer);
    }
  });
}

async function switchPattern(target, button, force = false) {
  const fb = $('pattern-feedback');
  await act(button, fb, `Switching to ${target}`, async () => {
    const answer = await request('POST', `/migrator/${target}${force ? '?force=true' : ''}`);
    if (answer.ok) {
      const d = answer.data ?? {};
      feedback(fb, 'ok', d.changed === false
        ? `Already on ${target}.`
        : `Switched from ${d.previous ?? '?'} to ${d.pattern ?? target} (version ${d.version ?? '?'})${d.forced ? ', forced' : ''}.`);
      return;
    }
    handleAuth(answer);
    const p = answer.data ?? {};
    const content = [h('p', {}, problemText(answer, `Switching to ${target}`))];
    if (Array.isArray(p.reasons) && p.reasons.length) {
      content.push(h('ul', {}, p.reasons.map((reason) => h('li', {}, reason))));
    }
    if (answer.status === 409 && !force) {
      content.push(h('button', {
        type: 'button',
        class: 'button button-danger',
        onclick: () => openForceDialog(target, p),
      }, `Force switch to ${target}…`));
    }
    feedback(fb, 'bad', ...content);
  });
}

function openForceDialog(target, refusal) {
  const dialog = $('force-dialog');
  setText($('force-target'), target);
  setText($('force-text'), `The service refused to switch to ${target} without force. Forcing skips its checks and is `
    + 'recorded with your key\'s name. Do it only when you know why the checks fail.');
  const risk = refusal?.atRisk;
  const items = [];
  if (risk) {
    if (risk.rowsOnlyOnCurrentBase != null) items.push(`${n(risk.rowsOnlyOnCurrentBase)} rows only on the current base side`);
    if (risk.differencesFound != null) items.push(`${n(risk.differencesFound)} differences found by the last full run`);
    items.push(`${n(risk.eventsNotRepaired)} events not repaired yet`);
    items.push(`${n(risk.openConflicts)} open conflicts`);
    items.push(`${n(risk.openDeadLetters)} open dead letters`);
  }
  $('force-risk').replaceChildren(...items.map((text) => h('li', {}, text)));
  $('force-risk').hidden = items.length === 0;
  $('force-confirm').value = '';
  $('force-go').disabled = true;
  dialog.dataset.target = target;
  dialog.returnValue = '';
  dialog.showModal();
  $('force-confirm').focus();
}

// ---------------------------------------------------------------- rendering: pattern

function renderPattern(pattern, cutovers) {
  if (!pattern) return;
  setText($('pattern-current'), pattern.pattern);
  setText($('pattern-version'), pattern.version);
  setText($('pattern-base'), pattern.baseSide === 'SRC' ? 'source (SRC)' : pattern.baseSide === 'DST' ? 'target (DST)' : pattern.baseSide ?? '—');

  const allowed = Array.isArray(pattern.allowed) ? pattern.allowed : [];
  renderOnce($('pattern-steps'), { p: pattern.pattern, allowed }, () => PATTERNS.map((step) => {
    const current = step.id === pattern.pattern;
    const isAllowed = allowed.includes(step.id);
    return h('li', {
      class: 'step',
      'data-state': current ? 'current' : isAllowed ? 'allowed' : 'other',
      'aria-current': current ? 'step' : undefined,
    },
    h('div', { class: 'step-name' }, step.id),
    h('div', { class: 'step-text' }, step.text),
    current ? h('span', { class: 'step-tag' }, 'now') : isAllowed ? h('span', { class: 'step-tag' }, 'allowed') : null);
  }));

  const changed = [`Changed ${pattern.changedAt ? `${dateTime(pattern.changedAt)}` : '—'}`];
  if (pattern.changedBy) changed.push(`by ${pattern.changedBy}`);
  if (pattern.forced) changed.push(`(forced${pattern.forcedBy ? ` by ${pattern.forcedBy}` : ''})`);
  if (pattern.applied && pattern.applied !== pattern.pattern) changed.push(`· this instance still applies ${pattern.applied}`);
  setText($('pattern-changed'), changed.join(' '));

  renderOnce($('moves'), { allowed, key: Boolean(apiKey()) }, () => allowed.length
    ? allowed.map((target) => h('button', {
      type: 'button',
      class: 'button button-primary',
      'data-needs-key': true,
      'aria-describedby': `ready-${target}`,
      disabled: !apiKey(),
      title: apiKey() ? undefined : 'Enter an API key first',
      onclick: (event) => switchPattern(target, event.currentTarget),
    }, `Switch to ${target}`))
    : h('p', { class: 'muted' }, 'No move is allowed from here.'));

  renderOnce($('readiness'), { allowed, cutovers }, () => allowed.length
    ? allowed.map((target) => {
      const c = cutovers[target];
      if (!c) {
        return h('li', { id: `ready-${target}` }, h('div', { class: 'readiness-head' }, `→ ${target}`, h('span', { class: 'badge' }, 'unknown')));
      }
      const keeps = c.changesBase ? 'makes the other side the truth' : 'keeps the same side as the truth';
      return h('li', { id: `ready-${target}`, 'data-ready': String(Boolean(c.ready)) },
        h('div', { class: 'readiness-head' },
          h('span', { class: 'mono' }, `→ ${target}`),
          h('span', { class: 'badge', 'data-tone': c.ready ? 'ok' : 'warn' }, c.ready ? 'Ready' : 'Not ready'),
          h('span', { class: 'muted' }, keeps)),
        Array.isArray(c.reasons) && c.reasons.length ? h('ul', {}, c.reasons.map((reason) => h('li', {}, reason))) : null);
    })
    : h('li', {}, 'Nothing to check: no move is allowed.'));

  const last = Object.values(cutovers).find((c) => c?.lastFullRun)?.lastFullRun;
  if (last) {
    const found = last.inconsistencies ? Object.values(last.inconsistencies).reduce((a, b) => a + (Number(b) || 0), 0) : null;
    setText($('last-full'), `Last full run: ${last.status}, base ${last.baseSide}, ${last.endedAt ? `ended ${dateTime(last.endedAt)}` : `started ${dateTime(last.startedAt)}`}`
      + `${found === null ? '' : `, ${n(found)} differences found`}.`);
  } else {
    setText($('last-full'), 'No full run yet.');
  }
}

// ---------------------------------------------------------------- rendering: runs

/** The run's tables: from run.tables when the service reports them, else one table from the run itself. */
function tablesOf(run) {
  if (Array.isArray(run.tables) && run.tables.length) {
    return run.tables.map((t) => ({
      table: t.table ?? '?',
      status: t.status ?? run.status,
      rowsChecked: t.rowsChecked ?? 0,
      estimatedRows: t.estimatedRows ?? 0,
      percent: typeof t.percent === 'number' ? t.percent : null,
      rowsPerSecond: t.rowsPerSecond ?? null,
      etaSeconds: t.etaSeconds ?? null,
      inconsistencies: t.inconsistencies ?? null,
      errors: t.errors ?? 0,
      lastError: t.lastError ?? null,
    }));
  }
  return [{
    table: run.table ?? '?',
    status: run.status,
    rowsChecked: run.rowsChecked ?? 0,
    estimatedRows: run.estimatedRows ?? 0,
    percent: null,
    rowsPerSecond: run.recentRowsPerSecond || run.rowsPerSecond || null,
    etaSeconds: run.etaSeconds ?? null,
    inconsistencies: run.inconsistencies ?? null,
    errors: run.errors ?? 0,
    lastError: null,
  }];
}

/** Whole percent done, or null when unknown (an incremental run, or no estimate). Only a finished table shows 100. */
function percentOf(t) {
  if (t.status === 'completed') return 100;
  let percent = t.percent;
  if (percent === null && t.estimatedRows > 0) percent = (100 * t.rowsChecked) / t.estimatedRows;
  if (percent === null) return null;
  percent = Math.max(0, Math.min(100, Math.floor(percent)));
  return t.status === 'running' ? Math.min(percent, 99) : percent;
}

function countsOf(run, tables) {
  if (run.inconsistencies) return run.inconsistencies;
  const sum = {};
  for (const type of TYPES) sum[type.id] = tables.reduce((total, t) => total + (Number(t.inconsistencies?.[type.id]) || 0), 0);
  return sum;
}

const runViews = new Map();

function buildRunView(kind, run, tables) {
  const view = { tables: new Map(), counts: {} };
  const body = $(`${kind}-body`);
  const tableNodes = tables.map((t, i) => {
    const nameId = `${kind}-table-${i}`;
    const refs = {
      status: h('span', { class: 'badge' }),
      percent: h('span', { class: 'percent' }),
      fill: h('div', { class: 'bar-fill' }),
      text: h('div', { class: 'progress-text' }),
    };
    refs.bar = h('div', {
      class: 'bar',
      role: 'progressbar',
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-labelledby': nameId,
    }, refs.fill);
    view.tables.set(t.table, refs);
    return h('div', { class: 'table-progress' },
      h('div', { class: 'table-progress-head' },
        h('span', {}, h('span', { class: 'table-name', id: nameId }, t.table), ' ', tables.length > 1 ? refs.status : null),
        refs.percent),
      refs.bar,
      refs.text);
  });

  const counts = h('div', { class: 'counts', role: 'group', 'aria-label': 'Differences found by this run', 'aria-live': 'polite' },
    TYPES.map((type) => {
      const value = h('span', { class: 'count-value', id: `${kind}-count-${type.id}` }, '0');
      view.counts[type.id] = value;
      const tile = h('div', { class: 'count', 'data-type': type.id },
        value, h('span', { class: 'count-label' }, type.id), h('span', { class: 'count-text' }, type.text));
      view.counts[`${type.id}-tile`] = tile;
      return tile;
    }));

  view.meta = h('dl', { class: 'stats' });
  view.error = h('p', { class: 'error-text', hidden: true });
  body.replaceChildren(...tableNodes, counts, view.meta, view.error);
  return view;
}

function renderRun(kind, run) {
  const body = $(`${kind}-body`);
  const badge = $(`${kind}-status`);
  if (!run) {
    setBadge(badge, 'no run yet', 'idle');
    runViews.delete(kind);
    renderOnce(body, 'none', () => h('p', { class: 'run-empty' }, kind === 'full'
      ? 'No full run yet. A full run compares every row of both sides, in both directions, and ends by itself.'
      : 'No incremental run yet. It follows rows changed after a utime and keeps polling until stopped.'));
    return;
  }
  setBadge(badge, run.status, STATUS_TONES[run.status] ?? 'idle');

  const tables = tablesOf(run);
  const shape = `${run.id}|${tables.map((t) => t.table).join(',')}`;
  let view = runViews.get(kind);
  if (!view || view.shape !== shape) {
    signatures.delete(body);
    view = buildRunView(kind, run, tables);
    view.shape = shape;
    runViews.set(kind, view);
  }

  for (const t of tables) {
    const refs = view.tables.get(t.table);
    const percent = percentOf(t);
    const tone = t.status === 'completed' ? 'ok' : t.status === 'failed' ? 'bad' : t.status === 'stopped' ? 'idle' : 'run';
    setBadge(refs.status, t.status, STATUS_TONES[t.status] ?? 'idle');
    setAttr(refs.bar, 'data-tone', tone);
    refs.bar.classList.toggle('bar-indeterminate', percent === null && t.status === 'running');
    if (percent === null) {
      refs.bar.removeAttribute('aria-valuenow');
      setAttr(refs.bar, 'aria-valuetext', `${n(t.rowsChecked)} rows checked`);
      refs.fill.style.width = t.status === 'running' ? '' : '100%';
      setText(refs.percent, kind === 'incr' ? 'continuous' : '—');
      refs.percent.classList.add('percent-text');
    } else {
      setAttr(refs.bar, 'aria-valuenow', percent);
      setAttr(refs.bar, 'aria-valuetext', `${percent} %, ${n(t.rowsChecked)} of about ${n(t.estimatedRows)} rows`);
      refs.fill.style.width = `${percent}%`;
      setText(refs.percent, `${percent} %`);
      refs.percent.classList.remove('percent-text');
    }

    const parts = [];
    parts.push(t.estimatedRows > 0 ? `${n(t.rowsChecked)} of about ${n(t.estimatedRows)} rows` : `${n(t.rowsChecked)} rows checked`);
    if (t.status === 'running' && t.rowsPerSecond) parts.push(`${n(t.rowsPerSecond)} rows/s`);
    if (t.status === 'running' && typeof t.etaSeconds === 'number') parts.push(`about ${duration(t.etaSeconds)} left`);
    if (kind === 'incr' && typeof run.cursorLagMs === 'number') parts.push(`cursor ${duration(run.cursorLagMs / 1000)} behind now`);
    if (tables.length > 1 && t.inconsistencies) parts.push(TYPES.map((type) => `${n(t.inconsistencies[type.id] ?? 0)} ${type.id}`).join(' · '));
    if (t.errors) parts.push(`${n(t.errors)} errors${t.lastError ? `: ${t.lastError}` : ''}`);
    setText(refs.text, parts.join(' · '));
  }

  const counts = countsOf(run, tables);
  for (const type of TYPES) {
    const value = Number(counts?.[type.id]) || 0;
    setText(view.counts[type.id], n(value));
    setAttr(view.counts[`${type.id}-tile`], 'data-nonzero', value > 0);
  }

  const seconds = secondsBetween(run.startedAt, run.endedAt);
  const meta = [
    ['Base side (truth)', run.baseSide],
    ['Started', time(run.startedAt)],
    [run.endedAt ? 'Took' : 'Running for', duration(seconds)],
    ['Rows/s (average)', n(run.rowsPerSecond)],
    ['Events published', n(run.eventsPublished)],
    ['Rechecks pending', n(run.suspectsPending)],
    ['Cleared on recheck', n(run.suspectsCleared)],
    ['Errors', n(run.errors), run.errors ? 'bad' : ''],
  ];
  if (kind === 'incr') {
    meta.splice(1, 0, ['From utime', String(run.utime ?? '—')], ['Polls every', run.interval ? `${n(run.interval)} ms` : '—']);
  }
  if (run.maxRowsPerSecond) meta.push(['Throttle', `${n(run.maxRowsPerSecond)} rows/s`]);
  renderOnce(view.meta, meta, () => meta.map(([label, value, tone]) => h('div', {}, h('dt', {}, label), h('dd', { 'data-tone': tone || undefined }, value))));

  view.error.hidden = !run.lastError;
  setText(view.error, run.lastError ? `Last error: ${run.lastError}` : '');
}

// ---------------------------------------------------------------- rendering: differences

function renderDifferences(status) {
  const runs = [['Full run', status?.full], ['Incremental run', status?.incremental]].filter(([, run]) => run);
  renderOnce($('diff-summary'), runs.map(([label, run]) => [label, run.id, run.inconsistencies]), () => TYPES.map((type) =>
    h('div', { class: 'count', 'data-type': type.id, 'data-nonzero': String(runs.some(([, run]) => Number(run.inconsistencies?.[type.id]) > 0)) },
      h('span', { class: 'count-label' }, type.id),
      h('span', { class: 'count-text' }, type.text),
      runs.length
        ? runs.map(([label, run]) => h('span', { class: 'count-text' }, `${label}: `, h('strong', {}, n(Number(run.inconsistencies?.[type.id]) || 0))))
        : h('span', { class: 'count-text' }, 'no run yet'))));

  const diff = state.differences;
  if (diff.available === false) {
    setText($('diff-count'), '');
    renderOnce($('diff-body'), 'absent', () => h('p', { class: 'note' },
      'This service does not list single differences yet (GET /migrator/inconsistencies answers 404), so the counts '
      + 'above come from the runs. The repair counters show what became of them.'));
    return;
  }
  if (diff.available === null) return;

  const items = diff.items;
  setText($('diff-count'), items.length ? `latest ${n(items.length)}` : '');
  renderTable($('diff-body'), items, {
    id: 'diff-list',
    label: 'Recent differences',
    caption: `The ${n(items.length)} most recent differences, newest first.`,
    columns: [['Detected', 'nowrap'], ['Table', 'mono'], ['Key', 'mono key'], ['Type', 'mono'], ['Columns (base → other)', ''], ['Outcome', '']],
    rows: items.map((item) => ({
      attrs: { 'data-type': item.type, 'data-id': item.id },
      cells: [
        timeEl(item.detectedAt),
        item.table ?? '',
        formatKey(item.key),
        item.type ?? '',
        columnsCell(item),
        h('span', { class: 'badge', 'data-tone': OUTCOME_TONES[item.outcome] ?? 'idle' }, item.outcome ?? 'unknown'),
      ],
    })),
    empty: 'No differences found yet.',
  });
}

function columnsCell(item) {
  if (Array.isArray(item.columns) && item.columns.length) {
    return h('ul', { class: 'diff-columns' }, item.columns.map((c) => h('li', {},
      h('span', { class: 'mono' }, c.name), ': ',
      h('del', { title: 'base' }, formatValue(c.base)), ' → ',
      h('ins', { title: 'other side' }, formatValue(c.other)))));
  }
  if (item.type === 'target_missing') return h('span', { class: 'muted' }, 'row missing on the other side');
  if (item.type === 'base_missing') return h('span', { class: 'muted' }, 'row missing on the base side');
  return h('span', { class: 'muted' }, '—');
}

// ---------------------------------------------------------------- rendering: repair, conflicts, dead letters, instances

function stats(el, entries) {
  renderOnce(el, entries, () => entries.map(([label, value, tone]) => h('div', {}, h('dt', {}, label), h('dd', { 'data-tone': tone || undefined }, value))));
}

function renderRepair(status) {
  const r = status.repair ?? {};
  stats($('repair-stats'), [
    ['Repaired', n(r.repaired)],
    ['Upserted', n(r.upserted)],
    ['Deleted', n(r.deleted)],
    ['Already equal', n(r.unchanged)],
    ['Pending', n(r.pending), r.pending ? 'warn' : ''],
    ['Conflicts', n(r.conflicts), r.conflicts ? 'warn' : ''],
    ['Failed attempts', n(r.failed), r.failed ? 'warn' : ''],
    ['Gave up', n(r.gaveUp), r.gaveUp ? 'bad' : ''],
  ]);
  const o = status.outbox;
  setText($('outbox-transport'), o?.transport ? `events via ${o.transport}` : '');
  stats($('outbox-stats'), o ? [
    ['Waiting', n(o.pending), o.pending ? 'warn' : ''],
    ['Oldest waiting', typeof o.oldestPendingAgeMs === 'number' ? duration(o.oldestPendingAgeMs / 1000) : '—'],
    ['Relayed', n(o.relayed)],
    ['Errors', n(o.errors), o.errors ? 'bad' : ''],
  ] : [['Outbox', 'not reported']]);
  $('outbox-error').hidden = !o?.lastError;
  setText($('outbox-error'), o?.lastError ? `Last error: ${o.lastError}` : '');
}

function renderConflicts(page, status) {
  const open = page?.open ?? status?.openConflicts;
  setBadge($('conflicts-count'), typeof open === 'number' ? (open ? `${n(open)} open` : 'none open') : '…', open ? 'warn' : 'ok');
  if (!page) return;
  const items = page.items ?? [];
  renderTable($('conflicts-body'), items, {
    label: 'Open conflicts',
    columns: [['Detected', 'nowrap'], ['Table', 'mono'], ['Key', 'mono'], ['Base', ''], ['Reason', '']],
    rows: items.map((c) => ({ cells: [timeEl(c.detectedAt), c.table, formatKey(c.key), c.baseSide, c.reason] })),
    empty: 'No open conflicts.',
  });
}

function renderDeadLetters(page, status) {
  const counts = page ? { open: page.open, total: page.total } : status?.deadLetters;
  const deadText = !counts ? '…' : counts.total ? `${n(counts.open)} open of ${n(counts.total)}` : 'none';
  setBadge($('dead-count'), deadText, counts?.open ? 'bad' : 'ok');
  if (!page) return;
  const items = (page.items ?? []).slice(0, LIST_LIMIT);
  renderTable($('dead-body'), items, {
    label: 'Dead letters',
    columns: [['Failed', 'nowrap'], ['Key', 'mono'], ['Attempts', 'num'], ['Error', ''], ['Replayed', 'nowrap']],
    rows: items.map((d) => ({ cells: [timeEl(d.failedAt), formatKey(d.key), n(d.attempts), d.error, d.retriedAt ? timeEl(d.retriedAt) : 'no'] })),
    empty: 'No dead letters.',
  });
}

async function replayDeadLetters(event) {
  const fb = $('dead-feedback');
  await act(event.currentTarget, fb, 'Replaying dead letters', async () => {
    const answer = await request('POST', '/migrator/dead-letters/retry');
    if (answer.ok) {
      const replayed = answer.data?.replayed ?? answer.data?.count ?? 0;
      feedback(fb, 'ok', `Replayed ${Array.isArray(replayed) ? replayed.length : n(replayed)} dead letters.`);
    } else {
      feedback(fb, 'bad', problemText(answer, 'Replaying dead letters'));
      handleAuth(answer);
    }
  });
}

function renderInstances(status, pattern) {
  const instances = pattern?.instances ?? status?.instances ?? [];
  const converged = pattern?.converged;
  setBadge($('converged'), converged === undefined ? '…' : converged ? `all on ${pattern.pattern}` : 'not converged yet', converged ? 'ok' : 'warn');
  renderTable($('instances-body'), instances, {
    label: 'Live instances',
    columns: [['Instance', 'mono'], ['Host', ''], ['Applies', 'mono'], ['Started', 'nowrap'], ['Last seen', 'nowrap'], ['Secondary failures', 'num']],
    rows: instances.map((i) => ({
      cells: [
        [i.id, i.self ? h('span', { class: 'badge self-badge', 'data-tone': 'run' }, 'this service') : null],
        i.host ?? '',
        `${i.pattern} (v${i.patternVersion})`,
        timeEl(i.startedAt),
        timeEl(i.lastSeen),
        n(i.secondaryFailures),
      ],
    })),
    empty: 'No live instance reported.',
  });

  const d = status?.doubleWrite;
  stats($('double-write-stats'), d ? [
    ['Commits', n(d.commits)],
    ['Rows written', n(d.rows)],
    ['Primary failures', n(d.primaryFailures), d.primaryFailures ? 'bad' : ''],
    ['Secondary failures', n(d.secondaryFailures), d.secondaryFailures ? 'warn' : ''],
    ['Rows reported for repair', n(d.rowsReported)],
    ['Report failures', n(d.reportFailures), d.reportFailures ? 'bad' : ''],
    ['Secondary newer', n(d.secondaryNewer)],
    ['Foreign rows', n(d.foreignRows)],
  ] : [['Double write', 'not reported']]);
  $('double-write-error').hidden = !d?.lastSecondaryError;
  setText($('double-write-error'), d?.lastSecondaryError ? `Last secondary error (${time(d.lastSecondaryErrorAt)}): ${d.lastSecondaryError}` : '');
}

// ---------------------------------------------------------------- connection

function setConnection(kind, text) {
  const el = $('connection');
  setAttr(el, 'data-state', kind);
  setText($('connection-text'), text);
}

function setBanner(text, tone = 'bad') {
  const banner = $('banner');
  banner.hidden = !text;
  setAttr(banner, 'data-tone', tone);
  setText(banner, text ?? '');
}

// ---------------------------------------------------------------- polling

async function refresh() {
  let status;
  let pattern;
  try {
    [status, pattern] = await Promise.all([request('GET', '/migrator/status'), request('GET', '/migrator/pattern')]);
  } catch {
    const since = state.lastUpdate ? ` The figures below are from ${time(state.lastUpdate)}.` : '';
    setConnection('down', 'Service unreachable · retrying');
    setText($('updated-at'), state.lastUpdate ? `last data ${time(state.lastUpdate)}` : '');
    setBanner(`The service does not answer.${since} The page keeps trying.`);
    return;
  }

  if (status.status === 401 || status.status === 403) {
    setConnection('locked', 'Reads need an API key');
    setBanner(apiKey()
      ? `The service refused this key for reading (${status.status}). Forget it and enter another.`
      : 'This service protects its status: enter an API key to see it.', 'warn');
    return;
  }
  if (!status.ok || !pattern.ok) {
    const failed = status.ok ? pattern : status;
    setConnection('down', `Service answered ${failed.status}`);
    setBanner(problemText(failed, 'Reading the status'));
    return;
  }

  state.status = status.data;
  state.pattern = pattern.data;
  state.lastUpdate = new Date().toISOString();

  const allowed = Array.isArray(state.pattern.allowed) ? state.pattern.allowed : [];
  const probeDifferences = state.differences.available !== false || Date.now() - state.differences.probedAt > DIFFERENCES_REPROBE_MS;
  const [conflicts, deadLetters, differences, ...cutovers] = await Promise.allSettled([
    request('GET', `/migrator/conflicts?limit=${LIST_LIMIT}`),
    request('GET', `/migrator/dead-letters?limit=${LIST_LIMIT}`),
    probeDifferences ? request('GET', `/migrator/inconsistencies?limit=${DIFFERENCES_LIMIT}`) : Promise.resolve(null),
    ...allowed.map((target) => request('GET', `/migrator/cutover?to=${encodeURIComponent(target)}`)),
  ]);
  const value = (settled) => (settled.status === 'fulfilled' && settled.value?.ok ? settled.value.data : null);

  if (probeDifferences && differences.status === 'fulfilled' && differences.value) {
    state.differences.probedAt = Date.now();
    if (differences.value.status === 404) {
      state.differences.available = false;
    } else if (differences.value.ok) {
      state.differences.available = true;
      state.differences.items = Array.isArray(differences.value.data?.items) ? differences.value.data.items : [];
    }
  }

  const cutoverByTarget = {};
  allowed.forEach((target, i) => { cutoverByTarget[target] = value(cutovers[i]); });

  setConnection('live', 'Live');
  setText($('updated-at'), `updated ${time(state.lastUpdate)}`);
  setBanner(null);
  setText($('last-update'), dateTime(state.lastUpdate));

  renderPattern(state.pattern, cutoverByTarget);
  renderRun('full', state.status.full);
  renderRun('incr', state.status.incremental);
  renderDifferences(state.status);
  renderRepair(state.status);
  renderConflicts(value(conflicts), state.status);
  renderDeadLetters(value(deadLetters), state.status);
  renderInstances(state.status, state.pattern);
}

/** Refreshes now, or right after the refresh in flight; then polls again after the interval. */
function refreshNow() {
  if (state.refreshing) {
    state.again = true;
    return state.refreshing;
  }
  clearTimeout(state.timer);
  state.refreshing = refresh()
    .catch((error) => {
      setConnection('down', 'Page error');
      setBanner(`The page failed to show the status: ${error?.message ?? error}`);
    })
    .finally(() => {
      state.refreshing = null;
      if (state.again) {
        state.again = false;
        refreshNow();
        return;
      }
      state.timer = setTimeout(refreshNow, document.hidden ? HIDDEN_POLL_MS : POLL_MS);
    });
  return state.refreshing;
}

// ---------------------------------------------------------------- wiring

function wire() {
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('api-key').value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORAGE, key);
    $('api-key').value = '';
    renderKey();
    signatures.delete($('moves'));
    $('forget-key').focus();
    refreshNow();
  });
  $('forget-key').addEventListener('click', () => {
    forgetKey();
    signatures.delete($('moves'));
    refreshNow();
  });
  $('full-form').addEventListener('submit', startFull);
  $('full-stop').addEventListener('click', (event) => stopRun('full', event.currentTarget));
  $('incr-form').addEventListener('submit', startIncr);
  $('incr-stop').addEventListener('click', (event) => stopRun('incr', event.currentTarget));
  $('dead-replay').addEventListener('click', replayDeadLetters);

  $('force-confirm').addEventListener('input', () => {
    $('force-go').disabled = $('force-confirm').value.trim() !== $('force-dialog').dataset.target;
  });
  $('force-dialog').addEventListener('close', () => {
    const dialog = $('force-dialog');
    const target = dialog.dataset.target;
    if (dialog.returnValue === 'force' && $('force-confirm').value.trim() === target) {
      const trigger = [...document.querySelectorAll('#moves button')].find((b) => b.textContent === `Switch to ${target}`) ?? $('force-go');
      switchPattern(target, trigger, true);
    }
  });

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refreshNow();
  });
}

wire();
renderKey();
refreshNow();
