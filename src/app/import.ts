import { parse } from 'csv-parse/sync'
import { z } from 'zod'
import { DIRECTIONS, PROGRAMME_KINDS } from '../../events/index.ts'
import { DomainError } from '../domain/errors.ts'
import { parseAmount } from '../domain/money.ts'
import type { Requisites } from '../domain/organisation.ts'
import { unstorableText } from '../domain/text.ts'
import { activateCertificate, issueCertificate } from './certificates.ts'
import { type Application, type CommandContext, idempotencyStreamOf, systemMetadata } from './context.ts'
import { birthDate, certificateNumber, count, date, id, LIMITS } from './fields.ts'
import { sha256 } from './ids.ts'
import { openGroup, recordQualityAssessment, registerPayer, registerProgramme, registerProvider } from './registry.ts'

// Bulk import of a municipality's existing registries from CSV (`;` or `,`, UTF-8, a header row). Every row goes
// through the same commands as the API, under an idempotency key named after the file's kind and the row's id:
// importing the same file again records nothing new, and a row whose data changed since is reported, not applied.

export const IMPORT_KINDS = ['certificates', 'providers', 'payers', 'programmes', 'groups'] as const
export type ImportKind = (typeof IMPORT_KINDS)[number]

export interface ImportReport {
  rows: number
  imported: number
  alreadyImported: number
  rejected: { line: number; code: string; message: string }[]
}

const money = z.string().transform((s, ctx) => {
  try {
    return parseAmount(s)
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message })
    return z.NEVER
  }
})
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional())

/** An organisation's requisites as optional columns (empty: not given); their checksums are the command's to check. */
const REQUISITE_COLUMNS = {
  full_name: 'fullName',
  short_name: 'shortName',
  inn: 'inn',
  kpp: 'kpp',
  ogrn: 'ogrn',
  legal_address: 'legalAddress',
  settlement_account: 'settlementAccount',
  bank_name: 'bankName',
  bik: 'bik',
  correspondent_account: 'correspondentAccount',
  head_name: 'headName',
  head_title: 'headTitle',
} as const satisfies Record<string, keyof Requisites>
const requisiteColumns = Object.fromEntries(Object.keys(REQUISITE_COLUMNS).map((c) => [c, optional(z.string().max(1000))])) as {
  [C in keyof typeof REQUISITE_COLUMNS]: ReturnType<typeof optional<z.ZodString>>
}

/** The requisites a row gives, or undefined when it gives none (a provider registered with its name alone). */
function requisitesOf(row: Record<string, unknown>): Partial<Requisites> | undefined {
  const out: Partial<Requisites> = {}
  for (const [column, field] of Object.entries(REQUISITE_COLUMNS)) if (typeof row[column] === 'string') out[field] = row[column] as string
  return Object.keys(out).length > 0 ? out : undefined
}

const rowSchemas = {
  certificates: z.object({
    certificate_number: certificateNumber,
    municipality: id,
    birth_date: birthDate,
    issued_on: date,
    type: z.enum(['accounting', 'financing']),
    period_id: optional(id),
    activated_on: optional(date),
  }),
  providers: z.object({
    provider_id: id,
    municipality: id,
    name: z.string().min(1).max(300),
    kind: z.enum(['municipal', 'private', 'individual-entrepreneur']),
    ...requisiteColumns,
  }),
  payers: z.object({ payer_id: id, municipality: id, name: z.string().min(1).max(300), ...requisiteColumns }),
  programmes: z.object({
    programme_id: id,
    provider_id: id,
    title: z.string().min(1),
    direction: z.enum(DIRECTIONS),
    kind: z.enum(PROGRAMME_KINDS),
    nok_score: optional(z.coerce.number().int().min(0).max(1000)),
    assessed_on: optional(date),
  }),
  groups: z.object({
    group_id: id,
    programme_id: id,
    start_date: date,
    end_date: date,
    price: money,
    normative_cost: money,
    capacity: z.coerce.number().pipe(count(LIMITS.groupCapacity).positive()),
  }),
} as const

/** The header each kind needs (optional columns may be left out). */
export const IMPORT_COLUMNS: Record<ImportKind, string[]> = Object.fromEntries(IMPORT_KINDS.map((k) => [k, Object.keys(rowSchemas[k].shape)])) as Record<
  ImportKind,
  string[]
>

/** A file that cannot be imported at all; the CLI tells it by its name (exit code 2, src/cli/main.ts). */
class ImportFileError extends Error {
  override name = 'ImportFileError'
}

function readRows(text: string): { line: number; row: Record<string, string> }[] {
  const firstLine = text.replace(/^\uFEFF/, '').split(/\r?\n/, 1)[0] ?? ''
  const delimiter = firstLine.includes(';') ? ';' : ','
  try {
    const records = parse(text, {
      bom: true,
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      delimiter,
      skip_empty_lines: true,
      trim: true,
      info: true,
      relax_column_count: false,
    }) as {
      record: Record<string, string>
      info: { lines: number }
    }[]
    return records.map((r) => ({ line: r.info.lines, row: r.record }))
  } catch (error) {
    throw new ImportFileError(`the file is not valid CSV: ${(error as Error).message}`)
  }
}

