import type { EventData } from '../../events/index.ts'
import { type CertificateState, certificateDecider, holdsNominal } from '../domain/certificate.ts'
import { contractDecider } from '../domain/contract.ts'
import type { IsoDate } from '../domain/dates.ts'
import type { Decider } from '../domain/decider.ts'
import { DomainError, refuse } from '../domain/errors.ts'
import { type MunicipalityState, municipalityDecider, periodContaining, periodOf } from '../domain/municipality.ts'
import { WrongExpectedVersionError } from '../store/port.ts'
import { type Application, type CommandContext, type CommandOutcome, idempotent, processIdFrom } from './context.ts'
import { refuseContract } from './contracts.ts'
import { Process } from './process.ts'
import { streams } from './streams.ts'

// Commands of the registry operator on certificates. A certificate's money is decided on its own stream, the cap
// on financing places on its municipality's stream; commands that need both run as processes whose steps are
// named after the process, so running one again after a crash finishes it without doing anything twice.

export interface CertificateOutcome extends CommandOutcome {
  certificateNumber: string
  type: 'accounting' | 'financing'
  /** Set when the certificate waits for a financing place: its place in the queue, 1 for the head. */
  queuePosition: number | null
}

async function loadCertificate(app: Application, number: string) {
  const loaded = await app.aggregates.load(certificateDecider, streams.certificate(number))
  if (loaded.state.number === null) refuse('certificate_not_found', `no certificate ${number}`)
  return loaded
}

async function outcome(app: Application, number: string, periodId: string | null): Promise<CertificateOutcome> {
  const { state, version } = await loadCertificate(app, number)
  let queuePosition: number | null = null
  if (periodId !== null) {
    const m = await app.aggregates.load(municipalityDecider, streams.municipality(state.municipality))
    const index = m.state.periods.get(periodId)?.queue.indexOf(number) ?? -1
    queuePosition = index >= 0 ? index + 1 : null
  }
  return { streamId: streams.certificate(number), version, certificateNumber: number, type: state.type, queuePosition }
}

/** Gives a place of the period to a certificate: changes it to financing and credits the period's nominal. */
async function makeFinancing(
  p: Process,
  number: string,
  periodId: string,
  on: IsoDate,
  nominal: number,
  reason: 'request' | 'promoted_from_queue' | 'issued_as_financing',
) {
  await p.step(certificateDecider, streams.certificate(number), `financing:${number}`, {
    type: 'MakeFinancing',
    periodId,
    on,
    nominal,
    reason,
  })
}

/** Releases a financing place and completes the promotion of whoever the queue's head was. */
async function releaseFinancingPlace(app: Application, p: Process, state: CertificateState, periodId: string, on: IsoDate, reason: 'type_changed' | 'frozen') {
  const released = await p.step(municipalityDecider, streams.municipality(state.municipality), `release-place`, {
    type: 'ReleaseFinancingPlace',
    periodId,
    certificateNumber: state.number!,
    on,
    reason,
  })
  const municipality = await app.aggregates.load(municipalityDecider, streams.municipality(state.municipality))
  const nominal = periodOf(municipality.state, periodId).nominal
  for (const e of released.events) {
    if (e.type !== 'CertificatePromotedFromQueue') continue
    try {
      await makeFinancing(p, e.data.certificateNumber, periodId, on, nominal, 'promoted_from_queue')
    } catch (error) {
      // Promoted while already financing (it cannot be, unless changed by hand): nothing more to credit.
      if (!(error instanceof DomainError && error.code === 'certificate_type_unchanged')) throw error
    }
  }
}

export interface IssueCertificateInput {
  certificateNumber: string
  municipality: string
  birthDate: IsoDate
  issuedOn: IsoDate
  type: 'accounting' | 'financing'
  /** The period whose financing place a financing certificate takes; default the period containing issuedOn. */
  periodId?: string
}

/**
 * Issues a certificate. One for financing then takes a place under the period's cap and gets the nominal, or,
 * with the cap reached, waits in the queue as an accounting certificate. The process is named after the
 * certificate number, so issuing the same certificate again with the same data changes nothing.
 */
