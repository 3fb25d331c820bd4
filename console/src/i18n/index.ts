/**
 * The console's language: English or Simplified Chinese, one table per language (./en.ts,
 * ./zh-CN.ts). It follows the browser's language until the person picks one with the switch in the
 * top bar; that choice is kept in this browser (localStorage `herald.lang`).
 */
import { en } from './en.js';
import { zhCN } from './zh-CN.js';

export type Key = keyof typeof en;
export type Lang = 'en' | 'zh-CN';
export const LANGS: { lang: Lang; name: string }[] = [
  { lang: 'en', name: 'English' },
  { lang: 'zh-CN', name: '简体中文' },
];

const TABLES: Record<Lang, Record<Key, string>> = { en, 'zh-CN': zhCN };
const STORED = 'herald.lang';

function initial(): Lang {
  try {
    const chosen = localStorage.getItem(STORED);
    if (chosen === 'en' || chosen === 'zh-CN') return chosen;
  } catch {
    // storage off: follow the browser
  }
  const wanted = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const l of wanted) {
    const low = (l ?? '').toLowerCase();
    if (low.startsWith('zh')) return 'zh-CN';
    if (low.startsWith('en')) return 'en';
  }
  return 'en';
}

let current: Lang = initial();
document.documentElement.lang = current;

export const lang = () => current;

/** Picks a language for this browser (kept), and tells the page to draw itself again. */
export function setLang(l: Lang): void {
  current = l;
  document.documentElement.lang = l;
  try {
    localStorage.setItem(STORED, l);
  } catch {}
}

/** The text for `key` in the current language, `{name}` placeholders filled from `params`. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const text = TABLES[current][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Numbers the way the language writes them. */
export const num = (n: number) => n.toLocaleString(current);
