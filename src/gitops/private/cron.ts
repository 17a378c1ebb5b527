/**
 * Argo CD's sync window schedule syntax (argoproj/argo-cd `SyncWindow.Validate`,
 * pkg/apis/application/v1alpha1/app_project_types.go): robfig/cron v3 with
 * `cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)`: exactly five fields, no
 * descriptors (`@daily`), no seconds. Each field is a comma-separated list of `*`, `?`, `a`, `a-b`, each with
 * an optional `/step` (`a/step` runs to the field's maximum); months and weekdays also take names (`jan`,
 * `mon`, case-insensitive). Bounds (robfig/cron parser.go): minute 0-59, hour 0-23, day of month 1-31,
 * month 1-12, day of week 0-6.
 */
const FIELDS: { name: string; min: number; max: number; names?: string[] }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** Why `schedule` is not a schedule Argo CD parses, or undefined when it is. */
export function cronProblem(schedule: unknown): string | undefined {
  if (typeof schedule !== 'string') return 'must be a 5-field cron expression';
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5 || schedule.trim() === '') return `must be a 5-field cron expression (minute hour day-of-month month day-of-week), has ${schedule.trim() === '' ? 0 : fields.length}`;
  for (let i = 0; i < 5; i++) {
    const f = FIELDS[i];
    for (const part of fields[i].split(',')) {
      const problem = rangeProblem(part, f);
      if (problem) return `has an invalid ${f.name} field '${fields[i]}': ${problem}`;
    }
  }
  return undefined;
}

function rangeProblem(expr: string, f: { min: number; max: number; names?: string[] }): string | undefined {
  const slash = expr.split('/');
  if (slash.length > 2) return 'too many slashes';
  const range = slash[0];
  const hyphen = range.split('-');
  if (hyphen.length > 2) return 'too many hyphens';
  let start: number;
  let end: number;
  if (range === '*' || range === '?') {
    start = f.min;
    end = f.max;
  } else {
    const a = value(hyphen[0], f);
    if (a === undefined) return `'${hyphen[0]}' is not a number${f.names ? ' or a name' : ''}`;
    start = a;
    if (hyphen.length === 2) {
      const b = value(hyphen[1], f);
      if (b === undefined) return `'${hyphen[1]}' is not a number${f.names ? ' or a name' : ''}`;
      end = b;
    } else {
      end = slash.length === 2 ? f.max : a;
    }
  }
  if (slash.length === 2) {
    if (!/^\d+$/.test(slash[1]) || Number(slash[1]) === 0) return 'the step must be a positive whole number';
  }
  if (start < f.min) return `${start} is below ${f.min}`;
  if (end > f.max) return `${end} is above ${f.max}`;
  if (start > end) return `the range starts after it ends (${start}-${end})`;
  return undefined;
}

function value(text: string, f: { names?: string[] }): number | undefined {
  const named = f.names?.indexOf(text.toLowerCase());
  if (named !== undefined && named >= 0) return f.names!.length === 12 ? named + 1 : named;
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * Whether `zone` is an IANA time zone Go's `time.LoadLocation` loads (Argo CD silently falls back to UTC for
 * anything else, so a typo moves the window). `UTC` and `Local` aside, the zone database both use is the
 * IANA one; Node's ICU accepts exactly the IANA names (and their links).
 */
export function isTimeZone(zone: unknown): boolean {
  if (typeof zone !== 'string' || zone === '' || zone === 'Local') return false;
  if (zone === 'UTC') return true;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: zone });
  } catch {
    return false;
  }
  // ICU also takes offsets ('+01:00') and lowercase names, which Go's LoadLocation does not.
  return /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone) && zone === canonicalCase(zone);
}

function canonicalCase(zone: string): string {
  try {
    // resolvedOptions() returns the zone as ICU spells it (case-corrected, links kept as given otherwise)
    const resolved = new Intl.DateTimeFormat(undefined, { timeZone: zone }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone;
  } catch {
    return '';
  }
}
