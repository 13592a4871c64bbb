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

-- Comments for the analysts who read these views (issue 15): every view and column says what it holds.
COMMENT ON VIEW reporting.contracts IS 'Договоры об обучении по сертификатам: одна строка на договор';
COMMENT ON COLUMN reporting.contracts.contract_id IS 'Идентификатор договора (UUID)';
COMMENT ON COLUMN reporting.contracts.certificate_number IS 'Номер сертификата';
COMMENT ON COLUMN reporting.contracts.group_id IS 'Группа';
COMMENT ON COLUMN reporting.contracts.programme_id IS 'Программа';
COMMENT ON COLUMN reporting.contracts.provider_id IS 'Поставщик (см. reporting.organisations)';
COMMENT ON COLUMN reporting.contracts.payer_id IS 'Плательщик; null для бюджетных и платных программ';
COMMENT ON COLUMN reporting.contracts.municipality IS 'Муниципалитет';
COMMENT ON COLUMN reporting.contracts.period_id IS 'Период финансирования';
COMMENT ON COLUMN reporting.contracts.kind IS 'financing, budget или paid';
COMMENT ON COLUMN reporting.contracts.direction IS 'Направленность программы';
COMMENT ON COLUMN reporting.contracts.requested_on IS 'Дата заявки';
COMMENT ON COLUMN reporting.contracts.start_date IS 'Начало обучения';
COMMENT ON COLUMN reporting.contracts.end_date IS 'Окончание обучения';
COMMENT ON COLUMN reporting.contracts.status IS 'requested, accepted, refused, terminated или closed';
COMMENT ON COLUMN reporting.contracts.accepted_on IS 'Дата принятия поставщиком';
COMMENT ON COLUMN reporting.contracts.refused_on IS 'Дата отказа';
COMMENT ON COLUMN reporting.contracts.refusal_reason IS 'Причина отказа';
COMMENT ON COLUMN reporting.contracts.terminated_on IS 'Дата расторжения';
COMMENT ON COLUMN reporting.contracts.terminated_by IS 'Кто расторг: parent или provider';
COMMENT ON COLUMN reporting.contracts.last_month IS 'Последний оплачиваемый месяц после расторжения (YYYY-MM)';
COMMENT ON COLUMN reporting.contracts.closes_on IS 'Дата, когда расторгнутый договор закроется';
COMMENT ON COLUMN reporting.contracts.closed_on IS 'Дата закрытия';
COMMENT ON COLUMN reporting.contracts.days IS 'Дней обучения по договору (D)';
COMMENT ON COLUMN reporting.contracts.months IS 'Месяцев обучения (M)';
COMMENT ON COLUMN reporting.contracts.full_price IS 'Полная стоимость за срок договора, руб.';
COMMENT ON COLUMN reporting.contracts.normative_cost IS 'Нормативная стоимость за срок договора, руб.';
COMMENT ON COLUMN reporting.contracts.certificate_part IS 'Оплачивается из сертификата (зарезервировано), руб.';
COMMENT ON COLUMN reporting.contracts.parent_part IS 'Доплата родителей, руб.';
COMMENT ON COLUMN reporting.contracts.certificate_first_month IS 'Из сертификата за первый месяц, руб.';
COMMENT ON COLUMN reporting.contracts.certificate_other_month IS 'Из сертификата за каждый следующий месяц, руб.';
COMMENT ON COLUMN reporting.contracts.released IS 'Возвращено из резерва (отказ, расторжение), руб.';
COMMENT ON COLUMN reporting.contracts.written_off IS 'Списано с сертификата на начало месяцев, руб.';
COMMENT ON COLUMN reporting.contracts.pending_corrections IS 'Корректировки закрытых месяцев, ещё не вошедшие в итоговый счёт';
COMMENT ON COLUMN reporting.contracts.last_position IS 'Глобальная позиция последнего события, изменившего строку';
COMMENT ON VIEW reporting.contract_schedule IS 'График оплаты договора по месяцам';
COMMENT ON COLUMN reporting.contract_schedule.contract_id IS 'Договор';
COMMENT ON COLUMN reporting.contract_schedule.provider_id IS 'Поставщик';
COMMENT ON COLUMN reporting.contract_schedule.municipality IS 'Муниципалитет';
COMMENT ON COLUMN reporting.contract_schedule.month IS 'Месяц (YYYY-MM)';
COMMENT ON COLUMN reporting.contract_schedule.certificate_amount IS 'Из сертификата за месяц, руб.';
COMMENT ON COLUMN reporting.contract_schedule.parent_amount IS 'Доплата родителей за месяц, руб.';
