// The operations page in the browser: fetches, Chart.js and the DOM, refreshed every 30 s. What
// it shows is decided in ops-model.js; every value from the API is set as text, never as HTML.
import { refusedTokenNotice, tokenClaims } from './model.js';
import {
  attemptColumns,
  attemptRow,
  chartedCounters,
  countsChart,
  defaultHours,
  endpointColumns,
  endpointRows,
  forbiddenNotice,
  healthPath,
  healthView,
  hourChoices,
  knownProviders,
  lagChart,
  lagRows,
  operatorCommands,
  opsQueryOf,
  outcomeChoices,
  recentPath,
  refreshIntervalMs,
  refusalRows,
  statsPath,
  unreachableNotice,
} from './ops-model.js';
import { ApiError, el, getWithToken, loadSettings, TokenRefused } from './page.js';

/** Chart.js's UMD build, loaded by ops.html before this module. @type {any} */
const Chart = /** @type {any} */ (globalThis).Chart;

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const elements = {
  inboxLink: /** @type {HTMLAnchorElement} */ ($('inbox-link')),
  provider: /** @type {HTMLSelectElement} */ ($('provider')),
  hours: /** @type {HTMLSelectElement} */ ($('hours')),
  outcome: /** @type {HTMLSelectElement} */ ($('outcome')),
  status: $('refresh-status'),
  notice: $('notice'),
  totals: $('totals'),
  countsCanvas: /** @type {HTMLCanvasElement} */ ($('counts-chart')),
  lagCanvas: /** @type {HTMLCanvasElement} */ ($('lag-chart')),
  lagTable: $('lag-table'),
  healthStatus: $('health-status'),
  ingestDepth: $('ingest-depth'),
  dlqDepth: $('dlq-depth'),
  failedCount: $('failed-count'),
  quarantinedCount: $('quarantined-count'),
  healthReasons: $('health-reasons'),
  commands: $('commands'),
  endpointTable: $('endpoint-table'),
  refusalTable: $('refusal-table'),
  recentTable: $('recent-table'),
  recentTruncated: $('recent-truncated'),
};

const settings = await loadSettings();
const { tenant } = opsQueryOf(location.search);
// Back to the inbox with the same token and API.
elements.inboxLink.href = `index.html${location.search}`;

const filters = { hours: defaultHours, provider: '', outcome: '' };
/** @type {string[]} */
let providers = [];
/** Set once the API refused the token or the view: no refresh can change that. */
let stopped = false;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let timer;
/** Only the latest refresh renders: a filter changed meanwhile makes an earlier one's answers stale. */
let latest = 0;

/** @param {'loading' | 'live' | 'offline' | 'stopped'} state @param {string} text */
const showStatus = (state, text) => {
  elements.status.dataset.state = state;
  elements.status.textContent = text;
};

const showNotice = (/** @type {string} */ text) => {
  elements.notice.textContent = text;
  elements.notice.hidden = text === '';
};

/** @param {HTMLSelectElement} select @param {{ value: string, label: string }[]} options @param {string} chosen */
const fillSelect = (select, options, chosen) => {
  select.replaceChildren(...options.map(({ value, label }) => el('option', { value, text: label })));
  select.value = chosen;
};

/** @param {HTMLElement} table @param {string[]} columns @param {string[][]} rows @param {string} emptyText @param {string[]} [rowClasses] */
const fillTable = (table, columns, rows, emptyText, rowClasses = []) => {
  const head = el('thead', {}, [el('tr', {}, columns.map((column) => el('th', { scope: 'col', text: column })))]);
  const body =
    rows.length === 0
      ? [el('tr', {}, [el('td', { class: 'empty', colspan: String(columns.length), text: emptyText })])]
      : rows.map((cells, index) => el('tr', { class: rowClasses[index] || undefined }, cells.map((text, column) => el('td', { 'data-column': columns[column], text }))));
  table.replaceChildren(head, el('tbody', {}, body));
};

// Okabe–Ito colours, told apart without colour too: each series has its own point shape and dash.
const seriesStyles = [
  { borderColor: '#0072b2', backgroundColor: '#0072b2', pointStyle: 'circle' },
  { borderColor: '#009e73', backgroundColor: '#009e73', pointStyle: 'rect', borderDash: [6, 3] },
  { borderColor: '#d55e00', backgroundColor: '#d55e00', pointStyle: 'triangle', borderWidth: 3 },
  { borderColor: '#56b4e9', backgroundColor: '#56b4e9', pointStyle: 'rectRot', borderDash: [2, 2] },
  { borderColor: '#cc79a7', backgroundColor: '#cc79a7', pointStyle: 'crossRot', borderDash: [10, 4] },
];

