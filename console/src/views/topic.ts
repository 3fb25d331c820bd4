/** One topic: its display name, its subscriptions and its recent messages with their deliveries. */

import { api, enc, type Message, type Subscription, type Topic } from '../api.js';
import { h } from '../dom.js';
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

  // older pages, fetched with the cursor the previous page gave; a refresh starts again from the newest
  const older = h('div', {});
  const olderBtn = h('button', { type: 'button', class: 'btn secondary small', hidden: true }, 'Older messages');
  let next: string | null = null;
  const page = (cursor?: string) =>
    api.get<{ messages: Message[]; next: string | null }>(`/topics/${enc(name)}/messages?limit=${RECENT}${cursor ? `&cursor=${enc(cursor)}` : ''}`);
  const loadMessages = async () => {
    clearTimeout(timer);
    const first = await page();
    if (gone) return;
    const { messages } = first;
    records.replaceChildren(...(messages.length ? messages.map((m) => messageCard(m, subsById)) : [empty('Nothing published to this topic yet.')]));
    if (older.childElementCount === 0) {
      next = first.next;
      olderBtn.hidden = !next;
    }
    if (anyPending(messages)) timer = setTimeout(() => void loadMessages().catch(() => {}), POLL_MS);
  };
  olderBtn.addEventListener('click', async () => {
    if (!next) return;
    const more = await busy(olderBtn, () => page(next!));
    if (!more || gone) return;
    older.append(...more.messages.map((m) => messageCard(m, subsById)));
    next = more.next;
    olderBtn.hidden = !next;
  });
  const subs = await subscriptionsPanel(name, (list) => {
    subsById = new Map(list.map((s) => [s.id, s]));
  });
  await loadMessages();
  const refresh = h('button', {
    type: 'button',
    class: 'btn secondary small',
    onclick: (ev: Event) => {
      older.replaceChildren();
      void busy(ev.currentTarget as HTMLButtonElement, loadMessages);
    },
  }, 'Refresh');

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
    section('Recent messages', [refresh], records, older, h('p', {}, olderBtn)),
  );
}
