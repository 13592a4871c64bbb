// An independent implementation of the contract pricing of domain.md, for tests: day counts by stepping a UTC
// calendar one day at a time, and the rounding by exact rational comparison, as a person would check it by hand.
export function quoteReference(groupStart: string, groupEnd: string, start: string, end: string, P: bigint, N: bigint, B: bigint) {
  const days = (a: string, b: string) => {
    let n = 0n
    for (const d = new Date(`${a}T00:00:00Z`); d <= new Date(`${b}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) n++
    return n
  }
  const ceil = (a: bigint, b: bigint) => (a % b === 0n ? a / b : a / b + 1n)
  const G = days(groupStart, groupEnd)
  const D = days(start, end)
  const months = new Set<string>()
  for (const d = new Date(`${start}T00:00:00Z`); d <= new Date(`${end}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) months.add(d.toISOString().slice(0, 7))
  const M = BigInt(months.size)
  let d1 = 0n
  for (
    const d = new Date(`${start}T00:00:00Z`);
    d <= new Date(`${end}T00:00:00Z`) && d.toISOString().slice(0, 7) === start.slice(0, 7);
    d.setUTCDate(d.getUTCDate() + 1)
  )
    d1++
  const all = ceil(D * P, G)
  const ns = ceil(D * N, G)
  const cert = [all, ns, B].reduce((a, b) => (a < b ? a : b))
  const other = M === 1n ? 0n : ((D - d1) * cert) / (D * (M - 1n))
  return { all, ns, cert, other, first: cert - other * (M - 1n), M }
}
