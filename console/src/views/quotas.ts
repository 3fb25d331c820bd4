/** Quotas (SMN's model): each limit from the config and how much of it is used. */
import { api } from '../api.js';
import { h } from '../dom.js';
import { t as tr } from '../i18n/index.js';
import { heading, section } from '../ui.js';

interface Quota {
  name: string;
  limit: number;
  used?: number;
  topic?: string;
  unit: string;
}

const LABEL = (): Record<string, string> => ({
  topics: tr('quota.0'),
  subscriptionsPerTopic: tr('quota.1'),
  templates: tr('quota.2'),
  messageBytes: tr('quota.3'),
});

export async function quotasView(): Promise<HTMLElement> {
  const { quotas } = await api.get<{ quotas: Quota[] }>('/quotas');
  const rows = quotas.map((q) => {
    const label = LABEL()[q.name] ?? q.name;
    const usage =
      q.used === undefined
        ? h('span', { class: 'muted' }, 'per publish')
        : h(
            'span',
            {},
            h('meter', { min: '0', max: String(q.limit), value: String(q.used), high: String(q.limit * 0.8), 'aria-label': `${label} used` }),
            ` ${q.used.toLocaleString()}${q.topic ? ` (in ${q.topic})` : ''}`,
          );
    return h(
      'tr',
      {},
      h('th', { scope: 'row', 'data-label': tr('quota.4') }, label, ' ', h('code', { class: 'muted' }, `quotas.${q.name}`)),
      h('td', { 'data-label': tr('quota.5') }, usage),
      h('td', { 'data-label': tr('quota.6') }, `${q.limit.toLocaleString()} ${q.unit}`),
    );
  });
  const table = h(
    'table',
    { class: 'stack' },
    h('caption', { class: 'sr-only' }, tr('quota.7')),
    h('thead', {}, h('tr', {}, ...[tr('quota.4'), tr('quota.5'), tr('quota.6')].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows),
  );
  return h(
    'div',
    {},
    heading(tr('quota.7')),
    h('p', { class: 'lead' }, tr('quota.8')),
    section(tr('quota.9'), [], h('div', { class: 'table-wrap' }, table)),
  );
}
