/**
 * Handing a lane on (Redis mode): a delivery step that ends runs the next in its line itself while
 * its chain is young, instead of waking that one's queue job: no queue round trip between two sends
 * of a busy robot. The step's end is one gate call (settle, leave, who is first: `handOver`), and a
 * delivery a chain ended has its queue job dropped at once (`dismiss`) rather than woken only to
 * find its record done. The next one's own job, if it runs meanwhile, meets the gate or a finished
 * record: nothing twice.
 */
import type { DeliveryRecord, MessageRepo } from '../store/messages.js';
import type { JobResult, QueueJob } from './queue.js';
import type { FirstUp, Settled, Waiter, WindowGate } from './window-gate.js';

/** A chain of hand-offs starts no new step after this long... */
const HAND_OFF_MS = 2_000;
/** ... nor after this many steps (Redis mode's WorkerDeps.handOff). */
export const HAND_OFF_STEPS = 100;

/** Where a step stands in a chain of hand-offs: how many steps ran before it, since when. */
export interface Chain {
  depth: number;
  since: number;
  /** set when the step handed the lane on */
  handed?: boolean;
  /** set when the step ended and its queue job was dropped */
  dismissed?: boolean;
}

export interface HandOffDeps {
  gate: WindowGate;
  messages: MessageRepo;
  /** runs a queued delivery now */
  wake: (id: string) => Promise<void>;
  /** drops a queued delivery's job unless it runs somewhere; true when it was dropped */
  dismiss?: (id: string) => Promise<boolean>;
  enqueue: (jobs: QueueJob[]) => Promise<void>;
  /** steps in a row a chain may run (0 or unset: wake only) */
  handOff?: number;
  stopping?: () => boolean;
}

/** the older of two waiters, as the gate script compares them ("ticket job") */
const older = (a: Waiter | undefined, b: Waiter | undefined) => (!a ? b : !b ? a : `${b.ticket} ${b.job}` < `${a.ticket} ${a.job}` ? b : a);

/** A record read along with the gate step before (absent: `record` undefined). */
export interface Preloaded {
  record?: DeliveryRecord;
}

export function createHandOff(deps: HandOffDeps, deliver: (id: string, chain: Chain, preloaded?: Preloaded) => Promise<JobResult>) {
  const { gate } = deps;
  /** where the records live, for the gate script to read the next one's (Redis) */
  const records = deps.messages.deliveryKey('');

  /** Whoever is first in line on the lane gets its turn now. */
  const wakeNext = async (lane: string, self: string) => {
    const next = (await gate.waiters(lane)).find((w) => w.job !== self);
    if (next) await deps.wake(next.job);
  };

  /** settle + leave + who is first, in one gate step */
  const over = (lane: string, settled: Settled | undefined, me: Waiter): Promise<FirstUp> => gate.handOver(lane, settled, me, records);

  /**
   * A step that ended in a chain: its job is not needed any more (best effort: else it runs and
   * finds the record done). A delivery made pending again meanwhile (a replay) is queued anew.
   */
  const dismiss = (id: string, chain: Chain) => {
    if (!deps.dismiss || chain.depth === 0) return;
    chain.dismissed = true;
    void deps
      .dismiss(id)
      .then(async (gone) => {
        if (gone && (await deps.messages.getDelivery(id))?.status === 'pending') await deps.enqueue([{ id, runAt: Date.now() }]);
      })
      .catch(() => {});
  };

  /** Runs the next in line (on the lane, or enlisted in its subscription's line and not at the gate yet) while the chain is young, else wakes it. */
  const on = async (lane: string, self: string, chain: Chain, first: FirstUp) => {
    chain.handed = true;
    const young = (deps.handOff ?? 0) > chain.depth && Date.now() - chain.since < HAND_OFF_MS && !deps.stopping?.();
    const next = older(first.lane, first.line);
    if (!young) {
      // the first in its line may not have looked at the gate yet (its job queued for later)
      const woken = [...new Set([first.lane?.job, next?.job])].filter((j): j is string => j !== undefined && j !== self);
      await Promise.all(woken.map((j) => deps.wake(j)));
      return;
    }
    if (!next || next.job === self) return;
    const step: Chain = { depth: chain.depth + 1, since: chain.since };
    const result = await deliver(next.job, step, first.peeked !== undefined ? { record: deps.messages.decodeDelivery(first.peeked) } : undefined);
    // its own job, unless dropped as it ended here: to wait its turn again, or to find its record done
    if (!step.dismissed) void deps.wake(next.job).catch(() => {});
    if ('done' in result && !step.handed) await wakeNext(lane, next.job); // it ended without its turn (a digest carried it, say)
  };

  return { wakeNext, over, dismiss, on };
}
