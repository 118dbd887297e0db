// The pane's search field: GET /api/v1/search over mail, notes and records; a hit opens in the pane (a mail as its
// text, a record by its name and fields). Snippets are plain text with highlight ranges, drawn as text nodes and
// <mark> elements built here; nothing found is ever parsed as HTML. `pane`: taskpane.js's api, act, el and t.
(function () {
  const WORDS = {
    ru: { searchLabel: "Поиск по почте и записям", searchGo: "Найти", searchNone: "Ничего не найдено.", searchBack: "← К карточке",
      search_kind_mail: "письмо", search_kind_note: "заметка", search_kind_contact: "контакт", search_kind_company: "компания", search_kind_lead: "лид", search_kind_deal: "сделка",
      searchShort: "Введите хотя бы две буквы или цифры.", searchNoSubject: "(без темы)" },
    en: { searchLabel: "Search mail and records", searchGo: "Search", searchNone: "Nothing found.", searchBack: "← Back to the card",
      search_kind_mail: "mail", search_kind_note: "note", search_kind_contact: "contact", search_kind_company: "company", search_kind_lead: "lead", search_kind_deal: "deal",
      searchShort: "Type at least two letters or digits.", searchNoSubject: "(no subject)" },
  };
  for (const lang of Object.keys(WORDS)) Object.assign(window.MAILROOM_STRINGS[lang], WORDS[lang]);
  const PLURAL = { contact: "contacts", company: "companies", lead: "leads", deal: "deals" };

  function marked(el, snippet) {
    const chars = Array.from(snippet.text || "");
    const out = [];
    let at = 0;
    for (const [start, end] of snippet.highlights || []) {
      if (start < at || end > chars.length) continue;
      out.push(chars.slice(at, start).join(""), el("mark", {}, chars.slice(start, end).join("")));
      at = end;
    }
    out.push(chars.slice(at).join(""));
    return out;
  }

  // The hit, opened in the pane in place of the results.
  async function open(hit, pane, results) {
    const { el, t, api } = pane;
    const back = el("button", { type: "button", id: "search-back", onclick: () => pane.refresh() }, t("searchBack"));
    if (hit.kind === "mail") {
      const m = await api("GET", "/api/v1/messages/" + hit.link.message_id);
      results.replaceChildren(back, el("h2", { id: "search-open-title" }, m.subject || t("searchNoSubject")),
        el("div", { class: "muted" }, (m.from_name ? m.from_name + " <" + m.from_address + ">" : m.from_address || "")),
        el("pre", { id: "search-open-text", class: "mail-text" }, m.text_body || ""));
      return;
    }
    const kind = hit.link.record_kind;
    const r = await api("GET", "/api/v1/" + PLURAL[kind] + "/" + hit.link.record_id);
    const lines = [r.emails && r.emails.length ? r.emails.join(", ") : r.email, r.phones && r.phones.join ? r.phones.join(", ") : r.phone, r.company_name]
      .filter(Boolean).map((line) => el("div", {}, line));
    results.replaceChildren(back, el("h2", { id: "search-open-title" }, r.name || r.title || ""),
      el("div", { class: "muted" }, t("search_kind_" + kind)), ...lines,
      hit.kind === "note" ? el("p", { id: "search-open-text" }, hit.snippet.text) : null);
  }

  function section(pane) {
    const { el, t, api, act } = pane;
    const box = el("input", { id: "search-q", type: "search", autocomplete: "off" });
    const results = el("div", { id: "search-results" });
    const form = el("form", { id: "search-form", role: "search" },
      el("label", { for: "search-q" }, t("searchLabel")), el("div", { class: "row" }, box, el("button", { type: "submit", id: "search-go" }, t("searchGo"))));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      act(async () => {
        let page;
        try {
          page = await api("GET", "/api/v1/search?kind=all&limit=10&q=" + encodeURIComponent(box.value));
        } catch (error) {
          if (error.code === "search_query_too_short") return results.replaceChildren(el("p", { class: "error" }, t("searchShort")));
          throw error;
        }
        if (!page.items.length) return results.replaceChildren(el("p", { class: "muted" }, t("searchNone")));
        results.replaceChildren(el("ul", { id: "search-hits" }, page.items.map((hit) => {
          const title = hit.title.text ? marked(el, hit.title) : [t("searchNoSubject")];
          const link = el("a", { href: "#", class: "search-hit", "data-kind": hit.kind, onclick: (e) => { e.preventDefault(); act(() => open(hit, pane, results)); } }, ...title);
          return el("li", {}, link, el("span", { class: "muted" }, " · " + t("search_kind_" + hit.kind)),
            hit.snippet.text ? el("div", { class: "snippet" }, ...marked(el, hit.snippet)) : null);
        })));
      });
    });
    return el("section", { id: "search" }, form, results);
  }

  window.MailroomSearch = { section };
})();
