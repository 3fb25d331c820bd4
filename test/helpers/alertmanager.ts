/**
 * A real Prometheus Alertmanager for tests: own temp storage, clustering off, one webhook receiver
 * pointing at Herald with bearer authorization, short group timings. Install it with
 * .ci/install-alertmanager.sh (Debian's prometheus-alertmanager).
 * Flags and config: https://prometheus.io/docs/alerting/latest/configuration/
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './spawn.js';

/** Debian names the binary prometheus-alertmanager; upstream tarballs name it alertmanager. */
const BINARIES = ['prometheus-alertmanager', 'alertmanager'];
const READY_TIMEOUT_MS = 20_000;

export function alertmanagerBinary(): string | undefined {
  for (const bin of BINARIES) {
    try {
      execFileSync(bin, ['--version'], { stdio: 'ignore' });
      return bin;
    } catch {}
  }
  return undefined;
}

export interface AlertmanagerOptions {
  /** Herald's publish URL for the topic */
  webhookUrl: string;
  /** a Herald token with publish rights on that topic */
  token: string;
  /** group_wait and group_interval (Alertmanager duration, e.g. "1s") */
  groupTiming?: string;
}

export interface RunningAlertmanager {
  url: string;
  /** POST /api/v2/alerts: what Prometheus does on every evaluation */
  postAlerts(alerts: PostableAlert[]): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

const FIVE_MINUTES_AGO = new Date(Date.now() - 300_000).toISOString();
/** A critical alert on db-1 that has been firing for five minutes (a duration the RESOLVED can state). */
export function firingAlert(name: string, over: Partial<PostableAlert> = {}, startsAt = FIVE_MINUTES_AGO): PostableAlert {
  return { labels: { alertname: name, instance: 'db-1', severity: 'critical' }, annotations: { summary: `${name} on db-1` }, startsAt, ...over };
}

export function alertmanagerConfig(o: AlertmanagerOptions): string {
  const timing = o.groupTiming ?? '1s';
  return stringify({
    global: { resolve_timeout: '1m' },
    route: { receiver: 'herald', group_by: ['alertname'], group_wait: timing, group_interval: timing, repeat_interval: '1h' },
    receivers: [
      {
        name: 'herald',
        webhook_configs: [
          {
            url: o.webhookUrl,
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials: o.token } },
          },
        ],
      },
    ],
  });
}

export async function startAlertmanager(o: AlertmanagerOptions): Promise<RunningAlertmanager> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(o);
    } catch (err) {
      // the free port was taken between the probe and Alertmanager's bind (other test files start servers too)
      if (attempt < 3 && err instanceof Error && err.message.includes('address already in use')) continue;
      throw err;
    }
  }
}

async function startOnce(o: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const bin = alertmanagerBinary();
  if (!bin) throw new Error('Alertmanager is not installed: run .ci/install-alertmanager.sh');
  const dir = mkdtempSync(join(tmpdir(), 'herald-am-'));
  const configPath = join(dir, 'alertmanager.yml');
  writeFileSync(configPath, alertmanagerConfig(o), { mode: 0o600 });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(
    bin,
    [
      `--config.file=${configPath}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));

  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const until = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (proc.exitCode !== null) {
      await stop();
      throw new Error(`Alertmanager exited at start:\n${out}`);
    }
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {}
    if (Date.now() > until) {
      await stop();
      throw new Error(`Alertmanager was not ready in ${READY_TIMEOUT_MS} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    async postAlerts(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!res.ok) throw new Error(`Alertmanager refused the alerts: ${res.status} ${await res.text()}`);
    },
    output: () => out,
    stop,
  };
}
