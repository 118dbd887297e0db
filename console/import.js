//! The import wizard (sales and admins; the API refuses marketing): 1 upload a file, 2 map its columns to fields,
//! 3 check (the server's dry run: counts, failing rows with reasons, duplicates), 4 run in the background with a live
//! progress bar, then the reject file and Undo. Every step is the API's own (README, Import and export).
import { get, post, download, session, ApiError } from "./api.js";
import { h, clear, field, form, input, select, notice, table, dateTime } from "./dom.js";
import { t, addWords, errorText } from "./i18n.js";
import { people } from "./people.js";

addWords({
  ru: {
    imp_title: "Импорт", imp_step1: "Файл", imp_step2: "Поля", imp_step3: "Проверка", imp_step4: "Загрузка",
    imp_steps: "Шаги импорта", imp_kind: "Что загружаем", imp_file: "Файл (.xlsx, .xls, .ods, .csv, .tsv)",
    imp_upload: "Загрузить", imp_no_file: "Выберите файл.", imp_sheet: "Лист", imp_column: "Столбец",
    imp_sample: "Пример", imp_field: "Поле", imp_skip: "— не загружать —", imp_owner: "Ответственный для всех строк",
    imp_owner_me: "я (или столбец «Ответственный»)", imp_owner_hint: "Столбец, сопоставленный полю «owner», важнее: в нём e-mail или имя менеджера.",
    imp_policy: "Если запись уже есть", pol_skip: "пропустить", pol_fill_empty: "заполнить пустые поля",
    pol_overwrite: "перезаписать", pol_create_anyway: "всё равно создать", imp_match_by: "Искать совпадения",
    mb_auto: "по id, затем e-mail, затем телефону", mb_id: "по id", mb_email: "по e-mail", mb_phone: "по телефону",
    imp_match_key: "или по своему полю", imp_update_only: "Только обновить (строки без совпадения — ошибки)",
    imp_preset: "Шаблон сопоставления", imp_preset_none: "—", imp_preset_apply: "Применить",
    imp_save_preset: "Сохранить сопоставление как шаблон (название)", imp_check: "Проверить",
    imp_back: "Назад", imp_run: "Загрузить записи", imp_would_create: "Будет создано", imp_would_update: "Будет обновлено",
    imp_would_skip: "Будет пропущено", imp_would_fail: "С ошибками", imp_companies: "Новых компаний",
    imp_total: "Строк", imp_row: "Строка", imp_action: "Действие", imp_reason: "Причина", imp_duplicate: "Дубль",
    act_create: "создать", act_update: "обновить", act_skip: "пропустить", act_fail: "ошибка",
    imp_dup_row: "строка {row} файла", imp_dup_record: "запись №{id}", imp_unmapped: "Не загружаются: {list}",
    imp_progress: "{done} из {total} строк", imp_progress_label: "Ход импорта", imp_created: "Создано",
    imp_updated: "Обновлено", imp_skipped: "Пропущено", imp_failed: "Ошибок", imp_rejects: "Скачать строки с ошибками",
    imp_undo: "Отменить импорт", imp_undone: "Импорт отменён: удалено {deleted}, восстановлено {restored}.",
    imp_open_list: "Открыть список", imp_again: "Новый импорт", imp_state: "Состояние",
    imp_st_uploaded: "загружен", imp_st_checked: "проверен", imp_st_queued: "в очереди", imp_st_running: "идёт",
    imp_st_done: "готово", imp_st_failed: "ошибка", imp_st_undone: "отменён", imp_recent: "Последние импорты",
    imp_file_name: "Файл", imp_when: "Когда", imp_counts: "Создано / обновлено / пропущено / ошибок",
    fld_id: "id записи (для обновления)", fld_name: "ФИО или название компании", fld_name_last: "фамилия",
    fld_name_first: "имя", fld_name_middle: "отчество", fld_email: "e-mail (несколько — через , ; или пробел)",
    fld_phone: "телефон (несколько — через , или ;)", fld_position: "должность",
    fld_company: "компания: найдётся или будет создана", fld_domain: "сайт или домен",
    fld_owner: "ответственный: e-mail или имя менеджера", fld_tags: "теги (через , или ;)",
    fld_source: "источник лида, по названию", fld_title: "название сделки", fld_amount: "сумма",
    fld_currency: "валюта (ISO 4217)", fld_pipeline: "воронка, по названию", fld_stage: "этап, по названию",
    fld_expected_close: "дата закрытия: ДД.ММ.ГГГГ, ISO или дата Excel",
  },
  en: {
    imp_title: "Import", imp_step1: "File", imp_step2: "Fields", imp_step3: "Check", imp_step4: "Run",
    imp_steps: "Import steps", imp_kind: "Records to import", imp_file: "File (.xlsx, .xls, .ods, .csv, .tsv)",
    imp_upload: "Upload", imp_no_file: "Choose a file.", imp_sheet: "Sheet", imp_column: "Column",
    imp_sample: "Sample", imp_field: "Field", imp_skip: "— not imported —", imp_owner: "Owner of every row",
    imp_owner_me: "me (or the Owner column)", imp_owner_hint: "A column mapped to “owner” wins: it holds a manager's e-mail or name.",
    imp_policy: "When the record exists", pol_skip: "skip", pol_fill_empty: "fill empty fields",
    pol_overwrite: "overwrite", pol_create_anyway: "create anyway", imp_match_by: "Find matches",
    mb_auto: "by id, then e-mail, then phone", mb_id: "by id", mb_email: "by e-mail", mb_phone: "by phone",
    imp_match_key: "or by a custom field", imp_update_only: "Update only (rows without a match fail)",
    imp_preset: "Mapping preset", imp_preset_none: "—", imp_preset_apply: "Apply",
    imp_save_preset: "Save the mapping as a preset (name)", imp_check: "Check",
    imp_back: "Back", imp_run: "Import the records", imp_would_create: "To create", imp_would_update: "To update",
    imp_would_skip: "To skip", imp_would_fail: "Failing", imp_companies: "New companies",
    imp_total: "Rows", imp_row: "Row", imp_action: "Action", imp_reason: "Reason", imp_duplicate: "Duplicate of",
    act_create: "create", act_update: "update", act_skip: "skip", act_fail: "fail",
    imp_dup_row: "row {row} of the file", imp_dup_record: "record #{id}", imp_unmapped: "Not imported: {list}",
    imp_progress: "{done} of {total} rows", imp_progress_label: "Import progress", imp_created: "Created",
    imp_updated: "Updated", imp_skipped: "Skipped", imp_failed: "Failed", imp_rejects: "Download the failed rows",
    imp_undo: "Undo the import", imp_undone: "Import undone: {deleted} deleted, {restored} restored.",
    imp_open_list: "Open the list", imp_again: "New import", imp_state: "State",
    imp_st_uploaded: "uploaded", imp_st_checked: "checked", imp_st_queued: "queued", imp_st_running: "running",
    imp_st_done: "done", imp_st_failed: "failed", imp_st_undone: "undone", imp_recent: "Recent imports",
    imp_file_name: "File", imp_when: "When", imp_counts: "Created / updated / skipped / failed",
  },
});

