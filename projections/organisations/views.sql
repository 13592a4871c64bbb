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

-- Comments for the analysts who read these views (issue 15): every view and column says what it holds.
COMMENT ON VIEW reporting.organisations IS 'Организации реестра: плательщики и поставщики';
COMMENT ON COLUMN reporting.organisations.kind IS 'payer (плательщик) или provider (поставщик)';
COMMENT ON COLUMN reporting.organisations.organisation_id IS 'Идентификатор организации в реестре';
COMMENT ON COLUMN reporting.organisations.municipality IS 'Муниципалитет';
COMMENT ON COLUMN reporting.organisations.name IS 'Наименование';
COMMENT ON COLUMN reporting.organisations.provider_kind IS 'Форма поставщика: municipal, private, individual-entrepreneur; null для плательщика';
COMMENT ON COLUMN reporting.organisations.last_position IS 'Глобальная позиция последнего события, изменившего организацию';
COMMENT ON VIEW reporting.organisation_requisites IS 'Реквизиты организаций по периодам действия';
COMMENT ON COLUMN reporting.organisation_requisites.kind IS 'payer или provider';
COMMENT ON COLUMN reporting.organisation_requisites.organisation_id IS 'Идентификатор организации';
COMMENT ON COLUMN reporting.organisation_requisites.effective_on IS 'Действуют с этой даты; null — с регистрации (с начала истории)';
COMMENT ON COLUMN reporting.organisation_requisites.effective_until IS 'Действуют до этой даты (не включая); null — действуют сейчас';
COMMENT ON COLUMN reporting.organisation_requisites.full_name IS 'Полное наименование';
COMMENT ON COLUMN reporting.organisation_requisites.short_name IS 'Сокращённое наименование';
COMMENT ON COLUMN reporting.organisation_requisites.inn IS 'ИНН';
COMMENT ON COLUMN reporting.organisation_requisites.kpp IS 'КПП (нет у индивидуального предпринимателя)';
COMMENT ON COLUMN reporting.organisation_requisites.ogrn IS 'ОГРН или ОГРНИП';
COMMENT ON COLUMN reporting.organisation_requisites.legal_address IS 'Юридический адрес';
COMMENT ON COLUMN reporting.organisation_requisites.settlement_account IS 'Расчётный счёт';
COMMENT ON COLUMN reporting.organisation_requisites.bank_name IS 'Банк';
COMMENT ON COLUMN reporting.organisation_requisites.bik IS 'БИК банка';
COMMENT ON COLUMN reporting.organisation_requisites.correspondent_account IS 'Корреспондентский счёт банка';
COMMENT ON COLUMN reporting.organisation_requisites.head_name IS 'Руководитель (для подписи)';
COMMENT ON COLUMN reporting.organisation_requisites.head_title IS 'Должность руководителя';
COMMENT ON COLUMN reporting.organisation_requisites.recorded_position IS 'Глобальная позиция события, записавшего эти реквизиты';
