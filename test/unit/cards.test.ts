/** Which card the next state of alerts edits: exactly the same alerts, same subscription, inside the edit window. */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Adapter, Target } from '../../adapters/types.js';
import { CardRegistry } from '../../src/alerts/cards.js';
import type { MessageRecord } from '../../src/store/messages.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { tempDir } from '../helpers/herald.js';

const dir = tempDir();
const store = new SqliteStore(dir);
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const DAY = 86_400_000;
let now = 1_000_000_000_000;
const cards = new CardRegistry(store, () => now);
const editable = { edit: async () => ({ ok: true }), editWindowMs: () => 14 * DAY } as unknown as Adapter;
const target: Target = { subscriptionId: 's1', endpoint: 'chat:x' };
const msg = (id: string, alertKeys: string[]) => ({ id, alertKeys }) as MessageRecord;

describe('CardRegistry', () => {
  it('edits the card of exactly the same alerts, and only inside the window', async () => {
    await cards.remember(editable, target, msg('m1', ['a', 'b']), { platformMessageId: 'om_1', sentAt: now });
    expect((await cards.editable(editable, target, msg('m2', ['b', 'a'])))?.platformMessageId).toBe('om_1');
    expect(await cards.editable(editable, { ...target, subscriptionId: 's2' }, msg('m2', ['a', 'b']))).toBeUndefined();
    expect(await cards.editable(editable, target, msg('m1', ['a', 'b']))).toBeUndefined(); // its own message
    now += 15 * DAY;
    expect(await cards.editable(editable, target, msg('m3', ['a', 'b']))).toBeUndefined();
  });

  it('a state of fewer or other alerts than the card shows (one alert of a digest) is a new message', async () => {
    await cards.remember(editable, target, msg('d1', ['x', 'y', 'z']), { platformMessageId: 'om_digest', sentAt: now });
    expect(await cards.editable(editable, target, msg('m4', ['y']))).toBeUndefined();
    expect(await cards.editable(editable, target, msg('m5', ['x', 'y', 'z', 'w']))).toBeUndefined();
    expect((await cards.editable(editable, target, msg('m6', ['z', 'y', 'x'])))?.platformMessageId).toBe('om_digest');
  });

  it('a platform that cannot edit never gets a card to edit', async () => {
    const webhookRobot = { editWindowMs: () => 0 } as unknown as Adapter;
    await cards.remember(webhookRobot, target, msg('m7', ['q']), { platformMessageId: 'x', sentAt: now });
    expect(await cards.editable(webhookRobot, target, msg('m8', ['q']))).toBeUndefined();
  });
});
