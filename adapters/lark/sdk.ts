/**
 * The Lark SDK, loaded the first time an app bot is configured: it is the largest library Herald
 * has (~35 MB resident), and most deployments only post to custom-bot webhooks, which need none of it.
 */
import { createRequire } from 'node:module';
import type * as LarkSdk from '@larksuiteoapi/node-sdk';

export type { LarkSdk };

const require = createRequire(import.meta.url);
let sdk: typeof LarkSdk | undefined;

export function larkSdk(): typeof LarkSdk {
  sdk ??= require('@larksuiteoapi/node-sdk') as typeof LarkSdk;
  return sdk;
}
