/** Sign in with a token: checked with GET /v1/whoami, then kept in this tab's sessionStorage only. */
import { ApiError, call } from '../api.js';
import { h } from '../dom.js';
import type { Me } from '../session.js';
import { errorText, field, heading } from '../ui.js';

export function signInView(onSignedIn: (token: string, me: Me) => Promise<void>): HTMLElement {
  const token = field(h('input', { type: 'password', name: 'token', autocomplete: 'current-password', spellcheck: 'false', required: true }), {
    label: 'API token',
    help: 'The admin token (HERALD_ADMIN_TOKEN, or the one Herald printed at its first start) or a token made under Tokens. It stays in this browser tab only and is forgotten when the tab closes.',
  });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const value = token.control.value.trim();
        if (!value) {
          token.setError('Paste a token.');
          token.control.focus();
          return;
        }
        submit.disabled = true;
        try {
          const me = await call<Me>('GET', '/whoami', undefined, value);
          await onSignedIn(value, me);
        } catch (err) {
          token.setError(err instanceof ApiError && err.status === 401 ? 'Herald does not know this token (revoked, mistyped, or from another Herald).' : errorText(err));
          token.control.focus();
        } finally {
          submit.disabled = false;
        }
      },
    },
    token.wrap,
    h('div', { class: 'actions' }, submit),
  );
  return h(
    'div',
    { class: 'signin' },
    heading('Sign in to Herald'),
    h('p', { class: 'lead' }, 'Manage topics, group subscriptions, templates and deliveries. What you see depends on what your token may do.'),
    form,
  );
}
