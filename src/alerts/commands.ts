/**
 * The alert commands a group can send the bot: `/silence <alertname> [duration] [label=value …]`,
 * `/silences`, `/unsilence <id>`, `/ack <alertname>`. Changes go through the group's permission
 * policy (the caller checks it) and the audit trail; silences live in Alertmanager.
 */
import type { InboundCommand } from '../../adapters/types.js';
import type { Herald } from '../context.js';
import type { ParsedCommand } from '../commands/parse.js';
import { formatDurationMs, parseDuration } from './duration.js';
import { sayAlert } from './replies.js';
import type { Matcher } from './alertmanager-client.js';

export const ALERT_ALIASES = {
  silence: ['silence', 'mute-alert', '静默'],
  silences: ['silences', '静默列表'],
  unsilence: ['unsilence', '取消静默', '解除静默'],
  ack: ['ack', '认领', '确认'],
} as const;

export type AlertCommandName = keyof typeof ALERT_ALIASES;
export const DEFAULT_SILENCE = '1h';
const LABEL_ARG = /^([A-Za-z_][A-Za-z0-9_]{0,127})=(.{1,512})$/;
const ALERTNAME = /^[^\s=]{1,128}$/;
const SHORT_ID = 8;

export interface AlertCommandDeps {
  h: Herald;
  cmd: InboundCommand;
  c: ParsedCommand & { name: AlertCommandName };
  /** throws the group's refusal when the sender may not change things */
  checkPermission(): Promise<void>;
  actor: string;
}

const whoOf = (cmd: InboundCommand) => (cmd.userName?.trim() || cmd.userId).slice(0, 100);

async function topicsOf(h: Herald, cmd: InboundCommand): Promise<string[]> {
  const subs = await h.subscriptions.listByChat(cmd.protocol, cmd.chatId);
  return [...new Set(subs.map((s) => s.topic))].sort();
}

export async function runAlertCommand(d: AlertCommandDeps): Promise<string> {
  const { h, cmd, c } = d;
  const { lang } = c;
  if (c.name === 'ack') {
    const [alertname, ...rest] = c.args;
    if (!alertname || rest.length > 0 || !ALERTNAME.test(alertname)) return sayAlert(lang, 'ackUsage');
    await d.checkPermission();
    await h.audit.record(d.actor, 'alert.ack', alertname, { topics: await topicsOf(h, cmd), by: whoOf(cmd) });
    return sayAlert(lang, 'acked', { alertname, by: whoOf(cmd) });
  }
  const silences = h.alerts.silences;
  if (!silences) return sayAlert(lang, 'noAlertmanager');
  const chat = { protocol: cmd.protocol, chatId: cmd.chatId };
  switch (c.name) {
    case 'silence': {
      const [alertname, ...rest] = c.args;
      if (!alertname || !ALERTNAME.test(alertname)) return sayAlert(lang, 'silenceUsage');
      const matchers: Matcher[] = [{ name: 'alertname', value: alertname, isRegex: false, isEqual: true }];
      let duration: number | undefined;
      for (const word of rest) {
        const m = LABEL_ARG.exec(word);
        if (m && m[1] !== 'alertname') matchers.push({ name: m[1]!, value: m[2]!, isRegex: false, isEqual: true });
        else if (!m && duration === undefined && parseDuration(word) !== undefined) duration = parseDuration(word);
        else return sayAlert(lang, 'silenceUsage');
      }
      if (matchers.length > 21) return sayAlert(lang, 'silenceUsage');
      await d.checkPermission();
      const ms = duration ?? parseDuration(DEFAULT_SILENCE)!;
      const made = await silences.create({
        topics: await topicsOf(h, cmd),
        alertname,
        matchers,
        durationMs: ms,
        by: whoOf(cmd),
        via: 'chat',
        actor: d.actor,
        chat,
        announce: false,
      });
      return sayAlert(lang, 'silenced', { alertname, duration: formatDurationMs(ms), by: made.createdBy, until: made.endsAt, id: made.id.slice(0, SHORT_ID) });
    }
    case 'silences': {
      const active = await silences.list({ topics: await topicsOf(h, cmd), chat, activeOnly: true });
      if (active.length === 0) return sayAlert(lang, 'silencesEmpty');
      const lines = active.slice(0, 20).map((s) => `• ${s.id.slice(0, SHORT_ID)} ${s.alertname} — ${s.createdBy}, until ${s.endsAt}`);
      return sayAlert(lang, 'silences', { lines });
    }
    case 'unsilence': {
      const [id, ...rest] = c.args;
      if (!id || rest.length > 0 || id.length < 4) return sayAlert(lang, 'unsilenceUsage');
      await d.checkPermission();
      const mine = (await silences.list({ topics: await topicsOf(h, cmd), chat })).filter((s) => s.id.startsWith(id) && !s.expiredAt);
      if (mine.length !== 1) return sayAlert(lang, 'unknownSilence', { id: id.slice(0, 40) });
      const done = await silences.expire(mine[0]!.id, d.actor, whoOf(cmd), false);
      return sayAlert(lang, 'unsilenced', { alertname: done.alertname, id: done.id.slice(0, SHORT_ID), by: whoOf(cmd) });
    }
  }
}
