/**
 * Exact Kubernetes resource.Quantity arithmetic (k8s.io/apimachinery/pkg/api/resource), used by the
 * offline CEL `quantity()` library and by constructs that compare requests with quotas.
 *
 * A quantity is held as a fraction `num / den` of bigints, so `1Gi == 1024Mi` and `500m < 1` exactly.
 */
export interface Fraction {
  readonly num: bigint;
  readonly den: bigint;
}

const BINARY: Record<string, bigint> = {
  Ki: 1024n, Mi: 1024n ** 2n, Gi: 1024n ** 3n, Ti: 1024n ** 4n, Pi: 1024n ** 5n, Ei: 1024n ** 6n,
};
const DECIMAL: Record<string, number> = { 'n': -9, 'u': -6, 'm': -3, '': 0, 'k': 3, 'M': 6, 'G': 9, 'T': 12, 'P': 15, 'E': 18 };
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/**
 * Parse a quantity string (`500m`, `1.5Gi`, `2e3`, `4`); undefined when it is not one.
 */
export function parseQuantity(text: string): Fraction | undefined {
  if (typeof text !== 'string') return undefined;
  const m = QUANTITY.exec(text.trim() === text ? text : '');
  if (!m) return undefined;
  const [, sign, digits, suffix = ''] = m;
  const [intPart, fracPart = ''] = digits.split('.');
  let num = BigInt((intPart || '0') + fracPart);
  let den = 10n ** BigInt(fracPart.length);
  if (sign === '-') num = -num;
  if (suffix in BINARY) {
    num *= BINARY[suffix];
  } else {
    const exp = suffix in DECIMAL ? DECIMAL[suffix] : Number(suffix.slice(1));
    if (!Number.isFinite(exp) || Math.abs(exp) > 64) return undefined;
    if (exp >= 0) num *= 10n ** BigInt(exp);
    else den *= 10n ** BigInt(-exp);
  }
  return reduce({ num, den });
}

/**
 * Compare two quantities: -1, 0 or 1.
 */
export function compareQuantities(a: Fraction, b: Fraction): number {
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l < r ? -1 : l > r ? 1 : 0;
}

export function addQuantities(a: Fraction, b: Fraction): Fraction {
  return reduce({ num: a.num * b.den + b.num * a.den, den: a.den * b.den });
}

export function negateQuantity(a: Fraction): Fraction {
  return { num: -a.num, den: a.den };
}

/**
 * Render a quantity canonically: an integer when whole, otherwise in milli, micro or nano units.
 */
export function formatQuantity(q: Fraction): string {
  if (q.num % q.den === 0n) return String(q.num / q.den);
  for (const [suffix, scale] of [['m', 1000n], ['u', 1000000n], ['n', 1000000000n]] as const) {
    if ((q.num * scale) % q.den === 0n) return `${(q.num * scale) / q.den}${suffix}`;
  }
  // Kubernetes rounds sub-nano quantities up to the next nano.
  const nanos = (q.num * 1000000000n + q.den - 1n) / q.den;
  return `${nanos}n`;
}

export function quantityToNumber(q: Fraction): number {
  return Number(q.num) / Number(q.den);
}

function reduce(f: Fraction): Fraction {
  let a = f.num < 0n ? -f.num : f.num;
  let b = f.den;
  while (b !== 0n) [a, b] = [b, a % b];
  const g = a === 0n ? 1n : a;
  return { num: f.num / g, den: f.den / g };
}
