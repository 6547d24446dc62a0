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
