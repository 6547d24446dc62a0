import { InputError } from '../errors.js';

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration flag as helm and kubectl spell them ("90s", "2m", "1m30s", "500ms"); a bare
 * number is seconds. Bad or zero values are bad input (exit 2).
 */
export function parseDuration(flag: string): (value: string) => number {
  return (value) => {
    const text = value.trim();
    let total = 0;
    if (/^[0-9]+(\.[0-9]+)?$/.test(text)) {
      total = Number(text) * 1_000;
    } else if (/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/.test(text)) {
      for (const [, amount, unit] of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)) {
        total += Number(amount) * (units[unit as string] ?? 0);
      }
    } else {
      throw new InputError(`${flag} must be a duration such as 30s, 2m or 1m30s, got "${value}".`);
    }
    if (!(total > 0)) throw new InputError(`${flag} must be longer than zero, got "${value}".`);
    return Math.round(total);
  };
}

/** "2 s", "1 min 30 s": a duration as a person reads it in a message. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}

const ageUnits: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };

/**
 * Parses an age flag (`prune --older-than`): days, hours, minutes, seconds ("30d", "12h",
 * "1d12h"), in seconds. A bare number is refused rather than guessed (days? seconds?), and so are
 * zero and anything negative: an age of 0 would mean "everything". Bad input is exit 2.
 */
export function parseAge(flag: string): (value: string) => number {
  return (value) => {
    const text = value.trim();
    if (!/^([0-9]+[dhms])+$/.test(text)) {
      throw new InputError(
        `${flag} must be an age such as 30d, 12h or 1d12h (d, h, m, s), got "${value}".`,
      );
    }
    let total = 0;
    for (const [, amount, unit] of text.matchAll(/([0-9]+)([dhms])/g)) {
      total += Number(amount) * (ageUnits[unit as string] ?? 0);
    }
    if (!(total > 0)) throw new InputError(`${flag} must be longer than zero, got "${value}".`);
    return total;
  };
}

/** "30 days", "1 day 12 h", "45 min": an age in seconds as a person reads it. */
export function formatAge(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3_600);
  const minutes = Math.floor((seconds % 3_600) / 60);
  const rest = seconds % 60;
  const parts = [
    days > 0 ? `${days} ${days === 1 ? 'day' : 'days'}` : '',
    hours > 0 ? `${hours} h` : '',
    minutes > 0 ? `${minutes} min` : '',
    rest > 0 ? `${rest} s` : '',
  ].filter((part) => part !== '');
  return parts.join(' ');
}
