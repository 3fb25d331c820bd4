/** API tokens: create with scopes (the token is shown once), list, revoke. */
import { api, enc, type TokenInfo, type Topic } from '../api.js';
import { h, time, uid } from '../dom.js';
import { t as tr } from '../i18n/index.js';
import { busy, button, confirmDialog, empty, field, flash, heading, input, refocus, section } from '../ui.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

function shownOnce(name: string, token: string): HTMLElement {
  const out = h('input', { type: 'text', readonly: true, value: token, class: 'code', 'aria-label': `Token ${name}` });
  const copy = button(tr('tok.0'), async () => {
    try {
      await navigator.clipboard.writeText(token);
      flash(tr('tok.1'));
    } catch {
      out.select();
      flash(tr('tok.2'), 'error');
    }
  }, 'secondary', { class: 'btn secondary small' });
  const box = h('div', { class: 'once', role: 'alert' }, h('p', {}, h('strong', {}, `Token "${name}" created.`), ' Copy it now: Herald stores only its hash and cannot show it again.'), h('div', { class: 'inline' }, out, copy));
  queueMicrotask(() => out.focus());
  return box;
}

function createForm(topics: Topic[], onCreated: (name: string, token: string) => void): HTMLElement {
  const name = field(input({ name: 'name', maxlength: 64, required: true }), { label: tr('tok.3'), help: tr('tok.4') });
  const group = uid('scope');
  const kinds: [string, string][] = [
    ['topics', tr('tok.5')],
    ['publish-all', tr('tok.6')],
    ['admin', tr('tok.7')],
  ];
  const radios = kinds.map(([v, label], i) => {
    const id = uid('k');
    return h('div', { class: 'field check' }, h('input', { type: 'radio', name: group, id, value: v, checked: i === 0 }), h('label', { for: id }, label));
  });
  const boxes = topics.map((t) => {
    const id = uid('t');
    return h('div', { class: 'field check' }, h('input', { type: 'checkbox', id, value: t.name, name: 'topic' }), h('label', { for: id }, t.name));
  });
  const topicSet = h('fieldset', { class: 'topic-choice' }, h('legend', {}, tr('tok.8')), ...(boxes.length ? boxes : [empty(tr('tok.9'))]));
  const error = h('p', { class: 'field-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, tr('tok.10'));
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'grid-form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        error.textContent = '';
        if (!NAME.test(name.control.value)) {
          name.setError(tr('tok.11'));
          return name.control.focus();
        }
        name.setError(undefined);
        const kind = form.querySelector<HTMLInputElement>(`input[name="${group}"]:checked`)?.value;
        const chosen = [...form.querySelectorAll<HTMLInputElement>('input[name="topic"]:checked')].map((c) => `publish:${c.value}`);
        const scopes = kind === 'admin' ? ['admin'] : kind === 'publish-all' ? ['publish:*'] : chosen;
        if (!scopes.length) {
          error.textContent = tr('tok.12');
          return;
        }
        const r = await busy(submit, () => api.post<TokenInfo & { token: string }>('/tokens', { name: name.control.value, scopes }));
        if (!r) return;
        name.control.value = '';
        onCreated(r.name, r.token);
      },
    },
    name.wrap,
    h('fieldset', {}, h('legend', {}, tr('tok.13')), ...radios),
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
    list.replaceChildren(tokens.length ? table(tokens, load) : empty(tr('tok.14')));
  };
  const { topics } = await api.get<{ topics: Topic[] }>('/topics');
  await load();
  const form = createForm(topics, (name, token) => {
    once.replaceChildren(shownOnce(name, token));
    void load();
  });
  return h('div', {}, heading(tr('tok.15')), h('p', { class: 'lead' }, tr('tok.16')), once, section(tr('tok.15'), [], list), section(tr('tok.17'), [], form));
}

function table(tokens: TokenInfo[], reload: () => Promise<void>): HTMLElement {
  const rows = tokens.map((t) => {
    const revoke: HTMLButtonElement = button(tr('tok.18'), async () => {
      if (!(await confirmDialog(tr('tok.revokeQ', { name: t.name }), tr('tok.19'), tr('tok.20')))) return;
      await busy(revoke, async () => {
        await api.del(`/tokens/${enc(t.name)}`);
        flash(`Token "${t.name}" revoked.`);
        await reload();
        refocus();
      });
    }, 'danger', { class: 'btn danger small', 'aria-label': tr('tok.revokeLabel', { name: t.name }) });
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, t.name),
      h('td', { 'data-label': tr('tok.21') }, ...t.scopes.map((s) => h('code', { class: 'scope' }, s))),
      h('td', { 'data-label': tr('tok.22') }, time(t.createdAt), ` by ${t.createdBy}`),
      h('td', { 'data-label': tr('tok.23') }, time(t.lastUsedAt)),
      h('td', { class: 'row-actions' }, revoke),
    );
  });
  return h(
    'table',
    { class: 'stack' },
    h('caption', { class: 'sr-only' }, tr('tok.24')),
    h('thead', {}, h('tr', {}, ...[tr('tok.3'), tr('tok.21'), tr('tok.22'), tr('tok.23')].map((c) => h('th', { scope: 'col' }, c)), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, tr('tok.25'))))),
    h('tbody', {}, ...rows),
  );
}
