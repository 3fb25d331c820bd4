/**
 * Data written before a mask was tightened: subscriptions keep the mask computed when they were
 * made, and audit entries from before "no endpoint in the trail" may hold one. At start, once per
 * MASKS_VERSION, every subscription's mask (and its extra robots') is computed again from its
 * sealed endpoint by its adapter, and every audit entry loses its `endpoint`/`endpoints` details;
 * then the engine's files are purged, so the old text is gone from disk too. Each record is
 * rewritten in one batch and only when it changes, so running it twice, from two instances at
 * once, or after a crash midway changes nothing more. Bump MASKS_VERSION when a mask changes.
 */
import type { Adapter } from '../../adapters/types.js';
import type { Logger } from '../log.js';
import type { AuditEntry } from './audit.js';
import { AUDIT_INDEX } from './indexes.js';
import type { Store, WriteOp, ZEntry } from './store.js';
import type { SubscriptionRecord, SubscriptionRepo } from './subscriptions.js';
import type { TopicRepo } from './topics.js';

export const MASKS_VERSION_KEY = 'masks-version';
export const MASKS_VERSION = 1;
const PAGE = 500;

export interface RemaskDeps {
  store: Store;
  topics: TopicRepo;
  subscriptions: SubscriptionRepo;
  adapters: ReadonlyMap<string, Adapter>;
  /** opens a sealed value (throws for one no key opens) */
  open: (sealed: string) => string;
  log: Logger;
}

export async function migrateMasks(d: RemaskDeps): Promise<{ remasked: number; scrubbed: number }> {
  if (((await d.store.get<number>(MASKS_VERSION_KEY)) ?? 0) >= MASKS_VERSION) return { remasked: 0, scrubbed: 0 };
  const remasked = await remask(d);
  const scrubbed = await scrubAudit(d.store);
  if (remasked || scrubbed) await d.store.purge();
  await d.store.set(MASKS_VERSION_KEY, MASKS_VERSION);
  if (remasked || scrubbed) d.log.info('masked stored endpoints again and removed endpoints from old audit entries', { remasked, scrubbed });
  return { remasked, scrubbed };
}

async function remask(d: RemaskDeps): Promise<number> {
  let n = 0;
  for (const topic of await d.topics.list()) {
    for (const sub of await d.subscriptions.listByTopic(topic.name)) {
      const adapter = d.adapters.get(sub.protocol);
      if (!adapter) continue; // its protocol is off here: another start (or instance) with it on does it
      let updated: SubscriptionRecord;
      try {
        updated = {
          ...sub,
          maskedEndpoint: adapter.maskEndpoint(d.open(sub.endpoint)),
          ...(sub.extraRobots ? { extraRobots: sub.extraRobots.map((r) => ({ ...r, maskedEndpoint: adapter.maskEndpoint(d.open(r.endpoint)) })) } : {}),
        };
      } catch {
        d.log.error('a subscription could not be masked again (its endpoint does not open)', { subscriptionId: sub.id, topic: sub.topic });
        continue;
      }
      if (JSON.stringify(updated) === JSON.stringify(sub)) continue;
      await d.store.set(`sub:${sub.id}`, updated);
      n += 1;
    }
    d.subscriptions.invalidate(topic.name);
  }
  return n;
}

/** Walks the whole trail, oldest first, PAGE entries at a time. */
async function scrubAudit(store: Store): Promise<number> {
  let n = 0;
  let after: ZEntry | undefined;
  for (;;) {
    const page = await store.zrange(AUDIT_INDEX, { limit: PAGE, order: 'asc', after });
    if (page.length === 0) return n;
    after = page[page.length - 1];
    const entries = await store.getMany<AuditEntry>(page.map((e) => `audit:${e.member}`));
    const ops: WriteOp[] = [];
    for (const e of entries) {
      if (!e?.details || !('endpoint' in e.details || 'endpoints' in e.details)) continue;
      const { endpoint: _e, endpoints: _es, ...rest } = e.details;
      ops.push({ op: 'set', key: `audit:${e.id}`, value: { ...e, details: rest } });
    }
    if (ops.length) await store.batch(ops);
    n += ops.length;
    if (page.length < PAGE) return n;
  }
}
