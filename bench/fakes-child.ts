/**
 * The DingTalk, Lark and WeCom fakes for the large-message bench, in a process of their own (their
 * JSON parsing must not slow the /healthz probe). Adds one robot each, sends their endpoints, and
 * answers `count` with the parts each has accepted and rejected.
 */
import { startDingtalkFake } from '../test/fakes/dingtalk-server.js';
import { startLarkFake } from '../test/fakes/lark-server.js';
import { startWecomFake } from '../test/fakes/wecom-server.js';

const rateLimit = { max: 10_000, perMs: 1_000 };
const fakes = [await startDingtalkFake(), await startLarkFake(), await startWecomFake()];
const robots = fakes.map((f) => ({ protocol: f.protocol, endpoint: f.addRobot({ rateLimit }).endpoint }));
process.send!({ type: 'robots', robots });
process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send!({ type: 'count', received: fakes.map((f) => f.received().length), rejected: fakes.map((f) => f.rejections().length) });
});
process.on('disconnect', () => {
  void Promise.all(fakes.map((f) => f.close())).then(() => process.exit(0));
});
