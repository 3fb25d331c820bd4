/**
 * Silences made through Herald (a link, a chat command, the API): created in Alertmanager, kept as
 * a record here so a group can list and lift its own, audited, and announced to the topic
 * ("🔕 HighCPU silenced for 1h by alice").
 */
import { auditOps } from '../store/audit.js';
import type { Store } from '../store/store.js';
import type { Publish } from '../publish/publisher.js';
import { HeraldError } from '../errors.js';
import type { AlertmanagerClient, Matcher, Silence } from './alertmanager-client.js';
import { formatDurationMs } from './duration.js';

export const MAX_SILENCE_MS = 90 * 86_400_000;
const KEEP_AFTER_END_MS = 7 * 86_400_000;

export interface SilenceRecord {
  id: string;
  /** the topics whose groups asked for it (announced there, listed there) */
  topics: string[];
  alertname: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  /** how it was made: a signed link, a chat command, the admin API */
  via: 'link' | 'chat' | 'api';
  /** the audit actor */
  actor: string;
  /** Alertmanager's own page for it */
  url: string;
  /** the group that made it with a chat command */
  chat?: { protocol: string; chatId: string };
  expiredAt?: string;
  expiredBy?: string;
}

export interface NewSilence {
  topics: string[];
  alertname: string;
  matchers: Matcher[];
  durationMs: number;
  by: string;
  comment?: string;
  via: SilenceRecord['via'];
  actor: string;
  chat?: SilenceRecord['chat'];
  /** tell the topics' groups (a chat command answers its own group instead) */
  announce?: boolean;
}

/** A silence as listed: our record with Alertmanager's current state. */
export interface SilenceView extends SilenceRecord {
  state: Silence['status']['state'] | 'unknown';
}

const key = (id: string) => `silence:${id}`;

/** Equality matchers from labels: what "silence this alert" means. */
export const labelMatchers = (labels: Record<string, string>): Matcher[] =>
  Object.entries(labels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));

export class SilenceService {
  constructor(
    private readonly am: AlertmanagerClient,
    private readonly store: Store,
    private readonly publish: Publish,
    private readonly log: { warn(msg: string, meta?: object): void },
    private readonly now: () => number = Date.now,
  ) {}

  async create(s: NewSilence): Promise<SilenceRecord> {
    if (!(s.durationMs > 0) || s.durationMs > MAX_SILENCE_MS) {
      throw new HeraldError(400, 'invalid_duration', `A silence lasts from 1 minute to ${MAX_SILENCE_MS / 86_400_000} days; write it like 30m, 2h or 1d.`);
    }
    if (s.matchers.length === 0) throw new HeraldError(400, 'invalid_silence', 'A silence needs at least one label to match.');
    const by = s.by.trim().slice(0, 100);
    if (!by) throw new HeraldError(400, 'invalid_silence', 'Say who is silencing the alert.');
    const start = this.now();
    const startsAt = new Date(start).toISOString();
    const endsAt = new Date(start + s.durationMs).toISOString();
    const comment = (s.comment ?? '').trim().slice(0, 1000) || `Silenced from Herald (${s.via}) for topic ${s.topics.join(', ')}`;
    const id = await this.am.createSilence({ matchers: s.matchers, startsAt, endsAt, createdBy: by, comment });
    const record: SilenceRecord = {
      id,
      topics: s.topics,
      alertname: s.alertname,
      matchers: s.matchers,
      startsAt,
      endsAt,
      createdBy: by,
      comment,
      via: s.via,
      actor: s.actor,
      url: this.am.silenceUrl(id),
      ...(s.chat ? { chat: s.chat } : {}),
    };
    // Herald's record of the silence and its audit entry: one write
    const details = {
      alertname: s.alertname,
      topics: s.topics,
      duration: formatDurationMs(s.durationMs),
      by,
      matchers: s.matchers.map((m) => `${m.name}${m.isEqual === false ? '!' : ''}${m.isRegex ? '=~' : '='}${m.value}`).slice(0, 30),
    };
    await this.store.batch([
      { op: 'set', key: key(id), value: record, ttlMs: s.durationMs + KEEP_AFTER_END_MS },
      { op: 'sadd', set: 'silences', member: id },
      ...auditOps({ actor: s.actor, action: 'silence.create', target: id, details }),
    ]);
    if (s.announce !== false) await this.announce(s.topics, `🔕 ${s.alertname} silenced for ${formatDurationMs(s.durationMs)} by ${by}`, s.comment?.trim() || undefined);
    return record;
  }

  /** Tells each topic's groups; a failure to announce never undoes the silence. */
  async announce(topics: string[], text: string, detail?: string): Promise<void> {
    for (const topic of topics) {
      await this.publish(topic, {
        source: 'herald',
        level: 'info',
        mentions: {},
        attributes: { source: 'herald' },
        format: 'text',
        bodies: { default: detail ? `${text}\n${detail}` : text },
      }).catch((err) => this.log.warn('could not announce to the topic', { topic, err }));
    }
  }

  async get(id: string): Promise<SilenceRecord | undefined> {
    return this.store.get<SilenceRecord>(key(id));
  }

  /** Herald's silences with Alertmanager's state, newest first; `topics` narrows to those groups. */
  async list(opts: { topics?: string[]; chat?: SilenceRecord['chat']; activeOnly?: boolean } = {}): Promise<SilenceView[]> {
    const ids = await this.store.smembers('silences');
    const records = (await this.store.getMany<SilenceRecord>(ids.map(key))).filter((r): r is SilenceRecord => !!r);
    const gone = ids.filter((id) => !records.some((r) => r.id === id));
    if (gone.length) await this.store.srem('silences', ...gone);
    const sameChat = (r: SilenceRecord) => !!opts.chat && r.chat?.protocol === opts.chat.protocol && r.chat.chatId === opts.chat.chatId;
    const wanted = opts.topics || opts.chat ? records.filter((r) => sameChat(r) || r.topics.some((t) => opts.topics?.includes(t))) : records;
    let states = new Map<string, Silence['status']['state']>();
    try {
      states = new Map((await this.am.listSilences()).map((s) => [s.id, s.status?.state]));
    } catch (err) {
      this.log.warn('could not read silences from Alertmanager', { err });
    }
    const views = wanted.map((r): SilenceView => ({ ...r, state: states.get(r.id) ?? (states.size ? 'expired' : 'unknown') }));
    const shown = opts.activeOnly ? views.filter((v) => v.state === 'active' || v.state === 'pending') : views;
    return shown.sort((a, b) => (a.startsAt < b.startsAt ? 1 : -1));
  }

  async expire(id: string, actor: string, by: string, announce = true): Promise<SilenceRecord> {
    const record = await this.get(id);
    if (!record) throw new HeraldError(404, 'silence_not_found', 'Herald made no silence with this id.');
    await this.am.expireSilence(id);
    const done: SilenceRecord = { ...record, expiredAt: new Date(this.now()).toISOString(), expiredBy: by };
    await this.store.batch([
      { op: 'set', key: key(id), value: done, ttlMs: KEEP_AFTER_END_MS },
      ...auditOps({ actor, action: 'silence.expire', target: id, details: { alertname: record.alertname, by } }),
    ]);
    if (announce) await this.announce(record.topics, `🔔 ${record.alertname}: silence lifted by ${by}`);
    return done;
  }
}
