/** createApp(herald): the express app, without listening (tests and the server both use it). */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Herald } from '../context.js';
import { Errors } from '../errors.js';
import { authenticate } from './auth.js';
import { errorHandler, notFound } from './error-handler.js';
import { methodNotAllowed } from './method-not-allowed.js';
import { auditRoutes } from './routes/audit.js';
import { quotaRoutes } from './routes/quotas.js';
import { replayRoutes } from './routes/replay.js';
import { silenceRoutes } from './routes/silences.js';
import { healthRoutes } from './routes/health.js';
import { messageRoutes } from './routes/messages.js';
import { protocolRoutes } from './routes/protocols.js';
import { publishRoutes } from './routes/publish.js';
import { subscriptionChangeRoutes } from './routes/subscription-changes.js';
import { subscriptionTestRoutes } from './routes/subscription-test.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { templatePreviewRoutes } from './routes/template-preview.js';
import { templateRoutes } from './routes/templates.js';
import { tokenRoutes } from './routes/tokens.js';
import { topicRoutes } from './routes/topics.js';
import { whoamiRoutes } from './routes/whoami.js';

/** Bodies of the admin API are JSON; anything else with a body is refused before parsing. */
function jsonOnly(req: Request, _res: Response, next: NextFunction) {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is('application/json')) throw Errors.unsupportedMediaType('Send the body as application/json.');
  next();
}

export interface AppExtension {
  /** mounted before authentication: callbacks, console, metrics … */
  public?: (app: express.Express) => void;
}

export function createApp(h: Herald, ext: AppExtension[] = []): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Access log at the `http` level (HERALD_LOG_LEVEL=http): path only, never the query (it may hold ?token=).
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    // the path as it arrived: a router mounted at /v1 strips its prefix from req.path while it runs
    const path = req.path;
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      h.log.http(`${req.method} ${path} ${res.statusCode}`, { ms: Math.round(ms * 10) / 10 });
    });
    next();
  });
  app.use(healthRoutes(h));
  for (const e of ext) e.public?.(app);
  app.use('/v1', publishRoutes(h));
  app.use(
    '/v1',
    authenticate(h),
    jsonOnly,
    express.json({ limit: '1mb', strict: true }),
    topicRoutes(h),
    subscriptionRoutes(h),
    subscriptionChangeRoutes(h),
    templateRoutes(h),
    replayRoutes(h),
    messageRoutes(h),
    tokenRoutes(h),
    auditRoutes(h),
    quotaRoutes(h),
    silenceRoutes(h),
    whoamiRoutes(h),
    protocolRoutes(h),
    subscriptionTestRoutes(h),
    templatePreviewRoutes(h),
  );
  app.use(methodNotAllowed(app), notFound);
  app.use(errorHandler(h.log));
  return app;
}
