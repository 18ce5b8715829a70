// Business hours per queue (time zone, weekly hours, holidays), from
// flows/hours.yaml. `isOpen` takes "now" as a parameter so tests pick the
// moment; the engine gets it from an injected clock.
import { z } from 'zod';
import type { FieldPath, YamlSource } from './yaml';

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
type Day = (typeof DAYS)[number];
const RANGE = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$/;
const HOLIDAY = /^(\d{4}-)?(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

function validZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const zone = z.string().refine(validZone, 'unknown time zone');
const ranges = z.union([z.literal('closed'), z.string().regex(RANGE, 'hours are HH:MM-HH:MM'), z.array(z.string().regex(RANGE, 'hours are HH:MM-HH:MM'))]);
const dayKey = z.string().regex(/^(sun|mon|tue|wed|thu|fri|sat)(-(sun|mon|tue|wed|thu|fri|sat))?$/, 'a day is mon..sun or a range like mon-fri');
const holidays = z.array(z.string().regex(HOLIDAY, 'a holiday is YYYY-MM-DD, or MM-DD every year')).default([]);

export const hoursSchema = z
  .object({
    timezone: zone.default('UTC'),
    holidays,
    queues: z.record(z.string(), z.object({ timezone: zone.optional(), weekly: z.record(dayKey, ranges), holidays }).strict()).default({}),
  })
  .strict();

export type HoursConfig = z.infer<typeof hoursSchema>;

interface QueueHours {
  timezone: string;
  weekly: Map<Day, [number, number][]>;
  holidays: Set<string>;
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

function expandDays(key: string): Day[] {
  const [from, to] = key.split('-') as Day[];
  const a = DAYS.indexOf(from);
  const b = DAYS.indexOf(to ?? from);
  const out: Day[] = [];
  for (let i = a; ; i = (i + 1) % 7) {
    out.push(DAYS[i]);
    if (i === b) break;
  }
  return out;
}

/** Local weekday, date and minute of `now` in a time zone. */
function localParts(now: Date, timeZone: string): { day: Day; date: string; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { day: get('weekday').toLowerCase().slice(0, 3) as Day, date: `${get('year')}-${get('month')}-${get('day')}`, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

export class BusinessHours {
  private readonly queues = new Map<string, QueueHours>();

  constructor(config: HoursConfig = { timezone: 'UTC', holidays: [], queues: {} }) {
    for (const [name, q] of Object.entries(config.queues)) {
      const weekly = new Map<Day, [number, number][]>();
      for (const [key, value] of Object.entries(q.weekly)) {
        const list = value === 'closed' ? [] : Array.isArray(value) ? value : [value];
        for (const day of expandDays(key)) {
          weekly.set(day, [...(weekly.get(day) ?? []), ...list.map((r) => r.split('-').map(minutes) as [number, number])]);
        }
      }
      this.queues.set(name, { timezone: q.timezone ?? config.timezone, weekly, holidays: new Set([...config.holidays, ...q.holidays]) });
    }
  }

  static validate(src: YamlSource, value: unknown): { hours?: BusinessHours; problems: string[] } {
    const parsed = hoursSchema.safeParse(value ?? {});
    if (!parsed.success) return { problems: src.zodProblems([], parsed.error) };
    const problems: string[] = [];
    for (const [name, q] of Object.entries(parsed.data.queues)) {
      for (const [key, value] of Object.entries(q.weekly)) {
        const list = value === 'closed' ? [] : Array.isArray(value) ? value : [value];
        list.forEach((r, i) => {
          const [a, b] = r.split('-').map(minutes);
          const p: FieldPath = ['queues', name, 'weekly', key, ...(Array.isArray(value) ? [i] : [])];
          if (a === b) problems.push(src.problem(p, `empty range ${r}`));
          if (b > 24 * 60) problems.push(src.problem(p, `${r} ends after 24:00`));
        });
      }
    }
    return { hours: new BusinessHours(parsed.data), problems };
  }

  has(queue: string): boolean {
    return this.queues.has(queue);
  }

  queueNames(): string[] {
    return [...this.queues.keys()];
  }

  /** Whether the queue is staffed at `now`. A range that ends before it starts runs past midnight. */
  isOpen(queue: string, now: Date): boolean {
    const q = this.queues.get(queue);
    if (!q) return false;
    const { day, date, minute } = localParts(now, q.timezone);
    if (q.holidays.has(date) || q.holidays.has(date.slice(5))) return false;
    const today = q.weekly.get(day) ?? [];
    if (today.some(([a, b]) => (b > a ? minute >= a && minute < b : minute >= a))) return true;
    const yesterday = q.weekly.get(DAYS[(DAYS.indexOf(day) + 6) % 7]) ?? [];
    return yesterday.some(([a, b]) => b < a && minute < b);
  }
}
