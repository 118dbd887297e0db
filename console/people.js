// Who is who: the users directory (GET /users/directory, readable by every role), fetched once per page view, for
// owner names in lists and cards and the share picker.
import { get } from "./api.js";
import { t } from "./i18n.js";

let cached = null;

/** Map of user id → { id, name, email, active }. */
export async function people() {
  if (!cached) cached = get("/users/directory").then((d) => new Map(d.items.map((u) => [u.id, u])), (e) => { cached = null; throw e; });
  return cached;
}

/** Forget the directory (a user was created or renamed). */
export function forget() {
  cached = null;
}

/** The owner as words: "mine", the open pool, or the colleague's name. */
export function ownerName(id, me, directory) {
  if (id === null || id === undefined) return t("pool");
  if (id === me) return t("mine");
  const person = directory && directory.get(id);
  return person ? person.name : "#" + id;
}
