/** Masking from declared secret parts (adapters/shared/mask.ts): what an adapter's maskEndpoint may build on. */
import { describe, expect, it } from 'vitest';
import { maskSecret, maskUrl, secretValues } from '../../adapters/shared/mask.js';

const TOKEN = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';

describe('secretValues', () => {
  it('finds query, path, userinfo and whole-path credentials', () => {
    expect(secretValues(`https://x.example/send?access_token=${TOKEN}&v=1`, [{ in: 'query', name: 'access_token' }])).toEqual([TOKEN]);
    expect(secretValues(`https://x.example/hook/${TOKEN}?a=1`, [{ in: 'path', after: '/hook/' }])).toEqual([TOKEN]);
    expect(secretValues(`chat:${TOKEN}`, [{ in: 'path', after: 'chat:' }])).toEqual([TOKEN]);
    expect(secretValues('smtps://me:p%40ss@mail.example:465', [{ in: 'userinfo' }])).toEqual(['me', 'p@ss']);
    expect(secretValues('https://x.example/a/b?c=d', [{ in: 'pathAndQuery' }])).toEqual(['/a/b?c=d']);
    expect(secretValues('not a url', [{ in: 'query', name: 'k' }])).toEqual([]);
  });
});

describe('maskUrl', () => {
  it('keeps the shape and hides each declared part', () => {
    expect(maskUrl(`https://x.example/send?access_token=${TOKEN}&v=1`, [{ in: 'query', name: 'access_token' }])).toBe(
      'https://x.example/send?access_token=a1b2…c5d6&v=1',
    );
    expect(maskUrl(`https://x.example/services/T1/B2/${TOKEN}`, [{ in: 'path', after: '/services/' }])).toBe('https://x.example/services/T1/B…c5d6');
    expect(maskUrl('smtps://me:secret-pass@mail.example:465', [{ in: 'userinfo' }])).toBe('smtps://***@mail.example:465');
    expect(maskUrl(`https://x.example/hooks/${TOKEN}?k=v`, [{ in: 'pathAndQuery' }])).toBe('https://x.example/…');
    expect(maskUrl('https://x.example/send?key=short', [{ in: 'query', name: 'key' }])).toBe('https://x.example/send?key=***');
  });

  it('answers *** for a value it cannot parse, rather than the value', () => {
    expect(maskUrl(`::${TOKEN}`, [{ in: 'query', name: 'k' }])).toBe('***');
  });

  it('never returns a long secret whole', () => {
    expect(maskSecret(TOKEN)).not.toContain(TOKEN.slice(4, -4));
    expect(maskSecret('short')).toBe('***');
  });
});
