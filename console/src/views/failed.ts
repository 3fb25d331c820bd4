/** Failed deliveries across every topic, newest first; each can be replayed (fresh attempts). */
import { api, type Delivery, enc } from '../api.js';
import { h } from '../dom.js';
import { platformName } from '../platforms.js';
import { badge, busy, button, empty, flash, heading, section } from '../ui.js';

const LIMIT = 100;

export async function failedView(): Promise<HTMLElement> {
  const list = h('div', { class: 'table-wrap' });
  const load = async () => {
    const { deliveries } = await api.get<{ deliveries: Delivery[] }>(`/deliveries/failed?limit=${LIMIT}`);
    list.replaceChildren(deliveries.length ? table(deliveries) : empty('No failed deliveries. Everything published was delivered or is still being tried.'));
  };
  await load();
  const refresh = button('Refresh', (ev) => void busy(ev.currentTarget as HTMLButtonElement, load), 'secondary', { class: 'btn secondary small' });
  return h(
    'div',
    {},
    heading('Failed deliveries'),
    h('p', { class: 'lead' }, 'Deliveries that ran out of attempts or were refused for good. Fix the cause (the last error says what), then replay.'),
    section(`Latest ${LIMIT}`, [refresh], list),
  );
}

function table(list: Delivery[]): HTMLElement {
  const rows = list.map((d) => {
    const status = h('td', { 'data-label': 'Status' }, badge(d.status));
    const replay: HTMLButtonElement = button('Replay', async () => {
      const r = await busy(replay, () => api.post<Delivery>(`/deliveries/${enc(d.id)}/replay`));
      if (!r) return;
      status.replaceChildren(badge(r.status, 'replayed'));
      replay.remove();
      flash(`Delivery ${d.id} replayed: it is pending again.`);
    }, 'secondary', { class: 'btn secondary small', 'aria-label': `Replay delivery ${d.id}` });
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('a', { href: `#/topics/${enc(d.topic ?? '')}` }, d.topic ?? ''), h('div', { class: 'muted small' }, h('a', { href: `#/messages/${enc(d.messageId ?? '')}` }, h('code', {}, d.messageId ?? '')))),
      h('td', { 'data-label': 'Platform' }, platformName(d.protocol)),
      status,
      h('td', { 'data-label': 'Attempts', class: 'num' }, String(d.attempts)),
      h('td', { 'data-label': 'Last error', class: 'err' }, d.lastError ?? '—', d.lastCode !== undefined ? ` (code ${d.lastCode})` : ''),
      h('td', { class: 'row-actions' }, replay),
    );
  });
  return h(
    'table',
    { class: 'stack' },
    h('caption', { class: 'sr-only' }, 'Failed deliveries'),
    h('thead', {}, h('tr', {}, ...['Topic / message', 'Platform', 'Status', 'Attempts', 'Last error', ''].map((c) => h('th', { scope: 'col' }, c || h('span', { class: 'sr-only' }, 'Actions'))))),
    h('tbody', {}, ...rows),
  );
}
