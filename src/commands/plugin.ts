/**
 * The chat-commands plugin: for every adapter with an inbound side, build its channel around a
 * ChatCommandHub, mount its callbacks at /v1/callbacks/<protocol> (public: the channel verifies its
 * own signatures), and start and stop it with Herald. Adapters whose credentials are not configured
 * return no channel and cost nothing.
 */
import { Router } from 'express';
import type { InboundChannel } from '../../adapters/types.js';
import type { PluginFactory } from '../plugins.js';
import { ChatCommandHub } from './hub.js';

export const CALLBACK_PREFIX = '/v1/callbacks';

export const chatCommandsPlugin: PluginFactory = (h) => {
  const channels: { protocol: string; channel: InboundChannel }[] = [];
  for (const [protocol, adapter] of h.adapters) {
    if (!adapter.inbound) continue;
    const hub = new ChatCommandHub(h, protocol);
    const channel = adapter.inbound(hub);
    if (!channel) continue;
    hub.attach(channel);
    channels.push({ protocol, channel });
  }
  if (channels.length === 0) return undefined;
  return {
    name: 'chat-commands',
    mount(app) {
      for (const { protocol, channel } of channels) {
        if (!channel.mount) continue;
        const router = Router();
        channel.mount(router);
        app.use(`${CALLBACK_PREFIX}/${protocol}`, router);
      }
    },
    async start() {
      for (const { protocol, channel } of channels) {
        // A platform that is down at start must not keep Herald from serving: say so and go on.
        await channel.start?.().then(
          () => h.log.info('chat commands: channel started', { protocol }),
          (err) => h.log.error('chat commands: channel did not start; commands from this platform are off', { protocol, err }),
        );
      }
    },
    async stop() {
      for (const { protocol, channel } of [...channels].reverse()) {
        await channel.stop?.().catch((err) => h.log.warn('chat commands: channel stop failed', { protocol, err }));
      }
    },
  };
};
