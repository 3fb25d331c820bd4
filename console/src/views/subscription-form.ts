/**
 * Add a subscription: one form per platform, built from the fields its adapter describes (GET
 * /v1/protocols), each saying where the group admin finds the value.
 */
import { api, enc, type Mentions, type Subscription } from '../api.js';
import { h, replace, uid, words } from '../dom.js';
import { t as tr } from '../i18n/index.js';
import type { FormField, PlatformSpec } from '../platforms.js';
import { busy, field, flash, input } from '../ui.js';

const MOBILE = /^\+?[0-9-]{5,20}$/;

const MAX_LENGTH: Record<FormField['name'], number> = { endpoint: 2048, secret: 512, keyword: 64 };

/** One described field as an input: a password box when it is secret, required when the adapter says so. */
function describedField(f: FormField) {
  const attrs: Record<string, string | number | boolean> = { name: f.name, placeholder: f.example, maxlength: MAX_LENGTH[f.name] };
  if (f.required) Object.assign(attrs, { required: true, 'aria-required': 'true' });
  if (f.name === 'endpoint') attrs.inputmode = 'url';
  const control = f.secret ? h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', ...attrs }) : input(attrs);
  return field(control, { label: f.label, help: f.help, optional: !f.required });
}

/** Every adapter describes its endpoint; this stands in should one not. */
const FALLBACK_ENDPOINT: FormField = { name: 'endpoint', label: 'Endpoint', help: '', required: true, secret: false, example: '' };

function platformFields(p: PlatformSpec) {
  const described = (name: FormField['name']) => {
    const f = p.fields.find((x) => x.name === name);
    return f ? { spec: f, ...describedField(f) } : undefined;
  };
  const endpoint = described('endpoint') ?? { spec: FALLBACK_ENDPOINT, ...describedField(FALLBACK_ENDPOINT) };
  const secret = described('secret');
  const keyword = described('keyword');
  const mobiles = p.mentions.mobiles
    ? field(input({ name: 'mobiles', inputmode: 'tel' }), { label: tr('form.atEvery', { who: p.mentions.mobiles }), help: tr('form.0'), optional: true })
    : undefined;
  const users = p.mentions.users ? field(input({ name: 'users' }), { label: tr('form.atEvery', { who: p.mentions.users }), help: tr('form.0'), optional: true }) : undefined;
  const allId = uid('all');
  const all = p.mentions.all ? h('input', { type: 'checkbox', id: allId, name: 'all' }) : undefined;
  const remark = field(input({ name: 'remark', maxlength: 256 }), { label: tr('form.1'), help: tr('form.2'), optional: true });
  const wraps = [
    endpoint.wrap,
    secret?.wrap,
    keyword?.wrap,
    mobiles?.wrap,
    users?.wrap,
    all ? h('div', { class: 'field check' }, all, h('label', { for: allId }, '@all: mention everyone in every message')) : null,
    remark.wrap,
  ];

  const read = (): { body?: Record<string, unknown>; focus?: HTMLElement } => {
    for (const f of [endpoint, mobiles]) f?.setError(undefined);
    const ep = endpoint.control.value.trim();
    if (!ep) {
      endpoint.setError(`Paste the ${endpoint.spec.label.toLowerCase()}.`);
      return { focus: endpoint.control };
    }
    for (const f of [secret, keyword]) {
      f?.setError(undefined);
      if (f?.spec.required && !f.control.value.trim()) {
        f.setError(`Give the ${f.spec.label.toLowerCase()}.`);
        return { focus: f.control };
      }
    }
    const mentions: Mentions = {};
    const mob = mobiles ? words(mobiles.control.value) : [];
    const badMobile = mob.find((m) => !MOBILE.test(m));
    if (mobiles && badMobile) {
      mobiles.setError(`"${badMobile}" is not a phone number.`);
      return { focus: mobiles.control };
    }
    if (mob.length) mentions.mobiles = mob;
    const us = users ? words(users.control.value) : [];
    if (us.length) mentions.users = us;
    if (all?.checked) mentions.all = true;
    const body: Record<string, unknown> = { protocol: p.protocol, endpoint: ep };
    if (secret?.control.value) body.secret = secret.control.value;
    if (keyword?.control.value.trim()) body.keyword = keyword.control.value.trim();
    if (Object.keys(mentions).length) body.mentions = mentions;
    if (remark.control.value.trim()) body.remark = remark.control.value.trim();
    return { body };
  };
  return { wraps, read, endpoint };
}

export function addSubscriptionForm(topic: string, platforms: PlatformSpec[], onAdded: () => Promise<void>): HTMLElement {
  if (platforms.length === 0) return h('p', { class: 'error-box', role: 'alert' }, tr('form.3'));
  const legendId = uid('plat');
  const body = h('div', { class: 'platform-body' });
  let current = platformFields(platforms[0]!);
  const submit = h('button', { type: 'submit', class: 'btn primary' }, tr('form.4'));
  const summary = h('p', { class: 'help' });

  const choose = (p: PlatformSpec) => {
    current = platformFields(p);
    summary.replaceChildren(p.summary, ...(p.docsUrl ? [' ', h('a', { href: p.docsUrl, target: '_blank', rel: 'noopener noreferrer' }, tr('form.5'))] : []));
    replace(body, summary, ...current.wraps);
  };
  const radios = platforms.map((p, i) => {
    const id = uid('p');
    const radio = h('input', { type: 'radio', name: `protocol-${legendId}`, id, value: p.protocol, checked: i === 0, onchange: () => choose(p) });
    return h('div', { class: 'seg-item' }, radio, h('label', { for: id }, p.displayName));
  });
  choose(platforms[0]!);

  return h(
    'form',
    {
      class: 'add-sub',
      'aria-labelledby': `${legendId}-title`,
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const { body: req, focus } = current.read();
        if (!req) return focus?.focus();
        const created = await busy(submit, () => api.post<Subscription>(`/topics/${enc(topic)}/subscriptions`, req));
        if (!created) return;
        flash(tr('form.added', { endpoint: created.endpoint }));
        choose(platforms.find((p) => p.protocol === created.protocol) ?? platforms[0]!);
        await onAdded();
      },
    },
    h('h3', { id: `${legendId}-title` }, tr('form.6')),
    h('fieldset', { class: 'seg' }, h('legend', { id: legendId }, tr('form.7')), ...radios),
    body,
    h('div', { class: 'actions' }, submit),
  );
}