const KINDS = ["contacts", "companies", "leads", "deals"];
// The custom fields API names kinds in the singular.
const SINGULAR = { contacts: "contact", companies: "company", leads: "lead", deals: "deal" };
const POLICIES = ["skip", "fill_empty", "overwrite", "create_anyway"];
const MATCH_BY = ["auto", "id", "email", "phone"];
const POLL_MS = 400;

export async function render(main, ctx) {
  const steps = h("ol", { class: "steps", id: "import-steps", "aria-label": t("imp_steps") },
    [1, 2, 3, 4].map((n) => h("li", { "data-step": n }, t("imp_step" + n))));
  const area = h("div", { id: "import-step" });
  const wizard = { ctx, steps, area };
  clear(main, h("h1", {}, t("imp_title")), steps, area);
  uploadStep(wizard);
}

function mark(wizard, n) {
  for (const li of wizard.steps.children) {
    if (Number(li.dataset.step) === n) li.setAttribute("aria-current", "step");
    else li.removeAttribute("aria-current");
  }
  wizard.area.dataset.step = String(n);
}

/** The file goes as the raw body with its name in the query (api.js sends JSON only). */
async function upload(kind, file) {
  const current = session();
  const response = await fetch(`/api/v1/imports?kind=${encodeURIComponent(kind)}&filename=${encodeURIComponent(file.name)}`, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/octet-stream", Authorization: "Bearer " + current.token },
    body: file,
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function uploadStep(wizard) {
  mark(wizard, 1);
  const kind = select(KINDS.map((k) => [k, t(k)]), wizard.kind || "contacts", { id: "imp-kind" });
  const file = h("input", { type: "file", id: "imp-file", accept: ".xlsx,.xls,.ods,.csv,.tsv,.txt" });
  const el = form([field("kind", t("imp_kind"), kind), field("file", t("imp_file"), file)], t("imp_upload"), async (v) => {
    const chosen = file.files && file.files[0];
    if (!chosen) throw new ApiError(422, { error: { code: "validation_failed", message: t("imp_no_file"), field: "file" } });
    wizard.kind = v.kind;
    wizard.job = await upload(v.kind, chosen);
    await mappingStep(wizard);
  }, { id: "upload-form" });
  const history = h("section", { class: "card", id: "import-history" });
  clear(wizard.area, el, history);
  recent(history);
}

/** The caller's last imports (an admin's: everyone's) with their rejects and Undo, so an import is undone later too. */
async function recent(section) {
  let list;
  try {
    list = await get("/imports?limit=10");
  } catch (error) {
    clear(section, h("p", { class: "form-error", role: "alert" }, errorText(error)));
    return;
  }
  const status = h("p", { class: "status", role: "status", id: "history-status" });
  const rows = list.items.map((job) => {
    const p = job.progress;
    const undo = job.status === "done" ? h("button", { type: "button", class: "small", "data-undo": job.id, onclick: async () => {
      undo.disabled = true;
      try {
        const report = await post(`/imports/${job.id}/undo`);
        // Said in the redrawn list, so the words and the new state show together.
        await recent(section);
        section.querySelector("#history-status").textContent = t("imp_undone", report) + (report.failed.length ? " " + report.failed.join("; ") : "");
      } catch (error) {
        notice(status, error);
        undo.disabled = false;
      }
    } }, t("imp_undo")) : null;
    const rejects = p.failed > 0 ? h("button", { type: "button", class: "small", onclick: async () => {
      try {
        save(await download(`/imports/${job.id}/rejects`), rejectName(job));
      } catch (error) {
        notice(status, error);
      }
    } }, t("imp_rejects")) : null;
    return h("tr", { "data-import": job.id, "data-status": job.status },
      h("td", {}, job.filename), h("td", {}, dateTime(job.created_at)), h("td", { class: "state" }, t("imp_st_" + job.status)),
      h("td", {}, `${p.created} / ${p.updated} / ${p.skipped} / ${p.failed}`), h("td", {}, rejects, " ", undo));
  });
  clear(section, h("h2", {}, t("imp_recent")),
    table([t("imp_file_name"), t("imp_when"), t("imp_state"), t("imp_counts"), t("actions")], rows, { id: "history-table" }), status);
}

async function mappingStep(wizard) {
  mark(wizard, 2);
  const { job, kind } = wizard;
  const [fields, custom, presets, users] = await Promise.all([
    get(`/imports/fields?kind=${kind}`),
    get("/custom-fields").then((all) => all.filter((f) => f.kind === SINGULAR[kind])).catch(() => []),
    get(`/import-presets?kind=${kind}`).catch(() => []),
    people().catch(() => new Map()),
  ]);
  const choices = [["", t("imp_skip")], ...fields.map((f) => [f.field, `${f.field} — ${fieldWord(f)}`]),
    ...custom.map((f) => [`custom.${f.key}`, `custom.${f.key} — ${f.label}`])];
  const chosen = wizard.mapping || job.suggested_mapping || {};
  const selects = job.headers.map((header, i) =>
    select(choices, chosen[header] ?? "", { id: `map-${i}`, "data-header": header, "aria-label": `${t("imp_field")}: ${header}` }));
  const rows = job.headers.map((header, i) => h("tr", { "data-header": header },
    h("th", { scope: "row" }, header),
    h("td", { class: "muted" }, job.sample.slice(0, 3).map((r) => r[i] ?? "").filter(Boolean).join(" · ")),
    h("td", {}, selects[i])));
  const mapping = () => Object.fromEntries(selects.map((s) => [s.dataset.header, s.value]).filter(([, f]) => f));

  const presetSelect = select([["", t("imp_preset_none")], ...presets.map((p) => [p.name, p.name])], "", { id: "imp-preset" });
  const applyPreset = h("button", { type: "button", id: "imp-preset-apply", onclick: () => {
    const preset = presets.find((p) => p.name === presetSelect.value);
    if (!preset) return;
    for (const s of selects) s.value = preset.mapping[s.dataset.header] ?? "";
  } }, t("imp_preset_apply"));
  const userList = [...users.values()].filter((u) => u.active !== false);
  const options = wizard.options || {};
  const el = form([
    job.sheets.length > 1 ? field("sheet", t("imp_sheet"), sheetSelect(wizard)) : null,
    h("div", { class: "row wrap" }, field("preset", t("imp_preset"), presetSelect), applyPreset),
    table([t("imp_column"), t("imp_sample"), t("imp_field")], rows, { id: "mapping-table" }),
    h("div", { class: "row wrap" },
      field("owner_id", t("imp_owner"), select([["", t("imp_owner_me")], ...userList.map((u) => [u.id, u.name])], options.owner_id ?? "", { id: "imp-owner" })),
      field("policy", t("imp_policy"), select(POLICIES.map((p) => [p, t("pol_" + p)]), options.policy || "skip", { id: "imp-policy" })),
      field("match_by", t("imp_match_by"), select(MATCH_BY.map((m) => [m, t("mb_" + m)]), options.match_by || "auto", { id: "imp-match-by" })),
      custom.length ? field("match_key", t("imp_match_key"), select([["", "—"], ...custom.map((f) => [f.key, f.label])], options.match_key || "", { id: "imp-match-key" })) : null),
    h("p", { class: "muted" }, t("imp_owner_hint")),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "update_only", id: "imp-update-only", checked: options.update_only }), " ", t("imp_update_only")),
    field("save_preset", t("imp_save_preset"), input({ id: "imp-save-preset" })),
  ], t("imp_check"), async (v) => {
    wizard.mapping = mapping();
    wizard.options = {
      sheet: v.sheet || undefined, mapping: wizard.mapping, owner_id: v.owner_id ? Number(v.owner_id) : undefined,
      policy: v.policy, match_by: v.match_by, match_key: v.match_key || undefined, update_only: v.update_only,
      save_preset: v.save_preset || undefined,
    };
    const report = await post(`/imports/${job.id}/check`, wizard.options);
    // A preset is saved once; checking again must not ask to save it twice.
    delete wizard.options.save_preset;
    checkStep(wizard, report);
  }, { id: "mapping-form" });
  clear(wizard.area, el);
}

