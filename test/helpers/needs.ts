/**
 * What the full suite needs from the machine (README "Tests"): Redis, Chromium, the Alertmanager
 * binary. A test file whose need is missing is skipped with one printed line naming the missing
 * piece and the command that installs it; .ci/run installs everything and fails on any skip.
 */
const printed = new Set<string>();

/** true when the piece is missing (the caller skips); prints one line per piece per test file. */
export function missing(piece: string, present: boolean, install: string, detail?: string): boolean {
  if (present) return false;
  if (!printed.has(piece)) {
    printed.add(piece);
    console.warn(`skipping tests that need ${piece}${detail ? ` (${detail})` : ''}: install it with \`${install}\``);
  }
  return true;
}
