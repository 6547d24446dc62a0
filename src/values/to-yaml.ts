// A small YAML writer for values (maps, lists, strings, numbers, booleans, null). Strings that
// could read as anything else are double-quoted JSON strings, which YAML reads back unchanged.
// It keeps the yaml library off the `values` command's start-up path.

const plainKey = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
// Left unquoted only when YAML cannot mistake it for a number, boolean, null or syntax.
const plainString = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const plainUrl = /^https?:\/\/[A-Za-z0-9_./-]+(:[0-9]+)?[A-Za-z0-9_./-]*$/;
const reserved = /^(true|false|yes|no|on|off|null|y|n|~)$/i;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = String(value);
  return (plainString.test(text) && !reserved.test(text)) || plainUrl.test(text)
    ? text
    : JSON.stringify(text);
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function lines(value: unknown, indent: string): string[] {
  if (isMap(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return [`${indent}{}`];
    return entries.flatMap(([key, child]) => {
      const name = plainKey.test(key) ? key : JSON.stringify(key);
      if (
        (isMap(child) && Object.keys(child).length > 0) ||
        (Array.isArray(child) && child.length > 0)
      ) {
        return [`${indent}${name}:`, ...lines(child, `${indent}  `)];
      }
      return [
        `${indent}${name}: ${isMap(child) ? '{}' : Array.isArray(child) ? '[]' : scalar(child)}`,
      ];
    });
  }
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (isMap(item) && Object.keys(item).length > 0) {
        const [first, ...rest] = lines(item, `${indent}  `);
        return [`${indent}- ${(first as string).trimStart()}`, ...rest];
      }
      if (Array.isArray(item) && item.length > 0)
        return [`${indent}-`, ...lines(item, `${indent}  `)];
      return [`${indent}- ${isMap(item) ? '{}' : Array.isArray(item) ? '[]' : scalar(item)}`];
    });
  }
  return [`${indent}${scalar(value)}`];
}

export function toYaml(value: Record<string, unknown>): string {
  return `${lines(value, '').join('\n')}\n`;
}
