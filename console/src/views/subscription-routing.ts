/**
 * What routes to a subscription, in the console: its filter, quiet hours and mute shown on its card,
 * an edit form (PATCH /v1/subscriptions/{id}: filter, quiet hours, mentions, keyword, remark), mute
 * and unmute buttons, and the dry run that names the subscriptions a message would reach.
 */
import { api, enc, type Mentions, type Subscription } from '../api.js';
import { h, time, uid, words } from '../dom.js';
import { t as tr } from '../i18n/index.js';
import { platformName } from '../platforms.js';
import { busy, button, field, flash, input } from '../ui.js';

export type Filter = Record<string, string[]>;
export interface QuietHours {
  from: string;
  to: string;
  timeZone: string;
  except?: Filter;
}

/** "level=critical,error; team=db" — the one-line form of a filter. */
export const filterText = (f: Filter | undefined) =>
  f ? Object.entries(f).map(([k, v]) => `${k}=${v.join(',')}`).join('; ') : '';

/** The reverse; throws a sentence for a rule without "=". Values may not hold "," or ";" here (the API allows them). */
export function parseFilter(text: string): Filter | undefined {
  const out: Filter = {};
  for (const rule of text.split(/[;\n]+/).map((r) => r.trim()).filter(Boolean)) {
    const eq = rule.indexOf('=');
    if (eq <= 0) throw new Error(`"${rule}" is not name=value1,value2.`);
    const name = rule.slice(0, eq).trim();
    out[name] = [...(out[name] ?? []), ...rule.slice(eq + 1).split(',').map((v) => v.trim()).filter(Boolean)];
  }
  return Object.keys(out).length ? out : undefined;
}

export const quietText = (q: QuietHours | undefined) =>
  q ? `${q.from}–${q.to} ${q.timeZone}${q.except ? `, except ${filterText(q.except)}` : ''}` : undefined;

const isMuted = (s: Subscription) => !!s.mutedUntil && Date.parse(s.mutedUntil) > Date.now();

/** The card rows: filter, quiet hours and mute (only those set). */
export function routingRows(s: Subscription): [string, string | Node | undefined][] {
  return [
    [tr('route.0'), s.filter ? h('code', {}, filterText(s.filter)) : undefined],
    [tr('route.1'), quietText(s.quietHours)],
    [tr('route.2'), isMuted(s) ? h('span', { class: 'badge muted' }, tr('route.3'), time(s.mutedUntil), ` (${new Date(s.mutedUntil!).toLocaleString()})`) : undefined],
  ];
}

const MUTE_CHOICES = ['30m', '1h', '2h', '8h', '1d', '7d'];

/** Mute for a chosen time, or unmute. */
export function muteControls(s: Subscription, reload: () => Promise<void>): HTMLElement {
  const label = `${platformName(s.protocol)} subscription ${s.id}`;
  if (isMuted(s)) {
    const un = button(tr('route.4'), () => void busy(un, async () => {
      await api.del(`/subscriptions/${enc(s.id)}/mute`);
      flash(tr('route.5'));
      await reload();
    }), 'secondary', { class: 'btn secondary small', 'aria-label': `Unmute ${label}` });
    return h('span', { class: 'mute' }, un);
  }
  const id = uid('mute');
  const choice = h('select', { id, class: 'small', 'aria-label': `How long to mute ${label}` }, ...MUTE_CHOICES.map((d) => h('option', { value: d, selected: d === '2h' }, d)));
  const go = button(tr('route.6'), () => void busy(go, async () => {
    await api.post(`/subscriptions/${enc(s.id)}/mute`, { for: choice.value });
    flash(tr('route.mutedFor', { d: choice.value }));
    await reload();
  }), 'secondary', { class: 'btn secondary small', 'aria-label': `Mute ${label}` });
  return h('span', { class: 'mute' }, go, choice);
}

