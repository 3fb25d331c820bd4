/** A topic's subscriptions: masked endpoints, a test message with the platform's answer, add and delete. */
import { api, enc, type Subscription, type TestAnswer } from '../api.js';
import { h, time } from '../dom.js';
import { t as tr } from '../i18n/index.js';
import { platformBadge, platformName, platforms } from '../platforms.js';
import { busy, button, confirmDialog, empty, errorText, flash, refocus } from '../ui.js';
import { addSubscriptionForm } from './subscription-form.js';
import { editForm, muteControls, routingRows } from './subscription-routing.js';

function mentionsText(s: Subscription): string | undefined {
  const m = s.mentions;
  if (!m) return undefined;
  const parts = [m.all ? '@all' : '', ...(m.mobiles ?? []), ...(m.users ?? [])].filter(Boolean);
  return parts.length ? parts.join(', ') : undefined;
}

function card(s: Subscription, reload: () => Promise<void>): HTMLElement {
  const answer = h('p', { class: 'answer', role: 'status' });
  const test = button(tr('subs.0'), async () => {
    answer.className = 'answer';
    answer.textContent = tr('subs.1');
    try {
      const a = await api.post<TestAnswer>(`/subscriptions/${enc(s.id)}/test`);
      answer.className = `answer ${a.ok ? 'ok' : 'bad'}`;
      const code = a.code !== undefined ? ` (code ${a.code})` : '';
      answer.textContent = a.ok ? `✓ ${a.message ?? tr('subs.2')}` : `✕ ${a.kind ? `${a.kind}: ` : ''}${a.message ?? tr('subs.3')}${code}`;
    } catch (err) {
      answer.className = 'answer bad';
      answer.textContent = `✕ ${errorText(err)}`;
    }
  }, 'secondary', { class: 'btn secondary small', 'aria-label': `Send a test message to ${platformName(s.protocol)} subscription ${s.id}` });
  const del = button(tr('subs.4'), async () => {
    const ok = await confirmDialog(tr('subs.5'), `${platformName(s.protocol)} ${s.endpoint} will stop getting messages of "${s.topic}".`, tr('subs.6'));
    if (!ok) return;
    await busy(del, async () => {
      await api.del(`/subscriptions/${enc(s.id)}`);
      flash(tr('subs.7'));
      await reload();
      refocus();
    });
  }, 'danger', { class: 'btn danger small', 'aria-label': `Delete subscription ${s.id}` });

  // built when first opened, so the page holds no hidden copy of every field
  const form = h('div', {});
  const edit = button(tr('subs.8'), () => {
    if (!form.firstChild) {
      const f = editForm(s, reload);
      f.hidden = false;
      form.append(f);
    }
    form.hidden = !form.hidden;
    edit.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) form.querySelector<HTMLInputElement>('input')?.focus();
  }, 'secondary', { class: 'btn secondary small', 'aria-expanded': 'false', 'aria-label': `Edit subscription ${s.id}` });
  form.hidden = true;
  const rows: [string, string | Node | undefined][] = [
    [tr('subs.9'), h('code', { class: 'endpoint' }, s.endpoint)],
    [tr('subs.10'), s.hasSecret ? tr('subs.11') : undefined],
    [
      tr('subs.12'),
      s.extraRobots?.length
        ? h('span', {}, `${s.extraRobots.length} more robot${s.extraRobots.length > 1 ? 's' : ''}: `, ...s.extraRobots.flatMap((r, i) => [i ? ', ' : '', h('code', { class: 'endpoint' }, r.endpoint)]))
        : undefined,
    ],
    [tr('subs.13'), s.keyword],
    [tr('subs.14'), mentionsText(s)],
    [tr('subs.15'), s.remark],
    ...routingRows(s),
    [tr('subs.16'), s.source === 'chat' ? h('span', {}, tr('subs.17'), s.chat?.chatName ? tr('subs.in', { chat: s.chat.chatName }) : '', ' · ', time(s.createdAt)) : time(s.createdAt)],
  ];
  return h(
    'li',
    { class: 'sub' },
    h('div', { class: 'sub-head' }, platformBadge(s.protocol, (cls, text) => h('span', { class: cls }, text)), h('code', { class: 'muted small' }, s.id)),
    h('dl', { class: 'facts' }, ...rows.filter(([, v]) => v !== undefined).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v!)])),
    h('div', { class: 'actions' }, test, edit, muteControls(s, reload), del),
    answer,
    form,
  );
}

export async function subscriptionsPanel(topic: string, onChange: (subs: Subscription[]) => void): Promise<HTMLElement> {
  const list = h('div', {});
  const load = async () => {
    const { subscriptions } = await api.get<{ subscriptions: Subscription[] }>(`/topics/${enc(topic)}/subscriptions`);
    list.replaceChildren(
      subscriptions.length ? h('ul', { class: 'subs', 'aria-label': tr('subs.18') }, ...subscriptions.map((s) => card(s, load))) : empty(tr('subs.noneYet', { topic })),
    );
    onChange(subscriptions);
  };
  const add = addSubscriptionForm(topic, platforms(), async () => {
    await load();
    toggle(false);
    opener.focus();
  });
  add.id = 'add-subscription';
  const opener = h('button', { type: 'button', class: 'btn secondary', 'aria-controls': add.id }, '');
  const toggle = (open: boolean) => {
    add.hidden = !open;
    opener.setAttribute('aria-expanded', String(open));
    opener.textContent = open ? tr('subs.19') : tr('subs.20');
  };
  opener.addEventListener('click', () => {
    toggle(add.hidden);
    if (!add.hidden) add.querySelector<HTMLInputElement>('input[type="radio"]:checked')?.focus();
  });
  await load();
  // Open at first, when the topic has no subscription yet; a button away afterwards.
  toggle(list.querySelector('li.sub') === null);
  return h('div', {}, list, h('div', { class: 'add-sub-bar' }, opener), add);
}
