/**
 * Publish a message, and follow what happened to it. Publish-only tokens see just this page: the
 * records shown are those of messages sent from this tab (GET /v1/messages/{id} allows them).
 */

import { api, enc, type Message, type Topic } from '../api.js';
import { h, words } from '../dom.js';
import type { ViewCtx } from '../main.js';
import { session } from '../session.js';
import { t as tr } from '../i18n/index.js';
import { busy, empty, errorText, field, flash, heading, input, levelLabels, section } from '../ui.js';
import { anyPending, messageCard, POLL_MS } from './records.js';
import { type MatchResult, matchList } from './subscription-routing.js';
import { topicNameProblem } from './topics.js';

async function topicControl(preset: string | undefined): Promise<HTMLInputElement | HTMLSelectElement> {
  const allowed = session.publishTopics();
  let names: string[] | undefined;
  if (session.isAdmin()) names = (await api.get<{ topics: Topic[] }>('/topics')).topics.map((t) => t.name);
  else if (!allowed.includes('*')) names = allowed;
  if (!names) return input({ name: 'topic', value: preset ?? '', required: true });
  if (preset && !names.includes(preset)) names = [preset, ...names];
  return h('select', { name: 'topic', required: true }, ...names.map((n) => h('option', { value: n, selected: n === preset }, n)));
}

export async function publishView(ctx: ViewCtx): Promise<HTMLElement> {
  const topic = field(await topicControl(ctx.params[0]), { label: tr('pub.topic') });
  const subject = field(input({ name: 'subject', maxlength: 512 }), { label: tr('pub.subject'), optional: true, help: tr('pub.subjectHelp') });
  const message = field(h('textarea', { name: 'message', rows: 5, required: true }), { label: tr('pub.message'), help: tr('pub.messageHelp') });
  const level = field(h('select', { name: 'level' }, ...Object.entries(levelLabels()).map(([v, l]) => h('option', { value: v }, l))), { label: tr('pub.level') });
  const format = field(h('select', { name: 'format' }, h('option', { value: 'markdown' }, 'Markdown'), h('option', { value: 'text' }, tr('pub.text'))), { label: tr('pub.format') });
  const mentions = field(input({ name: 'mentions' }), { label: tr('pub.mention'), optional: true, help: tr('pub.mentionHelp') });
  const attributes = field(input({ name: 'attributes', placeholder: 'team=db, env=prod' }), { label: tr('pub.attributes'), optional: true, help: tr('pub.attributesHelp') });
  const submit = h('button', { type: 'submit', class: 'btn primary' }, tr('pub.publish'));
  const whoGets = h('div', {});

  const sent = h('div', {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  let gone = false;
  ctx.onLeave(() => {
    gone = true;
    clearTimeout(timer);
  });
  const loadSent = async () => {
    clearTimeout(timer);
    const ids = session.sent();
    const msgs = (await Promise.all(ids.map((id) => api.get<Message>(`/messages/${enc(id)}`).catch(() => undefined)))).filter((m): m is Message => !!m);
    if (gone) return;
    sent.replaceChildren(...(msgs.length ? msgs.map((m) => messageCard(m)) : [empty(tr('pub.sentEmpty'))]));
    if (anyPending(msgs)) timer = setTimeout(() => void loadSent().catch(() => {}), POLL_MS);
  };

  /** Dry run (admins): which subscriptions this message would reach, without sending it. */
  const check = h('button', {
    type: 'button',
    class: 'btn secondary',
    onclick: async () => {
      const t = topic.control.value.trim();
      const body = bodyOf();
      if (!body || !t) return;
      if (!String(body.message).trim()) body.message = '(test)';
      const r = await busy(check, () => api.post<MatchResult>(`/topics/${enc(t)}/match`, body));
      if (r) whoGets.replaceChildren(matchList(r));
    },
  }, tr('pub.who'));

  const form = h(
    'form',
    {
      class: 'grid-form',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const t = topic.control.value.trim();
        const problem = topicNameProblem(t);
        topic.setError(problem);
        message.setError(undefined);
        if (problem) return topic.control.focus();
        if (!message.control.value.trim()) {
          message.setError(tr('pub.write'));
          return message.control.focus();
        }
        const body = bodyOf();
        if (!body) return;
        const r = await busy(submit, () => api.post<{ messageId: string; deliveries: number }>(`/topics/${enc(t)}/publish`, body));
        if (!r) return;
        session.remember(r.messageId);
        flash(tr('pub.accepted', { id: r.messageId, n: r.deliveries }));
        message.control.value = '';
        await loadSent().catch((err) => flash(errorText(err), 'error'));
      },
    },
    topic.wrap,
    subject.wrap,
    message.wrap,
    h('div', { class: 'row' }, level.wrap, format.wrap),
    mentions.wrap,
    attributes.wrap,
    h('div', { class: 'actions' }, submit, session.isAdmin() ? check : null),
    whoGets,
  );

  function bodyOf(): Record<string, unknown> | undefined {
    attributes.setError(undefined);
    const body: Record<string, unknown> = { message: message.control.value, level: level.control.value, format: format.control.value };
    const pairs = words(attributes.control.value);
    const bad = pairs.find((p) => !/^[A-Za-z0-9_]{1,32}=./.test(p));
    if (bad) {
      attributes.setError(`"${bad}" is not name=value (names: letters, digits, _).`);
      attributes.control.focus();
      return undefined;
    }
    if (pairs.length) body.attributes = Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
    if (subject.control.value.trim()) body.subject = subject.control.value.trim();
    const who = words(mentions.control.value);
    if (who.length) {
      const all = who.some((w) => w.toLowerCase() === 'all');
      const rest = who.filter((w) => w.toLowerCase() !== 'all');
      body.mentions = {
        ...(all ? { all: true } : {}),
        ...(rest.some((w) => /^\+?[0-9-]{5,20}$/.test(w)) ? { mobiles: rest.filter((w) => /^\+?[0-9-]{5,20}$/.test(w)) } : {}),
        ...(rest.some((w) => !/^\+?[0-9-]{5,20}$/.test(w)) ? { users: rest.filter((w) => !/^\+?[0-9-]{5,20}$/.test(w)) } : {}),
      };
    }
    return body;
  }

  await loadSent();
  const refresh = h('button', { type: 'button', class: 'btn secondary small', onclick: (ev: Event) => void busy(ev.currentTarget as HTMLButtonElement, loadSent) }, tr('ui.refresh'));
  return h(
    'div',
    {},
    heading(tr('pub.publish')),
    h('p', { class: 'lead' }, tr('pub.lead')),
    section(tr('pub.new'), [], form),
    section(tr('pub.sent'), [refresh], sent),
  );
}
