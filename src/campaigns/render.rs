//! Renders a template for one recipient with handlebars in strict mode: an unknown field, or a field the recipient
//! lacks, is an error naming it; `{{default field "fallback"}}` is the one way to accept a missing value.

use handlebars::{
    Context, Handlebars, Helper, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason,
};
use serde_json::{Map, Value};

use super::model::{Rendered, Template};

/// Every field a template may use. Fields outside this list are typos, refused even inside `default`.
pub const FIELDS: &[&str] = &[
    "contact.name",
    "contact.position",
    "contact.email",
    "contact.phone",
    "company.name",
    "company.domain",
    "owner.name",
    "owner.email",
    "owner.phone",
    "unsubscribe_url",
];

/// Marks the sample data of `check_fields_with`, where a missing custom field is an unknown one.
const CHECKING: &str = "__checking_fields";

/// A template compiled once per campaign and rendered per recipient.
pub struct Compiled {
    html: Handlebars<'static>,
    plain: Handlebars<'static>,
    has_text: bool,
}

fn registry(escape_html: bool) -> Handlebars<'static> {
    let mut r = Handlebars::new();
    r.set_strict_mode(true);
    if !escape_html {
        // Subjects and text parts are not HTML: "ООО «Ромашка» & Co" must stay as written.
        r.register_escape_fn(handlebars::no_escape);
    }
    r.register_helper("default", Box::new(default_helper));
    r
}

/// `{{default contact.position "коллега"}}`: the value when present and not empty, else the fallback.
fn default_helper(
    h: &Helper,
    _: &Handlebars,
    ctx: &Context,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let value = h
        .param(0)
        .ok_or_else(|| RenderErrorReason::ParamNotFoundForIndex("default", 0))?;
    let fallback = h
        .param(1)
        .ok_or_else(|| RenderErrorReason::ParamNotFoundForIndex("default", 1))?;
    if let Some(path) = value.relative_path() {
        // A custom field is known when the check's sample holds it (it holds every defined key); for a recipient,
        // one without a value falls back like any other field.
        let known = match path.strip_prefix("custom.") {
            Some(_) => !(ctx.data().get(CHECKING).is_some() && value.is_value_missing()),
            None => FIELDS.contains(&path.as_str()),
        };
        if !known {
            return Err(RenderErrorReason::Other(format!("unknown field {path}")).into());
        }
    }
    let chosen = match value.value() {
        Value::Null => fallback.value(),
        Value::String(s) if s.trim().is_empty() => fallback.value(),
        _ if value.is_value_missing() => fallback.value(),
        other => other,
    };
    let text = match chosen {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    out.write(&text)?;
    Ok(())
}

fn describe(e: &RenderError) -> String {
    let mut message = match e.reason() {
        RenderErrorReason::MissingVariable(Some(path)) => format!("missing field {path}"),
        RenderErrorReason::MissingVariable(None) => "missing field".to_string(),
        other => other.to_string(),
    };
    if let Some(line) = e.line_no {
        message.push_str(&format!(" (line {line})"));
    }
    message
}

impl Compiled {
    /// Compiles subject, HTML and text; a syntax error names the part.
    pub fn new(t: &Template) -> Result<Compiled, String> {
        let mut html = registry(true);
        let mut plain = registry(false);
        let register = |r: &mut Handlebars<'static>, name: &str, source: &str| {
            r.register_template_string(name, source)
                .map_err(|e| format!("{name}: {e}"))
        };
        register(&mut plain, "subject", &t.subject)?;
        register(&mut html, "html", &t.html)?;
        if let Some(text) = &t.text {
            register(&mut plain, "text", text)?;
        }
        Ok(Compiled {
            html,
            plain,
            has_text: t.text.is_some(),
        })
    }

    fn parts(&self, data: &Value) -> Result<(String, String, Option<String>), String> {
        let subject = self
            .plain
            .render("subject", data)
            .map_err(|e| format!("subject: {}", describe(&e)))?;
        let html = self
            .html
            .render("html", data)
            .map_err(|e| format!("html: {}", describe(&e)))?;
        let text = if self.has_text {
            let text = self
                .plain
                .render("text", data)
                .map_err(|e| format!("text: {}", describe(&e)))?;
            Some(text)
        } else {
            None
        };
        Ok((subject, html, text))
    }

    /// Whether a letter renders for `data`, without building it (deriving the text part cannot fail).
    pub fn check(&self, data: &Value) -> Result<(), String> {
        self.parts(data).map(|_| ())
    }

    pub fn render(&self, data: &Value) -> Result<Rendered, String> {
        let (subject, html, text) = self.parts(data)?;
        let text = text.unwrap_or_else(|| html_to_text(&html));
        Ok(Rendered {
            // A subject is one line: a newline from data would start a new header.
            subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
            html,
            text,
        })
    }

    /// Renders with every field filled, so that a template naming an unknown field is refused when saved.
    pub fn check_fields(&self) -> Result<(), String> {
        self.check_fields_with(&[])
    }

    /// `check_fields` where `custom.<key>` is known for each of the contacts' custom field keys.
    pub fn check_fields_with(&self, custom_keys: &[String]) -> Result<(), String> {
        let mut sample = Map::new();
        let custom: Map<String, Value> = custom_keys
            .iter()
            .map(|k| (k.clone(), Value::String("x".into())))
            .collect();
        sample.insert("custom".into(), Value::Object(custom));
        sample.insert(CHECKING.into(), Value::Bool(true));
        for field in FIELDS {
            let mut parts = field.split('.');
            let (first, second) = (parts.next().unwrap_or_default(), parts.next());
            match second {
                None => {
                    sample.insert(first.to_string(), Value::String("x".into()));
                }
                Some(second) => {
                    let entry = sample
                        .entry(first.to_string())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(o) = entry {
                        o.insert(second.to_string(), Value::String("x".into()));
                    }
                }
            }
        }
        self.render(&Value::Object(sample)).map(|_| ())
    }
}

