/**
 * Buttons pressed on an alert card (MessageAction): Silence for a while, or Ack. The value carries
 * a signed silence-link token, so a button works only for the topic and alert it was made for, and
 * only from a group subscribed to that topic; the group's permission policy applies as to commands.
 */
import type { InboundAction, MessageAction } from '../../adapters/types.js';
import type { Herald } from '../context.js';
import { HeraldError } from '../errors.js';
import { formatDurationMs, parseDuration } from './duration.js';
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
}

export async function runAlertAction({ h, a, checkPermission, actor }: ActionDeps): Promise<{ ok: boolean; text: string }> {
  const v = a.value;
  const links = h.alerts.links;
  if (!links || typeof v.t !== 'string' || (v.herald !== 'silence' && v.herald !== 'ack')) return { ok: false, text: 'This button is not Herald\'s, or silences are off.' };
  const checked = links.check(v.t);
  if (!checked.ok) return { ok: false, text: checked.reason === 'expired' ? 'This alert is older than 7 days: silence it in Alertmanager.' : 'This button was not made by this Herald.' };
  const c = checked.claims;
  const subs = await h.subscriptions.listByChat(a.protocol, a.chatId);
  if (!subs.some((s) => s.topic === c.topic)) return { ok: false, text: `This group no longer receives topic "${c.topic}".` };
  try {
    await checkPermission();
  } catch (err) {
    return { ok: false, text: err instanceof Error && err.message ? err.message : 'You may not do this in this group.' };
  }
  const by = (a.userName?.trim() || a.userId).slice(0, 100);
  if (v.herald === 'ack') {
    await h.audit.record(actor, 'alert.ack', c.alertname, { topics: [c.topic], by });
    await h.alerts.silences?.announce([c.topic], `👀 ${c.alertname} acknowledged by ${by}`);
    return { ok: true, text: `${c.alertname} acknowledged.` };
  }
  const silences = h.alerts.silences;
  const ms = parseDuration(typeof v.d === 'string' ? v.d : BUTTON_SILENCE);
  if (!silences || ms === undefined) return { ok: false, text: 'No Alertmanager is configured.' };
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
    return { ok: true, text: `${c.alertname} silenced for ${formatDurationMs(ms)} (until ${made.endsAt}).` };
  } catch (err) {
    if (err instanceof HeraldError) return { ok: false, text: err.message };
    throw err;
  }
}
