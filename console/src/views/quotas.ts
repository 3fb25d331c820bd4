/** Quotas (SMN's model): each limit from the config and how much of it is used. */
import { api } from '../api.js';
import { h } from '../dom.js';
import { heading, section } from '../ui.js';

interface Quota {
  name: string;
  limit: number;
  used?: number;
  topic?: string;
  unit: string;
}

const LABEL: Record<string, string> = {
  topics: 'Topics',
  subscriptionsPerTopic: 'Subscriptions per topic',
  templates: 'Templates',
  messageBytes: 'Message size',
};

export async function quotasView(): Promise<HTMLElement> {
  const { quotas } = await api.get<{ quotas: Quota[] }>('/quotas');
  const rows = quotas.map((q) => {
    const label = LABEL[q.name] ?? q.name;
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
      h('th', { scope: 'row', 'data-label': 'Quota' }, label, ' ', h('code', { class: 'muted' }, `quotas.${q.name}`)),
      h('td', { 'data-label': 'Used' }, usage),
      h('td', { 'data-label': 'Limit' }, `${q.limit.toLocaleString()} ${q.unit}`),
    );
  });
  const table = h(
    'table',
    { class: 'stack' },
    h('caption', { class: 'sr-only' }, 'Quotas'),
    h('thead', {}, h('tr', {}, ...['Quota', 'Used', 'Limit'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows),
  );
  return h(
    'div',
    {},
    heading('Quotas'),
    h('p', { class: 'lead' }, 'Limits set in the config file (quotas.*). Going over one is refused with a clear error and changes nothing.'),
    section('Limits', [], h('div', { class: 'table-wrap' }, table)),
  );
}
