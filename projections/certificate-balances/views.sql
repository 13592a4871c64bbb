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

-- Comments for the analysts who read these views (issue 15): every view and column says what it holds.
COMMENT ON VIEW reporting.certificates IS 'Сертификаты дополнительного образования: одна строка на сертификат';
COMMENT ON COLUMN reporting.certificates.certificate_number IS 'Номер сертификата (10 символов)';
COMMENT ON COLUMN reporting.certificates.municipality IS 'Муниципалитет, выдавший сертификат';
COMMENT ON COLUMN reporting.certificates.birth_date IS 'Дата рождения ребёнка (для статистики по возрастам)';
COMMENT ON COLUMN reporting.certificates.issued_on IS 'Дата выдачи (бизнес-дата)';
COMMENT ON COLUMN reporting.certificates.requested_type IS 'Тип, запрошенный при выдаче: accounting (учёта) или financing (финансирования)';
COMMENT ON COLUMN reporting.certificates.type IS 'Текущий тип: accounting или financing';
COMMENT ON COLUMN reporting.certificates.status IS 'issued (не активирован), active или frozen';
COMMENT ON COLUMN reporting.certificates.activated_on IS 'Дата активации; null до активации';
COMMENT ON COLUMN reporting.certificates.frozen_in_period IS 'Период, в котором сертификат заморожен; null, если не заморожен';
COMMENT ON COLUMN reporting.certificates.last_position IS 'Глобальная позиция последнего события, изменившего строку';
COMMENT ON VIEW reporting.certificate_balances IS 'Деньги сертификата по периодам финансирования: номинал, резерв, списано, остаток (руб.)';
COMMENT ON COLUMN reporting.certificate_balances.certificate_number IS 'Номер сертификата';
COMMENT ON COLUMN reporting.certificate_balances.municipality IS 'Муниципалитет';
COMMENT ON COLUMN reporting.certificate_balances.period_id IS 'Период финансирования';
COMMENT ON COLUMN reporting.certificate_balances.type IS 'Текущий тип сертификата';
COMMENT ON COLUMN reporting.certificate_balances.status IS 'issued, active или frozen';
COMMENT ON COLUMN reporting.certificate_balances.nominal IS 'Зачисленный номинал за вычетом изъятого (смена типа, заморозка), руб.';
COMMENT ON COLUMN reporting.certificate_balances.reserved IS 'Зарезервировано под договоры и ещё не списано, руб.';
COMMENT ON COLUMN reporting.certificate_balances.spent IS 'Списано в оплату услуг, руб.';
COMMENT ON COLUMN reporting.certificate_balances.balance IS 'Остаток = номинал − резерв − списано, не меньше нуля, руб.';
COMMENT ON COLUMN reporting.certificate_balances.running_contracts IS 'Действующие договоры в периоде (приняты или расторгнуты и ещё не закрыты)';
COMMENT ON COLUMN reporting.certificate_balances.pending_contracts IS 'Заявки на договоры без ответа';
COMMENT ON COLUMN reporting.certificate_balances.last_position IS 'Глобальная позиция последнего события, изменившего строку';
COMMENT ON VIEW reporting.financing_periods IS 'Периоды финансирования муниципалитетов: номинал, лимит мест, плательщик';
COMMENT ON COLUMN reporting.financing_periods.municipality IS 'Муниципалитет';
COMMENT ON COLUMN reporting.financing_periods.period_id IS 'Период финансирования';
COMMENT ON COLUMN reporting.financing_periods.start_date IS 'Начало периода';
COMMENT ON COLUMN reporting.financing_periods.end_date IS 'Конец периода';
COMMENT ON COLUMN reporting.financing_periods.payer_id IS 'Плательщик периода (может быть ещё не зарегистрирован в реестре)';
COMMENT ON COLUMN reporting.financing_periods.nominal IS 'Номинал сертификата финансирования, руб.';
COMMENT ON COLUMN reporting.financing_periods.financing_cap IS 'Число мест финансирования';
COMMENT ON COLUMN reporting.financing_periods.places_taken IS 'Занято мест';
COMMENT ON COLUMN reporting.financing_periods.places_free IS 'Свободно мест';
COMMENT ON COLUMN reporting.financing_periods.queue_length IS 'Сертификатов в очереди на место';
COMMENT ON COLUMN reporting.financing_periods.nominal_limit IS 'Лимит суммы номиналов, руб.; null — без лимита';
COMMENT ON COLUMN reporting.financing_periods.cap_times_nominal IS 'Места × номинал (сходимость бюджета), руб.';
COMMENT ON COLUMN reporting.financing_periods.last_position IS 'Глобальная позиция последнего события, изменившего строку';
COMMENT ON VIEW reporting.financing_queue IS 'Очередь сертификатов на места финансирования (первым пришёл — первым получил)';
COMMENT ON COLUMN reporting.financing_queue.municipality IS 'Муниципалитет';
COMMENT ON COLUMN reporting.financing_queue.period_id IS 'Период финансирования';
COMMENT ON COLUMN reporting.financing_queue.certificate_number IS 'Номер сертификата';
COMMENT ON COLUMN reporting.financing_queue.queued_on IS 'Дата постановки в очередь';
COMMENT ON COLUMN reporting.financing_queue.queue_position IS 'Место в очереди: 1 — следующий';
