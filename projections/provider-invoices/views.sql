CREATE OR REPLACE VIEW reporting.provider_invoices AS
SELECT i.invoice_id, i.kind, i.number, i.payer_id, i.provider_id, i.municipality, i.month, i.issued_on,
       (i.total / 100.0)::numeric(20,2)            AS total,
       (i.advance_deducted / 100.0)::numeric(20,2) AS advance_deducted,
       (i.amount_due / 100.0)::numeric(20,2)       AS amount_due,
       (i.amount_paid / 100.0)::numeric(20,2)      AS amount_paid,
       -- an advance deducted by its month's final invoice owes nothing more: the rest is owed on the final invoice
       (CASE WHEN i.deducted_on IS NOT NULL THEN 0 ELSE i.amount_due - i.amount_paid END / 100.0)::numeric(20,2) AS outstanding,
       (i.overdue_paid / 100.0)::numeric(20,2)     AS paid_overdue,
       (i.refunded / 100.0)::numeric(20,2)         AS refunded_to_certificates,
       CASE WHEN i.deducted_on IS NOT NULL AND i.amount_paid < i.amount_due THEN 'deducted'
            WHEN i.amount_paid = 0 AND i.amount_due > 0 THEN 'issued'
            WHEN i.amount_paid < i.amount_due THEN 'partially_paid'
            ELSE 'paid' END AS status,
       i.deducted_on, i.settled_on,
       i.last_position
FROM {{schema}}.invoices i;

CREATE OR REPLACE VIEW reporting.provider_invoice_lines AS
SELECT l.invoice_id, l.contract_id, l.month, l.certificate_number, l.contract_date,
       (l.month_amount / 100.0)::numeric(20,2) AS month_amount,
       (l.completeness_bp / 100.0)::numeric(5,2) AS completeness_percent,
       (l.line_amount / 100.0)::numeric(20,2)  AS line_amount
FROM {{schema}}.invoice_lines l;

CREATE OR REPLACE VIEW reporting.provider_payments AS
SELECT p.payment_id, p.invoice_id, (p.amount / 100.0)::numeric(20,2) AS amount, p.paid_on, p.payment_order, p.overdue, p.reversed, p.reversed_on, p.last_position
FROM {{schema}}.payments p;

CREATE OR REPLACE VIEW reporting.provider_invoice_corrections AS
SELECT c.invoice_id, c.correction_id, c.contract_id, c.certificate_number, c.month, c.corrects_invoice_id,
       (c.amount / 100.0)::numeric(20,2) AS amount
FROM {{schema}}.invoice_corrections c;

CREATE OR REPLACE VIEW reporting.month_closes AS
SELECT c.municipality, c.month, c.closed_on, c.last_position FROM {{schema}}.month_closes c;

