/** One message in full: its text as published, and per delivery every attempt with its time and the platform's answer. */
import { api, type Delivery, enc, type Message, type Subscription } from '../api.js';
import { h, time } from '../dom.js';
import type { ViewCtx } from '../main.js';
import { platformName } from '../platforms.js';
import { badge, busy, button, flash, heading, levelTag, section } from '../ui.js';
import { POLL_MS, titleOf } from './records.js';

const answerOf = (a: { ok: boolean; error?: string; code?: string | number }) =>
  a.ok ? 'accepted' : `${a.error ?? 'refused'}${a.code !== undefined ? ` (code ${a.code})` : ''}`;

function attempts(d: Delivery): HTMLElement {
  const history = d.history ?? [];
  if (history.length === 0) {
    return h('p', { class: 'muted small' }, d.status === 'pending' ? 'No attempt yet.' : 'No attempt reached the platform.', d.lastError ? ` ${d.lastError}` : '');
  }
  return h(
    'table',
    { class: 'stack attempts' },
    h('caption', { class: 'sr-only' }, `Attempts of delivery ${d.id}`),
    h('thead', {}, h('tr', {}, ...['#', 'Time', 'Part', 'Answer'].map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      ...history.map((a, i) =>
        h(
          'tr',
          { 'data-ok': String(a.ok) },
          h('th', { scope: 'row', class: 'num' }, String(i + 1)),
          h('td', { 'data-label': 'Time' }, time(a.at)),
          h('td', { 'data-label': 'Part', class: 'num' }, a.part ? String(a.part) : '—'),
          h('td', { 'data-label': 'Answer', class: a.ok ? '' : 'err' }, answerOf(a)),
        ),
      ),
    ),
  );
}

function deliveryBlock(d: Delivery, sub: Subscription | undefined, reload: () => Promise<void>): HTMLElement {
  const replay =
    d.status === 'failed'
      ? button(
          'Replay',
          async (ev) => {
            const r = await busy(ev.currentTarget as HTMLButtonElement, () => api.post<Delivery>(`/deliveries/${enc(d.id)}/replay`));
            if (!r) return;
            flash(`Delivery ${d.id} replayed: it is pending again.`);
            await reload();
          },
          'secondary',
          { class: 'btn secondary small', 'aria-label': `Replay delivery ${d.id}` },
        )
      : null;
  const facts = [
    `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`,
    d.parts && d.parts > 1 ? `${d.parts} parts` : '',
    d.replays ? `replayed ${d.replays}×` : '',
  ].filter(Boolean);
  return h(
    'section',
    { class: 'delivery', 'data-delivery': d.id, 'data-status': d.status, 'aria-label': `Delivery ${d.id}` },
    h(
      'div',
      { class: 'card-head' },
      h('h3', {}, platformName(d.protocol), ' ', h('code', { class: 'muted small' }, sub ? sub.endpoint : d.subscriptionId)),
      h('div', { class: 'actions' }, replay),
    ),
    h(
      'p',
      {},
      badge(d.status),
      ` ${facts.join(' · ')}`,
      d.deliveredAt ? h('span', { class: 'muted' }, ' · delivered ', time(d.deliveredAt)) : null,
      d.status === 'pending' && d.nextAttemptAt ? h('span', { class: 'muted' }, ' · next try ', time(d.nextAttemptAt)) : null,
    ),
    d.platformMessageId ? h('p', { class: 'muted small' }, 'Platform message id: ', h('code', {}, d.platformMessageId)) : null,
    d.editedMessageId ? h('p', { class: 'muted small' }, 'Went out as an edit of the card ', h('code', {}, d.editedMessageId)) : null,
    d.lastError ? h('p', { class: 'err' }, 'Last answer: ', d.lastError, d.lastCode !== undefined ? ` (code ${d.lastCode})` : '') : null,
    attempts(d),
  );
}

export async function messageView(ctx: ViewCtx): Promise<HTMLElement> {
  const id = ctx.params[0]!;
  let m = await api.get<Message>(`/messages/${enc(id)}`);
  const subs = new Map<string, Subscription>();
  try {
    const { subscriptions } = await api.get<{ subscriptions: Subscription[] }>(`/topics/${enc(m.topic)}/subscriptions`);
    for (const s of subscriptions) subs.set(s.id, s);
  } catch {
    // a publish token may read records but not subscriptions: ids are shown instead
  }
  const deliveries = h('div', { 'aria-live': 'off' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let gone = false;
  ctx.onLeave(() => {
    gone = true;
    clearTimeout(timer);
  });
  const draw = () => {
    deliveries.replaceChildren(
      ...(m.deliveries.length ? m.deliveries.map((d) => deliveryBlock(d, subs.get(d.subscriptionId), reload)) : [h('p', { class: 'empty' }, 'No subscriptions when it was published.')]),
    );
    clearTimeout(timer);
    if (m.deliveries.some((d) => d.status === 'pending')) timer = setTimeout(() => void reload().catch(() => {}), POLL_MS);
  };
  const reload = async () => {
    const next = await api.get<Message>(`/messages/${enc(id)}`);
    if (gone) return;
    m = next;
    draw();
  };
  draw();
  const attrs = Object.entries(m.attributes ?? {});
  return h(
    'div',
    {},
    h('p', { class: 'crumbs' }, h('a', { href: `#/topics/${enc(m.topic)}` }, m.topic), ' / ', h('code', {}, m.id)),
    heading(titleOf(m)),
    h('p', { class: 'msg-head' }, levelTag(m.level), h('span', { class: 'muted small' }, time(m.createdAt), ` · via ${m.source}`)),
    section(
      'Message',
      [],
      m.subject ? h('p', {}, h('strong', {}, 'Subject: '), m.subject) : null,
      h('pre', { class: 'message-text', 'aria-label': 'Message text' }, m.text ?? ''),
      attrs.length ? h('p', { class: 'muted small' }, 'Attributes: ', attrs.map(([k, v]) => `${k}=${v}`).join(', ')) : null,
    ),
    section('Deliveries', [], deliveries),
  );
}
