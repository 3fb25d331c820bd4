/**
 * Masking from an adapter's `describe.secretParts`: `maskUrl` for `maskEndpoint`, `secretValues` for
 * tests and checks (which credential strings an endpoint holds). Plain string work, no platform.
 */
import type { SecretPart } from '../types.js';

/** First and last 4 characters of a long value; short values are hidden entirely. */
export function maskSecret(value: string): string {
  return value.length >= 16 ? `${value.slice(0, 4)}…${value.slice(-4)}` : '***';
}

/** Where a `path` part's value ends: query, fragment, whitespace or a quote. */
const PATH_VALUE = /^[^?#\s"'<>]+/;

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The credential strings `endpoint` holds, by `parts` (empty strings left out). */
export function secretValues(endpoint: string, parts: readonly SecretPart[]): string[] {
  const out: string[] = [];
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {}
  for (const part of parts) {
    if (part.in === 'path') {
      const at = endpoint.indexOf(part.after);
      const value = at >= 0 ? PATH_VALUE.exec(endpoint.slice(at + part.after.length))?.[0] : undefined;
      if (value) out.push(value);
    } else if (url && part.in === 'query') {
      const value = url.searchParams.get(part.name);
      if (value) out.push(value);
    } else if (url && part.in === 'userinfo') {
      if (url.username) out.push(decodeURIComponent(url.username));
      if (url.password) out.push(decodeURIComponent(url.password));
    } else if (url) {
      const rest = `${url.pathname}${url.search}`;
      if (rest !== '/' && rest !== '') out.push(rest);
    }
  }
  return out;
}

/**
 * `endpoint` with every secret part masked: query values and path values as `abcd…wxyz` (or `***`),
 * userinfo as `***@`, a whole path and query as `/…`. Never throws; an unparsable URL with URL-only
 * parts becomes `***`.
 */
export function maskUrl(endpoint: string, parts: readonly SecretPart[]): string {
  let out = endpoint;
  for (const part of parts) {
    if (part.in !== 'path') continue;
    out = out.replace(new RegExp(`(${escapeRegExp(part.after)})([^?#\\s"'<>]+)`, 'g'), (_m, head: string, value: string) => head + maskSecret(value));
  }
  const urlParts = parts.filter((p) => p.in !== 'path');
  if (urlParts.length === 0) return out;
  let url: URL;
  try {
    url = new URL(out);
  } catch {
    return '***';
  }
  const auth = url.username || url.password ? '***@' : '';
  if (urlParts.some((p) => p.in === 'pathAndQuery')) return `${url.protocol}//${auth}${url.host}/…`;
  const query = new URLSearchParams(url.search);
  for (const part of urlParts) {
    if (part.in === 'query' && query.has(part.name)) query.set(part.name, maskSecret(query.get(part.name) ?? ''));
  }
  const pairs = [...query].map(([k, v]) => `${k}=${v}`);
  const search = pairs.length ? `?${pairs.join('&')}` : '';
  const hasUserinfo = urlParts.some((p) => p.in === 'userinfo');
  return `${url.protocol}//${hasUserinfo ? auth : url.username ? `${url.username}@` : ''}${url.host}${url.pathname}${search}`;
}