// No animation: a refresh redraws at once, and what the chart holds is what it shows.
const countsChartView = new Chart(elements.countsCanvas, {
  type: 'line',
  data: { labels: [], datasets: [] },
  options: {
    animation: false,
    maintainAspectRatio: false,
    interaction: { mode: 'index', intersect: false },
    plugins: { legend: { labels: { usePointStyle: true } } },
    scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
  },
});
const lagChartView = new Chart(elements.lagCanvas, {
  type: 'bar',
  data: { labels: [], datasets: [] },
  options: {
    animation: false,
    maintainAspectRatio: false,
    // Lags span milliseconds to minutes; bars start at 1 ms so that their heights compare.
    scales: { y: { type: 'logarithmic', min: 1, title: { display: true, text: 'ms (at most)' } } },
  },
});

/** @param {import('./ops-model.js').StatsReport} report */
const renderStats = (report) => {
  const chart = countsChart(report);
  countsChartView.data.labels = chart.labels;
  countsChartView.data.datasets = chart.datasets.map((dataset, index) => ({ ...dataset, ...seriesStyles[index], tension: 0 }));
  countsChartView.update();
  const totals = chartedCounters.map((counter) => `${report.totals[counter]} ${counter}`).join(', ');
  elements.totals.textContent = `Last ${report.hours} ${report.hours === 1 ? 'hour' : 'hours'}${report.tenantId === null ? ', every tenant' : ''}: ${totals}.`;
  elements.countsCanvas.setAttribute('aria-label', `Webhooks per hour, last ${report.hours} hours: ${totals}`);

  const lags = lagChart(report.totals.lags);
  lagChartView.data.labels = lags.labels;
  lagChartView.data.datasets = lags.datasets.map((dataset, index) => ({ ...dataset, ...seriesStyles[index] }));
  lagChartView.update();
  const rows = lagRows(report.totals.lags);
  fillTable(elements.lagTable, ['hop', 'measured', 'p50', 'p99'], rows.map((lag) => [lag.label, String(lag.count), lag.p50, lag.p99]), '');

  fillTable(elements.endpointTable, endpointColumns(report), endpointRows(report), 'No webhooks to a registered endpoint in this window.');
  fillTable(elements.refusalTable, ['reason', 'refused'], refusalRows(report), 'No refusals in this window.');
  elements.failedCount.textContent = String(report.totals.failed);
  elements.quarantinedCount.textContent = String(report.totals.quarantined);
  renderCommands(report.tenantId);
  stackWide = report.tenantId === null;

  providers = knownProviders(providers, report);
  fillSelect(elements.provider, [{ value: '', label: 'All providers' }, ...providers.map((name) => ({ value: name, label: name }))], filters.provider);
};

/** Whether the figures shown are an admin's of every tenant: the stats' answer says, and the recent attempts then name theirs. */
let stackWide = false;

/** @param {{ attempts: import('./ops-model.js').Attempt[], truncated?: boolean }} answer */
const renderRecent = ({ attempts, truncated }) => {
  const rows = attempts.map((attempt) => attemptRow(attempt, undefined, stackWide));
  fillTable(
    elements.recentTable,
    attemptColumns(stackWide),
    rows.map((row) => row.cells),
    filters.outcome ? `No ${filters.outcome} webhooks in the last 24 hours.` : 'No webhooks in the last 24 hours.',
    rows.map((row) => (row.problem ? 'problem' : '')),
  );
  elements.recentTruncated.hidden = !truncated;
  elements.recentTruncated.textContent = truncated ? 'Only the most recent part was searched: older matches may exist.' : '';
};

/** @param {import('./ops-model.js').HealthReport | Error} health */
const renderHealth = (health) => {
  if (health instanceof Error) {
    elements.healthStatus.dataset.status = 'unknown';
    elements.healthStatus.textContent = `Queue depths unavailable: ${health.message}.`;
    elements.ingestDepth.textContent = '–';
    elements.dlqDepth.textContent = '–';
    elements.healthReasons.replaceChildren();
    return;
  }
  const view = healthView(health);
  elements.healthStatus.dataset.status = view.status;
  elements.healthStatus.textContent = `${view.status === 'ok' ? 'OK' : '⚠ Degraded'}, checked ${new Date(view.checkedAt).toLocaleTimeString()}.`;
  elements.ingestDepth.textContent = view.ingest;
  elements.dlqDepth.textContent = view.deadLetters;
  elements.healthReasons.replaceChildren(...view.reasons.map((reason) => el('li', { text: reason })));
};