/** The edit form of one subscription; emptied fields are cleared (null). */
export function editForm(s: Subscription, onSaved: () => Promise<void>): HTMLElement {
  const filter = field(input({ name: 'filter', value: filterText(s.filter) }), {
    label: tr('route.0'),
    optional: true,
    help: tr('route.7'),
  });
  const from = field(input({ name: 'from', value: s.quietHours?.from ?? '', placeholder: '22:00', maxlength: 5 }), { label: tr('route.8'), optional: true });
  const to = field(input({ name: 'to', value: s.quietHours?.to ?? '', placeholder: '08:00', maxlength: 5 }), { label: tr('route.9'), optional: true });
  const zone = field(input({ name: 'timeZone', value: s.quietHours?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone }), { label: tr('route.10'), help: tr('route.11') });
  const except = field(input({ name: 'except', value: filterText(s.quietHours?.except), placeholder: 'level=critical' }), {
    label: tr('route.12'),
    optional: true,
    help: tr('route.13'),
  });
  const users = field(input({ name: 'users', value: (s.mentions?.users ?? []).join(', ') }), { label: '@ users in every message', optional: true });
  const mobiles = field(input({ name: 'mobiles', value: (s.mentions?.mobiles ?? []).join(', '), inputmode: 'tel' }), { label: '@ phone numbers in every message', optional: true });
  const allId = uid('all');
  const all = h('input', { type: 'checkbox', id: allId, name: 'all', checked: !!s.mentions?.all });
  const keyword = field(input({ name: 'keyword', value: s.keyword ?? '', maxlength: 64 }), { label: tr('route.14'), optional: true });
  const remark = field(input({ name: 'remark', value: s.remark ?? '', maxlength: 256 }), { label: tr('route.15'), optional: true });
  const save = h('button', { type: 'submit', class: 'btn primary small' }, tr('route.16'));

  const read = (): Record<string, unknown> | undefined => {
    for (const f of [filter, from, except]) f.setError(undefined);
    let f: Filter | undefined;
    let ex: Filter | undefined;
    try {
      f = parseFilter(filter.control.value);
    } catch (err) {
      filter.setError((err as Error).message);
      filter.control.focus();
      return undefined;
    }
    try {
      ex = parseFilter(except.control.value);
    } catch (err) {
      except.setError((err as Error).message);
      except.control.focus();
      return undefined;
    }
    const a = from.control.value.trim();
    const b = to.control.value.trim();
    if (!!a !== !!b) {
      from.setError(tr('route.17'));
      from.control.focus();
      return undefined;
    }
    const mentions: Mentions = {};
    if (words(users.control.value).length) mentions.users = words(users.control.value);
    if (words(mobiles.control.value).length) mentions.mobiles = words(mobiles.control.value);
    if (all.checked) mentions.all = true;
    return {
      filter: f ?? null,
      quietHours: a ? { from: a, to: b, timeZone: zone.control.value.trim(), ...(ex ? { except: ex } : {}) } : null,
      mentions: Object.keys(mentions).length ? mentions : null,
      keyword: keyword.control.value.trim() || null,
      remark: remark.control.value.trim() || null,
    };
  };

  const form = h(
    'form',
    {
      class: 'edit-sub',
      'aria-label': `Changes to subscription ${s.id}`,
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const body = read();
        if (!body) return;
        const saved = await busy(save, () => api.patch<Subscription>(`/subscriptions/${enc(s.id)}`, body));
        if (!saved) return;
        flash(tr('route.18'));
        await onSaved();
      },
    },
    filter.wrap,
    h('div', { class: 'row' }, from.wrap, to.wrap, zone.wrap),
    except.wrap,
    users.wrap,
    mobiles.wrap,
    h('div', { class: 'field check' }, all, h('label', { for: allId }, '@all in every message')),
    keyword.wrap,
    remark.wrap,
    h('div', { class: 'actions' }, save),
  );
  form.hidden = true;
  return form;
}

export interface MatchResult {
  deliveries: number;
  reached: { subscriptionId: string; protocol: string; endpoint: string; remark?: string; status: 'pending' | 'muted' | 'held'; alerts?: number; releaseAt?: string }[];
  notReached: { subscriptionId: string; protocol: string; endpoint: string; remark?: string; filter?: Filter }[];
}

const STATUS_TEXT = { pending: 'route.gets', muted: 'route.mutedRec', held: 'route.held' } as const;

/** The answer of POST /v1/topics/{name}/match, as a list. */
export function matchList(r: MatchResult): HTMLElement {
  const who = (x: { protocol: string; endpoint: string; remark?: string; subscriptionId: string }) =>
    `${platformName(x.protocol)} ${x.remark ? `“${x.remark}” ` : ''}${x.endpoint} (${x.subscriptionId})`;
  return h(
    'div',
    { class: 'match', role: 'status' },
    h('p', {}, tr('route.wouldReach', { n: r.reached.length, total: r.reached.length + r.notReached.length })),
    r.reached.length
      ? h('ul', { 'aria-label': tr('route.19') }, ...r.reached.map((x) => h('li', {}, '✓ ', who(x), ' — ', tr(STATUS_TEXT[x.status]), x.alerts !== undefined ? `, ${x.alerts} alert${x.alerts === 1 ? '' : 's'}` : '')))
      : null,
    r.notReached.length
      ? h('ul', { 'aria-label': tr('route.20') }, ...r.notReached.map((x) => h('li', { class: 'muted' }, '✕ ', who(x), x.filter ? ` — filter ${filterText(x.filter)}` : '')))
      : null,
  );
}
