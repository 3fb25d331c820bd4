import { expect, it } from 'vitest';
import { markdownToText } from '../../adapters/shared/plain-text.js';

it('turns markdown into readable text, keeping words and link targets', () => {
  const md = [
    '## **[FIRING:1] HighCPU**',
    '<font color="warning">⚠️ WARNING</font> **db-1** is *hot*',
    '> quoted `code` here',
    '[Source](https://prom.example.com/graph?g0.expr=up) · https://bare.example.com',
    '```json',
    '{"a": 1}',
    '```',
    'a*b*c stays, 2 * 3 * 4 stays',
  ].join('\n');
  expect(markdownToText(md)).toBe(
    [
      '[FIRING:1] HighCPU',
      '⚠️ WARNING db-1 is hot',
      'quoted code here',
      'Source (https://prom.example.com/graph?g0.expr=up) · https://bare.example.com',
      '{"a": 1}',
      'a*b*c stays, 2 * 3 * 4 stays',
    ].join('\n'),
  );
});
