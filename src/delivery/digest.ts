/**
 * Digests: several messages for one subscription folded into one ordinary message. A digest is a
 * message like any other (its own record, listed with the topic's messages, delivered, retried and
 * split by its adapter as any message is); its record names the messages it carries and each carried
 * delivery names the digest delivery that carried it.
 *
 * composeDigest builds the content: a header, then each message in publish order with its level
 * marker, subject and text; long texts are shortened, with a link to the message's record when
 * HERALD_PUBLIC_URL is set; mentions merged. buildDigest turns it into the records to write.
 */
import type { Level, Mentions } from '../../adapters/types.js';
import { newId } from '../store/ids.js';
import { type DeliveryRecord, deliveryId, type MessageRecord } from '../store/messages.js';

/** Characters of each message's text shown in a digest; longer ones are shortened. */
export const DIGEST_TEXT_CHARS = 600;

const RANK: Readonly<Record<Level, number>> = { success: 0, info: 1, warning: 2, error: 3, critical: 4 };
const MARKERS: Readonly<Record<Level, string>> = {
  info: 'ℹ️ [INFO]',
  success: '✅ [SUCCESS]',
  warning: '⚠️ [WARNING]',
  error: '❌ [ERROR]',
  critical: '🚨 [CRITICAL]',
};

export interface DigestContent {
  subject: string;
  level: Level;
  format: 'markdown' | 'text';
  text: string;
  mentions: Mentions;
}

export interface DigestOptions {
  /** the first line, e.g. "37 messages while this robot was at its rate limit" */
  header: string;
  /** HERALD_PUBLIC_URL: shortened messages link to their record in the console */
  publicUrl?: string;
  /** characters of text per message (DIGEST_TEXT_CHARS) */
  textChars?: number;
}

/** The record of a message in the console. */
export const recordLink = (publicUrl: string, messageId: string) => `${publicUrl.replace(/\/+$/, '')}/console/#/messages/${messageId}`;

function shorten(text: string, max: number): { text: string; cut: boolean } {
  const chars = [...text];
  if (chars.length <= max) return { text, cut: false };
  return { text: `${chars.slice(0, max - 1).join('').trimEnd()}…`, cut: true };
}

function mergeMentions(all: Mentions[]): Mentions {
  const users = [...new Set(all.flatMap((m) => m.users ?? []))];
  const mobiles = [...new Set(all.flatMap((m) => m.mobiles ?? []))];
  return {
    ...(all.some((m) => m.all) ? { all: true } : {}),
    ...(users.length ? { users } : {}),
    ...(mobiles.length ? { mobiles } : {}),
  };
}

/**
 * The content of one digest of `messages` (as their deliveries carry them, oldest first) for a
 * subscription of `protocol`: markdown unless every message is plain text; the worst level wins.
 */
export function composeDigest(messages: readonly MessageRecord[], protocol: string, opts: DigestOptions): DigestContent {
  const markdown = !messages.every((m) => m.format === 'text');
  const max = opts.textChars ?? DIGEST_TEXT_CHARS;
  const blocks = messages.map((m) => {
    const marker = MARKERS[m.level];
    const head = m.subject ? `${marker} ${m.subject}` : marker;
    const body = shorten((m.bodies[protocol] ?? m.bodies.default ?? '').trim(), max);
    const link = body.cut && opts.publicUrl ? recordLink(opts.publicUrl, m.id) : undefined;
    const more = link ? (markdown ? ` [full text](${link})` : ` full text: ${link}`) : '';
    return `${markdown ? `**${head}**` : head}\n${body.text}${more}`;
  });
  return {
    subject: opts.header,
    level: messages.reduce<Level>((worst, m) => (RANK[m.level] > RANK[worst] ? m.level : worst), 'info'),
    format: markdown ? 'markdown' : 'text',
    text: blocks.join(markdown ? '\n\n---\n\n' : '\n\n'),
    mentions: mergeMentions(messages.map((m) => m.mentions)),
  };
}

export interface DigestInput {
  /** the carried deliveries of ONE subscription with their messages (variants applied), oldest first */
  items: readonly { delivery: DeliveryRecord; message: MessageRecord }[];
  header: string;
  publicUrl?: string;
  /** where the digest stands in its robot's line: the oldest carried delivery's place by default */
  ticket?: string;
  source?: string;
  attributes?: Record<string, string>;
  now?: Date;
}

export interface Digest {
  message: MessageRecord;
  /** the digest's one delivery, pending */
  delivery: DeliveryRecord;
  /** the carried deliveries, each naming the digest delivery (status unchanged) */
  carried: DeliveryRecord[];
}

/**
 * The records of a digest: write `messages.createOps(message, [delivery])` and `saveOps` of each
 * carried delivery in ONE batch, then enqueue `delivery`. The worker settles the carried deliveries
 * when the digest delivery ends (delivered or failed).
 */
export function buildDigest(input: DigestInput): Digest {
  const first = input.items[0];
  if (!first) throw new Error('a digest carries at least one message');
  const { delivery: d0 } = first;
  const content = composeDigest(
    input.items.map((i) => i.message),
    d0.protocol,
    { header: input.header, publicUrl: input.publicUrl },
  );
  const at = (input.now ?? new Date()).toISOString();
  const id = newId('m');
  const alertKeys = [...new Set(input.items.flatMap((i) => i.message.alertKeys ?? []))];
  const message: MessageRecord = {
    id,
    topic: d0.topic,
    subject: content.subject,
    text: content.text,
    level: content.level,
    mentions: content.mentions,
    attributes: { digest: 'rate-limit', messages: String(input.items.length), ...input.attributes },
    bodies: { [d0.protocol]: content.text },
    format: content.format,
    source: input.source ?? 'digest',
    deliveryCount: 1,
    createdAt: at,
    carries: input.items.map((i) => i.message.id),
    ...(alertKeys.length ? { alertKeys } : {}),
  };
  const delivery: DeliveryRecord = {
    id: deliveryId(id, 0),
    messageId: id,
    topic: d0.topic,
    subscriptionId: d0.subscriptionId,
    protocol: d0.protocol,
    status: 'pending',
    attempts: 0,
    partsDone: 0,
    carries: input.items.map((i) => i.delivery.id),
    ticket: input.ticket ?? input.items.map((i) => i.delivery.ticket ?? i.delivery.id).sort()[0],
    updatedAt: at,
  };
  const carried = input.items.map((i) => ({ ...i.delivery, digest: delivery.id, updatedAt: at }));
  return { message, delivery, carried };
}

export const rateLimitHeader = (n: number) => `${n} messages while this robot was at its rate limit`;
