/**
 * A robot's sends go one at a time, in the order they came: parts of a split message stay in order,
 * and the sliding-window gate sees each send settle before the next. In one process a promise chain
 * per robot does it; across instances (Redis mode) Bottleneck's clustered group does, see
 * src/redis/mode.ts.
 */
import type Bottleneck from 'bottleneck';

export interface RobotLanes {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

const noop = () => {};

/** One process: a promise chain per robot (a local Bottleneck group's job machinery cost a tenth of a fan-out's CPU). */
export class LocalLanes implements RobotLanes {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key);
    const run = prev ? prev.then(fn) : fn();
    const tail = run.then(noop, noop);
    this.tails.set(key, tail);
    void tail.then(() => this.tails.get(key) === tail && this.tails.delete(key));
    return run;
  }
}

/** Many instances: a clustered Bottleneck group (maxConcurrent 1 per robot) holds the lane in Redis. */
export function bottleneckLanes(group: Bottleneck.Group): RobotLanes {
  return { run: (key, fn) => group.key(key).schedule(fn) };
}
