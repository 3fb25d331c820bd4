/**
 * Herald's own webhook signature, for receivers to verify: HMAC-SHA256 keyed by the subscription
 * secret over `${timestamp}.${body}`, hex, sent as `X-Herald-Signature: sha256=<hex>` beside
 * `X-Herald-Timestamp: <unix seconds>`. Receivers refuse timestamps more than 5 minutes off.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-herald-signature';
export const TIMESTAMP_HEADER = 'x-herald-timestamp';
/** How far a receiver should let a timestamp drift before calling it a replay. */
export const MAX_SKEW_SECONDS = 300;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** What a receiver does: constant-time compare, and a replay window. */
export function verifyWebhook(secret: string, timestamp: string, body: string, signature: string, nowSeconds: number): boolean {
  const ts = Number(timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowSeconds - ts) > MAX_SKEW_SECONDS) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
