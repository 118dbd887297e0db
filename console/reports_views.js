// Each report's answer drawn as a chart with the table of its figures under it (and big figures where the report
// has totals). One function per report, from the JSON of GET /api/v1/reports/<name>.
import { h } from "./dom.js";
import { t, word } from "./i18n.js";
import { barRows, figures, tiles, count, money, percent, decimal, periodName, day } from "./reports_charts.js";
import "./reports_words.js";

const joined = (...parts) => parts.filter(Boolean).join(" · ");

function section(title, ...children) {
  return h("section", { class: "report", "aria-label": title }, h("h2", {}, title), children);
}

export function funnel(data) {
  const title = t("rep_funnel");
  const stages = data.stages || [];
  const rows = stages.map((s) => ({
    label: s.name,
    kind: "stage-" + s.kind,
    note: joined(`${t("rep_now")}: ${count(s.deals)}`, money(s.amount), s.conversion === null ? "" : `→ ${percent(s.conversion)}`),
    values: [s.reached],
    texts: [count(s.reached)],
  }));
  return section(title,
    barRows({ id: "funnel-chart", title: t("rep_chart", { title }), desc: t("rep_funnel_desc"),
      series: [{ key: "reached", name: t("rep_reached") }], rows }),
    figures("funnel-table", t("rep_table", { title }),
      [t("rep_stage"), t("rep_kind"), t("rep_now"), t("rep_amount"), t("rep_reached"), t("rep_conversion"), t("rep_avg_days")],
      stages.map((s) => [s.name, word("kind_", s.kind), count(s.deals), money(s.amount), count(s.reached),
        percent(s.conversion), decimal(s.avg_days_in_stage)])));
}

export function deals(data) {
  const title = t("rep_deals");
  const periods = data.periods || [];
  const rows = periods.map((p) => ({
    label: periodName(p.start, data.period),
    note: t("rep_deals_note", { won: money(p.won_amount), lost: money(p.lost_amount) }),
    values: [p.won, p.lost],
    texts: [count(p.won), count(p.lost)],
  }));
  return section(title,
    tiles([["forecast", t("rep_forecast"), money(data.forecast)], ["open_amount", t("rep_open_amount"), money(data.open_amount)]]),
    barRows({ id: "deals-chart", title: t("rep_chart", { title }), desc: t("rep_deals_desc"),
      series: [{ key: "won", name: t("rep_won") }, { key: "lost", name: t("rep_lost") }], rows }),
    figures("deals-table", t("rep_table", { title }),
      [t("rep_period_start"), t("rep_won"), t("rep_won_amount"), t("rep_lost"), t("rep_lost_amount")],
      periods.map((p) => [periodName(p.start, data.period), count(p.won), money(p.won_amount), count(p.lost), money(p.lost_amount)])));
}

export function sources(data) {
  const title = t("rep_sources");
  const list = data.sources || [];
  const name = (s) => s.source ?? t("rep_no_source");
  const rows = list.map((s) => ({
    label: name(s),
    note: t("rep_sources_note", { amount: money(s.won_amount) }),
    values: [s.leads, s.converted],
    texts: [count(s.leads), count(s.converted)],
  }));
  return section(title,
    barRows({ id: "sources-chart", title: t("rep_chart", { title }), desc: t("rep_sources_desc"),
      series: [{ key: "leads", name: t("rep_leads") }, { key: "converted", name: t("rep_converted") }], rows }),
    figures("sources-table", t("rep_table", { title }),
      [t("rep_source"), t("rep_leads"), t("rep_converted"), t("rep_won_amount")],
      list.map((s) => [name(s), count(s.leads), count(s.converted), money(s.won_amount)])));
}

