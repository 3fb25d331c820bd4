/**
 * Buttons pressed on an alert card (MessageAction): Silence for a while, or Ack. The value carries
 * a signed silence-link token, so a button works only for the topic and alert it was made for, and
 * only from a group subscribed to that topic; the group's permission policy applies as to commands.
 */
import type { InboundAction, MessageAction } from '../../adapters/types.js';
import type { Lang } from '../commands/parse.js';
import type { Herald } from '../context.js';
import { HeraldError } from '../errors.js';
import { formatDurationMs, parseDuration } from './duration.js';
import { sayAlert } from './replies.js';
import type { SilenceLinks } from './silence-link.js';
import { labelMatchers } from './silences.js';

export const BUTTON_SILENCE = '1h';

/** The buttons of a firing alert group: Silence 1h and Ack (callbacks), and Silence… (the link page). */
export function alertActions(links: SilenceLinks, alert: { topic: string; alertname: string; labels: Record<string, string>; fingerprint?: string }): MessageAction[] {
  const t = links.token(alert);
  const url = links.url(alert);
  return [
    { kind: 'silence', label: `🔕 Silence ${BUTTON_SILENCE}`, url, value: { herald: 'silence', t, d: BUTTON_SILENCE } },
    { kind: 'ack', label: '👀 Ack', value: { herald: 'ack', t } },
  ];
}

export interface ActionDeps {
  h: Herald;
  a: InboundAction;
  checkPermission(): Promise<void>;
  actor: string;
  /** the language of the answer (commands.locale) */
  lang?: Lang;
}

export async function runAlertAction({ h, a, checkPermission, actor, lang = 'en' }: ActionDeps): Promise<{ ok: boolean; text: string }> {
  const v = a.value;
  const links = h.alerts.links;
  if (!links || typeof v.t !== 'string' || (v.herald !== 'silence' && v.herald !== 'ack')) return { ok: false, text: sayAlert(lang, 'buttonUnknown') };
  const checked = links.check(v.t);
  if (!checked.ok) return { ok: false, text: sayAlert(lang, checked.reason === 'expired' ? 'buttonExpired' : 'buttonForged') };
  const c = checked.claims;
  const subs = await h.subscriptions.listByChat(a.protocol, a.chatId);
  if (!subs.some((s) => s.topic === c.topic)) return { ok: false, text: sayAlert(lang, 'buttonNotSubscribed', { id: c.topic }) };
  try {
    await checkPermission();
  } catch (err) {
    return { ok: false, text: err instanceof Error && err.message ? err.message : sayAlert(lang, 'buttonDenied') };
  }
  const by = (a.userName?.trim() || a.userId).slice(0, 100);
  if (v.herald === 'ack') {
    await h.audit.record(actor, 'alert.ack', c.alertname, { topics: [c.topic], by });
    await h.alerts.silences?.announce([c.topic], `👀 ${c.alertname} acknowledged by ${by}`);
    return { ok: true, text: sayAlert(lang, 'buttonAcked', { alertname: c.alertname }) };
  }
  const silences = h.alerts.silences;
  const ms = parseDuration(typeof v.d === 'string' ? v.d : BUTTON_SILENCE);
  if (!silences || ms === undefined) return { ok: false, text: sayAlert(lang, 'noAlertmanager') };
  try {
    const made = await silences.create({
      topics: [c.topic],
      alertname: c.alertname,
      matchers: labelMatchers(c.labels),
      durationMs: ms,
      by,
      via: 'chat',
      actor,
      chat: { protocol: a.protocol, chatId: a.chatId },
    });
    return { ok: true, text: sayAlert(lang, 'buttonSilenced', { alertname: c.alertname, duration: formatDurationMs(ms), until: made.endsAt }) };
  } catch (err) {
    if (err instanceof HeraldError) return { ok: false, text: err.message };
    throw err;
  }
}
