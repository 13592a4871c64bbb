-- Stable reporting contract of the certificate-balances projection (documented in projections/README.md).
-- Amounts are numeric(20,2) roubles (every bigint of kopecks fits); the projection keeps integer kopecks.
CREATE OR REPLACE VIEW reporting.certificates AS
SELECT c.certificate_number, c.municipality, c.birth_date, c.issued_on, c.requested_type, c.type,
       CASE WHEN c.frozen_in IS NOT NULL THEN 'frozen' WHEN c.active THEN 'active' ELSE 'issued' END AS status,
       c.activated_on, c.frozen_in AS frozen_in_period, c.last_position
FROM {{schema}}.certificates c;

CREATE OR REPLACE VIEW reporting.certificate_balances AS
SELECT b.certificate_number, c.municipality, b.period_id, c.type,
       CASE WHEN c.frozen_in IS NOT NULL THEN 'frozen' WHEN c.active THEN 'active' ELSE 'issued' END AS status,
       (b.nominal / 100.0)::numeric(20,2)  AS nominal,
       (b.reserved / 100.0)::numeric(20,2) AS reserved,
       (b.spent / 100.0)::numeric(20,2)    AS spent,
       (b.balance / 100.0)::numeric(20,2)  AS balance,
       (SELECT count(*) FROM {{schema}}.certificate_contracts k
         WHERE k.certificate_number = b.certificate_number AND k.period_id = b.period_id
           AND k.status IN ('accepted', 'terminated'))::integer AS running_contracts,
       (SELECT count(*) FROM {{schema}}.certificate_contracts k
         WHERE k.certificate_number = b.certificate_number AND k.period_id = b.period_id
           AND k.status = 'requested')::integer AS pending_contracts,
       b.last_position
FROM {{schema}}.certificate_balances b
JOIN {{schema}}.certificates c USING (certificate_number);

CREATE OR REPLACE VIEW reporting.financing_periods AS
SELECT p.municipality, p.period_id, p.start_date, p.end_date, p.payer_id,
       (p.nominal / 100.0)::numeric(20,2) AS nominal,
       p.financing_cap, p.places_taken, p.financing_cap - p.places_taken AS places_free, p.queue_length,
       (p.nominal_limit / 100.0)::numeric(20,2) AS nominal_limit,
       (p.financing_cap::numeric * p.nominal / 100.0)::numeric(30,2) AS cap_times_nominal,
       p.last_position
FROM {{schema}}.financing_periods p;

CREATE OR REPLACE VIEW reporting.financing_queue AS
SELECT q.municipality, q.period_id, q.certificate_number, q.queued_on,
       row_number() OVER (PARTITION BY q.municipality, q.period_id ORDER BY q.queued_at_position)::integer AS queue_position
FROM {{schema}}.financing_queue q;