export async function issueCertificate(app: Application, ctx: CommandContext, input: IssueCertificateInput): Promise<CertificateOutcome> {
  const number = input.certificateNumber
  const municipality = await app.aggregates.load(municipalityDecider, streams.municipality(input.municipality))
  if (municipality.state.municipality === null) refuse('municipality_not_found', `municipality ${input.municipality} has no financing period yet`)
  let periodId: string | null = null
  if (input.type === 'financing') {
    const period = input.periodId ? periodOf(municipality.state, input.periodId) : periodContaining(municipality.state, input.issuedOn)
    if (!period) refuse('period_not_found', `no financing period of ${input.municipality} contains ${input.issuedOn}`)
    periodId = period!.periodId
  }
  const processId = `issue:${number}`
  return idempotent(
    app,
    ctx,
    'IssueCertificate',
    input,
    () => processId,
    async () => {
      const p = new Process(app, ctx, 'issue', processId)
      const issued = await p.step(certificateDecider, streams.certificate(number), `issue`, {
        type: 'IssueCertificate',
        certificateNumber: number,
        municipality: input.municipality,
        birthDate: input.birthDate,
        issuedOn: input.issuedOn,
        requestedType: input.type,
      })
      const recorded = issued.events[0]!.data as EventData<'CertificateIssued'>
      if (
        issued.alreadyDone &&
        (recorded.birthDate !== input.birthDate ||
          recorded.municipality !== input.municipality ||
          recorded.requestedType !== input.type ||
          recorded.issuedOn !== input.issuedOn)
      ) {
        refuse('certificate_already_issued', `certificate ${number} is already issued with other data`)
      }
      if (periodId === null) return outcome(app, number, null)
      const place = await p.step(municipalityDecider, streams.municipality(input.municipality), `place`, {
        type: 'TakeFinancingPlace',
        periodId,
        certificateNumber: number,
        on: input.issuedOn,
        queueIfFull: true,
      })
      if (!place.events.some((e) => e.type === 'CertificateQueuedForFinancing')) {
        const nominal = periodOf((await app.aggregates.load(municipalityDecider, streams.municipality(input.municipality))).state, periodId).nominal
        await makeFinancing(p, number, periodId, input.issuedOn, nominal, 'issued_as_financing')
      }
      return outcome(app, number, periodId)
    },
  )
}

export async function activateCertificate(
  app: Application,
  ctx: CommandContext,
  input: { certificateNumber: string; activatedOn: IsoDate },
): Promise<CertificateOutcome> {
  await loadCertificate(app, input.certificateNumber)
  return idempotent(app, ctx, 'ActivateCertificate', input, processIdFrom('ActivateCertificate'), async (processId) => {
    const p = new Process(app, ctx, 'activate', processId)
    await p.step(
      certificateDecider,
      streams.certificate(input.certificateNumber),
      `activate`,
      {
        type: 'ActivateCertificate',
        activatedOn: input.activatedOn,
      },
      { expectedVersion: ctx.expectedVersion },
    )
    return outcome(app, input.certificateNumber, null)
  })
}

export interface ChangeTypeInput {
  certificateNumber: string
  to: 'accounting' | 'financing'
  periodId: string
  on: IsoDate
}

/**
 * Whether a process already made its first step: then it is being finished after a crash, and the checks made
 * before its first step would trip over its own effects. A refused command made no step and is checked again.
 */
async function started<S>(app: Application, decider: Decider<never, S>, streamId: string, stepId: string): Promise<boolean> {
  return (await app.aggregates.recordedStep(decider, streamId, stepId)).length > 0
}

/** If-Match on the certificate: checked before the first step, so no other stream is touched on a mismatch. */
function checkIfMatch(ctx: CommandContext, streamId: string, version: number | null) {
  if (ctx.expectedVersion !== undefined && ctx.expectedVersion !== (version ?? 'no_stream')) {
    throw new WrongExpectedVersionError(streamId, ctx.expectedVersion, version)
  }
}

/** A certificate with its streams and the financing period a lifecycle command names (which must exist). */
async function certificateInPeriod(app: Application, number: string, periodId: string) {
  const { state, version } = await loadCertificate(app, number)
  const municipalityStream = streams.municipality(state.municipality)
  const municipality = await app.aggregates.load(municipalityDecider, municipalityStream)
  return { state, version, certificateStream: streams.certificate(number), municipalityStream, period: periodOf(municipality.state, periodId) }
}

