/** The contract status each lifecycle event leads to: one table for every read model that follows contracts. */
export const CONTRACT_STATUS_AFTER: Readonly<Record<string, string>> = {
  ContractAccepted: 'accepted',
  ContractRefused: 'refused',
  ContractTerminated: 'terminated',
  ContractClosed: 'closed',
}
