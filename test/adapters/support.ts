/** What the channel adapter tests share: a message, a delivery loop like the core's, a captured log. */
import { Writable } from 'node:stream';
import winston from 'winston';
import type { Adapter, Outcome, OutboundMessage, SendContext, Target } from '../../adapters/types.js';

export const msg = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  messageId: 'm1',
  deliveryId: 'm1.00000',
  topic: 'db-alerts',
  subject: 'Disk almost full',
  text: 'Volume **/data** is at 97% & rising. See [the runbook](https://wiki.example.com/rb/disk?a=1&b=2).',
  format: 'markdown',
  level: 'warning',
  mentions: {},
  attributes: {},
  createdAt: '2026-11-01T00:00:00.000Z',
  ...over,
});

/** Sends every payload in order, as the core does; stops at the first failure. */
export async function deliver(adapter: Adapter, target: Target, m: OutboundMessage, ctx: SendContext): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const payload of adapter.render(m, target)) {
    const out = await adapter.send(target, payload, ctx);
    outcomes.push(out);
    if (!out.ok) break;
  }
  return outcomes;
}

/** A logger whose every line is kept, to search for secrets. */
export function capturedLog(): { log: winston.Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: winston.createLogger({ level: 'silly', transports: [new winston.transports.Stream({ stream: sink })] }), lines };
}

/** A 60 KB markdown message: CJK, links, inline code, a code fence, a table; each line numbered. */
export function bigMessage(): { text: string; lines: string[] } {
  const lines = Array.from({ length: 900 }, (_, i) => `- 第${i}行 line ${i}: 服务 <api> & [link](https://example.com/${i}?a=1&b=2) \`code ${i}\``);
  const text = `${lines.slice(0, 450).join('\n')}\n\n\`\`\`\nfenced <block> & more\n\`\`\`\n\n${lines.slice(450).join('\n')}`;
  return { text, lines };
}

/** `needles` appear in `haystack` in this order. */
export function inOrder(haystack: string, needles: string[]): boolean {
  let from = 0;
  for (const n of needles) {
    const at = haystack.indexOf(n, from);
    if (at < 0) return false;
    from = at + n.length;
  }
  return true;
}
