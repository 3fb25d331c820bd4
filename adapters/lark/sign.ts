/**
 * Lark/Feishu custom-bot signature ("签名校验"). The counter-intuitive part: the string
 * `timestamp + "\n" + secret` is the HMAC *key* and the signed message is empty; the result is
 * Base64 and travels inside the JSON body, next to `timestamp` (seconds, as a string).
 * Research §2.3: https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
 * (official Java/Go samples: `mac.init(stringToSign); mac.doFinal(new byte[]{})`).
 */
import { createHmac } from 'node:crypto';

/** The fields a signed webhook body carries at its top level. */
export interface LarkSignature {
  timestamp: string;
  sign: string;
}

/** Base64(HMAC-SHA256(key = `${timestampSeconds}\n${secret}`, message = "")). */
export function larkSign(secret: string, timestampSeconds: number | string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

/** The signature for "now": Lark wants seconds (a millisecond timestamp fails its ±1 h window). */
export function signatureAt(secret: string, nowMs: number): LarkSignature {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { timestamp, sign: larkSign(secret, timestamp) };
}

/**
 * Bytes the two fields add to a compact JSON body: `"timestamp":"1700000000","sign":"<44>",`.
 * A 10-digit timestamp lasts until 2286; the Base64 of a 32-byte HMAC is always 44 characters.
 */
export const SIGNATURE_FIELDS_BYTES = Buffer.byteLength(
  JSON.stringify({ timestamp: '1700000000', sign: 'x'.repeat(44) }),
);
