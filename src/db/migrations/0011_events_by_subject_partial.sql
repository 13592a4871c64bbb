-- Only events that name a certificate (or a contract) are ever looked up by it (readTouching's
-- `data ->> 'certificateNumber' = $1`, which implies IS NOT NULL). The events that name neither (population
-- records, periods, tariffs, synthetic volume) no longer get an entry, so these indexes grow with the
-- subjects' events only. Same names, same columns: the audit's and as-of readers' plans are unchanged.
DROP INDEX ledger.events_certificate_number;
CREATE INDEX events_certificate_number ON ledger.events ((data ->> 'certificateNumber'), transaction_id, global_position)
  WHERE (data ->> 'certificateNumber') IS NOT NULL;
DROP INDEX ledger.events_contract_id;
CREATE INDEX events_contract_id ON ledger.events ((data ->> 'contractId'), transaction_id, global_position)
  WHERE (data ->> 'contractId') IS NOT NULL;
