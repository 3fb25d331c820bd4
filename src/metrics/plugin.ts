/** GET /metrics: Prometheus text, no token needed (scrape it from inside your network only). */
import type { PluginFactory } from '../plugins.js';
import { createMetrics } from './collectors.js';

export const metricsPlugin: PluginFactory = (h) => {
  const metrics = createMetrics(h.events, h.queue);
  return {
    name: 'metrics',
    mount(app) {
      app.get('/metrics', async (_req, res) => {
        const body = await metrics.registry.metrics();
        res.type(metrics.registry.contentType).send(body);
      });
    },
    async stop() {
      metrics.detach();
    },
  };
};
