/**
 * Bearer tokens. The admin token (HERALD_ADMIN_TOKEN, or generated at first start) has every right;
 * tokens made with POST /v1/tokens carry scopes: `admin`, `publish:<topic>`, `publish:*`.
 */
import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Herald } from '../context.js';
import { Errors } from '../errors.js';
import { hashToken } from '../store/tokens.js';

export interface Principal {
  name: string;
  scopes: string[];
}

declare global {
  namespace Express {
    interface Request {
      principal?: Principal;
    }
  }
}

const TOUCH_EVERY_MS = 60_000;

function tokenOf(req: Request, allowQuery: boolean): string | undefined {
  const header = req.get('authorization');
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m?.[1];
  }
  if (allowQuery && typeof req.query.token === 'string') return req.query.token;
  return undefined;
}

const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export async function resolvePrincipal(h: Herald, token: string): Promise<Principal | undefined> {
  const hash = hashToken(token);
  const admin = await h.tokens.adminHash();
  if (admin && sameHash(admin, hash)) return { name: 'admin', scopes: ['admin'] };
  const rec = await h.tokens.findByToken(token);
  if (!rec) return undefined;
  const now = Date.now();
  if (!rec.lastUsedAt || now - Date.parse(rec.lastUsedAt) > TOUCH_EVERY_MS) {
    void h.tokens.touch(rec, new Date(now).toISOString()).catch(() => {});
  }
  return { name: rec.name, scopes: rec.scopes };
}

/** Requires a valid token; `?token=` only where `allowQuery` (the publish endpoint). */
export function authenticate(h: Herald, opts: { allowQuery?: boolean } = {}) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const token = tokenOf(req, !!opts.allowQuery);
    if (!token) throw Errors.unauthorized();
    const principal = await resolvePrincipal(h, token);
    if (!principal) throw Errors.unauthorized('The token is not valid (revoked, mistyped, or from another Herald).');
    req.principal = principal;
    next();
  };
}

export const isAdmin = (p: Principal | undefined) => !!p?.scopes.includes('admin');

export const canPublish = (p: Principal | undefined, topic: string) =>
  !!p && (isAdmin(p) || p.scopes.includes('publish:*') || p.scopes.includes(`publish:${topic}`));

export function requireAdmin(req: Request, _res: Response, next: NextFunction) {
  if (!isAdmin(req.principal)) throw Errors.forbidden('This needs a token with the "admin" scope.');
  next();
}
