// Russian and English. The browser's language picks one at first; the switch in the header keeps the choice.
const KEY = "mailroom.lang";

const ru = {
  notifications: "Уведомления", bell_unread: "непрочитанных", mark_read: "Прочитано",
  mail_failed: "письмо не отправлено", mail_uncertain: "письмо могло не уйти",
  mark_all_read: "Отметить все прочитанными", read_done: "прочитано", no_notifications: "Уведомлений нет.",
  reminder_at: "напоминание", me: "Мои настройки", digest: "Ежедневная сводка задач",
  digest_hint: "Раз в день, в выбранный час по вашему времени, письмо с задачами на сегодня и просроченными.",
  time_zone: "Часовой пояс", digest_hour: "Час отправки", digest_off: "Не присылать",
  digest_saved: "Сводка будет приходить в {hour}:00 ({zone}).", digest_off_saved: "Сводка выключена.",
  app: "Mailroom", signin: "Вход", email: "E-mail", password: "Пароль", signin_button: "Войти", signout: "Выйти",
  language: "Язык", empty: "Пусто", save: "Сохранить", add: "Добавить", create: "Создать", delete: "Удалить",
  cancel: "Отмена", edit: "Изменить", search: "Поиск", filter: "Фильтр", all: "Все", open: "Открыть", yes: "да",
  no: "нет", name: "Имя", title: "Название", status: "Статус", owner: "Ответственный", role: "Роль", actions: "Действия",
  loading: "Загрузка…", saved: "Сохранено", done: "Готово", more: "Ещё",
  nav_admin: "Администрирование", nav_sales: "Продажи", mailboxes: "Почтовые ящики", users: "Пользователи",
  teams: "Команды", reference: "Справочники", settings: "Настройки", leads: "Лиды", contacts: "Контакты",
  companies: "Компании", deals: "Сделки",
  pw_title: "Смените одноразовый пароль", pw_intro: "Пароль, выданный при установке, годится только для первого входа. Придумайте свой — не короче 8 символов.",
  current_password: "Текущий пароль", new_password: "Новый пароль", repeat_password: "Повторите пароль",
  pw_mismatch: "Пароли не совпадают", pw_change: "Сменить пароль",
  first_mailbox: "Подключите первый почтовый ящик: с него Mailroom соберёт переписку, контакты и лиды.",
  mb_add: "Подключить ящик", provider: "Почтовый сервис", host: "Сервер IMAP", port: "Порт", security: "Защита",
  username: "Логин", mb_kind: "Вид ящика", kind_shared: "Общий (sales@)", kind_personal: "Личный",
  mb_owner: "Владелец", mb_members: "Участники", visibility: "Видимость для остальных",
  vis_private: "ничего", vis_metadata: "участники и дата", vis_subject: "и тема", vis_full: "всё письмо",
  folders: "Папки (через запятую; пусто — Входящие и Отправленные)", mb_test: "Проверить", mb_sync: "Синхронизировать",
  mb_state: "Состояние", mb_last_sync: "Последняя синхронизация", mb_messages: "Писем", mb_last_error: "Последняя ошибка",
  mb_ok: "Подключение работает. Папки для синхронизации: {folders}", mb_synced: "Получено писем: {fetched}, новых: {new}",
  mb_never: "ещё не синхронизирован", mb_enabled: "включён", mb_disabled: "выключен", mb_syncing: "Синхронизация…",
  mb_progress: "{folder}: {done} из {total} писем, {mb_done} из {mb_total} МБ", mb_progress_label: "Ход синхронизации",
  preset_microsoft: "Microsoft 365", preset_google: "Google", preset_yandex: "Яндекс", preset_mailru: "Mail.ru",
  preset_other: "Другой сервер", preset_hint_google: "Google: пароль приложения (IMAP в настройках Gmail должен быть включён).",
  preset_hint_microsoft: "Microsoft 365: IMAP и пароль приложения должны быть разрешены администратором.",
  preset_hint_yandex: "Яндекс: пароль приложения (Id → Безопасность).", preset_hint_mailru: "Mail.ru: пароль для внешних приложений.",
  preset_hint_other: "",
  role_admin: "администратор", role_sales: "продажи", role_marketing: "маркетинг", active: "Активен",
  user_add: "Новый пользователь", deactivate: "Отключить", activate: "Включить", reset_password: "Сбросить пароль",
  reset_done: "Новый пароль для {email}: {password} — передайте его пользователю.", inactive: "отключён",
  team_add: "Новая команда", members: "Участники", team_lead: "руководитель", team_member: "участник",
  pipelines: "Воронки и этапы", stage: "Этап", probability: "Вероятность, %", stage_kind: "Тип",
  kind_open: "в работе", kind_won: "выиграна", kind_lost: "проиграна", stage_add: "Добавить этап",
  lead_sources: "Источники лидов", contact_types: "Типы контактов", position: "Порядок",
  own_domains: "Наши домены", freemail: "Бесплатные почтовые домены (дополнительно)", never_log: "Не сохранять почту",
  value: "Значение", lost_reason: "Причина отказа", take: "Взять себе", my_tasks: "Мои задачи", audit: "Журнал изменений", board: "Доска сделок", attachments: "Вложения", duplicates: "Дубли", create_anyway: "Всё равно создать", reason: "Совпадение",
  duplicates_hint: "Похожие записи среди ваших. При слиянии остаётся выбранная запись: ей переходят заметки, задачи, сделки и письма второй.",
  keep: "Оставить «{name}»", reason_email: "e-mail", reason_phone: "телефон", reason_domain: "домен", reason_name: "название", tasks_overdue: "Просрочены",
  tasks_today: "Сегодня", tasks_later: "Позже", tasks_undated: "Без срока", reschedule: "Перенести",
  item_lead: "Лид", item_contact: "Контакт", item_company: "Компания", item_deal: "Сделка",
  phone: "Телефон", phones: "Телефоны", emails: "E-mail (через запятую)", company: "Компания", domains: "Домены",
  tags: "Метки", job: "Должность", address: "Адрес", website: "Сайт", birthday: "День рождения",
  industry: "Отрасль", size: "Размер", record_fields: "Поля записей", signin_with: "Войти через {name}", signin_again: "Войти снова", amount: "Сумма", currency: "Валюта", pipeline: "Воронка", source: "Источник",
  type: "Тип", created: "Создан", updated: "Изменён", pool: "Общий пул", mine: "Мои", lead_add: "Новый лид",
  contact_add: "Новый контакт", company_add: "Новая компания", deal_add: "Новая сделка", company_name: "Компания",
  st_new: "новый", st_in_work: "в работе", st_converted: "конвертирован", st_lost: "потерян",
  timeline: "История", notes: "Заметки", tasks: "Задачи", note_add: "Добавить заметку", task_add: "Добавить задачу",
  due: "Срок", fields: "Карточка", convert: "Конвертировать в контакт", convert_deal: "И открыть сделку",
  converted: "Лид конвертирован: контакт {contact}", item_note: "Заметка", item_task: "Задача",
  item_stage_change: "Смена этапа", item_email: "Письмо", no_subject: "(без темы)", subject_hidden: "(тема скрыта)",
  mail: "Письмо", from: "От", to: "Кому", date: "Дата", show_html: "Показать оформленное письмо (HTML)",
  html_note: "Оформленное письмо показано в изолированной рамке: скрипты, формы и загрузка с других серверов отключены.",
  no_body: "Текст письма недоступен при вашем уровне доступа.", back: "Назад", task_done: "выполнена",
  not_found: "Не найдено", forbidden_page: "Эта страница только для администраторов.",
  err_network: "Сервер недоступен. Проверьте подключение.",
  import: "Импорт", export: "Экспорт", export_csv: "CSV (UTF-8, для Excel)", export_csv_1251: "CSV (windows-1251)",
  export_xlsx: "Excel (.xlsx)", export_done: "Файл {name} сохранён.", export_hint: "Весь список с текущими фильтрами, поиском, охватом, сортировкой и колонками.",
  export_forbidden: "Экспорт разрешён администраторам и ролям, которым администратор его открыл.",
  err: {
    import_file_unreadable: "Файл не читается: он повреждён или не того формата, что его расширение.",
    import_format_unsupported: "Такой файл не загрузить: нужен .xlsx, .xls, .ods, .csv или .tsv.",
    import_file_too_big: "Файл слишком велик (больше 1 000 000 строк, 256 столбцов или 512 МБ в распакованном виде).",
    import_file_empty: "В файле нет строки заголовков.", upload_interrupted: "Загрузка прервалась; попробуйте ещё раз.",
    payload_too_large: "Файл больше 32 МБ.", export_too_long: "Слишком много строк для Excel: отфильтруйте список или выгрузите CSV.",
    invalid_credentials: "Неверный e-mail или пароль.", account_inactive: "Учётная запись отключена.",
    too_many_attempts: "Слишком много неудачных попыток. Попробуйте позже.",
    token_expired: "Сеанс истёк, войдите снова.", invalid_token: "Сеанс недействителен, войдите снова.",
    unauthenticated: "Нужно войти.", forbidden: "Недостаточно прав.", not_found: "Не найдено.",
    conflict: "Такое значение уже занято.", duplicate: "Такая запись уже есть.", in_use: "Запись используется.",
    validation_failed: "Проверьте значение.", imap_connect_failed: "Не удалось подключиться к серверу IMAP.",
    imap_auth_failed: "Сервер IMAP отклонил логин или пароль.", imap_tls_failed: "Ошибка TLS при подключении к серверу IMAP.",
    imap_folder_missing: "На сервере нет указанной папки.", internal: "Ошибка сервера.", unavailable: "Сервер временно недоступен.",
  },
};

