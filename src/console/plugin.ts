/**
 * The web console at /console: the static files `npm run build` puts in dist/console (vite, from
 * console/), served before bearer auth. The console signs in with a token and calls /v1 like any
 * client; nothing here grants a right. Not built → a page saying how to build it.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Response } from 'express';
import type { Plugin, PluginFactory } from '../plugins.js';

export const CONSOLE_PATH = '/console';

/** dist/console from src/console (tsx, tests) and from dist/src/console (npm start). */
export function consoleDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const compiled = /[\\/]dist[\\/]src[\\/]console$/.test(here);
  return join(resolve(here, compiled ? '../../..' : '../..'), 'dist', 'console');
}

/** The console loads only its own files and talks only to this Herald. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const NOT_BUILT = `<!doctype html><html lang="en"><meta charset="utf-8"><title>Herald console not built</title>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5">
<h1>The Herald console is not built</h1>
<p>This Herald has no console files in <code>dist/console</code>. Build them, then reload this page:</p>
<pre>npm run build</pre>
<p>(<code>npm run build</code> compiles the server and runs <code>vite build --config console/vite.config.ts</code>.)
The HTTP API under <code>/v1</code> works without the console.</p></body></html>`;

export function consolePlugin(dir = consoleDir()): Plugin {
  const sendIndex = (res: Response) => {
    const index = join(dir, 'index.html');
    res.set(SECURITY_HEADERS);
    if (!existsSync(index)) {
      res.status(503).type('html').set('cache-control', 'no-store').send(NOT_BUILT);
      return;
    }
    res.set('cache-control', 'no-cache').sendFile(index);
  };
  return {
    name: 'console',
    mount(app) {
      const router = express.Router();
      router.get('/', (_req, res) => sendIndex(res));
      router.get('/index.html', (_req, res) => sendIndex(res));
      router.use(
        express.static(dir, {
          index: false,
          fallthrough: true,
          setHeaders(res, path) {
            res.set(SECURITY_HEADERS);
            // vite names assets by content hash: a new build has new names.
            res.set('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
          },
        }),
      );
      app.use(CONSOLE_PATH, router);
      // the root is where a browser lands first
      app.get('/', (_req, res) => res.redirect(302, CONSOLE_PATH));
    },
  };
}

export const consolePluginFactory: PluginFactory = () => consolePlugin();
