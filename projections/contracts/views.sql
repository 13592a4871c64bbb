CREATE OR REPLACE VIEW reporting.contracts AS
SELECT c.contract_id, c.certificate_number, c.group_id, c.programme_id, c.provider_id, c.payer_id, c.municipality,
       c.period_id, c.kind, c.direction, c.requested_on, c.start_date, c.end_date, c.status,
       c.accepted_on, c.refused_on, c.refusal_reason, c.terminated_on, c.terminated_by, c.last_month, c.closes_on, c.closed_on,
       (c.quote ->> 'days')::integer   AS days,
       (c.quote ->> 'months')::integer AS months,
       ((c.quote ->> 'all')::bigint / 100.0)::numeric(20,2)       AS full_price,
       ((c.quote ->> 'normative')::bigint / 100.0)::numeric(20,2) AS normative_cost,
       (c.certificate_part / 100.0)::numeric(20,2) AS certificate_part,
       (c.parent_part / 100.0)::numeric(20,2)      AS parent_part,
       ((c.quote ->> 'certificateFirstMonth')::bigint / 100.0)::numeric(20,2) AS certificate_first_month,
       ((c.quote ->> 'certificateOtherMonth')::bigint / 100.0)::numeric(20,2) AS certificate_other_month,
       (c.released / 100.0)::numeric(20,2)    AS released,
       (c.written_off / 100.0)::numeric(20,2) AS written_off,
       c.pending_corrections,
       c.last_position
FROM {{schema}}.contracts c;

CREATE OR REPLACE VIEW reporting.contract_schedule AS
SELECT c.contract_id, c.provider_id, c.municipality, s.month,
       ((s.item ->> 'certificate')::bigint / 100.0)::numeric(20,2) AS certificate_amount,
       ((s.item ->> 'parent')::bigint / 100.0)::numeric(20,2)      AS parent_amount
FROM {{schema}}.contracts c
CROSS JOIN LATERAL (SELECT e ->> 'month' AS month, e AS item FROM jsonb_array_elements(c.schedule) e) s;
