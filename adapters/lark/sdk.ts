/**
 * The Lark SDK, loaded the first time an app bot is configured: it is the largest library Herald
 * has (~35 MB resident), and most deployments only post to custom-bot webhooks, which need none of it.
 */
import { createRequire } from 'node:module';
import type * as LarkSdk from '@larksuiteoapi/node-sdk';
import { outboundAgent } from '../../src/delivery/proxy.js';

export type { LarkSdk };

const require = createRequire(import.meta.url);
let sdk: typeof LarkSdk | undefined;

/**
 * The SDK's axios instance (every Client and WSClient uses it) goes out through Herald's outbound
 * agent: HTTPS_PROXY / HTTP_PROXY / NO_PROXY as a CONNECT tunnel. axios's own proxy support sends
 * https requests to the proxy as plain absolute-URI requests, so it is turned off (`proxy: false`).
 */
function routeThroughProxy(instance: { interceptors: { request: { use(f: (req: Record<string, unknown>) => unknown): unknown } } }): void {
  instance.interceptors.request.use((req) => {
    req.proxy = false;
    req.httpAgent = outboundAgent();
    req.httpsAgent = outboundAgent();
    return req;
  });
}

export function larkSdk(): typeof LarkSdk {
  if (!sdk) {
    sdk = require('@larksuiteoapi/node-sdk') as typeof LarkSdk;
    routeThroughProxy(sdk.defaultHttpInstance as never);
  }
  return sdk;
}
