/** Reading a platform's answer: its JSON body, and how long it asks us to wait. */

/** The body as a JSON object, or undefined when it is not one (an HTML error page, empty, an array). */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Retry-After (RFC 9110 §10.2.3) in ms: delay-seconds or an HTTP date; `fallbackMs` when absent or
 * unreadable. The robot platforms do not send it; a gateway or proxy in between might.
 */
export function retryAfterMs(headers: Headers, fallbackMs: number, now?: number): number;
export function retryAfterMs(headers: Headers, fallbackMs: undefined, now?: number): number | undefined;
export function retryAfterMs(headers: Headers, fallbackMs: number | undefined, now = Date.now()): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return fallbackMs;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? fallbackMs : Math.max(0, at - now);
}
