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
