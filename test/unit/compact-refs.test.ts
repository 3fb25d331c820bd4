import { describe, expect, it } from 'vitest';
import type { RoutingRef } from '../../src/routing/plan.js';
import { packRefs, unpackRefs } from '../../src/store/compact-refs.js';

describe('packed subscription targets', () => {
  it('unpacks to the same targets, in order: ids, each protocol, and the ones with routing fields whole', () => {
    const refs: RoutingRef[] = [
      { id: 's_1', protocol: 'webhook' },
      { id: 's_2', protocol: 'dingtalk' },
      { id: 's_3', protocol: 'webhook', filter: { level: ['critical'] } },
      { id: 's_4', protocol: 'lark', mutedUntil: '2030-01-01T00:00:00.000Z' },
      { id: 's_5', protocol: 'dingtalk', quietHours: { start: '22:00', end: '07:00', timezone: 'UTC' } as never },
      { id: 's_6', protocol: 'webhook' },
    ];
    const packed = packRefs(refs);
    expect(packed.whole).toBeUndefined();
    expect(packed.protocols).toEqual(['webhook', 'dingtalk', 'lark']);
    expect(packed.extras.size).toBe(3);
    expect(unpackRefs(packed)).toEqual(refs);
    // a second unpack gives the same again (nothing consumed)
    expect(unpackRefs(packed)).toEqual(refs);
  });

  it('keeps a large list as one string and one byte a target', () => {
    const refs = Array.from({ length: 10_000 }, (_, i): RoutingRef => ({ id: `s_${i}`, protocol: i % 3 ? 'webhook' : 'wecom' }));
    const packed = packRefs(refs);
    expect(typeof packed.ids).toBe('string');
    expect(packed.protocolOf).toBeInstanceOf(Uint8Array);
    expect(packed.extras.size).toBe(0);
    expect(unpackRefs(packed)).toEqual(refs);
  });

  it('an empty topic, and an id holding the separator, still round-trip', () => {
    expect(unpackRefs(packRefs([]))).toEqual([]);
    const odd: RoutingRef[] = [{ id: 'a\nb', protocol: 'webhook' }, { id: 'c', protocol: 'webhook' }];
    expect(unpackRefs(packRefs(odd))).toEqual(odd);
  });
});