/** Work a process does through other commands carries its metadata but not the client's idempotency key. */
const nested = (ctx: CommandContext, processId: string): CommandContext => ({ metadata: { ...ctx.metadata, idempotencyKey: null, causationId: processId } })

/**
 * Financing → accounting: allowed with nothing reserved or spent; the nominal leaves the certificate and its
 * place goes to the head of the queue. Accounting → financing: takes a free place (or joins the queue).
 */
export async function changeCertificateType(app: Application, ctx: CommandContext, input: ChangeTypeInput): Promise<CertificateOutcome> {
  const { state, version, certificateStream, municipalityStream, period } = await certificateInPeriod(app, input.certificateNumber, input.periodId)
  return idempotent(app, ctx, 'ChangeCertificateType', input, processIdFrom('ChangeCertificateType'), async (processId) => {
    const p = new Process(app, ctx, 'change-type', processId)
    const firstStep =
      input.to === 'accounting'
        ? started(app, certificateDecider as Decider<never, CertificateState>, certificateStream, `${processId}:accounting`)
        : started(app, municipalityDecider as Decider<never, MunicipalityState>, municipalityStream, `${processId}:place`)
    if (!(await firstStep)) {
      checkIfMatch(ctx, certificateStream, version)
      if (state.type === input.to) refuse('certificate_type_unchanged', `certificate ${input.certificateNumber} already is a ${input.to} certificate`)
      if (state.frozenIn !== null) refuse('certificate_frozen', `certificate ${input.certificateNumber} is frozen`)
    }
    if (input.to === 'accounting') {
      await p.step(certificateDecider, certificateStream, `accounting`, { type: 'MakeAccounting', periodId: input.periodId, on: input.on })
      await releaseFinancingPlace(app, p, state, input.periodId, input.on, 'type_changed')
      return outcome(app, input.certificateNumber, null)
    }
    const place = await p.step(municipalityDecider, municipalityStream, `place`, {
      type: 'TakeFinancingPlace',
      periodId: input.periodId,
      certificateNumber: input.certificateNumber,
      on: input.on,
      queueIfFull: true,
    })
    if (!place.events.some((e) => e.type === 'CertificateQueuedForFinancing')) {
      await makeFinancing(p, input.certificateNumber, input.periodId, input.on, period.nominal, 'request')
    }
    return outcome(app, input.certificateNumber, input.periodId)
  })
}

/**
 * Freezes a certificate: refused while a contract runs; pending requests are refused first, then the balance
 * goes to zero (remembered in the event), a financing certificate's place is released and a queued one leaves
 * the queue.
 */
export async function freezeCertificate(
  app: Application,
  ctx: CommandContext,
  input: { certificateNumber: string; periodId: string; on: IsoDate },
): Promise<CertificateOutcome> {
  const { state, version, certificateStream, municipalityStream, period } = await certificateInPeriod(app, input.certificateNumber, input.periodId)
  return idempotent(app, ctx, 'FreezeCertificate', input, processIdFrom('FreezeCertificate'), async (processId) => {
    const p = new Process(app, ctx, 'freeze', processId)
    const frozen = await started(app, certificateDecider as Decider<never, CertificateState>, certificateStream, `${processId}:freeze`)
    if (!frozen) {
      checkIfMatch(ctx, certificateStream, version)
      if (state.frozenIn !== null) refuse('certificate_already_frozen', `certificate ${input.certificateNumber} is already frozen`)
      const pending: string[] = []
      for (const [contractId, c] of state.contracts) {
        if (c.reserved === 0) continue
        const contract = await app.aggregates.load(contractDecider, streams.contract(contractId))
        if (contract.state.status === 'requested') pending.push(contractId)
        else if (contract.state.status === 'accepted' || contract.state.status === 'terminated') {
          refuse('certificate_has_running_contracts', `certificate ${input.certificateNumber} has a running contract ${contractId}`)
        }
      }
      for (const contractId of pending) {
        await refuseContract(app, nested(ctx, processId), { contractId, refusedOn: input.on, by: 'system', reason: 'the certificate was frozen' })
      }
    }
    await p.step(certificateDecider, certificateStream, `freeze`, { type: 'FreezeCertificate', periodId: input.periodId, on: input.on })
    if (state.type === 'financing') await releaseFinancingPlace(app, p, state, input.periodId, input.on, 'frozen')
    if (
      period.queue.includes(input.certificateNumber) ||
      (await started(app, municipalityDecider as Decider<never, MunicipalityState>, municipalityStream, `${processId}:leave-queue`))
    ) {
      await p.step(municipalityDecider, municipalityStream, `leave-queue`, {
        type: 'LeaveQueue',
        periodId: input.periodId,
        certificateNumber: input.certificateNumber,
        on: input.on,
      })
    }
    return outcome(app, input.certificateNumber, null)
  })
}

