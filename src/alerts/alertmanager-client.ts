/**
 * The Alertmanager that Herald creates silences in (`alertmanager.url`, HERALD_ALERTMANAGER_URL):
 * its API v2, with optional basic or bearer authorization. The address is the operator's own
 * choice, like the platforms' base URLs, so it is not held to the endpoint policy.
 * https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml
 */
import { type Dispatcher, request } from 'undici';
import { describeNetworkError } from '../delivery/network-errors.js';
import { OutboundDispatcher } from '../delivery/proxy.js';
import { HeraldError } from '../errors.js';

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual?: boolean;
}

export interface SilenceInput {
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

export interface Silence extends SilenceInput {
  id: string;
  status: { state: 'active' | 'pending' | 'expired' };
  updatedAt?: string;
}

export interface AlertmanagerSettings {
  url: string;
  username?: string;
  password?: string;
  bearerToken?: string;
  timeoutMs: number;
}

/** 502 with what went wrong: the silence was not made, and the person is told why. */
const unreachable = (what: string) =>
  new HeraldError(502, 'alertmanager_unavailable', `Alertmanager ${what}; the silence was not changed. Check alertmanager.url and that Alertmanager is up.`);

export class AlertmanagerClient {
  private readonly base: string;
  private readonly auth: Record<string, string>;
  private readonly agent: Dispatcher;

  constructor(
    private readonly s: AlertmanagerSettings,
    dispatcher?: Dispatcher,
  ) {
    const u = new URL(s.url);
    if (u.username || u.password) {
      s = { ...s, username: s.username ?? decodeURIComponent(u.username), password: s.password ?? decodeURIComponent(u.password) };
      u.username = '';
      u.password = '';
    }
    this.base = u.href.replace(/\/+$/, '');
    this.auth = s.bearerToken
      ? { authorization: `Bearer ${s.bearerToken}` }
      : s.username !== undefined
        ? { authorization: `Basic ${Buffer.from(`${s.username}:${s.password ?? ''}`).toString('base64')}` }
        : {};
    // HTTPS_PROXY / HTTP_PROXY / NO_PROXY apply, as to every outbound request (src/delivery/proxy.ts)
    this.agent = dispatcher ?? new OutboundDispatcher({ keepAliveTimeout: 10_000, connections: 4 });
  }

  /** Where people see a silence in Alertmanager's own UI. */
  silenceUrl(id: string): string {
    return `${this.base}/#/silences/${encodeURIComponent(id)}`;
  }

  private async call(method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<unknown> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.base}${path}`, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: { 'content-type': 'application/json', 'user-agent': 'Herald', ...this.auth },
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.s.timeoutMs),
      });
    } catch (err) {
      const url = new URL(`${this.base}${path}`);
      const route = this.agent instanceof OutboundDispatcher ? this.agent.route(url) : undefined;
      throw unreachable(`at ${url.host} did not answer (${describeNetworkError(err, url, { proxy: route?.proxy }).message})`);
    }
    // Answers are small (a silence id, a list of silences): read a bounded amount.
    const text = (await res.body.text()).slice(0, 1_000_000);
    if (res.statusCode >= 400) {
      const reason = text.trim().slice(0, 300) || `HTTP ${res.statusCode}`;
      if (res.statusCode === 400) throw new HeraldError(400, 'invalid_silence', `Alertmanager refused the silence: ${reason}`);
      if (res.statusCode === 404) throw new HeraldError(404, 'silence_not_found', 'Alertmanager has no silence with this id.');
      throw unreachable(`answered ${res.statusCode} (${reason})`);
    }
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      throw unreachable('answered something that is not JSON');
    }
  }

  async createSilence(input: SilenceInput): Promise<string> {
    const out = (await this.call('POST', '/api/v2/silences', input)) as { silenceID?: unknown } | undefined;
    if (typeof out?.silenceID !== 'string') throw unreachable('answered without a silence id');
    return out.silenceID;
  }

  async getSilence(id: string): Promise<Silence> {
    return (await this.call('GET', `/api/v2/silence/${encodeURIComponent(id)}`)) as Silence;
  }

  async listSilences(): Promise<Silence[]> {
    const out = await this.call('GET', '/api/v2/silences');
    return Array.isArray(out) ? (out as Silence[]) : [];
  }

  async expireSilence(id: string): Promise<void> {
    await this.call('DELETE', `/api/v2/silence/${encodeURIComponent(id)}`);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
