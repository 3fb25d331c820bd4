/** Failed deliveries across every topic, newest first; each can be replayed (fresh attempts). */
import { api, type Delivery, enc } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
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
  const topicSel = h('select', { name: 'topic', 'aria-label': t('failed.topicSel') });
  const replayAll = h('button', { type: 'button', class: 'btn primary small' }, t('failed.replayAll'));
  const filter = () => (topicSel.value ? { status: 'failed', topic: topicSel.value } : { status: 'failed' });
  const count = async () => {
    const { matched } = await api.post<ReplayAnswer>('/deliveries/replay', { ...filter(), dryRun: true });
    replayAll.textContent = t('failed.replayAllN', { n: matched });
    replayAll.disabled = matched === 0;
    replayAll.dataset.count = String(matched);
  };
  // further pages come with the cursor of the one before
  const moreBtn = h('button', { type: 'button', class: 'btn secondary small', hidden: true }, t('failed.nextPage'));
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
    list.replaceChildren(deliveries.length ? table(deliveries) : empty(t('failed.none')));
    const chosen = topicSel.value;
    const topics = [...new Set(deliveries.map((d) => d.topic ?? ''))].filter(Boolean).sort();
    topicSel.replaceChildren(h('option', { value: '' }, t('failed.allTopics')), ...topics.map((t) => h('option', { value: t, selected: t === chosen }, t)));
    await count();
  };
  topicSel.addEventListener('change', () => void count().catch((err) => flash(errorText(err), 'error')));
  replayAll.addEventListener('click', async () => {
    const n = Number(replayAll.dataset.count ?? 0);
    const where = topicSel.value ? t('failed.ofTopic', { topic: topicSel.value }) : '';
    if (!(await confirmDialog(t('failed.confirmTitle', { n, where }), t('failed.confirmBody'), t('failed.confirmButton', { n })))) return;
    const r = await busy(replayAll, () => api.post<ReplayAnswer>('/deliveries/replay', filter()));
    if (!r) return;
    flash(`${t('failed.replayedN', { n: r.replayed })}${r.more ? t('failed.more') : ''}`);
    await load();
  });
  await load();
  const refresh = button(t('ui.refresh'), (ev) => void busy(ev.currentTarget as HTMLButtonElement, load), 'secondary', { class: 'btn secondary small' });
  return h(
    'div',
    {},
    heading(t('failed.title')),
    h('p', { class: 'lead' }, t('failed.lead')),
    section(t('failed.newest'), [topicSel, replayAll, refresh], list, h('p', {}, moreBtn)),
  );
}

function table(list: Delivery[]): HTMLElement {
  const rows = list.map((d) => {
    const status = h('td', { 'data-label': t('rec.status') }, badge(d.status));
    const replay: HTMLButtonElement = button(t('failed.replay'), async () => {
      const r = await busy(replay, () => api.post<Delivery>(`/deliveries/${enc(d.id)}/replay`));
      if (!r) return;
      status.replaceChildren(badge(r.status, t('status.replayed')));
      replay.remove();
      flash(t('failed.replayedOne', { id: d.id }));
    }, 'secondary', { class: 'btn secondary small', 'aria-label': t('failed.replayLabel', { id: d.id }) });
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('a', { href: `#/topics/${enc(d.topic ?? '')}` }, d.topic ?? ''), h('div', { class: 'muted small' }, h('a', { href: `#/messages/${enc(d.messageId ?? '')}` }, h('code', {}, d.messageId ?? '')))),
      h('td', { 'data-label': t('failed.colPlatform') }, platformName(d.protocol)),
      status,
      h('td', { 'data-label': t('rec.attempts'), class: 'num' }, String(d.attempts)),
      h('td', { 'data-label': t('rec.lastError'), class: 'err' }, d.lastError ?? '—', d.lastCode !== undefined ? t('rec.code', { code: d.lastCode }) : ''),
      h('td', { class: 'row-actions' }, replay),
    );
  });
  return h(
    'table',
    { class: 'stack' },
    h('caption', { class: 'sr-only' }, t('failed.title')),
    h('thead', {}, h('tr', {}, ...[t('failed.colTopic'), t('failed.colPlatform'), t('rec.status'), t('rec.attempts'), t('rec.lastError'), ''].map((c) => h('th', { scope: 'col' }, c || h('span', { class: 'sr-only' }, t('ui.actions')))))),
    h('tbody', {}, ...rows),
  );
}
