/**
 * Key rotation: at start, every subscription sealed with HERALD_SECRET_KEY_PREVIOUS is sealed again
 * with HERALD_SECRET_KEY, and its duplicate-check fingerprint (keyed by a key derived from the
 * secret key) is recomputed. Each subscription is rewritten in one store batch, so a crash midway
 * leaves every record readable with one key or the other; the next start finishes the job.
 */
import type { Logger } from '../log.js';
import type { Store, WriteOp } from '../store/store.js';
import type { SubscriptionRecord, SubscriptionRepo } from '../store/subscriptions.js';
import type { TopicRepo } from '../store/topics.js';
import type { SecretBox } from './secret-box.js';

export interface ResealDeps {
  store: Store;
  topics: TopicRepo;
  subscriptions: SubscriptionRepo;
  box: SecretBox;
  log: Logger;
}

export interface ResealResult {
  resealed: number;
  /** opened by no key: left as they are, named by id in the log */
  unreadable: number;
}

export async function resealSubscriptions(d: ResealDeps): Promise<ResealResult> {
  const result: ResealResult = { resealed: 0, unreadable: 0 };
  for (const topic of await d.topics.list()) {
    for (const sub of await d.subscriptions.listByTopic(topic.name)) {
      let endpoint: { plain: string; stale: boolean };
      let secret: { plain: string; stale: boolean } | undefined;
      type Opened = { plain: string; stale: boolean };
      let extras: { endpoint: Opened; secret?: Opened; maskedEndpoint: string }[];
      try {
        endpoint = d.box.openStale(sub.endpoint);
        secret = sub.secret ? d.box.openStale(sub.secret) : undefined;
        extras = (sub.extraRobots ?? []).map((r) => ({ ...r, endpoint: d.box.openStale(r.endpoint), secret: r.secret ? d.box.openStale(r.secret) : undefined }));
      } catch {
        result.unreadable += 1;
        d.log.error('a subscription opens with neither HERALD_SECRET_KEY nor HERALD_SECRET_KEY_PREVIOUS', {
          subscriptionId: sub.id,
          topic: sub.topic,
        });
        continue;
      }
      if (!endpoint.stale && !secret?.stale && !extras.some((r) => r.endpoint.stale || r.secret?.stale)) continue;
      const fingerprint = d.subscriptions.fingerprint(sub.topic, endpoint.plain);
      const updated: SubscriptionRecord = {
        ...sub,
        endpoint: d.box.seal(endpoint.plain),
        secret: secret ? d.box.seal(secret.plain) : undefined,
        ...(sub.extraRobots
          ? {
              extraRobots: extras.map((r) => ({
                endpoint: d.box.seal(r.endpoint.plain),
                ...(r.secret ? { secret: d.box.seal(r.secret.plain) } : {}),
                maskedEndpoint: r.maskedEndpoint,
              })),
            }
          : {}),
        fingerprint,
      };
      // key names as in src/store/subscriptions.ts
      const ops: WriteOp[] = [{ op: 'set', key: `sub:${sub.id}`, value: updated }];
      if (fingerprint !== sub.fingerprint) {
        ops.push({ op: 'del', key: `sub-fp:${sub.topic}:${sub.fingerprint}` });
        ops.push({ op: 'set', key: `sub-fp:${sub.topic}:${fingerprint}`, value: sub.id });
      }
      await d.store.batch(ops);
      result.resealed += 1;
    }
    d.subscriptions.invalidate(topic.name);
  }
  if (result.resealed > 0) {
    await d.store.purge(); // the old ciphertexts leave the engine's files too
    d.log.info('sealed subscriptions again with the new secret key', { count: result.resealed });
  }
  return result;
}
