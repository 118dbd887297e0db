// The pane's deal sections: the open deals with a stage move, a new deal for a contact, and a lead's conversion
// (with a deal or without). `pane`: taskpane.js's api, act, el, t and refresh.
(function () {
  function section(card, pane) {
    const { el, t, act, api } = pane;
    const items = card.open_deals.map((deal) => {
      const pipeline = card.pipelines.find((p) => p.id === deal.pipeline_id);
      const select = el("select", { "data-deal": String(deal.id) });
      (pipeline ? pipeline.stages : []).forEach((stage) => {
        const option = el("option", { value: String(stage.id) }, stage.name);
        if (stage.id === deal.stage_id) option.selected = true;
        select.append(option);
      });
      const reason = el("input", { placeholder: t("lostReason") });
      const move = el("button", { type: "button", onclick: () => act(async () => {
        const body = { stage_id: Number(select.value) };
        if (reason.value) body.lost_reason = reason.value;
        await api("PATCH", "/api/v1/deals/" + deal.id, body);
        await pane.refresh();
      }, t("stageMoved")) }, t("moveStage"));
      const amount = deal.amount ? " · " + deal.amount + " " + deal.currency : "";
      return el("li", { class: "deal" }, el("div", {}, deal.title + " — " + deal.stage_name + amount), el("div", { class: "row" }, select, move), reason);
    });
    return el("section", { id: "deals" }, el("h3", {}, t("deals")), items.length ? el("ul", {}, items) : el("div", { class: "muted" }, t("none")),
      card.person.kind === "contact" && card.can_write ? newDealForm(card, pane) : null);
  }

  // The card brings the pipelines of its open deals; with none, the list is asked for.
  function pipelineSelect(card, id, pane) {
    const { el, t, act, api } = pane;
    const select = el("select", { id, "aria-label": t("pipeline") });
    const fill = (list) => list.forEach((p) => select.append(el("option", { value: String(p.id) }, p.name)));
    if (card.pipelines.length) fill(card.pipelines);
    else act(async () => fill(await api("GET", "/api/v1/pipelines")));
    return select;
  }

  function newDealForm(card, pane) {
    const { el, t, act, api } = pane;
    const title = el("input", { id: "deal-title" });
    const amount = el("input", { id: "deal-amount", inputmode: "decimal" });
    const pipeline = pipelineSelect(card, "deal-pipeline", pane);
    const create = el("button", { id: "create-deal", type: "button", onclick: () => act(async () => {
      const body = { title: title.value, pipeline_id: Number(pipeline.value), contact_id: card.person.id };
      if (card.company) body.company_id = card.company.id;
      if (amount.value) body.amount = amount.value;
      await api("POST", "/api/v1/deals", body);
      await pane.refresh();
    }, t("dealCreated")) }, t("createDeal"));
    return el("details", { id: "new-deal" }, el("summary", {}, t("newDeal")),
      el("label", { for: "deal-title" }, t("dealTitle")), title,
      el("label", { for: "deal-amount" }, t("amount")), amount,
      el("label", { for: "deal-pipeline" }, t("pipeline")), pipeline, create);
  }

  function convert(card, pane) {
    const { el, t, act, api } = pane;
    const p = card.person;
    const withDeal = el("input", { type: "checkbox", id: "convert-deal" });
    const pipeline = pipelineSelect(card, "convert-pipeline", pane);
    const convert = el("button", { id: "convert-lead", type: "button", onclick: () => act(async () => {
      const body = withDeal.checked ? { deal: { pipeline_id: Number(pipeline.value) } } : {};
      await api("POST", "/api/v1/leads/" + p.id + "/convert", body);
      await pane.refresh();
    }, t("leadConverted")) }, t("convertLead"));
    return el("section", { id: "convert" }, el("label", { for: "convert-deal", class: "check" }, withDeal, " ", t("withDeal")),
      pipeline, convert);
  }

  window.MailroomDeals = { section, convert };
})();
