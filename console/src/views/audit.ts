/** The audit trail: every admin change, newest first, with "show older". */
import { type AuditEntry, api, enc } from '../api.js';
import { h, time } from '../dom.js';
import { busy, button, empty, heading, section } from '../ui.js';

const PAGE = 50;

const detailsText = (d: Record<string, unknown> | undefined) =>
  d
    ? Object.entries(d)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(' · ')
    : '';

export async function auditView(): Promise<HTMLElement> {
  const body = h('tbody', {});
  const table = h(
    'table',
    { class: 'stack' },
    h('caption', { class: 'sr-only' }, 'Audit trail'),
    h('thead', {}, h('tr', {}, ...['When', 'Who', 'Action', 'Target', 'Details'].map((c) => h('th', { scope: 'col' }, c)))),
    body,
  );
  const wrap = h('div', { class: 'table-wrap' });
  let last: string | undefined;
  const more: HTMLButtonElement = button('Show older', () => void busy(more, load), 'secondary');
  async function load() {
    const { entries } = await api.get<{ entries: AuditEntry[] }>(`/audit?limit=${PAGE}${last ? `&before=${enc(last)}` : ''}`);
    for (const e of entries) {
      body.append(
        h(
          'tr',
          {},
          h('td', { 'data-label': 'When' }, time(e.at)),
          h('td', { 'data-label': 'Who' }, e.actor),
          h('th', { scope: 'row', 'data-label': 'Action' }, h('code', {}, e.action)),
          h('td', { 'data-label': 'Target' }, h('code', {}, e.target)),
          h('td', { 'data-label': 'Details', class: 'muted' }, detailsText(e.details)),
        ),
      );
    }
    last = entries.at(-1)?.id ?? last;
    more.hidden = entries.length < PAGE;
    wrap.replaceChildren(body.childElementCount ? table : empty('Nothing has changed yet.'));
  }
  await load();
  return h('div', {}, heading('Audit trail'), h('p', { class: 'lead' }, 'Every change made with an admin token: who, when, what. Secrets never appear here.'), section('Changes', [], wrap, h('div', { class: 'actions' }, more)));
}
