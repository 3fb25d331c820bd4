/**
 * The bench's webhook receiver, in a process of its own (so it costs neither Herald nor the bare
 * loop any CPU). Answers every POST at once; the parent asks over IPC when N requests have arrived.
 */
import { createServer } from 'node:http';

let count = 0;
let expect = Number.POSITIVE_INFINITY;
let times: number[] = [];
let keepTimes = false;

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    count += 1;
    if (keepTimes) times.push(Date.now());
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' }).end('{"ok":true}');
    if (count === expect) process.send!({ type: 'reached', count, at: Date.now() });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send!({ type: 'listening', port: (server.address() as { port: number }).port }));

process.on('message', (m: { type: string; n?: number; keepTimes?: boolean }) => {
  if (m.type === 'reset') {
    count = 0;
    times = [];
    expect = m.n ?? Number.POSITIVE_INFINITY;
    keepTimes = !!m.keepTimes;
    process.send!({ type: 'reset' });
  } else if (m.type === 'times') process.send!({ type: 'times', times, count });
});
process.on('disconnect', () => process.exit(0));