// Russian words for the standard fields; the server's own description otherwise (and for a field added later).
const fieldWord = (f) => (t.lang() === "ru" && t("fld_" + f.field) !== "fld_" + f.field ? t("fld_" + f.field) : f.description);

/** Another sheet has other columns: the server reads them once the sheet is chosen (a check with it, which writes
 *  nothing), and the step is drawn again from the import's new headers, sample and suggested mapping. */
function sheetSelect(wizard) {
  const { job } = wizard;
  const el = select(job.sheets.map((s) => [s, s]), job.sheet, { id: "imp-sheet" });
  el.addEventListener("change", async () => {
    el.disabled = true;
    const errorSlot = el.closest("form").querySelector(".form-error");
    try {
      await post(`/imports/${job.id}/check`, { sheet: el.value });
      wizard.job = await get(`/imports/${job.id}`);
      wizard.mapping = null;
      wizard.options = { ...(wizard.options || {}), sheet: el.value };
      await mappingStep(wizard);
    } catch (error) {
      errorSlot.textContent = errorText(error);
      el.disabled = false;
    }
  });
  return el;
}

const describeDuplicate = (dup) => {
  if (!dup) return "—";
  if (dup.row) return t("imp_dup_row", { row: dup.row });
  return t("imp_dup_record", { id: dup.id });
};

