-- Stable reporting contract of the organisations projection (documented in projections/README.md).
CREATE OR REPLACE VIEW reporting.organisations AS
SELECT o.kind, o.organisation_id, o.municipality, o.name, o.provider_kind, o.last_position
FROM {{schema}}.organisations o;

CREATE OR REPLACE VIEW reporting.organisation_requisites AS
SELECT r.kind, r.organisation_id, r.effective_on,
       -- the day the next set takes over (exclusive); null: still in force
       (SELECT min(n.effective_on) FROM {{schema}}.organisation_requisites n
         WHERE n.kind = r.kind AND n.organisation_id = r.organisation_id AND n.effective_on > coalesce(r.effective_on, '-infinity'::date)) AS effective_until,
       r.full_name, r.short_name, r.inn, r.kpp, r.ogrn, r.legal_address, r.settlement_account, r.bank_name, r.bik,
       r.correspondent_account, r.head_name, r.head_title, r.recorded_position
FROM {{schema}}.organisation_requisites r
-- of two sets for one day, the later recorded is the one in force
WHERE NOT EXISTS (SELECT 1 FROM {{schema}}.organisation_requisites s
                   WHERE s.kind = r.kind AND s.organisation_id = r.organisation_id
                     AND s.effective_on IS NOT DISTINCT FROM r.effective_on AND s.recorded_position > r.recorded_position);
