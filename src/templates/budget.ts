/**
 * The template budget: a render stops when its output passes `templates.maxOutputBytes` or its time
 * passes `templates.renderTimeoutMs`, with a TemplateBudgetError that says which.
 *
 * Why it cannot freeze the process, without a worker thread: in a Handlebars template only block
 * helpers repeat work — `each` (and a section over a list, which Handlebars hands to `each`) loops,
 * and recursion through an inline partial needs a block (`if`, `with`, a section) to end. Every
 * built-in block helper is wrapped here: before each iteration and each block it checks the clock,
 * and `each` checks the size of the output it is building. Any other output is a fixed number of
 * string joins per template (V8 joins long strings without copying), measured once at the end.
 * So a nested `#each` that would render 15 MB stops at the budget, within a few milliseconds of the
 * time limit, and every other request is answered meanwhile. Renders are synchronous, so one
 * budget is live at a time.
 */
import type { HelperDelegate, HelperOptions } from 'handlebars';

export interface RenderLimits {
  /** UTF-8 bytes of output */
  maxOutputBytes: number;
  /** wall-clock time of one render */
  renderTimeoutMs: number;
}

/** Far above any real alert template (kilobytes, a few milliseconds); config/default.yaml repeats them. */
export const DEFAULT_LIMITS: RenderLimits = { maxOutputBytes: 2 * 1024 * 1024, renderTimeoutMs: 1_000 };

export class TemplateBudgetError extends Error {
  constructor(
    readonly limit: 'maxOutputBytes' | 'renderTimeoutMs',
    message: string,
  ) {
    super(message);
    this.name = 'TemplateBudgetError';
  }
}

interface Budget {
  limits: RenderLimits;
  deadline: number;
}

let live: Budget | undefined;

function checkTime(): void {
  if (live && performance.now() > live.deadline) {
    throw new TemplateBudgetError(
      'renderTimeoutMs',
      `the template ran longer than templates.renderTimeoutMs (${live.limits.renderTimeoutMs} ms) and was stopped`,
    );
  }
}

function tooLarge(limits: RenderLimits): TemplateBudgetError {
  return new TemplateBudgetError(
    'maxOutputBytes',
    `the template's output passed templates.maxOutputBytes (${limits.maxOutputBytes} bytes) and was stopped`,
  );
}

/** Whether `s` is over the byte limit: its length is a lower bound of its UTF-8 size, 3× an upper one. */
function over(s: string, max: number): boolean {
  if (s.length > max) return true;
  return s.length * 3 > max && Buffer.byteLength(s, 'utf8') > max;
}

/** Runs one render under the budget; checks its whole output at the end. */
export function withBudget(limits: RenderLimits, run: () => string): string {
  const outer = live;
  live = { limits, deadline: performance.now() + limits.renderTimeoutMs };
  try {
    const out = run();
    if (over(out, limits.maxOutputBytes)) throw tooLarge(limits);
    return out;
  } catch (err) {
    // V8 refuses strings past ~512 MB: that is this budget too, reached another way
    if (err instanceof RangeError && /string length/i.test(err.message)) throw tooLarge(limits);
    throw err;
  } finally {
    live = outer;
  }
}

/** The block bodies a helper runs, counted: clock before each, `each`'s own output after each. */
function budgeted(options: HelperOptions, counted: boolean): HelperOptions {
  let built = 0;
  const wrap = (fn: HelperOptions['fn']) =>
    typeof fn === 'function'
      ? (ctx: unknown, opts?: unknown) => {
          checkTime();
          const out = (fn as (c: unknown, o?: unknown) => string)(ctx, opts);
          if (counted && live) {
            built += out.length;
            if (built > live.limits.maxOutputBytes) throw tooLarge(live.limits);
          }
          return out;
        }
      : fn;
  return { ...options, fn: wrap(options.fn), inverse: wrap(options.inverse) } as HelperOptions;
}

/** Wraps the instance's built-in block helpers (each, with, if, unless, a section) in the budget. */
export function budgetBlockHelpers(helpers: Record<string, HelperDelegate>): void {
  for (const name of ['each', 'with', 'if', 'unless', 'blockHelperMissing']) {
    const original = helpers[name];
    if (!original) continue;
    helpers[name] = function (this: unknown, ...args: unknown[]) {
      checkTime();
      const options = args.at(-1) as HelperOptions;
      if (options && typeof options === 'object' && 'fn' in options) args[args.length - 1] = budgeted(options, name === 'each' || name === 'blockHelperMissing');
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
}
