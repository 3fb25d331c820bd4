import { describe, expect, it } from 'vitest';
import { decode, type FanOutEntry, packFanOut } from '../../src/publish/fan-out.js';

const read = (entries: FanOutEntry[]) => {
  const fo = decode(packFanOut('m1', 'ops', '2026-01-01T00:00:00.000Z', entries));
  return { length: fo.length, all: Array.from({ length: fo.length }, (_, i) => fo.at(i)) };
};

describe('a fan-out record read one entry at a time', () => {
  it('gives back every entry, in order, across runs of kinds', () => {
    const entries: FanOutEntry[] = [
      ['s_a', 'webhook', 'pending'],
      ['s_bb', 'webhook', 'pending'],
      ['s_c', 'dingtalk', 'muted'],
      ['s_ddd', 'webhook', 'pending', 1, 1_700_000_000_000],
      ['s_e', 'webhook', 'failed', undefined, undefined, 'too large'],
      ['s_f', 'webhook', 'pending'],
    ];
    const { length, all } = read(entries);
    expect(length).toBe(6);
    expect(all.map((e) => e[0])).toEqual(['s_a', 's_bb', 's_c', 's_ddd', 's_e', 's_f']);
    expect(all.map((e) => e.slice(1))).toEqual(entries.map((e) => e.slice(1)));
    expect(all[3]).toEqual(['s_ddd', 'webhook', 'pending', 1, 1_700_000_000_000]);
    expect(all[4]![5]).toBe('too large');
  });

  it('a large one, one kind, and the last id whole', () => {
    const entries = Array.from({ length: 5_000 }, (_, i): FanOutEntry => [`s_${i}`, 'webhook', 'pending']);
    const { length, all } = read(entries);
    expect(length).toBe(5_000);
    expect(all[0]).toEqual(['s_0', 'webhook', 'pending']);
    expect(all[4_999]).toEqual(['s_4999', 'webhook', 'pending']);
    expect(all).toEqual(entries);
  });

  it('an empty fan-out, and ids with a space kept whole', () => {
    expect(read([]).length).toBe(0);
    const odd: FanOutEntry[] = [['a b', 'webhook', 'pending'], ['c', 'lark', 'held']];
    expect(read(odd).all).toEqual(odd);
  });
});
