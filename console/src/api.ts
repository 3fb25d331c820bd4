/** The /v1 API as the console uses it: bearer token from the session, errors as ApiError. */
import { ApiError, type DeliveryView, readAnswer } from '../../src/client/answer.js';
import { session } from './session.js';

export { ApiError };

/** Called when the token stops working (revoked): the app goes back to sign-in. */
let onUnauthorized: (message: string) => void = () => {};
export const setUnauthorizedHandler = (fn: (message: string) => void) => {
  onUnauthorized = fn;
};

export async function call<T = unknown>(method: string, path: string, body?: unknown, token = session.token()): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', 'Herald did not answer: check that it is running and reload.');
  }
  try {
    return await readAnswer<T>(res);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401 && token && token === session.token()) onUnauthorized(e.message);
    throw e;
  }
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => call<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => call<T>('PATCH', path, body),
  del: (path: string) => call<void>('DELETE', path),
};

export const enc = encodeURIComponent;

/** Shapes the console reads. */
export interface Topic {
  name: string;
  displayName: string;
  subscriptionCount: number;
  createdAt: string;
  updatedAt: string;
}
export interface Mentions {
  all?: boolean;
  users?: string[];
  mobiles?: string[];
}
export interface Subscription {
  id: string;
  topic: string;
  protocol: string;
  endpoint: string;
  hasSecret: boolean;
  /** the pool: more robots of the same group, masked */
  extraRobots?: { endpoint: string; hasSecret: boolean }[];
  keyword?: string;
  mentions?: Mentions;
  remark?: string;
  filter?: Record<string, string[]>;
  quietHours?: { from: string; to: string; timeZone: string; except?: Record<string, string[]> };
  /** present while muted */
  mutedUntil?: string;
  source: 'api' | 'chat';
  chat?: { chatName?: string; chatId: string };
  createdAt: string;
}
export type Delivery = DeliveryView;
export interface Message {
  id: string;
  topic: string;
  subject?: string;
  text?: string;
  textTruncated?: boolean;
  level: string;
  format?: 'markdown' | 'text';
  source: string;
  attributes?: Record<string, string>;
  createdAt: string;
  deliveries: Delivery[];
}
export interface Template {
  name: string;
  protocol: string;
  content: string;
  createdAt: string;
  updatedAt: string;
}
export interface TokenInfo {
  name: string;
  scopes: string[];
  createdAt: string;
  createdBy: string;
  lastUsedAt?: string;
}
export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
}
export interface TestAnswer {
  ok: boolean;
  kind?: string;
  code?: string | number;
  message?: string;
}
