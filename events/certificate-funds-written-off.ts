import { z } from 'zod'
import { certificateNumber, defineEvent, entityId, isoDate, isoMonth, kopecks, nextVersion, uuid } from './common.ts'

const v1 = z.object({ certificateNumber, periodId: entityId, contractId: uuid, month: isoMonth, amount: kopecks })

/** Version 1 (no date): written by the month close after the month. */
const CertificateFundsWrittenOffV1 = defineEvent('CertificateFundsWrittenOff', 1, 'certificate-{certificateNumber}', v1)

/**
 * A contract's month began: its certificate amount moves from reserved to spent (reserved − amount, spent + amount,
 * balance unchanged). `effectiveOn` is the day it began for the contract: the 1st of the month, or in the contract's
 * first month its start date, and never before the acceptance. Recorded by whichever command first knows it: the
 * close of the month before, or the acceptance. Version 1 reads as effective on the 1st of its month.
 */
export const CertificateFundsWrittenOff = nextVersion(CertificateFundsWrittenOffV1, v1.extend({ effectiveOn: isoDate }), (d) => ({
  ...d,
  effectiveOn: `${d.month}-01`,
}))
