/** Sign in with a token: checked with GET /v1/whoami, then kept in this tab's sessionStorage only. */
import { ApiError, call } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n/index.js';
import type { Me } from '../session.js';
import { errorText, field, heading } from '../ui.js';

export function signInView(onSignedIn: (token: string, me: Me) => Promise<void>): HTMLElement {
  const token = field(h('input', { type: 'password', name: 'token', autocomplete: 'current-password', spellcheck: 'false', required: true }), {
    label: t('signin.token'),
    help: t('signin.tokenHelp'),
  });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, t('signin.submit'));
  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const value = token.control.value.trim();
        if (!value) {
          token.setError(t('signin.paste'));
          token.control.focus();
          return;
        }
        submit.disabled = true;
        try {
          const me = await call<Me>('GET', '/whoami', undefined, value);
          await onSignedIn(value, me);
        } catch (err) {
          token.setError(err instanceof ApiError && err.status === 401 ? t('signin.unknown') : errorText(err));
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
    heading(t('signin.title')),
    h('p', { class: 'lead' }, t('signin.lead')),
    form,
  );
}