/** @param {string | null | undefined} viewed the tenant whose figures are shown; null for an admin's stack-wide view */
const renderCommands = (viewed) => {
  const commands = operatorCommands(viewed);
  elements.commands.replaceChildren(
    ...[...commands.quarantine, ...commands.deadLetters].map((command) => el('li', {}, [el('code', { text: command })])),
  );
};

/** GET /health is anonymous: no token goes with it. @returns {Promise<import('./ops-model.js').HealthReport | Error>} */
const loadHealth = async () => {
  try {
    const response = await fetch(healthPath(settings.api));
    const body = await response.json().catch(() => ({}));
    return response.ok ? body : new Error(`GET /health answered ${response.status}${body.status ? ` (${body.status})` : ''}`);
  } catch (error) {
    return new Error(`could not reach ${healthPath(settings.api)} (${error instanceof Error ? error.message : String(error)})`);
  }
};

/** @param {string} label @param {string} notice */
const stop = (label, notice) => {
  stopped = true;
  clearTimeout(timer);
  showStatus('stopped', label);
  showNotice(notice);
};

/** @param {unknown} error */
const failureText = (error) =>
  error instanceof ApiError ? `Could not load the figures: ${error.message}.` : unreachableNotice(settings.api, error instanceof Error ? error.message : String(error));

const refresh = async () => {
  if (stopped) return;
  clearTimeout(timer);
  const run = ++latest;
  const get = (/** @type {string} */ url) => getWithToken(settings.token, url);
  const [[stats, recent], health] = await Promise.all([
    Promise.allSettled([
      get(statsPath(settings.api, { hours: filters.hours, provider: filters.provider, tenant })),
      get(recentPath(settings.api, { outcome: filters.outcome, tenant })),
    ]),
    loadHealth(),
  ]);
  if (stopped || run !== latest) return;
  const failures = [stats, recent].flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  if (failures.some((error) => error instanceof TokenRefused)) return stop('Stopped: token not accepted', refusedTokenNotice(settings.token, Date.now()));
  const forbidden = failures.find((error) => error instanceof ApiError && error.status === 403);
  if (forbidden) return stop('Stopped: not allowed', forbiddenNotice(forbidden.message, tenant));
  if (stats.status === 'fulfilled') renderStats(stats.value);
  if (recent.status === 'fulfilled') renderRecent(recent.value);
  renderHealth(health);
  showNotice([...new Set(failures.map(failureText))].join(' '));
  const at = new Date().toLocaleTimeString();
  if (failures.length === 0) showStatus('live', `Updated ${at}, every ${refreshIntervalMs / 1000} s`);
  else showStatus('offline', `Not updated at ${at}: trying again in ${refreshIntervalMs / 1000} s`);
  timer = setTimeout(refresh, refreshIntervalMs);
};

fillSelect(
  elements.hours,
  hourChoices.map((hours) => ({ value: String(hours), label: hours === 168 ? 'last 7 days' : `last ${hours} ${hours === 1 ? 'hour' : 'hours'}` })),
  String(filters.hours),
);
fillSelect(elements.outcome, [{ value: '', label: 'All outcomes' }, ...outcomeChoices.map((outcome) => ({ value: outcome, label: outcome }))], '');
elements.hours.addEventListener('change', () => {
  filters.hours = Number(elements.hours.value);
  void refresh();
});
elements.provider.addEventListener('change', () => {
  filters.provider = elements.provider.value;
  void refresh();
});
elements.outcome.addEventListener('change', () => {
  filters.outcome = elements.outcome.value;
  void refresh();
});
// Until the first answer says whose figures these are, the token's own tenant.
renderCommands(tenant ?? tokenClaims(settings.token).tenant);

if (!settings.token) {
  stop(
    'No token',
    'Open this page with ?token=<JWT> (npx switchboard token --tenant <id>); npm start prints an inbox link: change its / to /ops.html.',
  );
} else {
  void refresh();
}
