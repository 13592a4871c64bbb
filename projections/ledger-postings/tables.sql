-- Double entry: every movement of money as a posting from one account (credit) to another (debit), in kopecks.
-- Accounts: budget:{period}; certificate:{number}:{period}:available|reserved|spent;
-- payer:{payer}:services (services invoiced to it), payer:{payer}:bank (what it paid);
-- provider:{provider}:payable (owed to the provider), provider:{provider}:advances (advances paid, not yet set off).
CREATE TABLE {{schema}}.postings (
  global_position bigint  NOT NULL,
  seq             integer NOT NULL,
  scope           text    NOT NULL,  -- the period id for certificate money, the month for invoices and payments
  debit_account   text    NOT NULL,
  credit_account  text    NOT NULL,
  amount          bigint  NOT NULL CHECK (amount > 0),
  event_type      text    NOT NULL,
  PRIMARY KEY (global_position, seq)
);
CREATE INDEX ON {{schema}}.postings (debit_account);
CREATE INDEX ON {{schema}}.postings (credit_account);
