/**
 * Handlebars for message templates. No HTML escaping (the output is markdown or plain text), no
 * prototype access (Handlebars' default), compiled once per distinct content. Every render runs
 * under a budget of output size and time (./budget.ts).
 */
import Handlebars from 'handlebars';
import { budgetBlockHelpers, DEFAULT_LIMITS, type RenderLimits, withBudget } from './budget.js';

export { DEFAULT_LIMITS, type RenderLimits, TemplateBudgetError } from './budget.js';

export const hbs = Handlebars.create();
// `{{log}}` writes to stdout through console, outside the log's redaction: a template could print
// any value it sees. Gone, so a template using it is refused when saved (unknown helper).
hbs.unregisterHelper('log');
/** The compiler calls built-in helpers directly unless told they are not known. */
const NOT_BUILT_IN = { log: false } as const;
budgetBlockHelpers(hbs.helpers);

hbs.registerHelper('upper', (s: unknown) => String(s ?? '').toUpperCase());
hbs.registerHelper('lower', (s: unknown) => String(s ?? '').toLowerCase());
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerHelper('default', (v: unknown, fallback: unknown) => (v === undefined || v === null || v === '' ? fallback : v));
hbs.registerHelper('join', (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ', ') : ''));
hbs.registerHelper('truncate', (s: unknown, n: unknown) => {
  const text = String(s ?? '');
  const max = Number(n) || 100;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
});

const cache = new Map<string, HandlebarsTemplateDelegate>();
const CACHE_MAX = 500;

export function compile(content: string): HandlebarsTemplateDelegate {
  let fn = cache.get(content);
  if (!fn) {
    fn = hbs.compile(content, { noEscape: true, strict: false, knownHelpers: NOT_BUILT_IN });
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
    cache.set(content, fn);
  }
  return fn;
}

/** Throws with Handlebars' own message (line and column) when the content does not parse. */
export function check(content: string): void {
  hbs.precompile(content, { noEscape: true, knownHelpers: NOT_BUILT_IN });
}

/** Throws TemplateBudgetError when the output or the time passes `limits`. */
export function render(content: string, context: unknown, limits: RenderLimits = DEFAULT_LIMITS): string {
  const fn = compile(content);
  return withBudget(limits, () => fn(context, { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false }));
}
