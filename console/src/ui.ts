/** Shared pieces of the console: fields with labels and help, buttons, badges, dialogs, the flash line. */
import { ApiError } from './api.js';
import { type Attrs, h, replace, uid } from './dom.js';
import { type Key, t } from './i18n/index.js';

export const errorText = (err: unknown) =>
  err instanceof ApiError ? `${err.message}${err.code && err.status ? ` (${err.code})` : ''}` : String((err as Error)?.message ?? err);

let flashTimer: ReturnType<typeof setTimeout> | undefined;
let flashAt = 0;
/** A flash set just before a navigation ("Template saved", then the page changes) outlives it. */
export const flashIsFresh = () => Date.now() - flashAt < 1_000;
/** One polite live line at the top: what just happened, or what went wrong. */
export function flash(message: string, kind: 'ok' | 'error' = 'ok'): void {
  const el = document.getElementById('flash');
  if (!el) return;
  clearTimeout(flashTimer);
  flashAt = Date.now();
  el.className = `flash ${kind}`;
  replace(el, h('span', {}, message), h('button', { type: 'button', class: 'link', 'aria-label': t('ui.dismiss'), onclick: () => clearFlash() }, '×'));
  flashTimer = setTimeout(clearFlash, kind === 'error' ? 15_000 : 6_000);
}
export function clearFlash(): void {
  const el = document.getElementById('flash');
  if (el) {
    el.className = 'flash';
    el.replaceChildren();
  }
}

export interface FieldOpts {
  label: string;
  help?: Node | string;
  optional?: boolean;
}

/** A labelled control: the help text is tied to it with aria-describedby, and so is its error line. */
export function field(control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, opts: FieldOpts) {
  const id = control.id || uid();
  control.id = id;
  const helpId = `${id}-help`;
  const errId = `${id}-err`;
  const described = [opts.help ? helpId : '', errId].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  const error = h('p', { class: 'field-error', id: errId });
  const wrap = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, opts.label, opts.optional ? h('span', { class: 'optional' }, t('ui.optional')) : null),
    control,
    opts.help ? h('p', { class: 'help', id: helpId }, opts.help) : null,
    error,
  );
  const setError = (message: string | undefined) => {
    error.textContent = message ?? '';
    if (message) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  };
  return { wrap, control, setError };
}

export const input = (attrs: Attrs = {}) => h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs });

export function button(label: string | Node, onclick: (ev: Event) => void, variant: 'primary' | 'secondary' | 'danger' | 'ghost' = 'secondary', attrs: Attrs = {}) {
  return h('button', { type: 'button', class: `btn ${variant}`, onclick, ...attrs }, label);
}

/** Runs `fn` with the button disabled and marked busy, so a double click does not send twice. */
export async function busy<T>(btn: HTMLButtonElement, fn: () => Promise<T>): Promise<T | undefined> {
  btn.disabled = true;
  btn.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } catch (err) {
    flash(errorText(err), 'error');
    return undefined;
  } finally {
    btn.disabled = false;
    btn.removeAttribute('aria-busy');
  }
}

const STATUS_ICON: Record<string, string> = { delivered: '✓', failed: '✕', pending: '…' };
const STATUS_KEYS: Record<string, Key> = { pending: 'status.pending', delivered: 'status.delivered', failed: 'status.failed', muted: 'status.muted', held: 'status.held', replayed: 'status.replayed' };
export const statusText = (status: string) => (STATUS_KEYS[status] ? t(STATUS_KEYS[status]) : status);
export const badge = (status: string, text = statusText(status)) =>
  h('span', { class: `badge ${status}` }, h('span', { 'aria-hidden': 'true' }, STATUS_ICON[status] ?? ''), ` ${text}`);

const LEVEL_KEYS = { info: 'level.info', success: 'level.success', warning: 'level.warning', error: 'level.error', critical: 'level.critical' } as const;
/** Level names in the current language (read when drawn, so a language switch applies). */
export const levelLabels = (): Record<string, string> => Object.fromEntries(Object.entries(LEVEL_KEYS).map(([l, key]) => [l, t(key)]));
export const levelTag = (level: string) => h('span', { class: `level ${level}` }, levelLabels()[level] ?? level);

/** The page heading: focused after each navigation so screen readers announce the new page. */
export const heading = (text: string, ...extra: (Node | string)[]) => h('h1', { tabindex: '-1' }, text, ...extra);

export const empty = (text: string) => h('p', { class: 'empty' }, text);

/** A modal confirmation (native <dialog>: focus stays inside, Esc cancels, focus returns after). */
export function confirmDialog(title: string, body: string, confirmLabel: string): Promise<boolean> {
  const back = document.activeElement as HTMLElement | null;
  return new Promise((resolve) => {
    const titleId = uid('dlg');
    const dlg = h('dialog', { 'aria-labelledby': titleId, class: 'dialog' });
    const done = (yes: boolean) => {
      dlg.close();
      dlg.remove();
      back?.focus();
      resolve(yes);
    };
    const cancel = button(t('ui.cancel'), () => done(false), 'secondary');
    replace(
      dlg,
      h('h2', { id: titleId }, title),
      h('p', {}, body),
      h('div', { class: 'actions' }, cancel, button(confirmLabel, () => done(true), 'danger')),
    );
    dlg.addEventListener('cancel', (ev) => {
      ev.preventDefault();
      done(false);
    });
    document.body.append(dlg);
    dlg.showModal();
    cancel.focus();
  });
}

/** A section with its own heading level 2 and an optional row of actions. */
export const section = (title: string, actions: Node[] = [], ...body: (Node | null)[]) =>
  h('section', { class: 'card' }, h('div', { class: 'card-head' }, h('h2', {}, title), h('div', { class: 'actions' }, ...actions)), ...body);

/** After the focused control went away (a deleted row), put focus back on the page heading. */
export const refocus = () => document.querySelector<HTMLElement>('main h1')?.focus();
