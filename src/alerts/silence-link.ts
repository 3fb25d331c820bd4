/**
 * Signed silence links: `<HERALD_PUBLIC_URL>/silence/<token>`. The token carries the topic and the
 * alert (name, labels, fingerprint) and an expiry, signed with HMAC-SHA256 under a key derived from
 * HERALD_SECRET_KEY, so a forged, tampered or expired link is refused and nothing is kept per link.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export const LINK_TTL_MS = 7 * 86_400_000;
export const SILENCE_PATH = '/silence';
/** Labels that steer Herald or Grafana internals: never silence matchers. */
const HIDDEN_LABEL = /^(mention_|__)/;
const MAX_LABELS = 30;
const MAX_VALUE_CHARS = 512;

export interface LinkAlert {
  topic: string;
  alertname: string;
  labels: Record<string, string>;
  fingerprint?: string;
}

export interface LinkClaims extends LinkAlert {
  /** expiry, ms since the epoch */
  expiresAt: number;
}

export type LinkCheck = { ok: true; claims: LinkClaims } | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

export const linkKeyFrom = (secretKey: Buffer): Buffer => Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'herald silence link', 32));

export class SilenceLinks {
  constructor(
    private readonly key: Buffer,
    private readonly publicUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest();
  }

  token(alert: LinkAlert): string {
    const labels = Object.entries(alert.labels)
      .filter(([k, v]) => !HIDDEN_LABEL.test(k) && typeof v === 'string')
      .slice(0, MAX_LABELS)
      .map(([k, v]) => [k, v.slice(0, MAX_VALUE_CHARS)]);
    const claims = { t: alert.topic, n: alert.alertname, l: Object.fromEntries(labels), f: alert.fingerprint || undefined, e: this.now() + LINK_TTL_MS };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${payload}.${this.mac(payload).toString('base64url')}`;
  }

  url(alert: LinkAlert): string {
    return `${this.publicUrl.replace(/\/+$/, '')}${SILENCE_PATH}/${this.token(alert)}`;
  }

  check(token: string): LinkCheck {
    const m = /^([A-Za-z0-9_-]{1,8000})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return { ok: false, reason: 'malformed' };
    const given = Buffer.from(m[2]!, 'base64url');
    const want = this.mac(m[1]!);
    if (given.length !== want.length || !timingSafeEqual(given, want)) return { ok: false, reason: 'forged' };
    let c: { t?: unknown; n?: unknown; l?: unknown; f?: unknown; e?: unknown };
    try {
      c = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (typeof c.t !== 'string' || typeof c.n !== 'string' || typeof c.e !== 'number' || typeof c.l !== 'object' || c.l === null) {
      return { ok: false, reason: 'malformed' };
    }
    if (c.e <= this.now()) return { ok: false, reason: 'expired' };
    const labels = Object.fromEntries(Object.entries(c.l as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
    return { ok: true, claims: { topic: c.t, alertname: c.n, labels, fingerprint: typeof c.f === 'string' ? c.f : undefined, expiresAt: c.e } };
  }
}
