/**
 * Durations as people type them in chat and forms: `30m`, `2h`, `1d`, `1h30m`, `7d`. Units are
 * s, m, h, d and w; a bare number is minutes. Anything else is refused (undefined).
 */
const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const WHOLE = /^(?:\d{1,6}[smhdw])+$/;
const PART = /(\d{1,6})([smhdw])/g;

export function parseDuration(text: string): number | undefined {
  const s = text.trim().toLowerCase();
  if (/^\d{1,6}$/.test(s)) return Number(s) * UNIT_MS.m!;
  if (!WHOLE.test(s)) return undefined;
  let ms = 0;
  for (const [, n, unit] of s.matchAll(PART)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms > 0 ? ms : undefined;
}

/** The shortest exact spelling: 5400000 → "1h30m", 86400000 → "1d". */
export function formatDurationMs(ms: number): string {
  let rest = Math.max(0, Math.round(ms / 1000)) * 1000;
  const out: string[] = [];
  for (const unit of ['d', 'h', 'm', 's']) {
    const size = UNIT_MS[unit]!;
    const n = Math.floor(rest / size);
    if (n > 0) out.push(`${n}${unit}`);
    rest -= n * size;
  }
  return out.join('') || '0s';
}
