import t from 'tap'
import type { z } from 'zod'
import { catalogue, certificateNumber, entityId, isoDate, isoMonth, uuid, validateEventData } from '../../events/index.ts'
import { PROJECTIONS } from '../../projections/index.ts'
import { applyBatch, createGeneration, installViews } from '../../projections/postgres.ts'
import type { RecordedEvent } from '../../src/store/port.ts'
import { testDatabase } from '../helpers/database.ts'

// A projection must never stop on an event the schemas accept (issue 13): every event type at the edges of what its
// schema accepts — the largest and smallest numbers, the earliest and latest dates, the longest texts in any script —
// is projected by every read model into PostgreSQL and read back through every reporting view. The values are
// generated from the schemas themselves, so a schema widened beyond what the tables store fails here.

type Extreme = 'high' | 'low'
// biome-ignore lint/suspicious/noExplicitAny: zod's internal definitions, read by field name
type Any = any

/** Strings with a pattern: the edge values of each field type the catalogue uses, matched by the schema itself. */
const PATTERNED: [z.ZodType, Record<Extreme, string>][] = [
  [isoDate, { high: '9999-12-31', low: '0001-01-01' }],
  [isoMonth, { high: '9999-12', low: '0001-01' }],
  [certificateNumber, { high: 'zzzzzzzzzz', low: '0000000000' }],
  [entityId, { high: `Z${'z.-_'.repeat(16).slice(0, 63)}`, low: '0' }],
  [uuid, { high: 'ffffffff-ffff-4fff-bfff-ffffffffffff', low: '00000000-0000-4000-8000-000000000000' }],
]
const patternOf = (s: Any): RegExp | undefined => (s._zod.def.checks ?? []).map((c: Any) => c._zod.def.pattern).find(Boolean)

/** Text of a given length in Cyrillic, with characters outside the BMP (surrogate pairs) and quotes. */
const text = (n: number) => Array.from({ length: n }, (_, i) => 'Ж"\\😀ё'[i % 5]!).join('')

function edge(schema: Any, extreme: Extreme): unknown {
  const def = schema._zod.def
  switch (def.type) {
    case 'object':
      return Object.fromEntries(Object.entries(def.shape).map(([k, s]) => [k, edge(s, extreme)]))
    case 'nullable':
      return extreme === 'low' ? null : edge(def.innerType, extreme)
    case 'optional':
      return edge(def.innerType, extreme)
    case 'array':
      return [edge(def.element, extreme), edge(def.element, extreme)]
    case 'enum': {
      const values = Object.values(def.entries)
      return extreme === 'high' ? values[values.length - 1] : values[0]
    }
    case 'literal':
      return def.values[0]
    case 'boolean':
      return extreme === 'high'
    case 'number':
      return extreme === 'high' ? schema.maxValue : schema.minValue
    case 'string': {
      const pattern = patternOf(schema)
      if (pattern) {
        const known = PATTERNED.find(([s]) => patternOf(s)?.source === pattern.source)
        if (known) return known[1][extreme]
        if (pattern.source === '^[0-9a-f]{64}$') return (extreme === 'high' ? 'f' : '0').repeat(64)
        throw new Error(`no edge value for the pattern ${pattern}: add one to PATTERNED`)
      }
      const max = schema.maxLength ?? 10_000
      return extreme === 'high' ? text(max) : text(schema.minLength ?? 0)
    }
    default:
      throw new Error(`no edge value for a zod ${def.type}`)
  }
}

t.test('every event at the edges of its schema is stored by every projection and read by every view', async (t) => {
  const db = await testDatabase(t)
  for (const extreme of ['high', 'low'] as const) {
    const events: RecordedEvent[] = Object.values(catalogue).map((d, i) => {
      const data = edge(d.schema, extreme)
      t.same(validateEventData(d.type, d.schemaVersion, data), [], `${extreme}: ${d.type}'s edge values are ones its schema accepts`)
      return {
        eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        type: d.type,
        schemaVersion: d.schemaVersion,
        data,
        metadata: { actor: 'test', correlationId: 'edge' },
        streamId: `edge-${i}`,
        streamPosition: 0,
        globalPosition: BigInt(i + 1),
        transactionId: 1n,
        recordedAt: new Date(),
        prevHash: '0'.repeat(64),
        hash: '0'.repeat(64),
      }
    })
    for (const p of PROJECTIONS) {
      const schema = `edge_${extreme}_${p.name.replaceAll('-', '_')}`
      await db.sql.begin(async (tx) => {
        await createGeneration(tx, p, schema)
        // All events in one batch (rows of one event are read and changed by the next), then once more one by one.
        await applyBatch(tx, p, schema, events, { transactionId: 1n, globalPosition: BigInt(events.length) })
        for (const e of events) await applyBatch(tx, p, schema, [e], { transactionId: 1n, globalPosition: e.globalPosition })
        await installViews(tx, p, schema)
      })
      t.pass(`${extreme}: ${p.name} stored every event`)
    }
    const views = await db.sql<{ name: string }[]>`SELECT table_name AS name FROM information_schema.views WHERE table_schema = 'reporting'`
    const reads = async (what: string, query: () => Promise<unknown>) => {
      try {
        await query()
      } catch (error) {
        t.fail(`${extreme}: ${what}: ${(error as Error).message}`)
      }
    }
    for (const v of views) await reads(`reporting.${v.name}`, () => db.sql.unsafe(`SELECT * FROM reporting.${v.name}`))
    const municipality = edge(entityId, extreme) as string
    for (const on of ['0001-01-01', '9999-12-31', '2024-10-01']) {
      await reads(`reporting.coverage on ${on}`, () => db.sql`SELECT * FROM reporting.coverage(${municipality}, ${on}::date)`)
      await reads(`reporting.municipality_statistics on ${on}`, () => db.sql`SELECT * FROM reporting.municipality_statistics(${municipality}, ${on}::date)`)
    }
    t.pass(`${extreme}: every reporting view (${views.length}) and function reads them`)
  }
})
