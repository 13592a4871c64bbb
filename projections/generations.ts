import type { ReservedSql } from 'postgres'
import type { Sql } from '../src/db/database.ts'

// Generations a rebuild left behind. A rebuild builds each projection into a new schema (proj_<name>_<n>) and
// switches readers to it at the end; killed before, it leaves those schemas, which nothing reads and no later
// rebuild would drop. A live rebuild claims each of its generations before creating it — in this process, and
// for other processes with a session advisory lock the database releases when the process dies — and a
// cleanup drops only generations that are neither active nor claimed.

/** The advisory lock every writer of a projection takes (the runner's batches, a rebuild's switch). */
export const projectionLockKey = (name: string) => `projection:${name}`

/** The class of the generation claims' advisory locks; the generation number is the other key. */
const CLAIM = 'projection-generation'

/** Schemas being built by this process: its own claims, which a session lock of the same session would not show. */
const building = new Set<string>()

/**
 * The generations a rebuild of this process builds, claimed before their schemas exist. With a pool of several
 * connections the locks are held on one connection reserved for them; with one (the embedded database, which one
 * process owns at a time) on that connection, which is then the process's only session.
 */
export class GenerationClaims {
  private session: ReservedSql | null = null
  private readonly claimed: { schema: string; generation: number }[] = []

  constructor(private readonly sql: Sql) {}

  async claim(schema: string, generation: number): Promise<void> {
    building.add(schema)
    try {
      if (this.sql.options.max > 1) this.session ??= await this.sql.reserve()
      await (this.session ?? this.sql)`SELECT pg_advisory_lock(hashtext(${CLAIM}), ${generation})`
      this.claimed.push({ schema, generation })
    } catch (error) {
      building.delete(schema)
      throw error
    }
  }

  async release(): Promise<void> {
    const on = this.session ?? this.sql
    const claimed = this.claimed.splice(0)
    for (const { schema } of claimed) building.delete(schema)
    try {
      for (const { generation } of claimed) await on`SELECT pg_advisory_unlock(hashtext(${CLAIM}), ${generation})`
    } catch {
      // The connection is gone, and its locks with it.
    } finally {
      this.session?.release()
      this.session = null
    }
  }
}

/**
 * Drops every generation schema of a registered projection that is not the active one and that no live rebuild
 * claims. Each is decided under the projection's lock, which a rebuild's switch also takes, so a generation that
 * is just becoming active is never dropped. Returns the schemas dropped.
 */
export async function dropAbandonedGenerations(sql: Sql): Promise<string[]> {
  const registered = await sql<{ name: string }[]>`SELECT name FROM projections.registry ORDER BY name`
  const schemas = (await sql<{ nspname: string }[]>`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'proj\\_%' ORDER BY nspname`).map((r) => r.nspname)
  const dropped: string[] = []
  for (const { name } of registered) {
    const prefix = `proj_${name.replaceAll('-', '_')}_`
    for (const schema of schemas) {
      const suffix = schema.slice(prefix.length)
      if (!schema.startsWith(prefix) || !/^\d{1,9}$/.test(suffix) || building.has(schema)) continue
      const gone = await sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtext(${projectionLockKey(name)}))`
        const [reg] = await tx<{ active_schema: string }[]>`SELECT active_schema FROM projections.registry WHERE name = ${name}`
        if (!reg || reg.active_schema === schema) return false
        const [claim] = await tx<{ free: boolean }[]>`SELECT pg_try_advisory_xact_lock(hashtext(${CLAIM}), ${Number(suffix)}) AS free`
        if (!claim!.free) return false
        await tx.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
        return true
      })
      if (gone) dropped.push(schema)
    }
  }
  return dropped
}
