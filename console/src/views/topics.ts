/** Topics: the list with subscription counts, a create form checked as you type, delete with confirmation. */
import { api, enc, type Topic } from '../api.js';
import { h } from '../dom.js';
import { busy, button, confirmDialog, empty, field, flash, heading, input, refocus, section } from '../ui.js';

export const TOPIC_MAX = 255;

/** SMN topic names: 1-255 letters, digits, "-" and "_", starting with a letter or digit. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Give the topic a name.';
  if (!/^[A-Za-z0-9]/.test(name)) return 'Start with a letter or a digit.';
  const bad = /[^A-Za-z0-9_-]/.exec(name);
  if (bad) return `"${bad[0] === ' ' ? 'space' : bad[0]}" is not allowed: use letters, digits, "-" and "_".`;
  if (name.length > TOPIC_MAX) return `At most ${TOPIC_MAX} characters (this one has ${name.length}).`;
  return undefined;
}

function createForm(onCreated: (t: Topic) => void): HTMLElement {
  const name = field(input({ name: 'name', maxlength: TOPIC_MAX + 20, required: true, 'aria-required': 'true' }), {
    label: 'Name',
    help: 'What publishers and chat commands use: 1-255 letters, digits, "-" and "_", starting with a letter or digit. It cannot be changed later.',
  });
  const display = field(input({ name: 'displayName', maxlength: 192 }), { label: 'Display name', optional: true, help: 'Shown to people; the name when empty.' });
  name.control.addEventListener('input', () => name.setError(name.control.value ? topicNameProblem(name.control.value) : undefined));
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Create topic');
  return h(
    'form',
    {
      class: 'grid-form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const problem = topicNameProblem(name.control.value);
        name.setError(problem);
        if (problem) return name.control.focus();
        const body = { name: name.control.value, ...(display.control.value.trim() ? { displayName: display.control.value.trim() } : {}) };
        const t = await busy(submit, () => api.post<Topic>('/topics', body));
        if (!t) return;
        flash(`Topic "${t.name}" created.`);
        name.control.value = '';
        display.control.value = '';
        onCreated(t);
      },
    },
    name.wrap,
    display.wrap,
    h('div', { class: 'actions' }, submit),
  );
}

export async function topicsView(): Promise<HTMLElement> {
  const list = h('div', { class: 'table-wrap' });
  const load = async () => {
    const { topics } = await api.get<{ topics: Topic[] }>('/topics');
    list.replaceChildren(topics.length ? table(topics, load) : empty('No topics yet: create the first one below.'));
  };
  await load();
  return h(
    'div',
    {},
    heading('Topics'),
    h('p', { class: 'lead' }, 'A topic is what publishers send to; every subscription of the topic gets each message.'),
    section('All topics', [], list),
    section('Create a topic', [], createForm(() => void load())),
  );
}

function table(topics: Topic[], reload: () => Promise<void>): HTMLElement {
  const rows = topics.map((t) => {
    const del = button('Delete', async () => {
      const n = t.subscriptionCount;
      const ok = await confirmDialog(
        `Delete topic "${t.name}"?`,
        `Its ${n} subscription${n === 1 ? '' : 's'} will be deleted too, and publishing to it will fail. This cannot be undone.`,
        'Delete topic',
      );
      if (!ok) return;
      await busy(del, async () => {
        await api.del(`/topics/${enc(t.name)}`);
        flash(`Topic "${t.name}" deleted.`);
        await reload();
        refocus();
      });
    }, 'danger', { 'aria-label': `Delete topic ${t.name}`, class: 'btn danger small' });
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('a', { href: `#/topics/${enc(t.name)}` }, t.name)),
      h('td', { 'data-label': 'Display name' }, t.displayName),
      h('td', { 'data-label': 'Subscriptions', class: 'num' }, String(t.subscriptionCount)),
      h('td', { class: 'row-actions' }, del),
    );
  });
  return h(
    'table',
    { class: 'stack' },
    h('caption', { class: 'sr-only' }, 'Topics and their subscription counts'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Display name'), h('th', { scope: 'col', class: 'num' }, 'Subscriptions'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
    h('tbody', {}, ...rows),
  );
}
