/** A few DOM helpers: elements are built with h(), text always as text nodes (never innerHTML). */
import { lang, t } from './i18n/index.js';

type Child = Node | string | number | false | null | undefined | Child[];
type Handler = (ev: Event) => void;
export type Attrs = Record<string, string | number | boolean | Handler | undefined | null>;

/** Properties set as properties, not attributes (a form control's live state). */
const PROPS = new Set(['value', 'checked', 'disabled', 'selected', 'indeterminate']);

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (PROPS.has(k)) (el as unknown as Record<string, unknown>)[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

let seq = 0;
/** Unique ids for label/for and aria-describedby pairs. */
export const uid = (prefix = 'f') => `${prefix}-${++seq}`;

/** "2 min ago" for recent times, a local date-time otherwise; the full time in the title. */
export function time(iso: string | undefined): HTMLElement {
  if (!iso) return h('span', {}, '—');
  const d = new Date(iso);
  const secs = Math.round((Date.now() - d.getTime()) / 1000);
  let text: string;
  if (secs < 45) text = t('time.now');
  else if (secs < 3600) text = t('time.min', { n: Math.round(secs / 60) });
  else if (secs < 86_400) text = t('time.h', { n: Math.round(secs / 3600) });
  else text = d.toLocaleString(lang());
  return h('time', { datetime: iso, title: d.toLocaleString(lang()) }, text);
}

export function debounce<A extends unknown[]>(fn: (...a: A) => void, ms: number): (...a: A) => void {
  let t: ReturnType<typeof setTimeout> | undefined;
  return (...a: A) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}

/** Splits "a, b  c" into ["a", "b", "c"]. */
export const words = (s: string) => s.split(/[\s,;]+/).filter(Boolean);
