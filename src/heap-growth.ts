/**
 * How far V8 lets the heap grow past what the last full collection kept. Left alone, V8 on a
 * machine with a few GB picks up to 4× when objects are promoted quickly: a 100,000-delivery
 * fan-out keeps 50–80 MB live and V8 let the heap reach 250–300 MB before collecting (RSS 385–500
 * MB). Each delivery's objects (its record, the HTTP exchange) live while its request is on the
 * wire, long enough to be promoted, and die soon after: collecting at +30 % keeps the resident set
 * near 200 MB at no cost in throughput (the fan-out was faster: a smaller heap, fewer cache misses;
 * figures in docs/operations.md#memory).
 *
 * This is no cap: the heap may still grow as large as the work needs, V8 only collects sooner. A
 * heap flag given by the operator (NODE_OPTIONS, node arguments) is left alone.
 */
import { setFlagsFromString } from 'node:v8';

/** The heap may grow this much (percent) past the last full collection's live set before the next. */
export const HEAP_GROWING_PERCENT = 30;

const HEAP_FLAGS = /--(heap-growing-percent|max-old-space-size|max-semi-space-size|max-heap-size|optimize-for-size)\b/;

/** Sets the growing factor unless the operator set a heap flag; answers whether it did. */
export function tuneHeapGrowth(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  if (HEAP_FLAGS.test(execArgv.join(' ')) || HEAP_FLAGS.test(nodeOptions)) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