function tile(key, value) {
  return h("div", { class: "tile", "data-count": key }, h("span", { class: "tile-value" }, String(value)), h("span", { class: "tile-label" }, t(key)));
}

function checkStep(wizard, report) {
  mark(wizard, 3);
  const rows = report.rows.map((r) => h("tr", { "data-row": r.row, "data-action": r.action },
    h("td", {}, String(r.row)), h("td", {}, t("act_" + r.action)), h("td", { class: "reason" }, r.reason || "—"),
    h("td", {}, describeDuplicate(r.duplicate_of))));
  const status = h("p", { class: "status", role: "status", id: "run-status" });
  const run = h("button", { type: "button", class: "primary", id: "imp-run", onclick: async () => {
    run.disabled = true;
    try {
      await post(`/imports/${wizard.job.id}/run`, wizard.options);
      await runStep(wizard);
    } catch (error) {
      notice(status, error);
      run.disabled = false;
    }
  } }, t("imp_run"));
  clear(wizard.area,
    h("div", { class: "tiles", id: "check-counts" }, tile("imp_total", report.total_rows), tile("imp_would_create", report.would_create),
      tile("imp_would_update", report.would_update), tile("imp_would_skip", report.would_skip),
      tile("imp_would_fail", report.would_fail), tile("imp_companies", report.companies_to_create)),
    report.unmapped.length ? h("p", { class: "muted", id: "check-unmapped" }, t("imp_unmapped", { list: report.unmapped.join(", ") })) : null,
    table([t("imp_row"), t("imp_action"), t("imp_reason"), t("imp_duplicate")], rows, { id: "check-rows" }),
    status,
    h("div", { class: "actions" }, h("button", { type: "button", id: "imp-back", onclick: () => mappingStep(wizard) }, t("imp_back")), run));
}

