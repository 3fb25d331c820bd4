/** The console's shell: sign-in, the top bar with what this token may use, and a hash router. */
import './style.css';
import { ApiError, call, setUnauthorizedHandler } from './api.js';
import { h, replace } from './dom.js';
import { type Key, LANGS, type Lang, lang, setLang, t } from './i18n/index.js';
import { loadPlatforms } from './platforms.js';
import { type Me, session } from './session.js';
import { clearFlash, errorText, flash, flashIsFresh } from './ui.js';
import { auditView } from './views/audit.js';
import { failedView } from './views/failed.js';
import { messageView } from './views/message.js';
import { publishView } from './views/publish.js';
import { quotasView } from './views/quotas.js';
import { silencesView } from './views/silences.js';
import { signInView } from './views/signin.js';
import { templateEditView, templatesView } from './views/templates.js';
import { tokensView } from './views/tokens.js';
import { topicView } from './views/topic.js';
import { topicsView } from './views/topics.js';

/** What a view gets: the route's parameters and a way to stop its timers when the page changes. */
export interface ViewCtx {
  params: string[];
  onLeave(fn: () => void): void;
}
type View = (ctx: ViewCtx) => Promise<HTMLElement> | HTMLElement;

interface Route {
  pattern: RegExp;
  view: View;
  title: Key;
  admin: boolean;
}

const routes: Route[] = [
  { pattern: /^topics$/, view: topicsView, title: 'title.topics', admin: true },
  { pattern: /^topics\/([^/]+)$/, view: topicView, title: 'title.topic', admin: true },
  { pattern: /^publish$/, view: publishView, title: 'title.publish', admin: false },
  { pattern: /^publish\/([^/]+)$/, view: publishView, title: 'title.publish', admin: false },
  { pattern: /^messages\/([^/]+)$/, view: messageView, title: 'title.message', admin: false },
  { pattern: /^failed$/, view: failedView, title: 'title.failed', admin: true },
  { pattern: /^templates$/, view: templatesView, title: 'title.templates', admin: true },
  { pattern: /^templates\/new$/, view: templateEditView, title: 'title.newTemplate', admin: true },
  { pattern: /^templates\/([^/]+)\/([^/]+)$/, view: templateEditView, title: 'title.template', admin: true },
  { pattern: /^tokens$/, view: tokensView, title: 'title.tokens', admin: true },
  { pattern: /^silences$/, view: silencesView, title: 'title.silences', admin: true },
  { pattern: /^audit$/, view: auditView, title: 'title.audit', admin: true },
  { pattern: /^quotas$/, view: quotasView, title: 'title.quotas', admin: true },
];

const NAV: [string, Key, boolean][] = [
  ['topics', 'nav.topics', true],
  ['publish', 'nav.publish', false],
  ['failed', 'nav.failed', true],
  ['templates', 'nav.templates', true],
  ['tokens', 'nav.tokens', true],
  ['silences', 'nav.silences', true],
  ['audit', 'nav.audit', true],
  ['quotas', 'nav.quotas', true],
];

const main = document.getElementById('main')!;
const bar = document.getElementById('bar')!;
let leave: (() => void)[] = [];

const home = () => (session.isAdmin() ? 'topics' : 'publish');

function renderBar(current: string): void {
  const me = session.me();
  const brand = h('a', { class: 'brand', href: me ? `#/${home()}` : '#/' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'H'), 'Herald');
  if (!me) {
    replace(bar, brand, languageSwitch());
    return;
  }
  const links = NAV.filter(([, , admin]) => !admin || session.isAdmin()).map(([path, label]) => {
    const active = current === path || current.startsWith(`${path}/`);
    return h('li', {}, h('a', { href: `#/${path}`, 'aria-current': active ? 'page' : undefined }, t(label)));
  });
  const out = h('button', { type: 'button', class: 'btn ghost small', onclick: signOut }, t('bar.signOut'));
  replace(
    bar,
    brand,
    h('nav', { 'aria-label': t('bar.main') }, h('ul', {}, ...links)),
    h('div', { class: 'who' }, languageSwitch(), h('span', { class: 'who-name', title: me.scopes.join(' ') }, me.name), out),
  );
}

/** English or 中文: the page is drawn again in the chosen language. */
function languageSwitch(): HTMLElement {
  const sel = h('select', { class: 'lang', 'aria-label': `${t('bar.language')} / Language` }, ...LANGS.map((l) => h('option', { value: l.lang, selected: l.lang === lang() }, l.name)));
  sel.addEventListener('change', () => {
    setLang(sel.value as Lang);
    void render();
  });
  return sel;
}

function signOut(): void {
  session.signOut();
  clearFlash();
  location.hash = '#/';
  void render();
}

async function onSignedIn(token: string, me: Me): Promise<void> {
  session.signIn(token, me);
  location.hash = `#/${home()}`;
  await render();
}

async function render(): Promise<void> {
  for (const fn of leave) fn();
  leave = [];
  const path = location.hash.replace(/^#\/?/, '');
  if (!session.me()) {
    renderBar('');
    document.title = `${t('title.signIn')} · Herald`;
    replace(main, signInView(onSignedIn));
    main.querySelector<HTMLElement>('h1')?.focus();
    return;
  }
  await loadPlatforms().catch(() => undefined); // the forms say so when it failed; the next page tries again
  const found = routes.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m && (!x.r.admin || session.isAdmin()));
  if (!found) {
    location.replace(`#/${home()}`);
    return;
  }
  renderBar(path);
  const ctx: ViewCtx = { params: found.m!.slice(1).map(decodeURIComponent), onLeave: (fn) => leave.push(fn) };
  const at = location.hash;
  main.setAttribute('aria-busy', 'true');
  try {
    const el = await found.r.view(ctx);
    if (location.hash !== at) return; // the user went elsewhere meanwhile
    replace(main, el);
    document.title = `${main.querySelector('h1')?.textContent ?? t(found.r.title)} · Herald`;
    main.querySelector<HTMLElement>('h1')?.focus();
  } catch (err) {
    replace(main, h('h1', { tabindex: '-1' }, t(found.r.title)), h('p', { class: 'error-box', role: 'alert' }, errorText(err)));
  } finally {
    main.removeAttribute('aria-busy');
  }
}

setUnauthorizedHandler((message) => {
  session.signOut();
  flash(t('flash.signedOut', { message }), 'error');
  void render();
});

document.querySelector('.skip')?.addEventListener('click', (ev) => {
  ev.preventDefault();
  main.focus();
});

window.addEventListener('hashchange', () => {
  if (!location.hash.startsWith('#/') && location.hash !== '') return;
  if (!flashIsFresh()) clearFlash();
  void render();
});

async function boot(): Promise<void> {
  const token = session.token();
  if (token) {
    try {
      session.setMe(await call<Me>('GET', '/whoami', undefined, token));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) session.signOut();
      else flash(errorText(err), 'error');
    }
  }
  await render();
}

void boot();
