/**
 * Quiet hours of a subscription: `{from: "22:00", to: "08:00", timeZone: "Asia/Shanghai", except?}`.
 * Between `from` and `to` (local time of `timeZone`; across midnight when `from` is later than
 * `to`) messages are held unless they match `except` (a filter policy), and the held ones go out as
 * one digest at `to`. Pure functions of an injected clock.
 */
import { z } from 'zod';
import { type Attributes, type FilterPolicy, filterSchema, matchesFilter } from './filter.js';

export interface QuietHours {
  from: string;
  to: string;
  timeZone: string;
  except?: FilterPolicy;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;
const MINUTES_PER_DAY = 1440;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const quietHoursSchema = z
  .strictObject({
    from: z.string().regex(HHMM, 'from is a time of day, "HH:MM" (00:00-23:59)'),
    to: z.string().regex(HHMM, 'to is a time of day, "HH:MM" (00:00-23:59)'),
    timeZone: z.string().min(1).max(64).refine(isTimeZone, 'timeZone is an IANA time zone, e.g. "Asia/Shanghai" or "UTC"'),
    except: filterSchema.optional(),
  })
  .refine((q) => q.from !== q.to, { message: 'from and to must differ', path: ['to'] })
  .meta({
    description:
      'Between from and to (local time in timeZone; across midnight when from is later) messages are held and ' +
      'delivered as one digest at `to`, unless they match `except` (a filter policy).',
    example: { from: '22:00', to: '08:00', timeZone: 'Asia/Shanghai', except: { level: ['critical'] } },
  });

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Local time of day of `at` in `timeZone`, in minutes, and the seconds past that minute. */
function localClock(at: number, timeZone: string): { minutes: number; ms: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return { minutes: (Number(p.hour) % 24) * 60 + Number(p.minute), ms: at % 60_000 };
}

/** True while `at` lies within the quiet hours. */
export function inQuietHours(q: QuietHours, at: number): boolean {
  const t = localClock(at, q.timeZone).minutes;
  const from = minutesOf(q.from);
  const to = minutesOf(q.to);
  return from < to ? t >= from && t < to : t >= from || t < to;
}

/**
 * The instant the quiet hours that hold `at` end: the next local `to`. A DST change in between is
 * allowed for by re-reading the local clock at the first guess and correcting by the difference.
 */
export function quietHoursEnd(q: QuietHours, at: number): number {
  const { minutes, ms } = localClock(at, q.timeZone);
  const to = minutesOf(q.to);
  let delta = (to - minutes + MINUTES_PER_DAY) % MINUTES_PER_DAY || MINUTES_PER_DAY;
  let guess = at - ms + delta * 60_000;
  for (let i = 0; i < 2; i++) {
    const off = (to - localClock(guess, q.timeZone).minutes + MINUTES_PER_DAY) % MINUTES_PER_DAY;
    if (off === 0) break;
    // the local clock jumped: move by the signed difference (within half a day)
    delta = off > MINUTES_PER_DAY / 2 ? off - MINUTES_PER_DAY : off;
    guess += delta * 60_000;
  }
  return guess;
}

/** A message (or alert) with these attributes is held now: within quiet hours and not excepted. */
export function isHeld(q: QuietHours | undefined, attributes: Attributes, at: number): boolean {
  if (!q || !inQuietHours(q, at)) return false;
  return !(q.except && matchesFilter(q.except, attributes));
}

/** "22:00-08:00 Asia/Shanghai", for chat replies. */
export const describeQuietHours = (q: QuietHours | undefined) => (q ? `${q.from}-${q.to} ${q.timeZone}` : '');