/** The commands a row runs, and the name of its first (whose key tells whether the row was imported before). */
function rowCommands(
  app: Application,
  kind: ImportKind,
  data: unknown,
  ctxFor: (step: string) => CommandContext,
): { firstStep: string; run: () => Promise<unknown> } {
  switch (kind) {
    case 'certificates': {
      const r = data as z.infer<typeof rowSchemas.certificates>
      const firstStep = `${r.certificate_number}:issue`
      return {
        firstStep,
        run: async () => {
          await issueCertificate(app, ctxFor(firstStep), {
            certificateNumber: r.certificate_number,
            municipality: r.municipality,
            birthDate: r.birth_date,
            issuedOn: r.issued_on,
            type: r.type,
            ...(r.period_id ? { periodId: r.period_id } : {}),
          })
          if (r.activated_on)
            await activateCertificate(app, ctxFor(`${r.certificate_number}:activate`), { certificateNumber: r.certificate_number, activatedOn: r.activated_on })
        },
      }
    }
    case 'providers': {
      const r = data as z.infer<typeof rowSchemas.providers>
      return {
        firstStep: r.provider_id,
        run: () => {
          const requisites = requisitesOf(r)
          const input = { providerId: r.provider_id, municipality: r.municipality, name: r.name, kind: r.kind }
          return registerProvider(app, ctxFor(r.provider_id), requisites ? { ...input, requisites } : input)
        },
      }
    }
    case 'payers': {
      const r = data as z.infer<typeof rowSchemas.payers>
      return {
        firstStep: r.payer_id,
        run: () => {
          const requisites = requisitesOf(r)
          const input = { payerId: r.payer_id, municipality: r.municipality, name: r.name }
          return registerPayer(app, ctxFor(r.payer_id), requisites ? { ...input, requisites } : input)
        },
      }
    }
    case 'programmes': {
      const r = data as z.infer<typeof rowSchemas.programmes>
      return {
        firstStep: r.programme_id,
        run: async () => {
          await registerProgramme(app, ctxFor(r.programme_id), {
            programmeId: r.programme_id,
            providerId: r.provider_id,
            title: r.title,
            direction: r.direction,
            kind: r.kind,
          })
          if (r.nok_score !== undefined) {
            if (!r.assessed_on) throw new DomainError('date_invalid', 'nok_score needs assessed_on')
            await recordQualityAssessment(app, ctxFor(`${r.programme_id}:nok:${r.assessed_on}`), {
              programmeId: r.programme_id,
              score: r.nok_score,
              assessedOn: r.assessed_on,
            })
          }
        },
      }
    }
    case 'groups': {
      const r = data as z.infer<typeof rowSchemas.groups>
      return {
        firstStep: r.group_id,
        run: () =>
          openGroup(app, ctxFor(r.group_id), {
            groupId: r.group_id,
            programmeId: r.programme_id,
            startDate: r.start_date,
            endDate: r.end_date,
            price: r.price,
            normativeCost: r.normative_cost,
            capacity: r.capacity,
          }),
      }
    }
  }
}

export async function importFile(app: Application, kind: ImportKind, text: string, source: string): Promise<ImportReport> {
  const rows = readRows(text)
  const header = rows[0] ? Object.keys(rows[0].row) : []
  const required = Object.entries(rowSchemas[kind].shape)
    .filter(([, s]) => !(s as z.ZodType).safeParse(undefined).success)
    .map(([k]) => k)
  const missing = required.filter((c) => rows.length > 0 && !header.includes(c))
  if (missing.length > 0) throw new ImportFileError(`the header lacks ${missing.join(', ')} (columns: ${IMPORT_COLUMNS[kind].join(';')})`)

  const report: ImportReport = { rows: rows.length, imported: 0, alreadyImported: 0, rejected: [] }
  const correlationId = `import:${kind}:${sha256(text).slice(0, 16)}`
  for (const { line, row } of rows) {
    // Text the database cannot store (a NUL) is refused by the rule every request obeys, naming the column.
    const unstorable = Object.entries(row).flatMap(([column, value]) => {
      const reason = typeof value === 'string' ? unstorableText(value) : null
      return reason ? [`${unstorableText(column) ? JSON.stringify(column) : column}: ${reason}`] : []
    })[0]
    if (unstorable) {
      report.rejected.push({ line, code: 'row_invalid', message: unstorable })
      continue
    }
    const parsed = rowSchemas[kind].safeParse(row)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      report.rejected.push({ line, code: 'row_invalid', message: `${issue.path.join('.')}: ${issue.message}` })
      continue
    }
    const keyOf = (step: string) => `import:${kind}:${step}`
    const ctxFor = (step: string): CommandContext => ({ metadata: systemMetadata(`import ${source}`, correlationId, keyOf(step)) })
    try {
      const { firstStep, run } = rowCommands(app, kind, parsed.data, ctxFor)
      // A row whose first command's key was used before was imported by an earlier run of the same file.
      const already = (await app.store.streamVersion(idempotencyStreamOf(ctxFor(firstStep).metadata)!)) !== null
      await run()
      if (already) report.alreadyImported++
      else report.imported++
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      report.rejected.push({
        line,
        code: error.code,
        message: error.code === 'idempotency_key_reused' ? 'this row was imported earlier with other data; correct it through the API' : error.message,
      })
    }
  }
  return report
}