/** Unfreezes in a later period: a financing certificate needs a free place there and gets that period's nominal. */
export async function unfreezeCertificate(
  app: Application,
  ctx: CommandContext,
  input: { certificateNumber: string; periodId: string; on: IsoDate },
): Promise<CertificateOutcome> {
  const { state, version, certificateStream, municipalityStream, period } = await certificateInPeriod(app, input.certificateNumber, input.periodId)
  return idempotent(app, ctx, 'UnfreezeCertificate', input, processIdFrom('UnfreezeCertificate'), async (processId) => {
    const p = new Process(app, ctx, 'unfreeze', processId)
    const began =
      (await started(app, municipalityDecider as Decider<never, MunicipalityState>, municipalityStream, `${processId}:place`)) ||
      (await started(app, certificateDecider as Decider<never, CertificateState>, certificateStream, `${processId}:unfreeze`))
    if (!began) {
      checkIfMatch(ctx, certificateStream, version)
      if (state.frozenIn === null) refuse('certificate_not_frozen', `certificate ${input.certificateNumber} is not frozen`)
      if (state.frozenIn === input.periodId) {
        refuse('unfreeze_in_same_period', `certificate ${input.certificateNumber} was frozen in ${input.periodId}; it can be unfrozen only in a later period`)
      }
    }
    if (state.type === 'financing') {
      await p.step(municipalityDecider, municipalityStream, `place`, {
        type: 'TakeFinancingPlace',
        periodId: input.periodId,
        certificateNumber: input.certificateNumber,
        on: input.on,
        queueIfFull: false,
      })
    }
    await p.step(certificateDecider, certificateStream, `unfreeze`, {
      type: 'UnfreezeCertificate',
      periodId: input.periodId,
      on: input.on,
      nominal: period.nominal,
    })
    return outcome(app, input.certificateNumber, null)
  })
}

/** Credits a financing certificate with a new period's nominal (period rollover): it takes a place there first. */
export async function creditNominal(
  app: Application,
  ctx: CommandContext,
  input: { certificateNumber: string; periodId: string; on: IsoDate },
): Promise<CertificateOutcome> {
  const { state, version, certificateStream, municipalityStream, period } = await certificateInPeriod(app, input.certificateNumber, input.periodId)
  const processId = `credit:${input.certificateNumber}:${input.periodId}`
  return idempotent(
    app,
    ctx,
    'CreditNominal',
    input,
    () => processId,
    async () => {
      const p = new Process(app, ctx, 'credit-nominal', processId)
      if (!(await started(app, municipalityDecider as Decider<never, MunicipalityState>, municipalityStream, `${processId}:place`))) {
        checkIfMatch(ctx, certificateStream, version)
        if (state.type !== 'financing') refuse('certificate_not_financing', `certificate ${input.certificateNumber} is not a financing certificate`)
        if (state.frozenIn !== null) refuse('certificate_frozen', `certificate ${input.certificateNumber} is frozen`)
        if (holdsNominal(state, input.periodId)) {
          refuse('certificate_already_credited', `certificate ${input.certificateNumber} already got the nominal of ${input.periodId}`)
        }
      }
      await p.step(municipalityDecider, municipalityStream, `place`, {
        type: 'TakeFinancingPlace',
        periodId: input.periodId,
        certificateNumber: input.certificateNumber,
        on: input.on,
        queueIfFull: false,
      })
      await p.step(certificateDecider, certificateStream, `credit`, {
        type: 'CreditNominal',
        periodId: input.periodId,
        on: input.on,
        nominal: period.nominal,
      })
      return outcome(app, input.certificateNumber, null)
    },
  )
}
