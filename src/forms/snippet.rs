//! The embeddable HTML of a form and the thank-you page: static HTML, no external resources, every text escaped.

use super::check::{CONSENT, CUSTOM_PREFIX, HONEYPOT, LEAD_FIELDS, PAGE};
use super::model::WebForm;
use crate::crm::custom::model::CustomField;

/// Text safe inside HTML elements and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn label_of(key: &str, own: Option<&str>, customs: &[CustomField]) -> String {
    if let Some(l) = own {
        return l.to_string();
    }
    if let Some((_, l)) = LEAD_FIELDS.iter().find(|(k, _)| *k == key) {
        return l.to_string();
    }
    key.strip_prefix(CUSTOM_PREFIX)
        .and_then(|k| customs.iter().find(|c| c.key == k))
        .map(|c| c.label.clone())
        .unwrap_or_else(|| key.to_string())
}

fn input(key: &str, required: &str) -> String {
    let name = escape(key);
    match key {
        "message" => {
            format!(r#"<textarea name="{name}" rows="4" maxlength="5000"{required}></textarea>"#)
        }
        "email" => format!(
            r#"<input type="email" name="{name}" autocomplete="email" maxlength="254"{required}>"#
        ),
        "phone" => format!(
            r#"<input type="tel" name="{name}" autocomplete="tel" maxlength="40"{required}>"#
        ),
        "name" => format!(
            r#"<input type="text" name="{name}" autocomplete="name" maxlength="300"{required}>"#
        ),
        "company" => format!(
            r#"<input type="text" name="{name}" autocomplete="organization" maxlength="300"{required}>"#
        ),
        _ => format!(r#"<input type="text" name="{name}" maxlength="1000"{required}>"#),
    }
}

/// The `<form>` posting form-encoded to the absolute `/f/{key}` URL, its fields with labels, the consent checkbox
/// with its text, the hidden honeypot and the hidden `page` (a one-line inline script fills it; a site with a
/// strict CSP may fill it itself, else the Referer header stands in).
pub fn html(form: &WebForm, customs: &[CustomField]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "<form class=\"mailroom-form\" action=\"{}\" method=\"post\" accept-charset=\"UTF-8\">\n",
        escape(&form.action_url)
    ));
    for f in &form.fields {
        let label = escape(&label_of(&f.key, f.label.as_deref(), customs));
        let (required, star) = if f.required {
            (" required", " *")
        } else {
            ("", "")
        };
        out.push_str(&format!(
            "  <p><label>{label}{star}<br>{}</label></p>\n",
            input(&f.key, required)
        ));
    }
    out.push_str(&format!(
        "  <p><label><input type=\"checkbox\" name=\"{CONSENT}\" value=\"yes\" required> {}</label></p>\n",
        escape(&form.consent_text)
    ));
    // People do not see this field; bots fill it (then nothing is created).
    out.push_str(&format!(
        "  <div style=\"position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden\" \
         aria-hidden=\"true\"><label>Не заполняйте это поле <input type=\"text\" name=\"{HONEYPOT}\" \
         tabindex=\"-1\" autocomplete=\"off\" value=\"\"></label></div>\n"
    ));
    out.push_str(&format!(
        "  <input type=\"hidden\" name=\"{PAGE}\" value=\"\">\n"
    ));
    out.push_str("  <p><button type=\"submit\">Отправить</button></p>\n</form>\n");
    out.push_str(
        "<script>(function(s){var f=s&&s.previousElementSibling;if(f&&f.elements.page)\
         {f.elements.page.value=location.href;}})(document.currentScript);</script>\n",
    );
    out
}

/// The page a plain HTML post lands on when the form has no thank-you URL.
pub fn thank_you_page() -> &'static str {
    "<!doctype html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">\
     <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
     <title>Спасибо! / Thank you</title></head>\n<body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\
     <h1>Спасибо! Ваша заявка принята.</h1><p>Мы свяжемся с вами в ближайшее время.</p>\
     <p lang=\"en\">Thank you! Your request has been received; we will be in touch soon.</p></body></html>\n"
}
