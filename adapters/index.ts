/** The platform registry: adding a platform is one folder in adapters/ and one line here. */
import type { AdapterFactory } from './types.js';
import { larkAdapter } from './lark/index.js';
import { webhookAdapter } from './webhook/index.js';

export const adapterFactories: readonly AdapterFactory[] = [larkAdapter, webhookAdapter];
