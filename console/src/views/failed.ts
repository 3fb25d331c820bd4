/** Failed deliveries across every topic, newest first; each can be replayed (fresh attempts). */
import { api, type Delivery, enc } from '../api.js';
import { h } from '../dom.js';
import { platformName } from '../platforms.js';
import { badge, busy, button, confirmDialog, empty, errorText, flash, heading, section } from '../ui.js';

const LIMIT = 100;

interface ReplayAnswer {
  matched: number;
  replayed: number;
  more: boolean;
}

export async function failedView(): Promise<HTMLElement> {
  const list = h('div', { class: 'table-wrap' });
  const topicSel = h('select', { name: 'topic', 'aria-label': 'Topic to replay' });
  const replayAll = h('button', { type: 'button', class: 'btn primary small' }, 'Replay all');
  const filter = () => (topicSel.value ? { status: 'failed', topic: topicSel.value } : { status: 'failed' });
  const count = async () => {
    const { matched } = await api.post<ReplayAnswer>('/deliveries/replay', { ...filter(), dryRun: true });
    replayAll.textContent = `Replay all ${matched}`;
    replayAll.disabled = matched === 0;
    replayAll.dataset.count = String(matched);
  };
  // further pages come with the cursor of the one before
  const moreBtn = h('button', { type: 'button', class: 'btn secondary small', hidden: true }, 'More');
  let next: string | null = null;
  const page = (cursor?: string) =>
    api.get<{ deliveries: Delivery[]; next: string | null }>(`/deliveries?status=failed&limit=${LIMIT}${cursor ? `&cursor=${enc(cursor)}` : ''}`);
  moreBtn.addEventListener('click', async () => {
    if (!next) return;
    const more = await busy(moreBtn, () => page(next!));
    if (!more) return;
    if (more.deliveries.length) list.append(table(more.deliveries));
    next = more.next;
    moreBtn.hidden = !next;
  });
  const load = async () => {
    const first = await page();
    const { deliveries } = first;
    next = first.next;
    moreBtn.hidden = !next;
    list.replaceChildren(deliveries.length ? table(deliveries) : empty('No failed deliveries. Everything published was delivered or is still being tried.'));
    const chosen = topicSel.value;
    const topics = [...new Set(deliveries.map((d) => d.topic ?? ''))].filter(Boolean).sort();
    topicSel.replaceChildren(h('option', { value: '' }, 'All topics'), ...topics.map((t) => h('option', { value: t, selected: t === chosen }, t)));
    await count();
  };
  topicSel.addEventListener('change', () => void count().catch((err) => flash(errorText(err), 'error')));
  replayAll.addEventListener('click', async () => {
    const n = Number(replayAll.dataset.count ?? 0);
    const where = topicSel.value ? ` of topic "${topicSel.value}"` : '';
    if (!(await confirmDialog(`Replay ${n} failed deliveries${where}?`, 'Each goes back to pending with a fresh attempt history and is sent again.', `Replay ${n}`))) return;
    const r = await busy(replayAll, () => api.post<ReplayAnswer>('/deliveries/replay', filter()));
    if (!r) return;
    flash(`${r.replayed} deliveries replayed: they are pending again.${r.more ? ' More remain: replay again.' : ''}`);
    await load();
  });
  await load();
  const refresh = button('Refresh', (ev) => void busy(ev.currentTarget as HTMLButtonElement, load), 'secondary', { class: 'btn secondary small' });
  return h(
    'div',
    {},
    heading('Failed deliveries'),
    h('p', { class: 'lead' }, 'Deliveries that ran out of attempts or were refused for good. Fix the cause (the last error says what), then replay.'),
    section('Newest first', [topicSel, replayAll, refresh], list, h('p', {}, moreBtn)),
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
