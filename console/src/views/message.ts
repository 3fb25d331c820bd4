/** One message in full: its text as published, and per delivery every attempt with its time and the platform's answer. */
import { api, type Delivery, enc, type Message, type Subscription } from '../api.js';
import { h, time } from '../dom.js';
import { t } from '../i18n/index.js';
import type { ViewCtx } from '../main.js';
import { platformName } from '../platforms.js';
import { badge, busy, button, flash, heading, levelTag, section } from '../ui.js';
import { POLL_MS, titleOf } from './records.js';

const answerOf = (a: { ok: boolean; error?: string; code?: string | number }) =>
  a.ok ? t('msg.accepted') : `${a.error ?? t('msg.refused')}${a.code !== undefined ? t('rec.code', { code: a.code }) : ''}`;

function attempts(d: Delivery): HTMLElement {
  const history = d.history ?? [];
  if (history.length === 0) {
    return h('p', { class: 'muted small' }, d.status === 'pending' ? t('msg.noAttempt') : t('msg.noneReached'), d.lastError ? ` ${d.lastError}` : '');
  }
  return h(
    'table',
    { class: 'stack attempts' },
    h('caption', { class: 'sr-only' }, t('msg.attemptsOf', { id: d.id })),
    h('thead', {}, h('tr', {}, ...['#', t('msg.colTime'), t('msg.colPart'), t('msg.colAnswer')].map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      ...history.map((a, i) =>
        h(
          'tr',
          { 'data-ok': String(a.ok) },
          h('th', { scope: 'row', class: 'num' }, String(i + 1)),
          h('td', { 'data-label': t('msg.colTime') }, time(a.at)),
          h('td', { 'data-label': t('msg.colPart'), class: 'num' }, a.part ? String(a.part) : '—'),
          h('td', { 'data-label': t('msg.colAnswer'), class: a.ok ? '' : 'err' }, answerOf(a)),
        ),
      ),
    ),
  );
}

function deliveryBlock(d: Delivery, sub: Subscription | undefined, reload: () => Promise<void>): HTMLElement {
  const replay =
    d.status === 'failed'
      ? button(
          t('failed.replay'),
          async (ev) => {
            const r = await busy(ev.currentTarget as HTMLButtonElement, () => api.post<Delivery>(`/deliveries/${enc(d.id)}/replay`));
            if (!r) return;
            flash(t('failed.replayedOne', { id: d.id }));
            await reload();
          },
          'secondary',
          { class: 'btn secondary small', 'aria-label': t('failed.replayLabel', { id: d.id }) },
        )
      : null;
  const facts = [
    t('msg.nAttempts', { n: d.attempts }),
    d.parts && d.parts > 1 ? t('msg.nParts', { n: d.parts }) : '',
    d.replays ? t('msg.replayedN', { n: d.replays }) : '',
  ].filter(Boolean);
  return h(
    'section',
    { class: 'delivery', 'data-delivery': d.id, 'data-status': d.status, 'aria-label': t('msg.deliveryLabel', { id: d.id }) },
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
      d.deliveredAt ? h('span', { class: 'muted' }, t('msg.deliveredAt'), time(d.deliveredAt)) : null,
      d.status === 'pending' && d.nextAttemptAt ? h('span', { class: 'muted' }, t('rec.nextTry'), time(d.nextAttemptAt)) : null,
    ),
    d.platformMessageId ? h('p', { class: 'muted small' }, t('msg.platformId'), h('code', {}, d.platformMessageId)) : null,
    d.editedMessageId ? h('p', { class: 'muted small' }, t('msg.edited'), h('code', {}, d.editedMessageId)) : null,
    d.digest ? h('p', { class: 'muted small' }, t('msg.inDigest'), h('a', { href: `#/messages/${encodeURIComponent(d.digest.split('.')[0]!)}` }, h('code', {}, d.digest))) : null,
    d.carries?.length ? h('p', { class: 'muted small' }, t('msg.carries', { n: d.carries.length })) : null,
    d.lastError ? h('p', { class: 'err' }, t('msg.lastAnswer'), d.lastError, d.lastCode !== undefined ? t('rec.code', { code: d.lastCode }) : '') : null,
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
      ...(m.deliveries.length ? m.deliveries.map((d) => deliveryBlock(d, subs.get(d.subscriptionId), reload)) : [h('p', { class: 'empty' }, t('msg.noSubs'))]),
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
    h('p', { class: 'msg-head' }, levelTag(m.level), h('span', { class: 'muted small' }, time(m.createdAt), t('msg.via', { source: m.source }))),
    section(
      t('msg.section'),
      [],
      m.subject ? h('p', {}, h('strong', {}, t('msg.subject')), m.subject) : null,
      h('pre', { class: 'message-text', 'aria-label': t('msg.text') }, m.text ?? ''),
      attrs.length ? h('p', { class: 'muted small' }, t('msg.attributes'), attrs.map(([k, v]) => `${k}=${v}`).join(', ')) : null,
    ),
    section(t('msg.deliveries'), [], deliveries),
  );
}