async function runStep(wizard) {
  mark(wizard, 4);
  const bar = h("progress", { id: "imp-progress", max: 1, value: 0, "aria-label": t("imp_progress_label") });
  const text = h("p", { id: "imp-progress-text", role: "status" });
  const state = h("p", { id: "imp-state" });
  const result = h("div", { id: "imp-result" });
  clear(wizard.area, bar, text, state, result);
  for (;;) {
    // The page may have been left meanwhile: stop polling once the wizard is gone.
    if (!wizard.area.isConnected) return;
    let job;
    try {
      job = await get(`/imports/${wizard.job.id}`);
    } catch (error) {
      notice(text, error);
      return;
    }
    const p = job.progress;
    bar.max = Math.max(p.total, 1);
    bar.value = p.done;
    text.textContent = t("imp_progress", { done: p.done, total: p.total });
    state.dataset.status = job.status;
    state.textContent = `${t("imp_state")}: ${t("imp_st_" + job.status)}${job.error ? " — " + job.error : ""}`;
    if (["done", "failed", "undone"].includes(job.status)) return showResult(wizard, job, result);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Saves a Blob under a name (the token is a header, so no plain link can fetch it). */
function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function rejectName(job) {
  const base = job.filename.replace(/\.[^.]*$/, "");
  const ext = ["csv", "tsv"].includes(job.format) ? job.format : "xlsx";
  return `${base}-rejects.${ext}`;
}

function showResult(wizard, job, result) {
  const p = job.progress;
  const status = h("p", { class: "status", role: "status", id: "imp-result-status" });
  const rejects = p.failed > 0 ? h("button", { type: "button", id: "imp-rejects", onclick: async () => {
    try {
      save(await download(`/imports/${job.id}/rejects`), rejectName(job));
    } catch (error) {
      notice(status, error);
    }
  } }, t("imp_rejects")) : null;
  const undo = job.status === "done" ? h("button", { type: "button", id: "imp-undo", onclick: async () => {
    undo.disabled = true;
    try {
      const report = await post(`/imports/${job.id}/undo`);
      status.classList.remove("bad");
      status.textContent = t("imp_undone", report) + (report.failed.length ? " " + report.failed.join("; ") : "");
    } catch (error) {
      notice(status, error);
      undo.disabled = false;
    }
  } }, t("imp_undo")) : null;
  clear(result,
    h("div", { class: "tiles", id: "imp-counts" }, tile("imp_created", p.created), tile("imp_updated", p.updated),
      tile("imp_skipped", p.skipped), tile("imp_failed", p.failed)),
    h("div", { class: "actions" }, rejects, undo,
      h("a", { href: `#/${wizard.kind}`, id: "imp-open-list" }, t("imp_open_list")),
      h("button", { type: "button", id: "imp-again", onclick: () => { wizard.mapping = null; wizard.options = null; uploadStep(wizard); } }, t("imp_again"))),
    status);
}
