import { activateCertificate, changeCertificateType, issueCertificate } from '../app/certificates.ts'
import { forEachConcurrently } from '../app/concurrently.ts'
import { type Application, type CommandContext, systemMetadata } from '../app/context.ts'
import { acceptContract, recordAttendance, refuseContract, requestContract, terminateContract } from '../app/contracts.ts'
import { uuidFromName } from '../app/ids.ts'
import { type ContractLister, closeMonth } from '../app/month-close.ts'
import { recordPayment } from '../app/payments.ts'
import {
  concludeAgreement,
  openFinancingPeriod,
  openGroup,
  recordPopulation,
  recordQualityAssessment,
  registerPayer,
  registerProgramme,
  registerProvider,
} from '../app/registry.ts'
import { streams } from '../app/streams.ts'
import { addMonths, dayNumber, fromDayNumber, type IsoDate, type IsoMonth, lastDayOfMonth, monthOf } from '../domain/dates.ts'
import { DomainError } from '../domain/errors.ts'
import { amountDueOf, invoiceDecider } from '../domain/invoice.ts'
import { simulatedRequisites } from './organisations.ts'
import { makePlan, type Plan, type PlannedChild, type PlannedContract } from './plan.ts'
import { Random } from './random.ts'
import type { Scenario } from './scenarios.ts'

// Runs a planned year through the application layer, the same commands the API takes, month by month in
// business-date order: issuances, activations, type changes, requests and answers, terminations, advance payments,
// attendance, the month close, and the payments of its final invoice. Commands that do not depend on each other
// run concurrently (the store sends them together); those whose outcome depends on order run in order: the
// financing requests beyond the places left, the type changes that promote the queue, one child's requests.

export interface SimulationOptions {
  scenario: Scenario
  seed: number
  /** Commands in flight at once. */
  concurrency?: number
  /** Called as commands complete, with what is done of the planned total and the phase. */
  onProgress?: (done: number, total: number, phase: string) => void
}

interface MonthPayments {
  month: IsoMonth
  advancePayments: number
  finalPayments: number
  partial: number
  late: number
}

export interface SimulationResult {
  scenario: string
  seed: number
  municipality: string
  months: IsoMonth[]
  commands: number
  /** Refusals by code: the ledger said no, as it would to a real caller (money gone, no answer in time, …). */
  refusals: Record<string, number>
  certificates: { issued: number; financingRequested: number; activated: number; typeChanges: number }
  contracts: { requested: number; accepted: number; refusedByProvider: number; terminated: number }
  attendanceRecords: number
  payments: MonthPayments[]
  seconds: number
}

const DAY = (date: IsoDate, n: number) => fromDayNumber(dayNumber(date) + n)

