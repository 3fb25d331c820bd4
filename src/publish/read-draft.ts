/**
 * A publish body → a Draft, exactly as POST /v1/topics/{name}/publish reads it: JSON content types
 * parsed, the first intake that recognises the shape (or `format`), silence links when they are on,
 * and for a text body the subject, level and mentions from headers or the query (ntfy style).
 * The template preview reads pasted payloads through the same function, so it shows what a publish gets.
 */
import { LEVELS, type Level } from '../../adapters/types.js';
import { alertActions as alertActionsOf } from '../alerts/actions.js';
import type { Herald } from '../context.js';
import { Errors } from '../errors.js';
import type { Draft } from './draft.js';

export const isJsonType = (type: string) => /^application\/([\w.+-]+\+)?json\b/i.test(type);

/** What a text body may carry beside it: `Title`/`X-Title`, `Level`/`X-Level`, `X-Mention`, or `?title=&level=&mention=`. */
export interface TextExtras {
  title?: string;
  level?: string;
  mention?: string;
}

export interface RawPublish {
  /** the body as text, or already parsed */
  body: unknown;
  contentType: string;
  format?: string;
  extras?: TextExtras;
}

const SUBJECT_MAX = 512;
const MOBILE = /^\+?[0-9-]{5,20}$/;
const USER = /^[\w.@:-]{1,128}$/;

/**
 * Header values are Latin-1 on the wire: UTF-8 sent raw (curl -H 'Title: 备份') is decoded as UTF-8,
 * and RFC 2047 encoded words (=?UTF-8?B?…?=, as ntfy accepts) are read too.
 */
export function headerText(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  let s = v.replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_m, enc: string, data: string) =>
    enc.toLowerCase() === 'b'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_x, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))), 'latin1').toString('utf8'),
  );
  if (/[\u0080-\u00ff]/.test(s) && !/[\u0100-\uffff]/.test(s)) {
    const utf8 = Buffer.from(s, 'latin1').toString('utf8');
    if (!utf8.includes('\uFFFD')) s = utf8;
  }
  return s.trim();
}

function applyExtras(draft: Draft, x: TextExtras): Draft {
  const out: Draft = { ...draft };
  if (x.title !== undefined && x.title !== '') {
    if (x.title.length > SUBJECT_MAX) throw Errors.invalidRequest(`The title is longer than ${SUBJECT_MAX} characters.`);
    out.subject = x.title;
  }
  if (x.level !== undefined && x.level !== '') {
    const level = x.level.toLowerCase();
    if (!(LEVELS as readonly string[]).includes(level)) throw Errors.invalidRequest(`Level must be one of ${LEVELS.join(', ')}; got "${x.level.slice(0, 32)}".`);
    out.level = level as Level;
  }
  if (x.mention !== undefined && x.mention !== '') {
    const mentions = { ...out.mentions };
    for (const m of x.mention.split(/[\s,;]+/).filter(Boolean)) {
      if (/^@?all$/i.test(m)) mentions.all = true;
      else if (MOBILE.test(m)) mentions.mobiles = [...new Set([...(mentions.mobiles ?? []), m])];
      else if (USER.test(m)) mentions.users = [...new Set([...(mentions.users ?? []), m])];
      else throw Errors.invalidRequest(`X-Mention takes "all", phone numbers and user ids separated by commas; "${m.slice(0, 32)}" is none of them.`);
    }
    if ((mentions.mobiles?.length ?? 0) > 100 || (mentions.users?.length ?? 0) > 100) throw Errors.invalidRequest('X-Mention names more than 100 people.');
    out.mentions = mentions;
  }
  return out;
}

export function readDraft(h: Herald, topic: string, raw: RawPublish): Draft {
  let body = raw.body;
  if (typeof body === 'string' && isJsonType(raw.contentType)) {
    try {
      body = JSON.parse(body);
    } catch {
      throw Errors.invalidJson('The body is not valid JSON: check quotes, commas and brackets.');
    }
  }
  const format = raw.format;
  const intake = format ? h.intakes.find((i) => i.name === format) : h.intakes.find((i) => i.detect(body, raw.contentType));
  if (!intake) {
    throw format
      ? Errors.invalidRequest(`Unknown format "${format.slice(0, 32)}"; use one of ${h.intakes.map((i) => i.name).join(', ')}.`)
      : Errors.invalidRequest('The body is neither a message object nor text.');
  }
  const links = h.alerts.links;
  type AlertRef = { alertname: string; labels: Record<string, string>; fingerprint?: string };
  const silenceLink = links ? (a: AlertRef) => links.url({ topic, ...a }) : undefined;
  const alertActions = links ? (a: AlertRef) => alertActionsOf(links, { topic, ...a }) : undefined;
  const draft = intake.read(body, { topic, timeZone: h.config.publish.timeZone, silenceLink, alertActions });
  const x = raw.extras;
  return x && draft.source === 'text' ? applyExtras(draft, x) : draft;
}
