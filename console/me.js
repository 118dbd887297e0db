// The signed-in user's own settings: the daily digest of today's and overdue tasks (time zone and local hour).
import { get, put } from "./api.js";
import { h, clear, field, form, select } from "./dom.js";
import { t } from "./i18n.js";

/** IANA zones the browser knows (Chromium lists them all), the user's own first. */
function zones() {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const all = typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  return [...new Set([own, "Europe/Moscow", ...all].filter(Boolean))];
}

export async function render(main, ctx) {
  const digest = await get("/me/digest");
  const zone = select([["", t("digest_off")], ...zones().map((z) => [z, z])], digest.time_zone || "", { id: "digest-zone" });
  const hours = Array.from({ length: 24 }, (_, i) => [String(i), `${String(i).padStart(2, "0")}:00`]);
  const hour = select(hours, String(digest.hour ?? 9), { id: "digest-hour" });
  const status = h("p", { class: "status", role: "status", id: "digest-status" });
  const digestForm = form([field("time_zone", t("time_zone"), zone), field("hour", t("digest_hour"), hour)], t("save"),
    async (v) => {
      const saved = await put("/me/digest", { time_zone: v.time_zone || null, hour: Number(v.hour) });
      status.textContent = saved.time_zone ? t("digest_saved", { zone: saved.time_zone, hour: saved.hour }) : t("digest_off_saved");
    }, { id: "digest-form" });
  clear(main, h("h1", {}, t("me")), h("p", {}, `${ctx.user.name} · ${ctx.user.email}`),
    h("section", { class: "card" }, h("h2", {}, t("digest")), h("p", { class: "muted" }, t("digest_hint")), digestForm, status));
}