export async function simulate(app: Application, listContracts: ContractLister, options: SimulationOptions): Promise<SimulationResult> {
  const started = Date.now()
  const plan = makePlan(options.scenario, options.seed)
  const s = plan.scenario
  const random = new Random(options.seed ^ 0x5eed)
  const limit = options.concurrency ?? 64
  const correlationId = `simulation:${s.name}:${options.seed}`
  const as = (role: string): CommandContext => ({ metadata: systemMetadata(`simulation-${role}`, correlationId) })
  const operator = as('operator')
  const payer = as('payer')
  const provider = as('provider')
  const months = monthsOf(s.schoolYear.start, s.schoolYear.end)

  const total = countCommands(plan, months.length)
  let done = 0
  let phase = 'registry'
  const result: SimulationResult = {
    scenario: s.name,
    seed: options.seed,
    municipality: s.municipality,
    months,
    commands: 0,
    refusals: {},
    certificates: { issued: 0, financingRequested: 0, activated: 0, typeChanges: 0 },
    contracts: { requested: 0, accepted: 0, refusedByProvider: 0, terminated: 0 },
    attendanceRecords: 0,
    payments: [],
    seconds: 0,
  }
  /** One command: counted, and a refusal by the ledger recorded instead of stopping the year. */
  const command = async <T>(run: () => Promise<T>): Promise<T | null> => {
    try {
      return await run()
    } catch (error) {
      if (!(error instanceof DomainError)) throw error
      result.refusals[error.code] = (result.refusals[error.code] ?? 0) + 1
      return null
    } finally {
      result.commands++
      options.onProgress?.(++done, total, phase)
    }
  }
  const each = <T>(items: readonly T[], work: (item: T) => Promise<unknown>) => forEachConcurrently(items, limit, async (item) => void (await work(item)))

  // The registry before the school year: period, population, providers and agreements, programmes, НОК, groups.
  const before = DAY(s.schoolYear.start, -10)
  // The organisations with names and valid requisites, so the year's documents can be printed.
  const requisites = simulatedRequisites(s, options.seed, plan.providers)
  await command(() => registerPayer(app, operator, { payerId: s.payerId, municipality: s.municipality, name: s.payerName, requisites: requisites.payer }))
  await command(() =>
    openFinancingPeriod(app, operator, {
      municipality: s.municipality,
      periodId: s.periodId,
      startDate: s.period.start,
      endDate: s.period.end,
      nominal: s.nominal,
      financingCap: s.financingCap,
      nominalLimit: s.nominal * s.financingCap,
      payerId: s.payerId,
    }),
  )
  await command(() => recordPopulation(app, operator, { municipality: s.municipality, year: s.populationYear, children5to18: s.population }))
  await each(plan.providers, async (p) => {
    await command(() =>
      registerProvider(app, operator, {
        providerId: p.providerId,
        municipality: s.municipality,
        name: p.name,
        kind: p.kind,
        requisites: requisites.providers.get(p.providerId)!,
      }),
    )
    await command(() => concludeAgreement(app, payer, { providerId: p.providerId, payerId: s.payerId, periodId: s.periodId, concludedOn: before }))
  })
  await each(plan.programmes, async (p) => {
    await command(() =>
      registerProgramme(app, operator, { programmeId: p.programmeId, providerId: p.providerId, title: p.title, direction: p.direction, kind: p.kind }),
    )
    if (p.score !== null)
      await command(() => recordQualityAssessment(app, operator, { programmeId: p.programmeId, score: p.score!, assessedOn: DAY(before, -30) }))
  })
  await each(plan.groups, (g) =>
    command(() =>
      openGroup(app, operator, {
        groupId: g.groupId,
        programmeId: g.programme.programmeId,
        startDate: g.startDate,
        endDate: g.endDate,
        price: g.price,
        normativeCost: g.normativeCost,
        capacity: g.capacity,
      }),
    ),
  )

  const inMonth = (date: IsoDate | null | undefined, m: IsoMonth) => date != null && monthOf(date) === m
  const contractsOf = (m: IsoMonth, pick: (c: PlannedContract) => IsoDate | null | undefined) =>
    plan.children.flatMap((ch) => ch.contracts.filter((c) => inMonth(pick(c), m)))
  let placesLeft = s.financingCap
  const status = new Map<string, 'requested' | 'accepted' | 'refused' | 'terminated'>()
  /** The advance invoices the last close issued, for this month. */
  let advanceInvoices: string[] = []

  for (const m of months) {
    phase = m
    // Issuance: accounting certificates and the financing requests that surely find a place go together; those
    // beyond the places left go one after the other, so the queue is in the order of issuance.
    const issued = plan.children
      .filter((c) => inMonth(c.issuedOn, m))
      .sort((a, b) => (a.issuedOn === b.issuedOn ? (a.certificateNumber < b.certificateNumber ? -1 : 1) : a.issuedOn < b.issuedOn ? -1 : 1))
    const financing = issued.filter((c) => c.requestsFinancing)
    const together = [...issued.filter((c) => !c.requestsFinancing), ...financing.slice(0, Math.max(placesLeft, 0))]
    const inOrder = financing.slice(Math.max(placesLeft, 0))
    const issue = (c: PlannedChild) =>
      command(async () => {
        const outcome = await issueCertificate(app, operator, {
          certificateNumber: c.certificateNumber,
          municipality: s.municipality,
          birthDate: c.birthDate,
          issuedOn: c.issuedOn,
          type: c.requestsFinancing ? 'financing' : 'accounting',
        })
        result.certificates.issued++
        if (c.requestsFinancing) result.certificates.financingRequested++
        if (outcome.type === 'financing') placesLeft--
      })
    await each(together, issue)
    for (const c of inOrder) await issue(c)
    await each(
      plan.children.filter((c) => inMonth(c.activatedOn, m)),
      (c) =>
        command(async () => {
          await activateCertificate(app, operator, { certificateNumber: c.certificateNumber, activatedOn: c.activatedOn! })
          result.certificates.activated++
        }),
    )
    // Giving the financing type back frees a place, which the head of the queue takes.
    for (const c of plan.children.filter((ch) => inMonth(ch.toAccountingOn, m)).sort((a, b) => (a.toAccountingOn! < b.toAccountingOn! ? -1 : 1))) {
      await command(async () => {
        await changeCertificateType(app, operator, { certificateNumber: c.certificateNumber, to: 'accounting', periodId: s.periodId, on: c.toAccountingOn! })
        result.certificates.typeChanges++
      })
    }

    // Requests of the month, one child's in order (the money of one certificate depends on it), and the answers.
    const requesting = plan.children.filter((ch) => ch.contracts.some((c) => inMonth(c.requestedOn, m)))
    await each(requesting, async (ch) => {
      for (const c of ch.contracts.filter((x) => inMonth(x.requestedOn, m))) {
        const requested = await command(() =>
          requestContract(app, operator, {
            contractId: c.contractId,
            certificateNumber: ch.certificateNumber,
            groupId: c.group.groupId,
            requestedOn: c.requestedOn,
            startDate: c.startDate,
          }),
        )
        if (!requested) continue
        status.set(c.contractId, 'requested')
        result.contracts.requested++
        if (c.answer && 'acceptedOn' in c.answer) {
          const acceptedOn = c.answer.acceptedOn
          if (await command(() => acceptContract(app, provider, { contractId: c.contractId, acceptedOn }))) {
            status.set(c.contractId, 'accepted')
            result.contracts.accepted++
          }
        } else if (c.answer) {
          const refusedOn = c.answer.refusedOn
          await command(() => refuseContract(app, provider, { contractId: c.contractId, refusedOn, by: 'provider', reason: 'нет мест в удобное время' }))
          status.set(c.contractId, 'refused')
          result.contracts.refusedByProvider++
        }
      }
    })
    await each(
      contractsOf(m, (c) => c.termination?.on).filter((c) => status.get(c.contractId) === 'accepted'),
      (c) =>
        command(async () => {
          await terminateContract(app, provider, {
            contractId: c.contractId,
            terminatedOn: c.termination!.on,
            by: c.termination!.by,
            reason: c.termination!.reason,
          })
          status.set(c.contractId, 'terminated')
          result.contracts.terminated++
        }),
    )

    // The advance of the month, issued by the last close: paid on the 5th, now and then in two parts.
    const payments: MonthPayments = { month: m, advancePayments: 0, finalPayments: 0, partial: 0, late: 0 }
    result.payments.push(payments)
    // Each invoice's draws are made before anything is awaited: invoices start in order, so the same seed gives
    // the same payments whichever finishes first.
    await each(advanceInvoices, async (invoiceId) => {
      const inTwoParts = random.chance(0.1)
      const order = orderNumber('advance', m, advanceInvoices.indexOf(invoiceId))
      const due = await outstandingOf(app, invoiceId)
      if (due <= 0) return
      if (inTwoParts) {
        const first = Math.floor(due / 2)
        await pay(invoiceId, first, `${m}-05`, 1, order)
        await pay(invoiceId, due - first, `${m}-20`, 2, order)
        payments.partial++
      } else await pay(invoiceId, due, `${m}-05`, 1, order)
      payments.advancePayments++
    })

    // After the month (December's before its end): attendance of every certificate-funded contract running in it,
    // some lessons cancelled by the provider, now and then a lower completeness.
    const recordedOn = m.endsWith('-12') ? `${m}-27` : lastDayOfMonth(m)
    const running = plan.children
      .flatMap((ch) => ch.contracts)
      .filter((c) => {
        const st = status.get(c.contractId)
        return (
          c.group.programme.kind === 'financing' && (st === 'accepted' || (st === 'terminated' && c.termination!.on >= `${m}-01`)) && monthOf(c.startDate) <= m
        )
      })
    await each(running, (c) => {
      const planned = c.group.lessonsPerMonth
      const cancelled = random.chance(0.12) ? Math.min(random.int(1, 2), planned) : 0
      const attended = Math.max(planned - cancelled - random.int(0, 2), 0)
      const lowered = random.chance(0.02) ? random.pick([9000, 7500, 5000]) : null
      return command(async () => {
        await recordAttendance(app, provider, {
          contractId: c.contractId,
          month: m,
          lessonsPlanned: planned,
          lessonsCancelledByProvider: cancelled,
          lessonsAttended: attended,
          providerCompletenessBp: lowered,
          recordedOn,
        })
        result.attendanceRecords++
      })
    })

    // The close: write-offs, final invoice of the month, advance of the next one.
    const closedOn = m.endsWith('-12') ? `${m}-28` : `${addMonths(m, 1)}-01`
    const closed = await command(() => closeMonth(app, payer, { municipality: s.municipality, month: m, closedOn }, listContracts))
    advanceInvoices = closed?.advanceInvoices ?? []
    // Final invoices: most paid by the 8th of the next month, some in two parts, some after the 10th (overdue).
    const next = addMonths(m, 1)
    const finals = closed?.finalInvoices ?? []
    await each(finals, async (invoiceId) => {
      const roll = random.next()
      const lateDay = random.int(11, 17)
      const order = orderNumber('final', m, finals.indexOf(invoiceId))
      const due = await outstandingOf(app, invoiceId)
      if (due <= 0) return
      if (roll < 0.12) {
        const first = Math.floor((due * 6) / 10)
        await pay(invoiceId, first, `${next}-08`, 1, order)
        await pay(invoiceId, due - first, `${next}-14`, 2, order)
        payments.partial++
        payments.late++
      } else if (roll < 0.2) {
        await pay(invoiceId, due, `${next}-${lateDay}`, 1, order)
        payments.late++
      } else await pay(invoiceId, due, `${next}-08`, 1, order)
      payments.finalPayments++
    })
  }
  result.seconds = (Date.now() - started) / 1000
  return result

  async function pay(invoiceId: string, amount: number, paidOn: IsoDate, part: number, order: string) {
    await command(() =>
      recordPayment(app, payer, {
        invoiceId,
        amount,
        paidOn,
        paymentOrder: `${order}${part}`,
        paymentId: uuidFromName(`${correlationId}:payment:${invoiceId}:${part}`),
      }),
    )
  }
}