const en = {
  notifications: "Notifications", bell_unread: "unread", mark_read: "Mark read",
  mail_failed: "e-mail not sent", mail_uncertain: "the e-mail may not have gone out",
  mark_all_read: "Mark all read", read_done: "read", no_notifications: "No notifications.",
  reminder_at: "reminder", me: "My settings", digest: "Daily task digest",
  digest_hint: "Once a day, at the hour you pick in your time zone, a letter with today's and overdue tasks.",
  time_zone: "Time zone", digest_hour: "Hour", digest_off: "Off",
  digest_saved: "The digest comes at {hour}:00 ({zone}).", digest_off_saved: "The digest is off.",
  app: "Mailroom", signin: "Sign in", email: "E-mail", password: "Password", signin_button: "Sign in", signout: "Sign out",
  language: "Language", empty: "Nothing here yet", save: "Save", add: "Add", create: "Create", delete: "Delete",
  cancel: "Cancel", edit: "Edit", search: "Search", filter: "Filter", all: "All", open: "Open", yes: "yes", no: "no",
  name: "Name", title: "Title", status: "Status", owner: "Owner", role: "Role", actions: "Actions", loading: "Loading…",
  saved: "Saved", done: "Done", more: "More",
  nav_admin: "Administration", nav_sales: "Sales", mailboxes: "Mailboxes", users: "Users", teams: "Teams",
  reference: "Reference lists", settings: "Settings", leads: "Leads", contacts: "Contacts", companies: "Companies",
  deals: "Deals",
  pw_title: "Change the one-time password", pw_intro: "The password printed at installation is for the first sign-in only. Choose your own, at least 8 characters.",
  current_password: "Current password", new_password: "New password", repeat_password: "Repeat the password",
  pw_mismatch: "The passwords differ", pw_change: "Change password",
  first_mailbox: "Connect the first mailbox: Mailroom builds correspondence, contacts and leads from it.",
  mb_add: "Connect a mailbox", provider: "Mail provider", host: "IMAP server", port: "Port", security: "Security",
  username: "User name", mb_kind: "Kind", kind_shared: "Shared (sales@)", kind_personal: "Personal",
  mb_owner: "Owner", mb_members: "Members", visibility: "What others see",
  vis_private: "nothing", vis_metadata: "participants and date", vis_subject: "also the subject", vis_full: "the whole mail",
  folders: "Folders (comma-separated; empty: Inbox and Sent)", mb_test: "Test connection", mb_sync: "Sync now",
  mb_state: "State", mb_last_sync: "Last sync", mb_messages: "Messages", mb_last_error: "Last error",
  mb_ok: "The connection works. Folders to sync: {folders}", mb_synced: "Fetched {fetched} messages, {new} new",
  mb_never: "never synced", mb_enabled: "enabled", mb_disabled: "disabled", mb_syncing: "Syncing…",
  mb_progress: "{folder}: {done} of {total} messages, {mb_done} of {mb_total} MB", mb_progress_label: "Sync progress",
  preset_microsoft: "Microsoft 365", preset_google: "Google", preset_yandex: "Yandex", preset_mailru: "Mail.ru",
  preset_other: "Other server", preset_hint_google: "Google: use an app password (IMAP must be on in Gmail settings).",
  preset_hint_microsoft: "Microsoft 365: an administrator must allow IMAP and app passwords.",
  preset_hint_yandex: "Yandex: use an app password (Id → Security).", preset_hint_mailru: "Mail.ru: use a password for external apps.",
  preset_hint_other: "",
  role_admin: "admin", role_sales: "sales", role_marketing: "marketing", active: "Active", user_add: "New user",
  deactivate: "Deactivate", activate: "Activate", reset_password: "Reset password",
  reset_done: "New password for {email}: {password} — hand it to the user.", inactive: "deactivated",
  team_add: "New team", members: "Members", team_lead: "lead", team_member: "member",
  pipelines: "Pipelines and stages", stage: "Stage", probability: "Probability, %", stage_kind: "Kind",
  kind_open: "open", kind_won: "won", kind_lost: "lost", stage_add: "Add a stage", lead_sources: "Lead sources",
  contact_types: "Contact types", position: "Order", own_domains: "Our domains",
  freemail: "Free-mail domains (additions)", never_log: "Never log", value: "Value", lost_reason: "Reason lost", take: "Take it", my_tasks: "My tasks", audit: "Change log", board: "Deal board", attachments: "Attachments", duplicates: "Duplicates", create_anyway: "Create anyway", reason: "Match",
  duplicates_hint: "Likely duplicates among your records. Merging keeps the one you pick: it gets the other's notes, tasks, deals and mail.",
  keep: "Keep “{name}”", reason_email: "e-mail", reason_phone: "phone", reason_domain: "domain", reason_name: "name", tasks_overdue: "Overdue",
  tasks_today: "Today", tasks_later: "Later", tasks_undated: "No date", reschedule: "Reschedule",
  item_lead: "Lead", item_contact: "Contact", item_company: "Company", item_deal: "Deal",
  phone: "Phone", phones: "Phones", emails: "E-mails (comma-separated)", company: "Company", domains: "Domains",
  tags: "Tags", job: "Position", address: "Address", website: "Website", birthday: "Birthday",
  industry: "Industry", size: "Size", record_fields: "Record fields", signin_with: "Sign in with {name}", signin_again: "Sign in again", amount: "Amount", currency: "Currency", pipeline: "Pipeline", source: "Source",
  type: "Type", created: "Created", updated: "Updated", pool: "Open pool", mine: "Mine", lead_add: "New lead",
  contact_add: "New contact", company_add: "New company", deal_add: "New deal", company_name: "Company",
  st_new: "new", st_in_work: "in work", st_converted: "converted", st_lost: "lost",
  timeline: "Timeline", notes: "Notes", tasks: "Tasks", note_add: "Add note", task_add: "Add task", due: "Due",
  fields: "Details", convert: "Convert to a contact", convert_deal: "Also open a deal",
  converted: "Lead converted: contact {contact}", item_note: "Note", item_task: "Task", item_stage_change: "Stage change",
  item_email: "Mail", no_subject: "(no subject)", subject_hidden: "(subject hidden)", mail: "Mail", from: "From",
  to: "To", date: "Date", show_html: "Show the formatted mail (HTML)",
  html_note: "The formatted mail is shown in an isolated frame: scripts, forms and loading from other servers are off.",
  no_body: "Your access does not include this mail's text.", back: "Back", task_done: "done", not_found: "Not found",
  forbidden_page: "This page is for administrators.", err_network: "The server cannot be reached. Check the connection.",
  import: "Import", export: "Export", export_csv: "CSV (UTF-8, for Excel)", export_csv_1251: "CSV (windows-1251)",
  export_xlsx: "Excel (.xlsx)", export_done: "Saved {name}.", export_hint: "The whole list with the current filters, search, scope, sort and columns.",
  export_forbidden: "Exports are for admins and for the roles an admin allowed them to.",
  err: {
    import_file_unreadable: "The file cannot be read: it is corrupt or not what its extension says.",
    import_format_unsupported: "This file cannot be imported: use .xlsx, .xls, .ods, .csv or .tsv.",
    import_file_too_big: "The file is too big (over 1 000 000 rows, 256 columns or 512 MB unpacked).",
    import_file_empty: "The file has no header row.", upload_interrupted: "The upload broke off; try again.",
    payload_too_large: "The file is over 32 MB.", export_too_long: "Too many rows for Excel: filter the list or export CSV.",
    invalid_credentials: "Wrong e-mail or password.", account_inactive: "This account is deactivated.",
    too_many_attempts: "Too many failed attempts. Try again later.", token_expired: "The session expired; sign in again.",
    invalid_token: "The session is no longer valid; sign in again.", unauthenticated: "Please sign in.",
    forbidden: "You may not do this.", not_found: "Not found.", conflict: "This value is already taken.",
    duplicate: "Such a record already exists.", in_use: "The record is in use.", validation_failed: "Check the value.",
    imap_connect_failed: "Could not connect to the IMAP server.", imap_auth_failed: "The IMAP server refused the user name or password.",
    imap_tls_failed: "TLS failed while connecting to the IMAP server.", imap_folder_missing: "A folder given is not on the server.",
    internal: "Server error.", unavailable: "The server is temporarily unavailable.",
  },
};

