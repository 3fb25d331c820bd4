/** Starts and stops the release of what quiet hours held (src/routing/quiet-release.ts) with Herald. */
import type { PluginFactory } from '../plugins.js';
import { createQuietRelease } from './quiet-release.js';

export const quietHoursPlugin: PluginFactory = (h) => {
  const release = createQuietRelease({
    store: h.store,
    messages: h.messages,
    subscriptions: h.subscriptions,
    queue: h.queue,
    log: h.log,
    publicUrl: h.config.publicUrl,
  });
  return {
    name: 'quiet-hours',
    async start() {
      release.start();
    },
    stop: () => release.stop(),
  };
};
