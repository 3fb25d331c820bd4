/** One topic: its display name, its subscriptions and its recent messages with their deliveries. */

import { api, enc, type Message, type Subscription, type Topic } from '../api.js';
import { debounce, h } from '../dom.js';
import { t as tr } from '../i18n/index.js';
import type { ViewCtx } from '../main.js';
import { busy, empty, statusText, field, flash, heading, input, section } from '../ui.js';
import { anyPending, messageCard, POLL_MS } from './records.js';
import { subscriptionsPanel } from './subscriptions.js';

/** Recent messages shown per topic. */
const RECENT = 20;

function displayNameForm(topic: Topic, onSaved: (t: Topic) => void): HTMLElement {
  const f = field(input({ name: 'displayName', value: topic.displayName, maxlength: 192 }), { label: tr('topic.displayName'), help: tr('topic.displayHelp') });
  const save = h('button', { type: 'submit', class: 'btn secondary' }, tr('topic.save'));
  return h(
    'form',
    {
      class: 'inline-form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const t = await busy(save, () => api.patch<Topic>(`/topics/${enc(topic.name)}`, { displayName: f.control.value.trim() || topic.name }));
        if (t) {
          flash(tr('topic.saved'));
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
  const olderBtn = h('button', { type: 'button', class: 'btn secondary small', hidden: true }, tr('topic.older'));
  let next: string | null = null;
  const search = h('input', { type: 'search', name: 'q', placeholder: tr('topic.search'), 'aria-label': tr('topic.searchLabel'), maxlength: 200 });
  const statusSel = h(
    'select',
    { name: 'status', 'aria-label': tr('topic.statusLabel') },
    h('option', { value: '' }, tr('topic.anyStatus')),
    ...['pending', 'delivered', 'failed'].map((st) => h('option', { value: st }, statusText(st))),
  );
  const reload = debounce(() => {
    older.replaceChildren();
    void loadMessages().catch(() => {});
  }, 300);
  search.addEventListener('input', reload);
  statusSel.addEventListener('change', reload);
  const filters = () => `${search.value.trim() ? `&q=${enc(search.value.trim())}` : ''}${statusSel.value ? `&status=${enc(statusSel.value)}` : ''}`;
  const page = (cursor?: string) =>
    api.get<{ messages: Message[]; next: string | null }>(`/topics/${enc(name)}/messages?limit=${RECENT}${filters()}${cursor ? `&cursor=${enc(cursor)}` : ''}`);
  const loadMessages = async () => {
    clearTimeout(timer);
    const first = await page();
    if (gone) return;
    const { messages } = first;
    const none = filters() ? tr('topic.noMatch') : tr('topic.nothing');
    records.replaceChildren(...(messages.length ? messages.map((m) => messageCard(m, subsById)) : [empty(none)]));
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
  }, tr('ui.refresh'));

  return h(
    'div',
    {},
    h('p', { class: 'crumbs' }, h('a', { href: '#/topics' }, tr('topic.crumb')), ' / ', name),
    title,
    h('div', { class: 'head-actions' }, h('a', { class: 'btn primary', href: `#/publish/${enc(name)}` }, tr('topic.publishHere'))),
    section(tr('topic.settings'), [], displayNameForm(topic, (t) => {
      title.firstChild!.textContent = t.displayName;
    })),
    section(tr('topic.subscriptions'), [], subs),
    section(tr('topic.recent'), [search, statusSel, refresh], records, older, h('p', {}, olderBtn)),
  );
}
