/**
 * The subscribe-time host rules for the channel adapters: each platform's own hosts (a `*.` entry
 * covers subdomains), https on the standard port only, and email endpoints, which name recipients
 * rather than a host, outside the URL rules altogether.
 */
import winston from 'winston';
import { describe, expect, it } from 'vitest';
import { discordAdapter } from '../../adapters/discord/index.js';
import { emailAdapter } from '../../adapters/email/index.js';
import { slackAdapter } from '../../adapters/slack/index.js';
import { teamsAdapter } from '../../adapters/teams/index.js';
import { telegramAdapter } from '../../adapters/telegram/index.js';
import type { AdapterFactory } from '../../adapters/types.js';
import { createHttpClient } from '../../src/delivery/http-client.js';
import { EndpointPolicy, hostMatches } from '../../src/security/endpoint-policy.js';

const log = winston.createLogger({ silent: true });
const http = createHttpClient({ timeoutMs: 1000 });
const make = (f: AdapterFactory, config: Record<string, unknown> = {}) => f.create({ config: { ...f.defaults, ...config }, log, http, now: Date.now });
const policy = new EndpointPolicy(['127.0.0.1:9999'], async () => ['10.0.0.1']);

const SLACK = 'https://hooks.slack.com/services/T0001ABCD/B0002EFGH/abcdEFGH1234ijklMNOP5678';
const TEAMS = 'https://prod-12.westus.logic.azure.com/workflows/4f1c2d3e4f5a/triggers/manual/paths/invoke?api-version=2016-06-01&sig=abc';
const TEAMS_PP = 'https://default0123.12.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/0a1b2c3d4e5f/triggers/manual/paths/invoke?api-version=1&sig=abc';
const TELEGRAM = 'https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage?chat_id=-1001234567890';
const DISCORD = `https://discord.com/api/webhooks/1234567890123456789/${'AbC_-'.repeat(13)}`;

describe('platform hosts at subscribe time', () => {
  it.each([
    [slackAdapter, SLACK],
    [teamsAdapter, TEAMS],
    [teamsAdapter, TEAMS_PP],
    [telegramAdapter, TELEGRAM],
    [discordAdapter, DISCORD],
  ] as const)('%s: its own host passes, another host, http or another port is refused', async (f, url) => {
    const a = make(f);
    await expect(policy.check(a, a.normalizeEndpoint(url))).resolves.toBeInstanceOf(URL);
    const u = new URL(url);
    await expect(policy.check(a, a.normalizeEndpoint(url.replace(u.hostname, 'evil.example.com')))).rejects.toMatchObject({ code: 'invalid_endpoint' });
    await expect(policy.check(a, a.normalizeEndpoint(url.replace('https:', 'http:')))).rejects.toThrow(/https/);
    await expect(policy.check(a, a.normalizeEndpoint(url.replace(u.hostname, `${u.hostname}:8443`)))).rejects.toThrow(/standard https port/);
  });

  it('a *.suffix entry matches subdomains only, not look-alikes', () => {
    expect(hostMatches('*.logic.azure.com', 'prod-1.westus.logic.azure.com')).toBe(true);
    expect(hostMatches('*.logic.azure.com', 'logic.azure.com')).toBe(false);
    expect(hostMatches('*.logic.azure.com', 'evillogic.azure.com')).toBe(false);
    expect(hostMatches('*.logic.azure.com', 'logic.azure.com.evil.example')).toBe(false);
    expect(hostMatches('hooks.slack.com', 'HOOKS.slack.com')).toBe(true);
  });

  it('HERALD_ALLOW_HOSTS still opens a private gateway for a platform', async () => {
    const a = make(slackAdapter);
    await expect(policy.check(a, a.normalizeEndpoint('http://127.0.0.1:9999/services/T1AB/B2CD/abcdefgh1234'))).resolves.toBeInstanceOf(URL);
  });

  it('email endpoints name recipients: the URL host rules do not apply', async () => {
    const a = make(emailAdapter, { smtpUrl: 'smtp://127.0.0.1:2525', from: 'h@x.example' });
    expect(a.endpointKind).toBe('address');
    await expect(policy.check(a, a.normalizeEndpoint('ops@internal.example'))).resolves.toBeInstanceOf(URL);
  });
});