export function managers(data) {
  const title = t("rep_managers");
  const list = data.rows || [];
  const rows = list.map((m) => ({
    label: m.name,
    note: joined(`${t("rep_mails_received")}: ${count(m.mails_received)}`, `${t("rep_unanswered")}: ${count(m.unanswered)}`),
    values: [m.first_response_median_minutes, m.first_response_p90_minutes],
    texts: [decimal(m.first_response_median_minutes), decimal(m.first_response_p90_minutes)],
  }));
  return section(title,
    barRows({ id: "managers-chart", title: t("rep_chart", { title }), desc: t("rep_managers_desc"),
      series: [{ key: "median", name: t("rep_median") }, { key: "p90", name: t("rep_p90") }], rows }),
    figures("managers-table", t("rep_table", { title }),
      [t("rep_manager"), t("rep_mails_received"), t("rep_mails_sent"), t("rep_median"), t("rep_p90"), t("rep_unanswered"),
        t("rep_tasks_done"), t("rep_tasks_overdue"), t("rep_deals_won"), t("rep_won_amount")],
      list.map((m) => [m.name, count(m.mails_received), count(m.mails_sent), decimal(m.first_response_median_minutes),
        decimal(m.first_response_p90_minutes), count(m.unanswered), count(m.tasks_done), count(m.tasks_overdue),
        count(m.deals_won), money(m.won_amount)])));
}

export function campaigns(data) {
  const title = t("rep_campaigns");
  const list = data.rows || [];
  const rows = list.map((c) => ({
    label: c.name,
    note: joined(c.started_at ? `${t("rep_started")}: ${day(c.started_at)}` : "", `${t("rep_reply_rate")}: ${percent(c.reply_rate)}`),
    values: [c.sent, c.bounced, c.unsubscribed, c.replied],
    texts: [c.sent, c.bounced, c.unsubscribed, c.replied].map(count),
  }));
  const series = ["sent", "bounced", "unsubscribed", "replied"].map((key) => ({ key, name: t("rep_" + key) }));
  return section(title,
    barRows({ id: "campaigns-chart", title: t("rep_chart", { title }), desc: t("rep_campaigns_desc"), series, rows }),
    figures("campaigns-table", t("rep_table", { title }),
      [t("rep_campaign"), t("rep_started"), t("rep_sent"), t("rep_bounced"), t("rep_unsubscribed"), t("rep_replied"), t("rep_reply_rate")],
      list.map((c) => [c.name, day(c.started_at), count(c.sent), count(c.bounced), count(c.unsubscribed), count(c.replied),
        percent(c.reply_rate)])));
}

const GAPS = ["without_email", "without_phone", "without_company", "role_addresses"];
const UNTOUCHED = ["contacts", "companies", "leads", "deals"];

export function quality(data) {
  const title = t("rep_quality");
  const gap = (key) => data[key] || {};
  const untouched = data.untouched_90_days || {};
  const rows = GAPS.map((key) => ({
    label: t("rep_" + key),
    values: [gap(key).share ?? null],
    texts: [joined(percent(gap(key).share), count(gap(key).count))],
  }));
  return section(title,
    tiles([["contacts", t("rep_contacts"), count(data.contacts)], ["duplicate_pairs", t("rep_duplicate_pairs"), count(data.duplicate_pairs)],
      ...UNTOUCHED.map((k) => ["untouched_" + k, t("rep_untouched_" + k), count(untouched[k])])]),
    barRows({ id: "quality-chart", title: t("rep_chart", { title }), desc: t("rep_quality_desc"),
      series: [{ key: "share", name: t("rep_share") }], rows, max: 1 }),
    figures("quality-table", t("rep_table", { title }), [t("rep_measure"), t("rep_count"), t("rep_share")], [
      [t("rep_contacts"), count(data.contacts), "—"],
      ...GAPS.map((key) => [t("rep_" + key), count(gap(key).count), percent(gap(key).share)]),
      ...UNTOUCHED.map((k) => [t("rep_untouched_" + k), count(untouched[k]), "—"]),
      [t("rep_duplicate_pairs"), count(data.duplicate_pairs), "—"],
    ]));
}
