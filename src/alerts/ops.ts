/**
 * The alert's life after it is sent: signed silence links (HERALD_PUBLIC_URL and an Alertmanager
 * both configured) and silences in Alertmanager (HERALD_ALERTMANAGER_URL). Without an
 * Alertmanager there are neither, and alerts keep Alertmanager's own silence form link.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Publish } from '../publish/publisher.js';
import type { AuditRepo } from '../store/audit.js';
import type { Store } from '../store/store.js';
import { AlertmanagerClient } from './alertmanager-client.js';
import { linkKeyFrom, SilenceLinks } from './silence-link.js';
import { SilenceService } from './silences.js';

export interface AlertOps {
  links?: SilenceLinks;
  silences?: SilenceService;
  close(): Promise<void>;
}

export function createAlertOps(
  deps: { config: Pick<Config, 'publicUrl' | 'alertmanager'>; store: Store; audit: AuditRepo; publish: Publish; log: Logger },
  secretKey: Buffer,
): AlertOps {
  const { config } = deps;
  const am = config.alertmanager.url ? new AlertmanagerClient({ ...config.alertmanager, url: config.alertmanager.url }) : undefined;
  const silences = am ? new SilenceService(am, deps.store, deps.publish, deps.log) : undefined;
  const links = am && config.publicUrl ? new SilenceLinks(linkKeyFrom(secretKey), config.publicUrl) : undefined;
  if (am && !config.publicUrl) deps.log.info('HERALD_PUBLIC_URL is not set: alerts carry no silence links (chat /silence still works)');
  return { links, silences, close: async () => am?.close() };
}
