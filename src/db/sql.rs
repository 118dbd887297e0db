//! A small SQL builder for queries whose shape depends on filters. It numbers placeholders `$1, $2…`, which both
//! backends accept (sqlx's own `QueryBuilder<Any>` writes `?`, which PostgreSQL refuses). Values are always bound.

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments, AssertSqlSafe, Encode, Type};

/// Bound values per statement for multi-row statements and long `IN` lists. sqlx's SQLite driver looks each `$N`
/// up by name, a linear scan per parameter, so one statement's cost grows with the square of its parameters:
/// many statements of a few hundred beat one of thousands.
pub const MAX_BINDS: usize = 100;

#[derive(Default)]
pub struct Sql {
    text: String,
    args: AnyArguments,
    count: usize,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_string(),
            ..Default::default()
        }
    }

    /// Appends SQL text written by us (never user input).
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind<'q, T>(&mut self, value: T) -> &mut Self
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        self.count += 1;
        self.text.push('$');
        self.text.push_str(&self.count.to_string());
        self.args
            .add(value)
            .expect("encoding a value into AnyArguments does not fail");
        self
    }

    /// Appends `(p1, p2, …)` bound to the values; `(NULL)` for none, which matches nothing.
    pub fn bind_list<T>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self
    where
        T: 'static + Encode<'static, Any> + Type<Any>,
    {
        self.push("(");
        let mut first = true;
        for value in values {
            if !first {
                self.push(", ");
            }
            first = false;
            self.bind(value);
        }
        if first {
            self.push("NULL");
        }
        self.push(")")
    }

    pub fn query(self) -> sqlx::query::Query<'static, Any, AnyArguments> {
        sqlx::query_with(AssertSqlSafe(self.text), self.args)
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}