/**
 * A payment order number, unique for the payer within a calendar year (the ledger refuses a number used twice): the
 * kind, the invoice's month and its place in the close's sorted list, then the part (appended by `pay`). The school
 * year's months are distinct, and December's final invoice is paid in January of the next year.
 */
function orderNumber(kind: 'advance' | 'final', month: IsoMonth, index: number): string {
  return `${kind === 'advance' ? 1 : 2}${month.slice(5, 7)}${String(index).padStart(3, '0')}`
}

async function outstandingOf(app: Application, invoiceId: string): Promise<number> {
  const { state } = await app.aggregates.load(invoiceDecider, streams.invoice(invoiceId))
  return amountDueOf(state) - state.paid
}

function monthsOf(start: IsoDate, end: IsoDate): IsoMonth[] {
  const months: IsoMonth[] = []
  for (let m = monthOf(start); m <= monthOf(end); m = addMonths(m, 1)) months.push(m)
  return months
}

/** An estimate of the commands the plan will send, for the progress bar. */
function countCommands(plan: Plan, months: number): number {
  const contracts = plan.children.flatMap((c) => c.contracts)
  const financingMonths = contracts.filter((c) => c.group.programme.kind === 'financing').length * months * 0.8
  return Math.round(
    2 +
      plan.providers.length * 2 +
      plan.programmes.length * 1.3 +
      plan.groups.length +
      plan.children.length * 2 +
      contracts.length * 2 +
      financingMonths +
      months * (1 + plan.providers.length * 2.2),
  )
}
