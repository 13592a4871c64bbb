CREATE OR REPLACE VIEW reporting.ledger_postings AS
SELECT p.global_position, p.seq, p.scope, p.debit_account, p.credit_account, (p.amount / 100.0)::numeric(20,2) AS amount, p.event_type
FROM {{schema}}.postings p;

-- Every account's debits, credits and balance (debits − credits), exact.
CREATE OR REPLACE VIEW reporting.account_balances AS
SELECT account, (sum(debit) / 100.0)::numeric(30,2) AS debits, (sum(credit) / 100.0)::numeric(30,2) AS credits,
       ((sum(debit) - sum(credit)) / 100.0)::numeric(30,2) AS balance
FROM (
  SELECT debit_account AS account, amount AS debit, 0::bigint AS credit FROM {{schema}}.postings
  UNION ALL
  SELECT credit_account, 0, amount FROM {{schema}}.postings
) m
GROUP BY account;
