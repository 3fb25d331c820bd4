/**
 * A wrong method on a path the app knows answers 405 with `Allow` (RFC 9110 §15.5.6); a path it
 * does not know falls through to the 404. The methods come from the app's own routes, read from
 * express's router, so the answer is always what is registered (channels that are off included).
 */
import type { Express, NextFunction, Request, Response } from 'express';
import { Errors } from '../errors.js';

interface Layer {
  /** a router mounted without a path (`app.use(router)`): matches everything */
  slash?: boolean;
  matchers?: ((path: string) => false | { path: string })[];
  route?: { methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** The methods of every route that matches `path`, mounted routers included. */
export function allowedMethods(stack: Layer[], path: string): Set<string> {
  const out = new Set<string>();
  for (const layer of stack) {
    const match = layer.slash ? { path: '' } : layer.matchers?.map((m) => m(path)).find((r) => r !== false);
    if (!match) continue;
    if (layer.route) {
      for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.add(m.toUpperCase());
    } else if (layer.handle?.stack) {
      const rest = path.slice(match.path.length);
      for (const m of allowedMethods(layer.handle.stack, rest.startsWith('/') ? rest : `/${rest}`)) out.add(m);
    }
  }
  if (out.has('GET')) out.add('HEAD');
  return out;
}

export function methodNotAllowed(app: Express) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const stack = (app as unknown as { router: { stack: Layer[] } }).router.stack;
    const allowed = allowedMethods(stack, req.path);
    if (allowed.size === 0 || allowed.has(req.method)) return next();
    const allow = [...allowed].sort().join(', ');
    throw Errors.methodNotAllowed(`${req.method} is not allowed on this path; use ${allow}.`, { allow });
  };
}
