/**
 * Writes topics and webhook subscriptions straight through Herald's repositories into a data dir,
 * before a server starts on it: 100,000 subscriptions in seconds instead of 100,000 API calls.
 */
import { hkdfSync } from 'node:crypto';
import { webhookAdapter } from '../../adapters/webhook/index.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { newId } from '../../src/store/ids.js';
import { MASKS_VERSION, MASKS_VERSION_KEY } from '../../src/store/migrate-masks.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { type SubscriptionRecord, SubscriptionRepo } from '../../src/store/subscriptions.js';
import { TopicRepo } from '../../src/store/topics.js';
import { SECRET_KEY } from './server.js';

/** Subscriptions created at once (one group commit each). */
const CHUNK = 2_000;

export async function seed(dataDir: string, topics: { name: string; endpoints: string[] }[]): Promise<void> {
  const key = Buffer.from(SECRET_KEY, 'base64');
  // the same derivation as src/server.ts
  const fingerprintKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'herald endpoint fingerprint', 32));
  const store = new SqliteStore(dataDir);
  const subs = new SubscriptionRepo(store, new SecretBox(key), fingerprintKey, false);
  const topicRepo = new TopicRepo(store);
  const webhook = webhookAdapter.create({} as never);
  try {
    // masks made by this version, as a data dir this version wrote says (src/store/migrate-masks.ts)
    await store.set(MASKS_VERSION_KEY, MASKS_VERSION);
    for (const t of topics) {
      const now = new Date().toISOString();
      await topicRepo.create({ name: t.name, displayName: t.name, createdAt: now, updatedAt: now });
      for (let i = 0; i < t.endpoints.length; i += CHUNK) {
        await Promise.all(
          t.endpoints.slice(i, i + CHUNK).map((endpoint) => {
            const rec: SubscriptionRecord = {
              id: newId('s'),
              topic: t.name,
              protocol: 'webhook',
              endpoint: subs.seal(endpoint),
              fingerprint: subs.fingerprint(t.name, endpoint),
              maskedEndpoint: webhook.maskEndpoint(endpoint),
              status: 'active',
              source: 'api',
              createdBy: 'bench',
              createdAt: now,
            };
            return subs.create(rec);
          }),
        );
      }
    }
  } finally {
    await store.close();
  }
}
