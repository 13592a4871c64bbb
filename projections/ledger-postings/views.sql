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

-- Comments for the analysts who read these views (issue 15): every view and column says what it holds.
COMMENT ON VIEW reporting.ledger_postings IS 'Двойная запись: каждое движение денег как проводка со счёта кредита на счёт дебета';
COMMENT ON COLUMN reporting.ledger_postings.global_position IS 'Глобальная позиция события';
COMMENT ON COLUMN reporting.ledger_postings.seq IS 'Номер проводки в событии';
COMMENT ON COLUMN reporting.ledger_postings.scope IS 'Период (деньги сертификата) или месяц (счета и платежи)';
COMMENT ON COLUMN reporting.ledger_postings.debit_account IS 'Счёт дебета';
COMMENT ON COLUMN reporting.ledger_postings.credit_account IS 'Счёт кредита';
COMMENT ON COLUMN reporting.ledger_postings.amount IS 'Сумма, руб.';
COMMENT ON COLUMN reporting.ledger_postings.event_type IS 'Тип события';
COMMENT ON VIEW reporting.account_balances IS 'Обороты и сальдо каждого счёта двойной записи';
COMMENT ON COLUMN reporting.account_balances.account IS 'Счёт';
COMMENT ON COLUMN reporting.account_balances.debits IS 'Оборот по дебету, руб.';
COMMENT ON COLUMN reporting.account_balances.credits IS 'Оборот по кредиту, руб.';
COMMENT ON COLUMN reporting.account_balances.balance IS 'Сальдо = дебет − кредит, руб.';
