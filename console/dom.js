// Building the page from data without ever parsing it as HTML: every string becomes a text node or an attribute
// value, so a contact named "<img onerror=…>" is shown as those characters. No innerHTML anywhere in the console.
import { t, errorText } from "./i18n.js";

/** h("button", { class: "x", onclick: fn }, "text", childNode) */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value") el.value = value;
    else if (key === "checked") el.checked = Boolean(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let nextId = 0;

/** A labelled input with a place for the API's error about this field (`field` in the error body). */
export function field(name, label, input) {
  const id = input.id || `f-${name}-${++nextId}`;
  input.id = id;
  input.name = name;
  const error = h("p", { class: "field-error", "data-error-for": name, id: id + "-error", role: "alert" });
  input.setAttribute("aria-describedby", error.id);
  return h("div", { class: "field" }, h("label", { for: id }, label), input, error);
}

export function input(attrs = {}) {
  return h("input", { type: "text", ...attrs });
}

export function select(options, selected, attrs = {}) {
  return h("select", attrs, options.map(([value, label]) =>
    h("option", { value, selected: String(value) === String(selected ?? "") ? true : undefined }, label)));
}

/** A form whose submit runs `action(values)`; API errors land beside their field, others above the buttons. */
export function form(fields, submitLabel, action, attrs = {}) {
  const general = h("p", { class: "form-error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, submitLabel);
  const el = h("form", { novalidate: true, ...attrs }, fields, general, h("div", { class: "actions" }, button));
  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(el);
    button.disabled = true;
    try {
      await action(values(el), el);
    } catch (error) {
      showError(el, error);
    } finally {
      button.disabled = false;
    }
  });
  return el;
}

export function values(formEl) {
  const out = {};
  for (const el of formEl.elements) {
    if (!el.name) continue;
    out[el.name] = el.type === "checkbox" ? el.checked : el.value.trim();
  }
  return out;
}

export function clearErrors(formEl) {
  for (const el of formEl.querySelectorAll(".field-error, .form-error")) el.textContent = "";
  for (const el of formEl.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/** Puts an error beside the field it names when the form has that field, else in the form's general place. */
export function showError(formEl, error) {
  const text = errorText(error);
  const name = error && error.field;
  const slot = name ? formEl.querySelector(`[data-error-for="${CSS.escape(name)}"]`) : null;
  if (slot) {
    slot.textContent = text;
    const control = formEl.querySelector(`[name="${CSS.escape(name)}"]`);
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.focus();
    }
  } else {
    formEl.querySelector(".form-error").textContent = text;
  }
}

/** A status line for actions outside forms (sync now, delete…). */
export function notice(el, error) {
  el.textContent = error ? errorText(error) : "";
  el.classList.toggle("bad", Boolean(error));
}

export function dateTime(value) {
  if (!value) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString(t.locale());
}

export function table(columns, rows, attrs = {}) {
  return h("table", attrs,
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: columns.length, class: "empty" }, t("empty")))));
}

export function link(href, text, attrs = {}) {
  return h("a", { href, ...attrs }, text);
}
