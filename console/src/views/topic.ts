/** One topic: its display name, its subscriptions and its recent messages with their deliveries. */

import { api, enc, type Message, type Subscription, type Topic } from '../api.js';
import { debounce, h } from '../dom.js';
import type { ViewCtx } from '../main.js';
import { busy, empty, field, flash, heading, input, section } from '../ui.js';
import { anyPending, messageCard, POLL_MS } from './records.js';
import { subscriptionsPanel } from './subscriptions.js';

/** Recent messages shown per topic. */
const RECENT = 20;

function displayNameForm(topic: Topic, onSaved: (t: Topic) => void): HTMLElement {
  const f = field(input({ name: 'displayName', value: topic.displayName, maxlength: 192 }), { label: 'Display name', help: 'Shown to people; the topic’s name stays the same.' });
  const save = h('button', { type: 'submit', class: 'btn secondary' }, 'Save');
  return h(
    'form',
    {
      class: 'inline-form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const t = await busy(save, () => api.patch<Topic>(`/topics/${enc(topic.name)}`, { displayName: f.control.value.trim() || topic.name }));
        if (t) {
          flash('Display name saved.');
          onSaved(t);
        }
      },
    },
    f.wrap,
    save,
  );
}

export async function topicView(ctx: ViewCtx): Promise<HTMLElement> {
  const name = ctx.params[0]!;
  const topic = await api.get<Topic>(`/topics/${enc(name)}`);
  const title = heading(topic.displayName, topic.displayName !== topic.name ? h('span', { class: 'muted sub-title' }, ` ${topic.name}`) : '');
  let subsById = new Map<string, Subscription>();
  const records = h('div', { 'aria-live': 'off' });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let gone = false;
  ctx.onLeave(() => {
    gone = true;
    clearTimeout(timer);
  });

  const search = h('input', { type: 'search', name: 'q', placeholder: 'Search the text', 'aria-label': 'Search messages', maxlength: 200 });
  const statusSel = h(
    'select',
    { name: 'status', 'aria-label': 'Delivery status' },
    h('option', { value: '' }, 'Any status'),
    ...['pending', 'delivered', 'failed'].map((st) => h('option', { value: st }, st)),
  );
  const reload = debounce(() => void loadMessages().catch(() => {}), 300);
  search.addEventListener('input', reload);
  statusSel.addEventListener('change', reload);
  const loadMessages = async () => {
    clearTimeout(timer);
    const filters = `${search.value.trim() ? `&q=${enc(search.value.trim())}` : ''}${statusSel.value ? `&status=${enc(statusSel.value)}` : ''}`;
    const { messages } = await api.get<{ messages: Message[] }>(`/topics/${enc(name)}/messages?limit=${RECENT}${filters}`);
    if (gone) return;
    const none = filters ? 'No message matches.' : 'Nothing published to this topic yet.';
    records.replaceChildren(...(messages.length ? messages.map((m) => messageCard(m, subsById)) : [empty(none)]));
    if (anyPending(messages)) timer = setTimeout(() => void loadMessages().catch(() => {}), POLL_MS);
  };
  const subs = await subscriptionsPanel(name, (list) => {
    subsById = new Map(list.map((s) => [s.id, s]));
  });
  await loadMessages();
  const refresh = h('button', { type: 'button', class: 'btn secondary small', onclick: (ev: Event) => void busy(ev.currentTarget as HTMLButtonElement, loadMessages) }, 'Refresh');

  return h(
    'div',
    {},
    h('p', { class: 'crumbs' }, h('a', { href: '#/topics' }, 'Topics'), ' / ', name),
    title,
    h('div', { class: 'head-actions' }, h('a', { class: 'btn primary', href: `#/publish/${enc(name)}` }, 'Publish to this topic')),
    section('Settings', [], displayNameForm(topic, (t) => {
      title.firstChild!.textContent = t.displayName;
    })),
    section('Subscriptions', [], subs),
    section('Recent messages', [search, statusSel, refresh], records),
  );
}
