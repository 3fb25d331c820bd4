/** GET /v1/quotas: each quota (SMN's model) with what is used of it. */
import { Router } from 'express';
import type { Herald } from '../../context.js';
import { requireAdmin } from '../auth.js';

export interface QuotaView {
  name: string;
  limit: number;
  /** how much is used; for per-topic quotas, the fullest topic */
  used?: number;
  /** the topic that `used` counts, for per-topic quotas */
  topic?: string;
  unit: string;
}

export function quotaRoutes(h: Herald): Router {
  const r = Router();
  r.get('/quotas', requireAdmin, async (_req, res) => {
    const q = h.config.quotas;
    const topics = await h.topics.list();
    const counts = await Promise.all(topics.map((t) => h.subscriptions.countByTopic(t.name)));
    let fullest = -1;
    for (let i = 0; i < counts.length; i++) if (fullest < 0 || counts[i]! > counts[fullest]!) fullest = i;
    const quotas: QuotaView[] = [
      { name: 'topics', limit: q.topics, used: topics.length, unit: 'topics' },
      {
        name: 'subscriptionsPerTopic',
        limit: q.subscriptionsPerTopic,
        used: fullest >= 0 ? counts[fullest] : 0,
        topic: fullest >= 0 ? topics[fullest]!.name : undefined,
        unit: 'subscriptions',
      },
      { name: 'templates', limit: q.templates, used: await h.templates.count(), unit: 'templates' },
      { name: 'messageBytes', limit: q.messageBytes, unit: 'bytes per publish' },
    ];
    res.json({ quotas });
  });
  return r;
}