const dictionaries = { ru, en };

/** More words from a page module of its own (marketing, views): `{ ru: {...}, en: {...} }`, error words under `err`. */
export function addWords(more) {
  for (const [lang, words] of Object.entries(more)) {
    const { err = {}, ...rest } = words;
    Object.assign(dictionaries[lang], rest);
    Object.assign(dictionaries[lang].err, err);
  }
}

function detect() {
  const saved = localStorage.getItem(KEY);
  if (saved && dictionaries[saved]) return saved;
  const wanted = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || "en"];
  for (const tag of wanted) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (dictionaries[base]) return base;
  }
  return "en";
}

let current = detect();

export function t(key, vars = {}) {
  const text = dictionaries[current][key] ?? en[key] ?? key;
  return String(text).replace(/\{(\w+)\}/g, (_, name) => (vars[name] ?? ""));
}
t.lang = () => current;
t.locale = () => (current === "ru" ? "ru-RU" : "en-GB");

export function setLang(lang) {
  if (!dictionaries[lang]) return;
  current = lang;
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
}

/** A readable message for an API error: our words for its code, and the server's own detail after them. */
export function errorText(error) {
  if (!error) return "";
  // fetch() rejects with a TypeError when the server cannot be reached; other TypeErrors are bugs, shown as they are.
  if (error instanceof TypeError) return /fetch/i.test(error.message) ? t("err_network") : error.message;
  const words = dictionaries[current].err[error.code];
  const detail = error.message && !String(error.message).startsWith("HTTP ") ? error.message : "";
  if (words && detail && error.code !== "invalid_credentials") return `${words} ${detail}`;
  return words || detail || String(error.code || error);
}

/** A word for an enum value (`role_sales`, `st_in_work`…), the value itself when there is none. */
export function word(prefix, value) {
  const key = prefix + value;
  return dictionaries[current][key] ? t(key) : String(value ?? "—");
}
