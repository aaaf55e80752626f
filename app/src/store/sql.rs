//! A small builder for parameterised SQL shared by both backends: fragments
//! use `?` placeholders and are numbered `$n` for PostgreSQL at the end.

use sea_orm::{Statement, Value};

use super::Backend;

/// A piece of SQL with its bound values.
#[derive(Clone, Default)]
pub(crate) struct Sql {
    text: String,
    values: Vec<Value>,
}

/// Shows the text and how many values are bound, never the values: they
/// can be password verifiers, token digests or personal data.
impl std::fmt::Debug for Sql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sql").field("text", &self.text).field("values", &self.values.len()).finish()
    }
}

impl Sql {
    /// A fragment of plain SQL text with no values.
    pub(crate) fn new(text: impl Into<String>) -> Sql {
        Sql { text: text.into(), values: Vec::new() }
    }

    /// A fragment with one `?` placeholder bound to `value`.
    pub(crate) fn with(text: impl Into<String>, value: impl Into<Value>) -> Sql {
        Sql { text: text.into(), values: vec![value.into()] }
    }

    /// Appends plain text.
    pub(crate) fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a `?` placeholder bound to `value`.
    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> &mut Sql {
        self.text.push('?');
        self.values.push(value.into());
        self
    }

    /// Appends `(?, ?, …)` bound to `values`, for an `IN` list.
    pub(crate) fn push_in_list<T: Into<Value>>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Sql {
        self.push("(");
        for (n, value) in values.into_iter().enumerate() {
            if n > 0 {
                self.push(", ");
            }
            self.bind(value);
        }
        self.push(")")
    }

    /// Records values for `?` placeholders already written in the text.
    pub(crate) fn bind_all(&mut self, values: Vec<Value>) -> &mut Sql {
        self.values.extend(values);
        self
    }

    /// Appends another fragment.
    pub(crate) fn append(&mut self, other: Sql) -> &mut Sql {
        self.text.push_str(&other.text);
        self.values.extend(other.values);
        self
    }

    /// Appends `WHERE a AND b …` when there are conditions.
    pub(crate) fn push_where(&mut self, conditions: Vec<Sql>) -> &mut Sql {
        for (index, condition) in conditions.into_iter().enumerate() {
            self.push(if index == 0 { " WHERE (" } else { " AND (" });
            self.append(condition);
            self.push(")");
        }
        self
    }

    /// The statement for `backend`, placeholders numbered as it expects.
    pub(crate) fn build(self, backend: Backend) -> Statement {
        let text = match backend {
            Backend::Sqlite => self.text,
            Backend::Postgres => {
                let mut numbered = String::with_capacity(self.text.len() + 16);
                let mut n = 0;
                for ch in self.text.chars() {
                    if ch == '?' {
                        n += 1;
                        numbered.push('$');
                        numbered.push_str(&n.to_string());
                    } else {
                        numbered.push(ch);
                    }
                }
                numbered
            }
        };
        Statement::from_sql_and_values(backend.sea(), text, self.values)
    }
}

/// Runs a query returning one integer column `n` (a count, a sum); 0
/// when it returns no row.
pub(crate) async fn scalar(tx: &super::ActingTx, sql: Sql) -> Result<i64, super::StoreError> {
    #[derive(sea_orm::FromQueryResult)]
    struct Scalar {
        n: i64,
    }
    let row = sea_orm::ConnectionTrait::query_one_raw(tx.conn(), sql.build(tx.backend())).await?;
    Ok(match row {
        Some(row) => <Scalar as sea_orm::FromQueryResult>::from_query_result(&row, "")?.n,
        None => 0,
    })
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
pub(crate) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    escaped
}

/// `lower(col) LIKE '%word%'` over `columns` for every word of `text`
/// (all words must match, each in any column), case-insensitively: the
/// plain search of small lists without a free-text index.
pub(crate) fn like_words(columns: &[&str], text: &str) -> Option<Sql> {
    let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return None;
    }
    let mut all = Sql::new("(");
    for (n, word) in words.iter().enumerate() {
        if n > 0 {
            all.push(" AND ");
        }
        all.push("(");
        for (m, column) in columns.iter().enumerate() {
            if m > 0 {
                all.push(" OR ");
            }
            all.push(&format!("lower({column}) LIKE ")).bind(format!("%{}%", escape_like(word))).push(" ESCAPE '\\'");
        }
        all.push(")");
    }
    all.push(")");
    Some(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_for_postgres() {
        let mut sql = Sql::new("SELECT 1");
        sql.push_where(vec![Sql::with("a = ?", 1i64), Sql::with("b = ?", "x")]);
        let statement = sql.build(Backend::Postgres);
        assert_eq!(statement.sql, "SELECT 1 WHERE (a = $1) AND (b = $2)");
    }

    #[test]
    fn escapes_like_wildcards() {
        assert_eq!(escape_like(r"50%_off\"), r"50\%\_off\\");
    }
}
