// The ledger's refusals in Russian, keyed by the problem+json `code` (which stays the stable name clients switch
// on). The workspace's pages show these; the API puts one in `detail` when the request asks for Russian
// (`Accept-Language: ru`). test/api/messages-ru.test.ts fails when a code the code base emits has no message here.

export const MESSAGES_RU: Readonly<Record<string, string>> = {
  // The HTTP edge
  bad_request: 'Запрос составлен неверно.',
  validation_failed: 'Данные запроса не прошли проверку: проверьте заполнение полей.',
  malformed_json: 'Тело запроса не является корректным JSON.',
  body_too_large: 'Запрос слишком велик.',
  unauthorized: 'Требуется вход: токен не указан, неизвестен или отозван.',
  forbidden: 'Вашей роли это действие или страница недоступны.',
  not_found: 'Такой страницы нет.',
  rate_limited: 'Слишком много запросов; повторите попытку немного позже.',
  internal_error: 'Внутренняя ошибка: запрос не выполнен, ничего не записано.',
  database_unavailable: 'База данных не отвечает; повторите попытку немного позже.',
  not_ready: 'Сервис ещё не готов принимать запросы.',
  projection_behind: 'Данные для чтения ещё не обновились; повторите попытку.',
  projection_stopped: 'Обновление данных для чтения остановлено; обратитесь к оператору.',
  precondition_failed: 'Данные изменились с тех пор, как вы их открыли; обновите страницу и повторите.',
  date_in_future: 'Дата не может быть позже сегодняшнего дня.',
  no_history_on_date: 'На эту дату данных нет.',
  csrf_failed: 'Форма устарела или отправлена не из рабочего места; обновите страницу и повторите.',
  // The event store
  wrong_expected_version: 'Данные одновременно изменил другой пользователь; повторите действие.',
  stream_not_found: 'Запись не найдена.',
  duplicate_event_id: 'Это событие уже записано с другим содержанием.',
  stream_moved_on: 'Запись изменилась; повторите действие.',
  // Imports and quotes
  row_invalid: 'Строка файла не прошла проверку.',
  request_invalid: 'Запрос расчёта стоимости заполнен неверно.',
  group_period_invalid: 'Группа заканчивается раньше, чем начинается.',
  // The ledger's rules (src/domain/errors.ts)
  municipality_not_found: 'Муниципалитет не найден.',
  period_not_found: 'Период финансирования не найден.',
  certificate_not_found: 'Сертификат не найден.',
  provider_not_found: 'Поставщик не найден.',
  payer_not_found: 'Плательщик не найден.',
  programme_not_found: 'Программа не найдена.',
  group_not_found: 'Группа не найдена.',
  contract_not_found: 'Договор не найден.',
  period_already_open: 'Период финансирования уже открыт.',
  period_dates_invalid: 'Даты периода финансирования указаны неверно.',
  period_overlaps: 'Период финансирования пересекается с уже открытым.',
  certificate_already_issued: 'Сертификат с таким номером уже выдан.',
  certificate_already_active: 'Сертификат уже активирован.',
  certificate_not_active: 'Сертификат не активирован.',
  certificate_frozen: 'Сертификат заморожен.',
  certificate_not_frozen: 'Сертификат не заморожен.',
  certificate_already_frozen: 'Сертификат уже заморожен.',
  certificate_type_unchanged: 'Сертификат уже этого типа.',
  certificate_has_money_in_use: 'На сертификате есть зарезервированные или списанные средства.',
  certificate_has_running_contracts: 'По сертификату есть действующие договоры.',
  certificate_not_financing: 'Сертификат не является сертификатом финансирования.',
  certificate_already_credited: 'Номинал на этот период уже зачислен.',
  certificate_already_queued: 'Сертификат уже стоит в очереди на финансирование.',
  unfreeze_in_same_period: 'Разморозить сертификат можно только в другом периоде.',
  child_age_outside_5_to_18: 'Возраст ребёнка вне диапазона 5–18 лет.',
  wrong_municipality: 'Сертификат выдан в другом муниципалитете.',
  financing_cap_reached: 'Достигнуто предельное число сертификатов финансирования.',
  nominal_limit_reached: 'Достигнут лимит суммы номиналов периода.',
  provider_already_registered: 'Поставщик уже зарегистрирован.',
  agreement_already_concluded: 'Соглашение на этот период уже заключено.',
  programme_already_registered: 'Программа уже зарегистрирована.',
  programme_not_certified: 'Программа не сертифицирована.',
  group_already_opened: 'Группа уже открыта.',
  group_dates_invalid: 'Даты группы указаны неверно.',
  price_above_limit: 'Цена выше нормативной стоимости.',
  group_full: 'В группе нет свободных мест.',
  duplicate_contract: 'Такой договор уже есть.',
  no_agreement: 'У поставщика нет соглашения с плательщиком на этот период.',
  start_outside_group: 'Дата начала вне периода работы группы.',
  start_outside_period: 'Дата начала вне периода финансирования.',
  end_outside_group: 'Дата окончания вне периода работы группы.',
  backdated_request: 'Заявку нельзя подать задним числом.',
  no_certificate_funds: 'На сертификате недостаточно средств.',
  contract_already_requested: 'Договор уже заявлен.',
  request_abandoned: 'Заявка отозвана.',
  contract_not_requested: 'Договор не был заявлен.',
  contract_not_running: 'Договор не действует.',
  contract_already_accepted: 'Договор уже принят.',
  contract_closed: 'Договор закрыт.',
  contract_refused: 'Договор отклонён.',
  termination_date_invalid: 'Дата расторжения указана неверно.',
  acceptance_date_invalid: 'Дата принятия указана неверно.',
  idempotency_key_reused: 'Ключ идемпотентности уже использован для другого запроса.',
  month_already_closed: 'Месяц уже закрыт.',
  month_out_of_order: 'Месяцы закрываются по порядку: сначала закройте предыдущий.',
  close_date_invalid: 'Дата закрытия месяца указана неверно.',
  invoice_not_found: 'Счёт не найден.',
  overpayment: 'Сумма оплаты больше остатка к оплате по счёту.',
  advance_settled: 'Аванс уже зачтён в итоговом счёте; оплачивайте итоговый счёт.',
  payment_settled: 'Счёт уже полностью оплачен.',
  payment_id_reused: 'Платёж с таким идентификатором уже записан.',
  payment_not_found: 'Платёж не найден.',
  payment_already_reversed: 'Платёж уже сторнирован.',
  payment_before_invoice: 'Дата оплаты раньше даты выставления счёта.',
  payment_order_reused: 'Платёжное поручение с этим номером уже использовано в этом году.',
  reversal_before_payment: 'Дата сторно раньше даты платежа.',
  attendance_closed: 'Посещаемость за этот месяц уже закрыта.',
  month_not_settled: 'Месяц ещё не рассчитан.',
  correction_changes_nothing: 'Корректировка ничего не меняет.',
  correction_raises_line: 'Корректировка не может увеличить сумму строки.',
  attendance_invalid: 'Данные посещаемости указаны неверно.',
  month_outside_contract: 'Месяц вне срока договора.',
  amount_invalid: 'Сумма указана неверно.',
  date_invalid: 'Дата указана неверно.',
  payer_already_registered: 'Плательщик с этим кодом уже зарегистрирован.',
  requisites_invalid: 'Реквизит указан неверно (проверьте контрольные цифры).',
  requisites_unchanged: 'Реквизиты не изменились: изменять нечего.',
  requisites_incomplete: 'Документ нельзя сформировать: у организации заполнены не все реквизиты.',
  organisation_unknown: 'Организация не найдена в реестре.',
  token_scope: 'Токен выдан неверно: для плательщика и поставщика укажите организацию, срок действия — в будущем.',
  token_not_found: 'Токен не найден.',
  no_checkpoint: 'Журнал прозрачности ещё не подписал ни одной контрольной точки.',
  no_key: 'Ключ подписи журнала прозрачности не настроен.',
  event_not_found: 'Событие не найдено в дереве журнала.',
  size_out_of_range: 'Размер дерева вне допустимого диапазона.',
}

/** The Russian message of a code, or null when the catalogue has none. */
export const messageRu = (code: string): string | null => MESSAGES_RU[code] ?? null

/** Whether the client asked for Russian first (`Accept-Language: ru`, `ru-RU`, `ru;q=0.9, en;q=0.8`, …). */
export function prefersRussian(acceptLanguage: string | string[] | undefined): boolean {
  const header = Array.isArray(acceptLanguage) ? acceptLanguage.join(',') : (acceptLanguage ?? '')
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';')
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean)
      return { tag: tag ?? '', q: q === undefined ? 1 : Number(q) }
    })
    .filter((l) => l.tag && l.q > 0)
    .sort((a, b) => b.q - a.q)
  return ranked[0] !== undefined && (ranked[0].tag === 'ru' || ranked[0].tag.startsWith('ru-'))
}
