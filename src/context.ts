/** Everything a request handler, a worker or a chat command may use; built once in src/server.ts. */
import type { EventEmitter } from 'node:events';
import type { Adapter, HttpClient } from '../adapters/types.js';
import type { AlertOps } from './alerts/ops.js';
import type { Config } from './config/schema.js';
import type { DeliveryQueue } from './delivery/queue.js';
import type { Logger } from './log.js';
import type { Intake } from './publish/draft.js';
import type { Publish } from './publish/publisher.js';
import type { EndpointPolicy } from './security/endpoint-policy.js';
import type { AuditRepo } from './store/audit.js';
import type { MessageRepo } from './store/messages.js';
import type { Store } from './store/store.js';
import type { SubscriptionRepo } from './store/subscriptions.js';
import type { TemplateRepo } from './store/templates.js';
import type { TokenRepo } from './store/tokens.js';
import type { TopicRepo } from './store/topics.js';

export interface Herald {
  config: Config;
  log: Logger;
  store: Store;
  topics: TopicRepo;
  subscriptions: SubscriptionRepo;
  templates: TemplateRepo;
  messages: MessageRepo;
  tokens: TokenRepo;
  audit: AuditRepo;
  adapters: ReadonlyMap<string, Adapter>;
  /** the core HTTP client the workers send through (one attempt: subscription tests) */
  http: HttpClient;
  policy: EndpointPolicy;
  intakes: readonly Intake[];
  publish: Publish;
  queue: DeliveryQueue;
  /** published, attempt, delivered, failed, wait, latency: see src/delivery/worker.ts */
  events: EventEmitter;
  state: { shuttingDown: boolean };
  /** silence links and Alertmanager silences (src/alerts/ops.ts) */
  alerts: AlertOps;
}
