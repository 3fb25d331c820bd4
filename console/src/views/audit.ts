/** The audit trail: every admin change, newest first, with "show older". */
import { type AuditEntry, api, enc } from '../api.js';
import { h, time } from '../dom.js';
import { t as tr } from '../i18n/index.js';
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
    h('caption', { class: 'sr-only' }, tr('aud.0')),
    h('thead', {}, h('tr', {}, ...[tr('aud.1'), tr('aud.2'), tr('aud.3'), tr('aud.4'), tr('aud.5')].map((c) => h('th', { scope: 'col' }, c)))),
    body,
  );
  const wrap = h('div', { class: 'table-wrap' });
  let last: string | undefined;
  const more: HTMLButtonElement = button(tr('aud.6'), () => void busy(more, load), 'secondary');
  async function load() {
    const { entries } = await api.get<{ entries: AuditEntry[] }>(`/audit?limit=${PAGE}${last ? `&before=${enc(last)}` : ''}`);
    for (const e of entries) {
      body.append(
        h(
          'tr',
          {},
          h('td', { 'data-label': tr('aud.1') }, time(e.at)),
          h('td', { 'data-label': tr('aud.2') }, e.actor),
          h('th', { scope: 'row', 'data-label': tr('aud.3') }, h('code', {}, e.action)),
          h('td', { 'data-label': tr('aud.4') }, h('code', {}, e.target)),
          h('td', { 'data-label': tr('aud.5'), class: 'muted' }, detailsText(e.details)),
        ),
      );
    }
    last = entries.at(-1)?.id ?? last;
    more.hidden = entries.length < PAGE;
    wrap.replaceChildren(body.childElementCount ? table : empty(tr('aud.7')));
  }
  await load();
  return h('div', {}, heading(tr('aud.0')), h('p', { class: 'lead' }, tr('aud.8')), section(tr('aud.9'), [], wrap, h('div', { class: 'actions' }, more)));
}
