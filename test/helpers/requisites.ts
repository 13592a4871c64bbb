import type { Requisites } from '../../src/domain/organisation.ts'
import { innControlDigits, ogrnControlDigit, withCorrespondentKey, withSettlementKey } from '../../src/domain/requisites.ts'

// Valid requisites for tests: the numbers' control digits from src/domain/requisites.ts, whose own test checks them
// against an independent reference.

const SBER_BIK = '044525225'
const VTB_BIK = '044525187'

/** A complete set of an organisation's requisites; `n` varies the ИНН, ОГРН and account; `bik` the bank. */
export function validRequisites(n = 1, bik = SBER_BIK): Requisites {
  const innBody = `68${String(n).padStart(7, '0')}`
  const ogrnBody = `10268${String(n).padStart(7, '0')}`
  return {
    fullName: `Муниципальное бюджетное учреждение дополнительного образования «Центр № ${n}»`,
    shortName: `МБУ ДО «Центр № ${n}»`,
    inn: innBody + innControlDigits(innBody),
    kpp: '682901001',
    ogrn: ogrnBody + ogrnControlDigit(ogrnBody),
    legalAddress: `392000, Тамбовская обл., г. Тамбов, ул. Советская, д. ${n}`,
    settlementAccount: withSettlementKey(`40702810${String(n).padStart(12, '0')}`, bik),
    bankName: bik === SBER_BIK ? 'ПАО Сбербанк' : 'Банк ВТБ (ПАО)',
    bik,
    correspondentAccount: withCorrespondentKey(`30101810${bik.slice(-3).padStart(12, '0')}`, bik),
    headName: 'Иванова Мария Петровна',
    headTitle: 'Директор',
  }
}

export const OTHER_BANK = VTB_BIK
