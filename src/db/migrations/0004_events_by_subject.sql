-- Audit trails and as-of answers read every event that names a certificate or a contract.
CREATE INDEX events_certificate_number ON ledger.events ((data ->> 'certificateNumber'), transaction_id, global_position);
CREATE INDEX events_contract_id ON ledger.events ((data ->> 'contractId'), transaction_id, global_position);
