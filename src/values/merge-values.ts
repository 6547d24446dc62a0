import { masked } from '../plan/secret-value.js';
import type { Values } from './render-values.js';

const isObject = (v: unknown): v is Values =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** helm's own rule for values: maps merge key by key, lists and scalars are replaced. */
export function mergeValues(base: Values, overrides: Values): Values {
  const result: Values = structuredClone(base);
  for (const [key, value] of Object.entries(overrides)) {
    const current = result[key];
    result[key] =
      isObject(current) && isObject(value) ? mergeValues(current, value) : structuredClone(value);
  }
  return result;
}

/** Leaves of a values tree as dotted paths; lists are leaves (helm replaces them whole). */
export function flattenValues(values: Values, prefix = ''): Map<string, unknown> {
  const leaves = new Map<string, unknown>();
  for (const [key, value] of Object.entries(values)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isObject(value) && Object.keys(value).length > 0) {
      for (const [p, v] of flattenValues(value, path)) leaves.set(p, v);
    } else {
      leaves.set(path, value);
    }
  }
  return leaves;
}

const secretPath = /password|token|secretkey/i;

function show(path: string, value: unknown): string {
  return secretPath.test(path) ? masked : JSON.stringify(value);
}

/** A readable diff of two values trees: `~ path: old -> new`, `+ path: new`, `- path: old`; secrets masked. */
export function diffValues(before: Values, after: Values): string[] {
  const [a, b] = [flattenValues(before), flattenValues(after)];
  const lines: string[] = [];
  for (const path of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const [x, y] = [a.get(path), b.get(path)];
    if (!a.has(path)) lines.push(`+ ${path}: ${show(path, y)}`);
    else if (!b.has(path)) lines.push(`- ${path}: ${show(path, x)}`);
    else if (JSON.stringify(x) !== JSON.stringify(y))
      lines.push(`~ ${path}: ${show(path, x)} -> ${show(path, y)}`);
  }
  return lines;
}
