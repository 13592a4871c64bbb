import { verifyConsistency } from './merkle.ts'
import { openCheckpoint, type SignedCheckpoint, type VerifierKey } from './note.ts'

// `ledger witness`: a series of checkpoints an auditor collected over months, each checked for its signature and
// each shown consistent with the one before (RFC 9162 consistency proofs, fetched from the ledger or computed from an
// export's leaves). Two checkpoints of one size with different roots are a fork; a proof that does not verify means
// the ledger rewrote history between them.

export interface WitnessFinding {
  ok: boolean
  text: string
}

/** Where consistency proofs come from: the ledger (online) or an export's leaves (offline). */
export type ProofSource = (from: number, to: number) => Promise<Buffer[]>

export async function witness(notes: { name: string; text: string }[], key: VerifierKey, proofs: ProofSource | null): Promise<WitnessFinding[]> {
  const findings: WitnessFinding[] = []
  const opened: (SignedCheckpoint & { name: string })[] = []
  for (const n of notes) {
    try {
      opened.push({ ...openCheckpoint(n.text, key), name: n.name })
      findings.push({ ok: true, text: `${n.name}: signed by ${key.name}, ${opened.at(-1)!.size} events` })
    } catch (error) {
      findings.push({ ok: false, text: `${n.name}: REFUSED: ${(error as Error).message}` })
    }
  }
  const origins = new Set(opened.map((c) => c.origin))
  if (origins.size > 1) findings.push({ ok: false, text: `the checkpoints name ${origins.size} different logs: ${[...origins].join(', ')}` })
  // Grouped by size: within a size, one root or a fork; each checkpoint against each of the next size up.
  const sizes = [...new Set(opened.map((c) => c.size))].sort((a, b) => a - b)
  const groups = sizes.map((n) => opened.filter((c) => c.size === n))
  for (const group of groups) {
    for (const b of group.slice(1)) {
      const a = group[0]!
      findings.push(
        a.root.equals(b.root)
          ? { ok: true, text: `${a.name} and ${b.name}: the same tree of ${a.size} events` }
          : {
              ok: false,
              text: `FORK: ${a.name} and ${b.name} are both signed for ${a.size} events but with different roots: the ledger showed two different histories`,
            },
      )
    }
  }
  for (let i = 1; i < groups.length; i++) for (const a of groups[i - 1]!) for (const b of groups[i]!) findings.push(await extends_(a, b, proofs))
  return findings
}

async function extends_(a: SignedCheckpoint & { name: string }, b: SignedCheckpoint & { name: string }, proofs: ProofSource | null): Promise<WitnessFinding> {
  if (!proofs) return { ok: false, text: `${a.name} → ${b.name}: no consistency proof to check (give --export FILE or run against the ledger)` }
  let proof: Buffer[]
  try {
    proof = await proofs(a.size, b.size)
  } catch (error) {
    return { ok: false, text: `${a.name} → ${b.name}: no consistency proof: ${(error as Error).message}` }
  }
  return verifyConsistency(a.size, b.size, a.root, b.root, proof)
    ? { ok: true, text: `${a.name} → ${b.name}: consistent, the ledger only appended (${a.size} → ${b.size} events)` }
    : { ok: false, text: `REWRITTEN: ${b.name} (${b.size} events) does not extend ${a.name} (${a.size} events): the ledger rewrote its history between them` }
}
