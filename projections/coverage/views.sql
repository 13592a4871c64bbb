-- SECURITY DEFINER: the read-only reporting role reads through these functions without rights on the
-- generation schemas, as it does through the views.
-- Coverage: each child counted once in the total, once per direction, once in every other breakdown.
-- `share` is children / resident population aged 5–18 (the latest figure for the year of the date or before).
CREATE OR REPLACE FUNCTION reporting.coverage(p_municipality text, p_on date)
RETURNS TABLE (dimension text, key text, children bigint, population integer, share numeric)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH pop AS (
    SELECT p.children FROM {{schema}}.population p
    WHERE p.municipality = p_municipality AND p.year <= extract(year FROM p_on)
    ORDER BY p.year DESC LIMIT 1
  ), enrolled AS (
    -- the certificate's type on the date: its last type change on or before it, accounting before any
    SELECT e.certificate_number, e.direction, e.provider_id,
           coalesce((SELECT t.type FROM {{schema}}.type_changes t WHERE t.certificate_number = c.certificate_number AND t.changed_on <= p_on
                     ORDER BY t.changed_on DESC, t.position DESC LIMIT 1), 'accounting') AS type,
           date_part('year', age(p_on, c.birth_date))::integer AS age
    FROM {{schema}}.enrolments e JOIN {{schema}}.children c USING (certificate_number)
    WHERE e.municipality = p_municipality AND e.status IN ('accepted', 'terminated', 'closed')
      AND e.start_date <= p_on AND e.accepted_on <= p_on AND e.end_date >= p_on
  ), counted AS (
    SELECT 'total' AS dimension, 'all' AS key, count(DISTINCT certificate_number) AS children FROM enrolled
    UNION ALL SELECT 'direction', direction, count(DISTINCT certificate_number) FROM enrolled GROUP BY direction
    UNION ALL SELECT 'age', age::text, count(DISTINCT certificate_number) FROM enrolled GROUP BY age
    UNION ALL SELECT 'certificate_type', type, count(DISTINCT certificate_number) FROM enrolled GROUP BY type
    UNION ALL SELECT 'provider', provider_id, count(DISTINCT certificate_number) FROM enrolled GROUP BY provider_id
  )
  SELECT c.dimension, c.key, c.children, (SELECT children FROM pop),
         round(c.children::numeric / NULLIF((SELECT children FROM pop), 0), 4)
  FROM counted c
  ORDER BY CASE c.dimension WHEN 'total' THEN 0 WHEN 'direction' THEN 1 WHEN 'age' THEN 2 WHEN 'certificate_type' THEN 3 ELSE 4 END,
           CASE WHEN c.dimension = 'age' THEN lpad(c.key, 3, '0') ELSE c.key END
$$;

-- The targets of the regional programme (domain.md): shares of children holding a certificate and a financing one.
CREATE OR REPLACE VIEW reporting.coverage_targets AS
SELECT * FROM (VALUES (DATE '2018-12-31', 0.25::numeric, 0.10::numeric), (DATE '2021-12-31', 0.50::numeric, 0.30::numeric))
  AS t(milestone, certificate_share, financing_share);

