/** Live preview of a template: rendered from a sample or pasted publish body, then as each platform would receive it. */
import { ApiError, api } from '../api.js';
import { debounce, h, uid } from '../dom.js';
import { t as tr } from '../i18n/index.js';
import { type Protocol, platformName } from '../platforms.js';
import { errorText, field } from '../ui.js';
import { SAMPLES } from './samples.js';

const DEBOUNCE_MS = 350;

interface PreviewAnswer {
  rendered: string;
  payloads: unknown[];
}

/** `content()` is read at each refresh; `protocols()` says which platforms to show. */
export function previewPanel(content: () => string, protocols: () => Protocol[]) {
  const sample = field(h('select', { name: 'sample' }, ...SAMPLES.map((s) => h('option', { value: s.id }, tr(s.label)))), {
    label: tr('pv.0'),
  });
  const ctxInput = field(h('textarea', { name: 'payload', rows: 8, class: 'code', spellcheck: 'false' }), {
    label: tr('pv.1'),
    help: tr('pv.2'),
  });
  const out = h('div', { class: 'previews', 'aria-busy': 'false' });
  const current = () => SAMPLES.find((s) => s.id === sample.control.value) ?? SAMPLES[0]!;
  const fill = () => {
    const p = current().payload;
    ctxInput.control.value = typeof p === 'string' ? p : JSON.stringify(p, null, 2);
  };
  fill();

  let seq = 0;
  const refresh = async () => {
    const mine = ++seq;
    const text = content();
    if (!text.trim()) {
      out.replaceChildren(h('p', { class: 'empty' }, tr('pv.3')));
      return;
    }
    const raw = ctxInput.control.value;
    let payload: unknown = raw;
    if (/^\s*[[{]/.test(raw)) {
      try {
        payload = JSON.parse(raw);
        ctxInput.setError(undefined);
      } catch (err) {
        ctxInput.setError(tr('pv.badJson', { reason: (err as Error).message }));
        return;
      }
    } else ctxInput.setError(undefined);
    out.setAttribute('aria-busy', 'true');
    const cards = await Promise.all(
      protocols().map(async (protocol) => {
        const name = platformName(protocol);
        try {
          const body = raw.trim() === '' ? { content: text, protocol } : { content: text, protocol, payload };
          const r = await api.post<PreviewAnswer>('/templates/preview', body);
          const id = uid('pv');
          return h(
            'section',
            { class: 'preview', 'aria-labelledby': id },
            h('h3', { id }, name),
            h('pre', { class: 'rendered' }, r.rendered),
            h('details', {}, h('summary', {}, tr('pv.sends', { name, n: r.payloads.length })), h('pre', { class: 'code' }, JSON.stringify(r.payloads, null, 2))),
          );
        } catch (err) {
          return h('section', { class: 'preview bad' }, h('h3', {}, name), h('p', { class: 'field-error' }, err instanceof ApiError ? err.message : errorText(err)));
        }
      }),
    );
    if (mine !== seq) return;
    out.setAttribute('aria-busy', 'false');
    out.replaceChildren(...cards);
  };
  const later = debounce(() => void refresh(), DEBOUNCE_MS);
  sample.control.addEventListener('change', () => {
    fill();
    later();
  });
  ctxInput.control.addEventListener('input', later);

  const element = h('div', { class: 'preview-panel' }, h('div', { class: 'row' }, sample.wrap), ctxInput.wrap, h('h3', { class: 'sr-only' }, tr('pv.4')), out);
  return { element, refresh: later, now: refresh, example: () => current().example };
}