/// A readable plain-text part from HTML: block ends become line breaks, links keep their target, tags go.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    let mut href: Option<String> = None;
    while let Some(start) = rest.find('<') {
        out.push_str(&decode_entities(&rest[..start]));
        let Some(end) = rest[start..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[start + 1..start + end];
        rest = &rest[start + end + 1..];
        let lower = tag.to_ascii_lowercase();
        let name = lower
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default()
            .to_string();
        if (name == "style" || name == "script" || name == "head") && !lower.starts_with('/') {
            let close = format!("</{name}");
            let at = rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
            rest = &rest[at..];
            continue;
        }
        match name.as_str() {
            "br" => out.push('\n'),
            "p" | "div" | "h1" | "h2" | "h3" | "h4" | "tr" | "table" | "ul" | "ol" => {
                out.push('\n')
            }
            "li" if !lower.starts_with('/') => out.push_str("\n- "),
            "a" if !lower.starts_with('/') => href = attribute(tag, "href"),
            "a" => {
                if let Some(h) = href.take() {
                    out.push_str(&format!(" ({h})"));
                }
            }
            _ => {}
        }
    }
    out.push_str(&decode_entities(rest));
    tidy(&out)
}

fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let at = lower.find(&format!("{name}="))? + name.len() + 1;
    let value = &tag[at..];
    let quote = value.chars().next()?;
    let value = if quote == '"' || quote == '\'' {
        value[1..].split(quote).next()?
    } else {
        value.split_whitespace().next()?
    };
    Some(decode_entities(value))
}

fn decode_entities(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x3D;", "=")
        .replace("&amp;", "&")
}

