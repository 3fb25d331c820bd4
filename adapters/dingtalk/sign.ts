/**
 * DingTalk custom-robot signing ("加签"). Pure: the clock is passed in, so the research's vector is a test.
 * https://open.dingtalk.com/document/robots/customize-robot-security-settings
 * (research/platforms-outbound.md §1.3)
 */
import { createHmac } from 'node:crypto';

/** string_to_sign = `${timestampMs}\n${secret}` (secret with its "SEC" prefix), HMAC-SHA256 keyed by the secret, Base64. */
export function dingtalkSignature(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/**
 * The endpoint with `timestamp` and `sign` appended. The Base64 signature is URL-encoded exactly once
 * (`+` → %2B, `/` → %2F, `=` → %3D): double encoding answers 310000 "sign not match" (research §1.3).
 */
export function signEndpoint(endpoint: string, secret: string, timestampMs: number): string {
  const sign = encodeURIComponent(dingtalkSignature(secret, timestampMs));
  const sep = endpoint.includes('?') ? '&' : '?';
  return `${endpoint}${sep}timestamp=${timestampMs}&sign=${sign}`;
}
