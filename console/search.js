// Global search: the box in the header and the results page (#/search?q=…), grouped by kind. Snippets arrive as
// plain text with highlight ranges; each piece becomes a text node and the matched words <mark> elements built here,
// so nothing a mail contains is ever parsed as HTML.
import { get } from "./api.js";
import { h, clear, dateTime } from "./dom.js";
import { t, addWords, errorText } from "./i18n.js";

addWords({
  ru: {
    search_box: "Поиск по почте, заметкам и записям", search_go: "Найти", search_title: "Поиск",
    search_results_for: "Результаты по запросу «{q}»", search_none: "Ничего не найдено.",
    search_group_records: "Записи", search_group_mail: "Почта", search_group_notes: "Заметки",
    search_kind_mail: "письмо", search_kind_note: "заметка", search_kind_contact: "контакт", search_kind_company: "компания",
    search_kind_lead: "лид", search_kind_deal: "сделка", search_more: "Показать ещё", search_no_subject: "(без темы)",
    search_hint: "Любая форма слова; «фраза в кавычках»; начало слова со звёздочкой: догов*",
    err: { search_query_too_short: "Введите хотя бы две буквы или цифры.", invalid_cursor: "Страница результатов устарела; повторите поиск." },
  },
  en: {
    search_box: "Search mail, notes and records", search_go: "Search", search_title: "Search",
    search_results_for: "Results for “{q}”", search_none: "Nothing found.",
    search_group_records: "Records", search_group_mail: "Mail", search_group_notes: "Notes",
    search_kind_mail: "mail", search_kind_note: "note", search_kind_contact: "contact", search_kind_company: "company",
    search_kind_lead: "lead", search_kind_deal: "deal", search_more: "Show more", search_no_subject: "(no subject)",
    search_hint: "Any form of a word; \"a phrase in quotes\"; a word's start with a star: contr*",
    err: { search_query_too_short: "Type at least two letters or digits.", invalid_cursor: "These results are stale; search again." },
  },
});

const PLURAL = { contact: "contacts", company: "companies", lead: "leads", deal: "deals" };
const GROUPS = [["records", ["contact", "company", "lead", "deal"]], ["mail", ["mail"]], ["notes", ["note"]]];

/** Text with its highlight ranges (code points) as text nodes and <mark>s. */
export function marked(snippet) {
  const chars = Array.from(snippet.text || "");
  const out = [];
  let at = 0;
  for (const [start, end] of snippet.highlights || []) {
    if (start < at || end > chars.length) continue;
    out.push(chars.slice(at, start).join(""), h("mark", {}, chars.slice(start, end).join("")));
    at = end;
  }
  out.push(chars.slice(at).join(""));
  return out;
}

/** Where a hit opens in the console. */
export function hitHref(hit) {
  if (hit.kind === "mail") return `#/messages/${hit.link.message_id}`;
  return `#/${PLURAL[hit.link.record_kind]}/${hit.link.record_id}`;
}

/** The header's box: shown while someone is signed in; Enter opens the results page. */
export function showBox(visible) {
  let form = document.getElementById("search-form");
  if (!form) {
    const box = h("input", { type: "search", id: "search-box", name: "q", placeholder: t("search_title"), autocomplete: "off" });
    form = h("form", { id: "search-form", role: "search" },
      h("label", { for: "search-box", class: "visually-hidden", id: "search-label" }, t("search_box")), box);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (box.value.trim()) location.hash = "/search?q=" + encodeURIComponent(box.value.trim());
    });
    document.querySelector("header .tools").prepend(form);
  }
  document.getElementById("search-label").textContent = t("search_box");
  document.getElementById("search-box").placeholder = t("search_title");
  form.hidden = !visible;
}

function queryOfHash() {
  const query = location.hash.split("?")[1] || "";
  return new URLSearchParams(query).get("q") || "";
}

function hitItem(hit) {
  const title = hit.title.text ? marked(hit.title) : t("search_no_subject");
  return h("li", { class: "search-hit", "data-kind": hit.kind },
    h("a", { href: hitHref(hit), class: "search-hit-title" }, title),
    h("span", { class: "muted" }, ` · ${t("search_kind_" + hit.kind)} · ${dateTime(hit.date)}`),
    hit.snippet.text ? h("p", { class: "search-snippet" }, marked(hit.snippet)) : null);
}

export async function render(main) {
  const q = queryOfHash();
  const box = document.getElementById("search-box");
  if (box) box.value = q;
  const status = h("p", { class: "status", role: "status" });
  const results = h("div", { id: "search-results" });
  clear(main, h("h1", {}, t("search_results_for", { q })), h("p", { class: "hint" }, t("search_hint")), status, results);
  let page;
  try {
    page = await get(`/search?q=${encodeURIComponent(q)}&kind=all`);
  } catch (error) {
    if (error && error.status === 401) throw error;
    clear(status, h("span", { class: "form-error", role: "alert" }, errorText(error)));
    return;
  }
  if (!page.items.length) {
    status.textContent = t("search_none");
    return;
  }
  for (const [group, kinds] of GROUPS) {
    const hits = page.items.filter((hit) => kinds.includes(hit.kind));
    if (!hits.length) continue;
    const list = h("ul", { class: "search-hits" }, hits.map(hitItem));
    results.append(h("section", { class: "card", id: "search-" + group },
      h("h2", {}, t("search_group_" + group)), list, more(q, group, page.next_cursor, list)));
  }
}

/** "Show more" for one group: its next page, appended. */
function more(q, group, cursor, list) {
  if (!cursor) return null;
  const button = h("button", { type: "button" }, t("search_more"));
  button.addEventListener("click", async () => {
    const page = await get(`/search?q=${encodeURIComponent(q)}&kind=${group}&cursor=${encodeURIComponent(cursor)}`);
    list.append(...page.items.map(hitItem));
    if (page.next_cursor) cursor = page.next_cursor;
    else button.remove();
  });
  return button;
}