CREATE OR REPLACE FUNCTION reporting.municipality_statistics(p_municipality text, p_on date)
RETURNS TABLE (
  municipality text, on_date date, population integer, population_year integer,
  certificates_issued bigint, certificate_share numeric, target_certificate_share numeric,
  financing_certificates bigint, financing_share numeric, target_financing_share numeric, target_milestone date,
  children_enrolled bigint, coverage_share numeric
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  WITH pop AS (
    SELECT p.children, p.year FROM {{schema}}.population p
    WHERE p.municipality = p_municipality AND p.year <= extract(year FROM p_on)
    ORDER BY p.year DESC LIMIT 1
  ), issued AS (
    SELECT count(*) AS n FROM {{schema}}.children c WHERE c.municipality = p_municipality AND c.issued_on <= p_on
  ), financed AS (
    -- certificates holding a nominal on the date, of a period running then (from the changes effective by then)
    SELECT count(DISTINCT h.certificate_number) AS n FROM (
      SELECT f.certificate_number
      FROM {{schema}}.financing_changes f JOIN {{schema}}.periods p ON p.municipality = f.municipality AND p.period_id = f.period_id
      WHERE f.municipality = p_municipality AND f.effective_on <= p_on AND p.start_date <= p_on AND p.end_date >= p_on
      GROUP BY f.certificate_number, f.period_id HAVING sum(f.change) > 0) h
  ), target AS (
    -- the next milestone not yet past; after the last one, the last one
    SELECT t.* FROM reporting.coverage_targets t
    ORDER BY (t.milestone < p_on), CASE WHEN t.milestone >= p_on THEN t.milestone END, t.milestone DESC LIMIT 1
  ), enrolled AS (
    SELECT c.children FROM reporting.coverage(p_municipality, p_on) c WHERE c.dimension = 'total'
  )
  SELECT p_municipality, p_on, (SELECT children FROM pop), (SELECT year FROM pop),
         (SELECT n FROM issued), round((SELECT n FROM issued)::numeric / NULLIF((SELECT children FROM pop), 0), 4),
         (SELECT certificate_share FROM target),
         (SELECT n FROM financed), round((SELECT n FROM financed)::numeric / NULLIF((SELECT children FROM pop), 0), 4),
         (SELECT financing_share FROM target), (SELECT milestone FROM target),
         (SELECT children FROM enrolled), round((SELECT children FROM enrolled)::numeric / NULLIF((SELECT children FROM pop), 0), 4)
$$;

-- Budget convergence per period: the cap times the nominal against the limit, and what is actually held.
CREATE OR REPLACE VIEW reporting.budget_convergence AS
SELECT p.municipality, p.period_id, p.financing_cap,
       (SELECT count(*) FROM {{schema}}.financing f WHERE f.municipality = p.municipality AND f.period_id = p.period_id AND f.nominal > 0)::integer AS financing_certificates,
       (p.nominal / 100.0)::numeric(20,2) AS nominal,
       (p.financing_cap::numeric * p.nominal / 100.0)::numeric(30,2) AS cap_times_nominal,
       (coalesce((SELECT sum(f.nominal) FROM {{schema}}.financing f WHERE f.municipality = p.municipality AND f.period_id = p.period_id), 0) / 100.0)::numeric(30,2) AS sum_of_nominals,
       (p.nominal_limit / 100.0)::numeric(20,2) AS nominal_limit,
       (p.nominal_limit IS NULL OR p.financing_cap::numeric * p.nominal <= p.nominal_limit) AS converges
FROM {{schema}}.periods p;

-- The last day any child of the municipality is counted as enrolled (null before the first enrolment): where an
-- answer for today finds nothing (a past school year, say), the last date that has data.
CREATE OR REPLACE FUNCTION reporting.coverage_last_date(p_municipality text)
RETURNS date
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
  SELECT max(e.end_date) FROM {{schema}}.enrolments e
  WHERE e.municipality = p_municipality AND e.status IN ('accepted', 'terminated', 'closed') AND e.accepted_on IS NOT NULL
$$;

-- Comments for the analysts who read these views (issue 15): every view and column says what it holds.
COMMENT ON VIEW reporting.coverage_targets IS 'Региональные целевые показатели охвата';
COMMENT ON COLUMN reporting.coverage_targets.milestone IS 'Дата, к которой показатель должен быть достигнут';
COMMENT ON COLUMN reporting.coverage_targets.certificate_share IS 'Целевая доля детей с сертификатами';
COMMENT ON COLUMN reporting.coverage_targets.financing_share IS 'Целевая доля детей с сертификатами финансирования';
COMMENT ON VIEW reporting.budget_convergence IS 'Сходимость бюджета по периодам: места × номинал против лимита';
COMMENT ON COLUMN reporting.budget_convergence.municipality IS 'Муниципалитет';
COMMENT ON COLUMN reporting.budget_convergence.period_id IS 'Период финансирования';
COMMENT ON COLUMN reporting.budget_convergence.financing_cap IS 'Число мест финансирования';
COMMENT ON COLUMN reporting.budget_convergence.financing_certificates IS 'Сертификатов финансирования';
COMMENT ON COLUMN reporting.budget_convergence.nominal IS 'Номинал, руб.';
COMMENT ON COLUMN reporting.budget_convergence.cap_times_nominal IS 'Места × номинал, руб.';
COMMENT ON COLUMN reporting.budget_convergence.sum_of_nominals IS 'Сумма номиналов на сертификатах, руб.';
COMMENT ON COLUMN reporting.budget_convergence.nominal_limit IS 'Лимит суммы номиналов, руб.; null — без лимита';
COMMENT ON COLUMN reporting.budget_convergence.converges IS 'Места × номинал в пределах лимита (или лимита нет)';
COMMENT ON FUNCTION reporting.coverage(text, date) IS 'Охват на дату: дети считаются один раз в итоге и один раз в каждой разбивке (направленность, возраст, тип сертификата, поставщик); доля — от населения 5–18 лет';
COMMENT ON FUNCTION reporting.municipality_statistics(text, date) IS 'Показатели муниципалитета на дату: сертификаты, сертификаты финансирования, охват и целевые значения';
COMMENT ON FUNCTION reporting.coverage_last_date(text) IS 'Последний день, когда в муниципалитете кто-то из детей обучался (null до первого зачисления)';