/// Collapses runs of spaces and blank lines left by the markup.
fn tidy(s: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in s.lines() {
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if line.is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(subject: &str, html: &str) -> Template {
        Template {
            id: 1,
            name: "t".into(),
            subject: subject.into(),
            html: html.into(),
            text: None,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn missing_field_is_an_error_but_default_falls_back() {
        let c = Compiled::new(&template(
            "Здравствуйте, {{contact.name}}",
            "<p>{{default contact.position \"коллега\"}}</p><p>{{company.name}}</p>",
        ))
        .unwrap();
        let data = json!({"contact": {"name": "Анна"}});
        let err = c.render(&data).unwrap_err();
        assert!(err.contains("company.name"), "{err}");
        let data = json!({"contact": {"name": "Анна"}, "company": {"name": "ООО «Ромашка» & Co"}});
        let r = c.render(&data).unwrap();
        assert_eq!(r.subject, "Здравствуйте, Анна");
        assert!(r.html.contains("коллега"), "{}", r.html);
        assert!(r.html.contains("&amp; Co"), "HTML escapes data: {}", r.html);
        assert_eq!(r.text, "коллега\n\nООО «Ромашка» & Co");
    }

    #[test]
    fn custom_fields_render_when_defined_and_are_refused_otherwise() {
        let c = Compiled::new(&template(
            "Договор {{custom.contract_no}}",
            "{{default custom.inn \"—\"}}",
        ))
        .unwrap();
        assert!(c.check_fields().unwrap_err().contains("custom.contract_no"));
        c.check_fields_with(&["contract_no".into(), "inn".into()])
            .unwrap();
        let typo = Compiled::new(&template("x", "{{default custom.nope \"a\"}}")).unwrap();
        assert!(typo
            .check_fields_with(&["inn".into()])
            .unwrap_err()
            .contains("custom.nope"));
        let data = json!({"contact": {"name": "Анна"}, "custom": {"contract_no": "A-17"}});
        let r = c.render(&data).unwrap();
        assert_eq!((r.subject.as_str(), r.html.as_str()), ("Договор A-17", "—"));
    }

    #[test]
    fn unknown_fields_are_refused_when_saved() {
        let c = Compiled::new(&template("{{contact.nmae}}", "x")).unwrap();
        assert!(c.check_fields().unwrap_err().contains("contact.nmae"));
        let c = Compiled::new(&template("x", "{{default contact.nmae \"a\"}}")).unwrap();
        assert!(c.check_fields().unwrap_err().contains("unknown field"));
        let c = Compiled::new(&template("{{contact.name}}", "{{owner.phone}}")).unwrap();
        c.check_fields().unwrap();
    }

    #[test]
    fn text_from_html_keeps_links_and_breaks() {
        let text = html_to_text(
            "<html><head><style>p{}</style></head><body><h1>Привет</h1><p>Смотрите <a href=\"https://x.ru/a?b=1&amp;c=2\">сайт</a>.</p><ul><li>один</li><li>два</li></ul>Иван<br>+7 900</body></html>",
        );
        assert_eq!(
            text,
            "Привет\n\nСмотрите сайт (https://x.ru/a?b=1&c=2).\n\n- один\n- два\nИван\n+7 900"
        );
    }
}

#[cfg(test)]
mod starters {
    use super::*;

    /// The starter templates in `templates/campaigns/` compile and use only known fields.
    #[test]
    fn starters_are_valid() {
        let starters = [
            (
                include_str!("../../templates/campaigns/welcome.subject.hbs"),
                include_str!("../../templates/campaigns/welcome.html.hbs"),
                None,
            ),
            (
                include_str!("../../templates/campaigns/offer.subject.hbs"),
                include_str!("../../templates/campaigns/offer.html.hbs"),
                Some(include_str!("../../templates/campaigns/offer.txt.hbs")),
            ),
        ];
        for (subject, html, text) in starters {
            let t = Template {
                id: 0,
                name: "starter".into(),
                subject: subject.trim().into(),
                html: html.into(),
                text: text.map(str::to_string),
                created_at: time::OffsetDateTime::UNIX_EPOCH,
                updated_at: time::OffsetDateTime::UNIX_EPOCH,
            };
            Compiled::new(&t).and_then(|c| c.check_fields()).unwrap();
        }
    }
}
