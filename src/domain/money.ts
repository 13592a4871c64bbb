/**
 * Money is an integer number of kopecks everywhere inside the ledger. At the edges it is a decimal string with
 * exactly two fractional digits ("7760.00"). Division rounds on exact rationals, in BigInt, never in floats.
 */
export type Kopecks = number

const AMOUNT = /^(0|[1-9]\d{0,12})\.(\d{2})$/

export class AmountFormatError extends Error {
  constructor(
    readonly input: string,
    readonly field?: string,
  ) {
    super(`${field ? `${field}: ` : ''}${JSON.stringify(input)} is not an amount: write roubles with exactly two decimals, e.g. "7760.00"`)
    this.name = 'AmountFormatError'
  }
}

/** "7760.00" → 776000. Refuses negatives, missing or extra decimals, exponents and anything else. */
export function parseAmount(text: string, field?: string): Kopecks {
  const match = AMOUNT.exec(text)
  if (!match) throw new AmountFormatError(text, field)
  return Number(match[1]) * 100 + Number(match[2])
}

/** 776000 → "7760.00"; negative amounts (corrections) keep their sign. */
export function formatAmount(kopecks: Kopecks): string {
  assertKopecks(kopecks)
  const sign = kopecks < 0 ? '-' : ''
  const abs = Math.abs(kopecks)
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`
}

function assertKopecks(value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a whole number of kopecks`)
}

/** ceil(a × b / c) for non-negative integers and c > 0, exactly: the product is formed in BigInt. */
export function ceilMulDiv(a: number, b: number, c: number): number {
  const n = BigInt(a) * BigInt(b)
  const d = BigInt(c)
  return Number((n + d - 1n) / d)
}

/** floor(a × b / c) for non-negative integers and c > 0, exactly. */
export function floorMulDiv(a: number, b: number, c: number): number {
  return Number((BigInt(a) * BigInt(b)) / BigInt(c))
}

/** round-half-up(a × numerator / denominator) for non-negative integers, exactly. */
export function mulDivHalfUp(a: number, numerator: number, denominator: number): number {
  const n = BigInt(a) * BigInt(numerator) * 2n + BigInt(denominator)
  return Number(n / (2n * BigInt(denominator)))
}
