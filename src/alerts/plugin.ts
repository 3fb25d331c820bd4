/**
 * GET and POST `/silence/<token>`: the page behind the Silence link in a firing alert, and the form
 * that creates the silence in Alertmanager. No bearer token: the signed link is the permission.
 * A forged, tampered or expired link gets a 4xx page and changes nothing; every POST is audited.
 */
import express, { type Request, type Response } from 'express';
import { HeraldError } from '../errors.js';
import type { PluginFactory } from '../plugins.js';
import { formatDurationMs, parseDuration } from './duration.js';
import { labelMatchers } from './silences.js';
import { SILENCE_PATH } from './silence-link.js';
import { failed, refused, silenceForm, silenced } from './silence-page.js';

const REFUSAL_STATUS = { malformed: 404, forged: 403, expired: 410, unconfigured: 404 } as const;

function html(res: Response, status: number, body: string) {
  res
    .status(status)
    .set({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    })
    .send(body);
}

const field = (body: unknown, name: string): string => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
};
const fields = (body: unknown, name: string): string[] => {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
};

export const silenceLinksPlugin: PluginFactory = (h) => {
  const { links, silences } = h.alerts;
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 100 });

  /** Mounted always, so a link from a Herald whose Alertmanager went away answers a clear page. */
  const check = (req: Request) => (links && silences ? links.check(String(req.params.token ?? '')) : ({ ok: false, reason: 'unconfigured' } as const));
  const refuse = (res: Response, reason: keyof typeof REFUSAL_STATUS) => html(res, REFUSAL_STATUS[reason], refused(reason));

  return {
    name: 'silence-links',
    mount(app) {
      app.get(`${SILENCE_PATH}/:token`, (req, res) => {
        const result = check(req);
        if (!result.ok) return refuse(res, result.reason);
        html(res, 200, silenceForm(result.claims));
      });
      app.post(`${SILENCE_PATH}/:token`, form, async (req, res) => {
        const result = check(req);
        if (!result.ok || !silences) {
          const reason = result.ok ? 'unconfigured' : result.reason;
          if (reason !== 'unconfigured') await h.audit.record('link', 'silence.link_refused', reason).catch(() => {});
          return refuse(res, reason);
        }
        const c = result.claims;
        const chosen = field(req.body, 'duration');
        const spelled = chosen === 'custom' ? field(req.body, 'custom') : chosen;
        const ms = parseDuration(spelled);
        const by = field(req.body, 'by').trim();
        const keep = field(req.body, 'labels') === 'chosen' ? new Set(fields(req.body, 'label')) : undefined;
        const labels = Object.fromEntries(Object.entries(c.labels).filter(([k]) => !keep || keep.has(k)));
        const problem =
          ms === undefined
            ? 'Choose a duration, or write one like 30m, 2h or 3d.'
            : !by
              ? 'Say who you are (the "Who" field): Alertmanager records it as the silence\'s creator.'
              : Object.keys(labels).length === 0
                ? 'Tick at least one label: a silence without matchers would mute everything.'
                : undefined;
        if (problem) return html(res, 400, silenceForm(c, problem));
        try {
          const made = await silences.create({
            topics: [c.topic],
            alertname: c.alertname,
            matchers: labelMatchers(labels),
            durationMs: ms!,
            by,
            comment: field(req.body, 'comment'),
            via: 'link',
            actor: `link:${by.slice(0, 64)}`,
          });
          html(res, 201, silenced(c.alertname, formatDurationMs(ms!), made.endsAt, made.createdBy, made.url));
        } catch (err) {
          if (!(err instanceof HeraldError)) throw err;
          html(res, err.status === 400 ? 400 : 502, err.status === 400 ? silenceForm(c, err.message) : failed(err.message));
        }
      });
    },
  };
};