-- Comments for the analysts who read these views (issue 15): every view and column says what it holds.
COMMENT ON VIEW reporting.provider_invoices IS 'Счета поставщиков плательщику: авансовые и итоговые, одна строка на счёт';
COMMENT ON COLUMN reporting.provider_invoices.invoice_id IS 'Идентификатор счёта';
COMMENT ON COLUMN reporting.provider_invoices.kind IS 'advance (авансовый) или final (итоговый)';
COMMENT ON COLUMN reporting.provider_invoices.number IS 'Номер счёта, по которому сопоставляется выписка банка';
COMMENT ON COLUMN reporting.provider_invoices.payer_id IS 'Плательщик (см. reporting.organisations)';
COMMENT ON COLUMN reporting.provider_invoices.provider_id IS 'Поставщик (см. reporting.organisations)';
COMMENT ON COLUMN reporting.provider_invoices.municipality IS 'Муниципалитет';
COMMENT ON COLUMN reporting.provider_invoices.month IS 'Месяц услуг (YYYY-MM)';
COMMENT ON COLUMN reporting.provider_invoices.issued_on IS 'Дата выставления';
COMMENT ON COLUMN reporting.provider_invoices.total IS 'Сумма счёта, руб.';
COMMENT ON COLUMN reporting.provider_invoices.advance_deducted IS 'Зачтённый аванс (итоговый счёт), руб.';
COMMENT ON COLUMN reporting.provider_invoices.amount_due IS 'Подлежит оплате, руб.';
COMMENT ON COLUMN reporting.provider_invoices.amount_paid IS 'Оплачено, руб.';
COMMENT ON COLUMN reporting.provider_invoices.outstanding IS 'Задолженность; у зачтённого аванса 0, руб.';
COMMENT ON COLUMN reporting.provider_invoices.paid_overdue IS 'Оплачено после срока (10-го числа), руб.';
COMMENT ON COLUMN reporting.provider_invoices.refunded_to_certificates IS 'Возвращено на сертификаты после полной оплаты, руб.';
COMMENT ON COLUMN reporting.provider_invoices.status IS 'issued, partially_paid, paid или deducted (аванс зачтён итоговым счётом)';
COMMENT ON COLUMN reporting.provider_invoices.deducted_on IS 'Дата зачёта аванса итоговым счётом';
COMMENT ON COLUMN reporting.provider_invoices.settled_on IS 'Дата полной оплаты итогового счёта и возврата недоиспользованного';
COMMENT ON COLUMN reporting.provider_invoices.last_position IS 'Глобальная позиция последнего события, изменившего строку';
COMMENT ON VIEW reporting.provider_invoice_lines IS 'Строки счетов: договор и месяц';
COMMENT ON COLUMN reporting.provider_invoice_lines.invoice_id IS 'Счёт';
COMMENT ON COLUMN reporting.provider_invoice_lines.contract_id IS 'Договор';
COMMENT ON COLUMN reporting.provider_invoice_lines.month IS 'Оплачиваемый месяц договора (YYYY-MM)';
COMMENT ON COLUMN reporting.provider_invoice_lines.certificate_number IS 'Номер сертификата';
COMMENT ON COLUMN reporting.provider_invoice_lines.contract_date IS 'Дата договора';
COMMENT ON COLUMN reporting.provider_invoice_lines.month_amount IS 'Сумма месяца по графику, руб.';
COMMENT ON COLUMN reporting.provider_invoice_lines.completeness_percent IS 'Полнота оказания услуги, % (80 в авансе)';
COMMENT ON COLUMN reporting.provider_invoice_lines.line_amount IS 'Сумма строки, руб.';
COMMENT ON VIEW reporting.provider_payments IS 'Платежи по счетам поставщиков';
COMMENT ON COLUMN reporting.provider_payments.payment_id IS 'Идентификатор платежа';
COMMENT ON COLUMN reporting.provider_payments.invoice_id IS 'Счёт';
COMMENT ON COLUMN reporting.provider_payments.amount IS 'Сумма, руб.';
COMMENT ON COLUMN reporting.provider_payments.paid_on IS 'Дата оплаты';
COMMENT ON COLUMN reporting.provider_payments.payment_order IS 'Номер платёжного поручения';
COMMENT ON COLUMN reporting.provider_payments.overdue IS 'Оплачено после срока';
COMMENT ON COLUMN reporting.provider_payments.reversed IS 'Платёж сторнирован позднее';
COMMENT ON COLUMN reporting.provider_payments.reversed_on IS 'Дата сторно';
COMMENT ON COLUMN reporting.provider_payments.last_position IS 'Глобальная позиция последнего события, изменившего строку';
COMMENT ON VIEW reporting.provider_invoice_corrections IS 'Корректировки закрытых месяцев, вошедшие в итоговые счета';
COMMENT ON COLUMN reporting.provider_invoice_corrections.invoice_id IS 'Итоговый счёт, включивший корректировку';
COMMENT ON COLUMN reporting.provider_invoice_corrections.correction_id IS 'Идентификатор корректировки';
COMMENT ON COLUMN reporting.provider_invoice_corrections.contract_id IS 'Договор';
COMMENT ON COLUMN reporting.provider_invoice_corrections.certificate_number IS 'Номер сертификата';
COMMENT ON COLUMN reporting.provider_invoice_corrections.month IS 'Корректируемый месяц (YYYY-MM)';
COMMENT ON COLUMN reporting.provider_invoice_corrections.corrects_invoice_id IS 'Счёт, в котором была исходная строка';
COMMENT ON COLUMN reporting.provider_invoice_corrections.amount IS 'Разница (со знаком), входит в сумму счёта, руб.';
COMMENT ON VIEW reporting.month_closes IS 'Закрытые месяцы муниципалитетов';
COMMENT ON COLUMN reporting.month_closes.municipality IS 'Муниципалитет';
COMMENT ON COLUMN reporting.month_closes.month IS 'Месяц (YYYY-MM)';
COMMENT ON COLUMN reporting.month_closes.closed_on IS 'Дата закрытия';
COMMENT ON COLUMN reporting.month_closes.last_position IS 'Глобальная позиция события закрытия';
