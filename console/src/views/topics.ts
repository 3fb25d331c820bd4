/** Topics: the list with subscription counts, a create form checked as you type, delete with confirmation. */
import { api, enc, type Topic } from '../api.js';
import { h } from '../dom.js';
import { t as tr } from '../i18n/index.js';
import { busy, button, confirmDialog, empty, field, flash, heading, input, refocus, section } from '../ui.js';

export const TOPIC_MAX = 255;

/** SMN topic names: 1-255 letters, digits, "-" and "_", starting with a letter or digit. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return tr('topics.needName');
  if (!/^[A-Za-z0-9]/.test(name)) return tr('topics.start');
  const bad = /[^A-Za-z0-9_-]/.exec(name);
  if (bad) return tr('topics.badChar', { c: bad[0] === ' ' ? tr('topics.space') : bad[0] });
  if (name.length > TOPIC_MAX) return `At most ${TOPIC_MAX} characters (this one has ${name.length}).`;
  return undefined;
}

function createForm(onCreated: (t: Topic) => void): HTMLElement {
  const name = field(input({ name: 'name', maxlength: TOPIC_MAX + 20, required: true, 'aria-required': 'true' }), {
    label: tr('topics.name'),
    help: tr('topics.nameHelp'),
  });
  const display = field(input({ name: 'displayName', maxlength: 192 }), { label: tr('topics.displayName'), optional: true, help: tr('topics.displayHelp') });
  name.control.addEventListener('input', () => name.setError(name.control.value ? topicNameProblem(name.control.value) : undefined));
  const submit = h('button', { type: 'submit', class: 'btn primary' }, tr('topics.create'));
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
    list.replaceChildren(topics.length ? table(topics, load) : empty(tr('topics.none')));
  };
  await load();
  return h(
    'div',
    {},
    heading(tr('topics.title')),
    h('p', { class: 'lead' }, tr('topics.lead')),
    section(tr('topics.all'), [], list),
    section(tr('topics.createSection'), [], createForm(() => void load())),
  );
}

function table(topics: Topic[], reload: () => Promise<void>): HTMLElement {
  const rows = topics.map((t) => {
    const del = button(tr('topics.delete'), async () => {
      const n = t.subscriptionCount;
      const ok = await confirmDialog(
        tr('topics.deleteQ', { name: t.name }),
        tr('topics.deleteBody', { n }),
        tr('topics.deleteButton'),
      );
      if (!ok) return;
      await busy(del, async () => {
        await api.del(`/topics/${enc(t.name)}`);
        flash(tr('topics.deleted', { name: t.name }));
        await reload();
        refocus();
      });
    }, 'danger', { 'aria-label': tr('topics.deleteLabel', { name: t.name }), class: 'btn danger small' });
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, h('a', { href: `#/topics/${enc(t.name)}` }, t.name)),
      h('td', { 'data-label': 'Display name' }, t.displayName),
      h('td', { 'data-label': tr('topics.subscriptions'), class: 'num' }, String(t.subscriptionCount)),
      h('td', { class: 'row-actions' }, del),
    );
  });
  return h(
    'table',
    { class: 'stack' },
    h('caption', { class: 'sr-only' }, tr('topics.caption')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, tr('topics.name')), h('th', { scope: 'col' }, tr('topics.displayName')), h('th', { scope: 'col', class: 'num' }, 'Subscriptions'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, tr('ui.actions'))))),
    h('tbody', {}, ...rows),
  );
}
