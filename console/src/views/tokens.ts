/** API tokens: create with scopes (the token is shown once), list, revoke. */
import { api, enc, type TokenInfo, type Topic } from '../api.js';
import { h, time, uid } from '../dom.js';
import { busy, button, confirmDialog, empty, field, flash, heading, input, refocus, section } from '../ui.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function shownOnce(name: string, token: string): HTMLElement {
  const out = h('input', { type: 'text', readonly: true, value: token, class: 'code', 'aria-label': `Token ${name}` });
  const copy = button('Copy', async () => {
    try {
      await navigator.clipboard.writeText(token);
      flash('Token copied.');
    } catch {
      out.select();
      flash('Select the token and copy it (Ctrl+C / ⌘C).', 'error');
    }
  }, 'secondary', { class: 'btn secondary small' });
  const box = h('div', { class: 'once', role: 'alert' }, h('p', {}, h('strong', {}, `Token "${name}" created.`), ' Copy it now: Herald stores only its hash and cannot show it again.'), h('div', { class: 'inline' }, out, copy));
  queueMicrotask(() => out.focus());
  return box;
}

function createForm(topics: Topic[], onCreated: (name: string, token: string) => void): HTMLElement {
  const name = field(input({ name: 'name', maxlength: 64, required: true }), { label: 'Name', help: 'Who or what uses it, e.g. "grafana" or "backup-script".' });
  const group = uid('scope');
  const kinds: [string, string][] = [
    ['topics', 'Publish to chosen topics'],
    ['publish-all', 'Publish to every topic'],
    ['admin', 'Admin: everything, including tokens'],
  ];
  const radios = kinds.map(([v, label], i) => {
    const id = uid('k');
    return h('div', { class: 'field check' }, h('input', { type: 'radio', name: group, id, value: v, checked: i === 0 }), h('label', { for: id }, label));
  });
  const boxes = topics.map((t) => {
    const id = uid('t');
    return h('div', { class: 'field check' }, h('input', { type: 'checkbox', id, value: t.name, name: 'topic' }), h('label', { for: id }, t.name));
  });
  const topicSet = h('fieldset', { class: 'topic-choice' }, h('legend', {}, 'Topics'), ...(boxes.length ? boxes : [empty('No topics yet.')]));
  const error = h('p', { class: 'field-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Create token');
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'grid-form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        error.textContent = '';
        if (!NAME.test(name.control.value)) {
          name.setError('Use 1-64 letters, digits, ".", "-" or "_", starting with a letter or digit.');
          return name.control.focus();
        }
        name.setError(undefined);
        const kind = form.querySelector<HTMLInputElement>(`input[name="${group}"]:checked`)?.value;
        const chosen = [...form.querySelectorAll<HTMLInputElement>('input[name="topic"]:checked')].map((c) => `publish:${c.value}`);
        const scopes = kind === 'admin' ? ['admin'] : kind === 'publish-all' ? ['publish:*'] : chosen;
        if (!scopes.length) {
          error.textContent = 'Choose at least one topic.';
          return;
        }
        const r = await busy(submit, () => api.post<TokenInfo & { token: string }>('/tokens', { name: name.control.value, scopes }));
        if (!r) return;
        name.control.value = '';
        onCreated(r.name, r.token);
      },
    },
    name.wrap,
    h('fieldset', {}, h('legend', {}, 'This token may'), ...radios),
    topicSet,
    error,
    h('div', { class: 'actions' }, submit),
  );
  const sync = () => {
    topicSet.hidden = form.querySelector<HTMLInputElement>(`input[name="${group}"]:checked`)?.value !== 'topics';
  };
  form.addEventListener('change', sync);
  return form;
}

export async function tokensView(): Promise<HTMLElement> {
  const list = h('div', { class: 'table-wrap' });
  const once = h('div', {});
  const load = async () => {
    const { tokens } = await api.get<{ tokens: TokenInfo[] }>('/tokens');
    list.replaceChildren(tokens.length ? table(tokens, load) : empty('No tokens besides the admin token.'));
  };
  const { topics } = await api.get<{ topics: Topic[] }>('/topics');
  await load();
  const form = createForm(topics, (name, token) => {
    once.replaceChildren(shownOnce(name, token));
    void load();
  });
  return h('div', {}, heading('Tokens'), h('p', { class: 'lead' }, 'Give each sender its own token with only the scopes it needs; revoke it when it leaks.'), once, section('Tokens', [], list), section('Create a token', [], form));
}

function table(tokens: TokenInfo[], reload: () => Promise<void>): HTMLElement {
  const rows = tokens.map((t) => {
    const revoke: HTMLButtonElement = button('Revoke', async () => {
      if (!(await confirmDialog(`Revoke token "${t.name}"?`, 'Requests with it are refused from now on. This cannot be undone.', 'Revoke token'))) return;
      await busy(revoke, async () => {
        await api.del(`/tokens/${enc(t.name)}`);
        flash(`Token "${t.name}" revoked.`);
        await reload();
        refocus();
      });
    }, 'danger', { class: 'btn danger small', 'aria-label': `Revoke token ${t.name}` });
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, t.name),
      h('td', { 'data-label': 'Scopes' }, ...t.scopes.map((s) => h('code', { class: 'scope' }, s))),
      h('td', { 'data-label': 'Created' }, time(t.createdAt), ` by ${t.createdBy}`),
      h('td', { 'data-label': 'Last used' }, time(t.lastUsedAt)),
      h('td', { class: 'row-actions' }, revoke),
    );
  });
  return h(
    'table',
    { class: 'stack' },
    h('caption', { class: 'sr-only' }, 'API tokens'),
    h('thead', {}, h('tr', {}, ...['Name', 'Scopes', 'Created', 'Last used'].map((c) => h('th', { scope: 'col' }, c)), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
    h('tbody', {}, ...rows),
  );
}
