/** Add a subscription: one form per platform, each field saying where the group admin finds the value. */
import { api, enc, type Mentions, type Subscription } from '../api.js';
import { h, replace, uid, words } from '../dom.js';
import type { PlatformSpec } from '../platforms.js';
import { busy, field, flash, input } from '../ui.js';

const MOBILE = /^\+?[0-9-]{5,20}$/;

function platformFields(p: PlatformSpec) {
  const endpoint = field(input({ name: 'endpoint', placeholder: p.endpoint.placeholder, required: true, 'aria-required': 'true', inputmode: 'url' }), {
    label: p.endpoint.label,
    help: p.endpoint.help,
  });
  const secret = p.secret ? field(h('input', { type: 'password', name: 'secret', autocomplete: 'off', spellcheck: 'false' }), { label: p.secret.label, help: p.secret.help, optional: true }) : undefined;
  const keyword = p.keyword ? field(input({ name: 'keyword', maxlength: 64 }), { label: 'Keyword', help: p.keyword.help, optional: true }) : undefined;
  const mobiles = p.mentions.mobiles
    ? field(input({ name: 'mobiles', inputmode: 'tel' }), { label: `@ in every message: ${p.mentions.mobiles}`, help: 'Separated by commas or spaces.', optional: true })
    : undefined;
  const users = p.mentions.users ? field(input({ name: 'users' }), { label: `@ in every message: ${p.mentions.users}`, help: 'Separated by commas or spaces.', optional: true }) : undefined;
  const allId = uid('all');
  const all = p.mentions.all ? h('input', { type: 'checkbox', id: allId, name: 'all' }) : undefined;
  const remark = field(input({ name: 'remark', maxlength: 256 }), { label: 'Remark', help: 'A note for admins, e.g. the group’s name.', optional: true });
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
      endpoint.setError(`Paste the ${p.endpoint.label.toLowerCase()}.`);
      return { focus: endpoint.control };
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
  const legendId = uid('plat');
  const body = h('div', { class: 'platform-body' });
  let current = platformFields(platforms[0]!);
  const submit = h('button', { type: 'submit', class: 'btn primary' }, 'Add subscription');
  const summary = h('p', { class: 'help' });

  const choose = (p: PlatformSpec) => {
    current = platformFields(p);
    summary.textContent = p.summary;
    replace(body, summary, ...current.wraps);
  };
  const radios = platforms.map((p, i) => {
    const id = uid('p');
    const radio = h('input', { type: 'radio', name: `protocol-${legendId}`, id, value: p.protocol, checked: i === 0, onchange: () => choose(p) });
    return h('div', { class: 'seg-item' }, radio, h('label', { for: id }, p.name));
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
        flash(`Subscription added: ${created.endpoint}`);
        choose(platforms.find((p) => p.protocol === created.protocol) ?? platforms[0]!);
        await onAdded();
      },
    },
    h('h3', { id: `${legendId}-title` }, 'Add a subscription'),
    h('fieldset', { class: 'seg' }, h('legend', { id: legendId }, 'Platform'), ...radios),
    body,
    h('div', { class: 'actions' }, submit),
  );
}
