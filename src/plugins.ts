/**
 * Parts of Herald that hang off the core: each gets the Herald context, may mount routes before
 * authentication, and may start and stop with the server.
 */
import type express from 'express';
import { silenceLinksPlugin } from './alerts/plugin.js';
import { chatCommandsPlugin } from './commands/plugin.js';
import { consolePluginFactory } from './console/plugin.js';
import type { Herald } from './context.js';
import { metricsPlugin } from './metrics/plugin.js';
import { openApiPlugin } from './openapi/plugin.js';
import { quietHoursPlugin } from './routing/plugin.js';

export interface Plugin {
  name: string;
  /** routes that need no bearer token (callbacks verify their own signatures) */
  mount?(app: express.Express): void;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export type PluginFactory = (h: Herald) => Plugin | undefined;

export const plugins: PluginFactory[] = [metricsPlugin, openApiPlugin, consolePluginFactory, chatCommandsPlugin, silenceLinksPlugin, quietHoursPlugin];
