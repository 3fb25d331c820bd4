/**
 * Chat-command callbacks: platforms call these, not users. Each verifies its own signature (no
 * bearer token) and is mounted only while its platform's chat channel is configured.
 */
import type { Operation, Paths } from './types.js';

const callback = (channel: string, operationId: string, summary: string): Operation => ({
  tags: ['Callbacks'],
  operationId,
  summary,
  security: [],
  'x-herald-channel': channel,
  responses: {
    '200': { description: 'Verified and handled.' },
    '401': { description: 'Unsigned, mis-signed, replayed or undecryptable: refused, nothing changed.' },
  },
});

export const callbackPaths: Paths = {
  '/v1/callbacks/lark': {
    post: callback('lark', 'larkEvents', 'Lark event subscription (im.message.receive_v1), verified with the app\'s keys'),
  },
  '/v1/callbacks/wecom': {
    get: callback('wecom', 'wecomVerifyUrl', 'WeCom AI bot URL verification (echostr)'),
    post: callback('wecom', 'wecomMessages', 'WeCom AI bot messages, verified and decrypted with @wecom/crypto'),
  },
};
