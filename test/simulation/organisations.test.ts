import t from 'tap'
import { missingRequisites } from '../../src/domain/organisation.ts'
import { requisitesProblems } from '../../src/domain/requisites.ts'
import { simulatedRequisites } from '../../src/simulation/organisations.ts'
import { makePlan } from '../../src/simulation/plan.ts'
import { SCENARIOS } from '../../src/simulation/scenarios.ts'

t.test("the simulator's organisations: valid, complete, unique requisites, the same for the same seed", async (t) => {
  for (const scenario of Object.values(SCENARIOS)) {
    for (const seed of [1, 2, 20231]) {
      const plan = makePlan(scenario, seed)
      const made = simulatedRequisites(scenario, seed, plan.providers)
      const all = [
        { kind: 'payer' as const, id: scenario.payerId, name: scenario.payerName, requisites: made.payer },
        ...plan.providers.map((p) => ({ kind: 'provider' as const, id: p.providerId, name: p.name, requisites: made.providers.get(p.providerId)! })),
      ]
      for (const o of all) {
        const problems = requisitesProblems(o.requisites)
        if (problems.length > 0) t.fail(`${scenario.name}/${seed} ${o.id}: ${JSON.stringify(problems)}`)
        const missing = missingRequisites(o)
        if (missing.length > 0) t.fail(`${scenario.name}/${seed} ${o.id} lacks ${missing.join(', ')}`)
      }
      t.equal(new Set(all.map((o) => o.requisites.inn)).size, all.length, `${scenario.name}/${seed}: every ИНН its own`)
      t.equal(JSON.stringify(simulatedRequisites(scenario, seed, plan.providers).payer), JSON.stringify(made.payer), 'deterministic')
      const entrepreneurs = plan.providers.filter((p) => p.kind === 'individual-entrepreneur')
      for (const p of entrepreneurs) t.equal(made.providers.get(p.providerId)!.inn.length, 12, 'an entrepreneur has a 12-digit ИНН')
    }
  }
  const plan = makePlan(SCENARIOS['tambov-2023']!, 1)
  t.not(
    JSON.stringify(simulatedRequisites(SCENARIOS['tambov-2023']!, 2, plan.providers).payer),
    JSON.stringify(simulatedRequisites(SCENARIOS['tambov-2023']!, 1, plan.providers).payer),
    'another seed, other requisites',
  )
})
