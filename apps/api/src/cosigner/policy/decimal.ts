/**
 * An exact, non-negative decimal amount: an integer count of 10^-scale units. Amounts in
 * policies, callbacks and cap sums are never floats: an 18-decimal asset's
 * "0.000000000000000001" and "1000000000.000000000000000001" stay what they say.
 */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

/** The most fractional digits an amount may carry (an 18-decimal asset needs 18). */
export const MAX_SCALE = 36;
/** The most digits an amount may carry in all: far past any supply, short of a denial of service. */
export const MAX_DIGITS = 78;

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;

/** A plain decimal string ("12", "0.5", "1000.000001"): no sign, exponent, spaces or leading zeros. */
export function parseDecimal(text: unknown): Decimal | undefined {
  if (typeof text !== 'string' || text.length > MAX_DIGITS + 1) return undefined;
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const whole = match[1]!;
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > MAX_SCALE || whole.length + fraction.length > MAX_DIGITS) return undefined;
  return { units: BigInt(whole + fraction), scale: fraction.length };
}

function rescaled(value: Decimal, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

/** -1, 0 or 1 as `a` is below, equal to or above `b`. */
export function compareDecimals(a: Decimal, b: Decimal): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const left = rescaled(a, scale);
  const right = rescaled(b, scale);
  return left < right ? -1 : left > right ? 1 : 0;
}

export function addDecimals(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return normalised({ units: rescaled(a, scale) + rescaled(b, scale), scale });
}

/** `a - b`, floored at zero (a released reservation never makes a sum negative). */
export function subtractDecimals(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  const difference = rescaled(a, scale) - rescaled(b, scale);
  return normalised({ units: difference > 0n ? difference : 0n, scale });
}

export const ZERO: Decimal = { units: 0n, scale: 0 };

function normalised(value: Decimal): Decimal {
  let { units, scale } = value;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}

/** The canonical text of an amount: what `parseDecimal` reads back to the same value. */
export function formatDecimal(value: Decimal): string {
  const { units, scale } = normalised(value);
  if (scale === 0) return units.toString();
  const digits = units.toString().padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}
