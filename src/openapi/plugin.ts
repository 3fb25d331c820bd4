/** GET /openapi.json: the API description, no token needed. */
import type { PluginFactory } from '../plugins.js';
import { openApiDocument } from './document.js';

export const openApiPlugin: PluginFactory = () => ({
  name: 'openapi',
  mount(app) {
    app.get('/openapi.json', (_req, res) => {
      res.json(openApiDocument());
    });
  },
});
