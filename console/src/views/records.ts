/** Message records: each message with its per-subscription deliveries (status, attempts, last error). */
import type { Delivery, Message, Subscription } from '../api.js';
import { h, time } from '../dom.js';
import { t } from '../i18n/index.js';
import { platformName } from '../platforms.js';
import { badge, levelTag } from '../ui.js';

/** While any delivery is pending, records refresh this often. */
export const POLL_MS = 2_000;

export const anyPending = (msgs: Message[]) => msgs.some((m) => m.deliveries.some((d) => d.status === 'pending'));

function deliveryRow(d: Delivery, subs: Map<string, Subscription>): HTMLElement {
  const sub = subs.get(d.subscriptionId);
  const error = d.lastError ? `${d.lastError}${d.lastCode !== undefined ? t('rec.code', { code: d.lastCode }) : ''}` : '';
  const retry = d.status === 'pending' && d.nextAttemptAt ? h('span', { class: 'muted' }, t('rec.nextTry'), time(d.nextAttemptAt)) : null;
  return h(
    'tr',
    { 'data-delivery': d.id, 'data-status': d.status },
    h('th', { scope: 'row' }, platformName(d.protocol), ' ', h('code', { class: 'muted small' }, sub ? sub.endpoint : d.subscriptionId)),
    h('td', { 'data-label': t('rec.status') }, badge(d.status), retry),
    h('td', { 'data-label': t('rec.attempts'), class: 'num' }, String(d.attempts), d.parts && d.parts > 1 ? h('span', { class: 'muted' }, t('rec.parts', { n: d.parts })) : null),
    h('td', { 'data-label': t('rec.lastError'), class: 'err' }, error || h('span', { class: 'muted' }, '—')),
  );
}

/** The first line of the text, cut short: what a message is called when it has no subject. */
export const firstLine = (text: string | undefined, max = 80) => {
  const line = (text ?? '').split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};
const firstLines = (text: string) => {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const shown = lines.slice(0, 2).join(' · ');
  return shown.length > 200 || lines.length > 2 ? `${shown.slice(0, 199)}…` : shown;
};
export const titleOf = (m: Message) => m.subject || firstLine(m.text) || t('rec.empty');

export function messageCard(m: Message, subs: Map<string, Subscription> = new Map(), extra?: Node): HTMLElement {
  const counts = { delivered: 0, pending: 0, failed: 0 };
  for (const d of m.deliveries) counts[d.status]++;
  const summary = m.deliveries.length
    ? [counts.delivered && t('rec.nDelivered', { n: counts.delivered }), counts.pending && t('rec.nPending', { n: counts.pending }), counts.failed && t('rec.nFailed', { n: counts.failed })].filter(Boolean).join(' · ')
    : t('rec.noSubs');
  return h(
    'article',
    { class: 'msg', 'data-message': m.id, 'aria-label': t('rec.label', { title: titleOf(m) }) },
    h(
      'header',
      { class: 'msg-head' },
      levelTag(m.level),
      h('a', { class: 'msg-subject', href: `#/messages/${encodeURIComponent(m.id)}` }, h('strong', {}, titleOf(m))),
      h('span', { class: 'muted small' }, time(m.createdAt), t('rec.via', { topic: m.topic, source: m.source }), h('code', {}, m.id)),
    ),
    m.subject && m.text ? h('p', { class: 'msg-text' }, firstLines(m.text)) : null,
    h('p', { class: 'msg-summary' }, summary),
    m.deliveries.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'stack deliveries' },
            h('caption', { class: 'sr-only' }, t('rec.caption', { id: m.id })),
            h('thead', {}, h('tr', {}, ...[t('rec.subscription'), t('rec.status'), t('rec.attempts'), t('rec.lastError')].map((c) => h('th', { scope: 'col' }, c)))),
            h('tbody', {}, ...m.deliveries.map((d) => deliveryRow(d, subs))),
          ),
        )
      : null,
    extra ?? null,
  );
}
