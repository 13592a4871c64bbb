import { activateCertificate, issueCertificate } from '../../src/app/certificates.ts'
import { type Application, type CommandContext, systemMetadata } from '../../src/app/context.ts'
import { concludeAgreement, openFinancingPeriod, openGroup, recordQualityAssessment, registerProgramme, registerProvider } from '../../src/app/registry.ts'
import type { Role } from '../../src/auth/tokens.ts'

export const ctx = (key: string | null = null): CommandContext => ({ metadata: systemMetadata('test', 'test-run', key) })

/** A command as an API caller of a tenant sends it: checked against its scope (src/app/scope.ts). */
export const callerCtx = (role: Role, scope: { providerId?: string; payerId?: string } = {}): CommandContext => ({
  metadata: systemMetadata('test', 'test-run'),
  caller: { tokenId: `test-${role}`, role, providerId: scope.providerId ?? null, payerId: scope.payerId ?? null, label: null },
})
export const providerCtx = (providerId: string) => callerCtx('provider', { providerId })

export const MUNICIPALITY = 'tambov-district'
export const PERIOD = '2024'

/**
 * A small municipality through the application layer: a period (7 760.00 nominal, cap as given), one provider
 * with its agreement, a certified financing programme and a budget one, and groups of the worked example
 * (2024-09-01..2025-05-31, price 9 000.00, normative 7 000.00).
 */
export async function smallWorld(app: Application, options: { cap?: number; capacity?: number; groups?: number } = {}) {
  await openFinancingPeriod(app, ctx(), {
    municipality: MUNICIPALITY,
    periodId: PERIOD,
    startDate: '2024-09-01',
    endDate: '2025-08-31',
    nominal: 776000,
    financingCap: options.cap ?? 100,
    nominalLimit: null,
    payerId: 'payer-1',
  })
  await registerProvider(app, ctx(), { providerId: 'prov-1', municipality: MUNICIPALITY, name: 'Центр детского творчества', kind: 'municipal' })
  await concludeAgreement(app, ctx(), { providerId: 'prov-1', payerId: 'payer-1', periodId: PERIOD, concludedOn: '2024-08-01' })
  await registerProgramme(app, ctx(), { programmeId: 'robotics', providerId: 'prov-1', title: 'Робототехника', direction: 'technical', kind: 'financing' })
  await recordQualityAssessment(app, ctx(), { programmeId: 'robotics', score: 42, assessedOn: '2024-06-01' })
  await registerProgramme(app, ctx(), { programmeId: 'choir', providerId: 'prov-1', title: 'Хор', direction: 'artistic', kind: 'budget' })
  const groups: string[] = []
  for (let i = 1; i <= (options.groups ?? 1); i++) {
    const groupId = `robotics-${i}`
    await openGroup(app, ctx(), {
      groupId,
      programmeId: 'robotics',
      startDate: '2024-09-01',
      endDate: '2025-05-31',
      price: 900000,
      normativeCost: 700000,
      capacity: options.capacity ?? 10,
    })
    groups.push(groupId)
  }
  await openGroup(app, ctx(), {
    groupId: 'choir-1',
    programmeId: 'choir',
    startDate: '2024-09-01',
    endDate: '2025-05-31',
    price: 0,
    normativeCost: 0,
    capacity: 30,
  })
  return { groups }
}

export const certificateNo = (i: number) => `T${String(i).padStart(9, '0')}`

export async function activeCertificate(app: Application, i: number, type: 'financing' | 'accounting' = 'financing') {
  const number = certificateNo(i)
  const issued = await issueCertificate(app, ctx(), {
    certificateNumber: number,
    municipality: MUNICIPALITY,
    birthDate: '2014-05-05',
    issuedOn: '2024-09-02',
    type,
  })
  await activateCertificate(app, ctx(), { certificateNumber: number, activatedOn: '2024-09-02' })
  return { number, issued }
}
