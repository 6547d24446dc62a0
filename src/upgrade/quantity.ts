// Kubernetes quantities compared exactly (as the API server does), so "1Gi" vs "1024Mi" or
// "1.5Gi" vs "1536Mi" is decided without floating-point rounding.

const suffixes: Record<string, bigint> = {
  n: 1n,
  u: 1_000n,
  m: 1_000_000n,
  '': 1_000_000_000n,
  k: 10n ** 12n,
  M: 10n ** 15n,
  G: 10n ** 18n,
  T: 10n ** 21n,
  P: 10n ** 24n,
  E: 10n ** 27n,
  Ki: 1024n * 10n ** 9n,
  Mi: 1024n ** 2n * 10n ** 9n,
  Gi: 1024n ** 3n * 10n ** 9n,
  Ti: 1024n ** 4n * 10n ** 9n,
  Pi: 1024n ** 5n * 10n ** 9n,
  Ei: 1024n ** 6n * 10n ** 9n,
};

const pattern =
  /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)?$/;

/** A quantity in billionths of its unit (nano-bytes for storage), or undefined when malformed. */
export function quantityNanos(value: string): bigint | undefined {
  const match = pattern.exec(value.trim());
  if (!match) return undefined;
  const [, sign = '', number = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  const digits = BigInt(`${whole}${fraction}` || '0');
  const scale = 10n ** BigInt(fraction.length);
  let nanos: bigint;
  if (!(suffix in suffixes)) {
    const exponent = Number(suffix.slice(1)) + 9;
    nanos =
      exponent >= 0
        ? (digits * 10n ** BigInt(exponent)) / scale
        : digits / (scale * 10n ** BigInt(-exponent));
  } else {
    nanos = (digits * (suffixes[suffix] as bigint)) / scale;
  }
  return sign === '-' ? -nanos : nanos;
}

/** Sign of a - b, like Quantity.Cmp; throws on a malformed quantity. */
export function compareQuantities(a: string, b: string): number {
  const [x, y] = [quantityNanos(a), quantityNanos(b)];
  if (x === undefined) throw new Error(`"${a}" is not a Kubernetes quantity`);
  if (y === undefined) throw new Error(`"${b}" is not a Kubernetes quantity`);
  return x === y ? 0 : x > y ? 1 : -1;
}
