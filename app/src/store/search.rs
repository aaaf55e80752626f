//! Free-text search.  SQLite: FTS5 trigram indexes (accent- and
//! case-insensitive) for words of 3+ characters, a `LIKE` for shorter ones
//! (trigrams cannot match them).  PostgreSQL: a pg_trgm GIN index over the
//! folded (lower-cased, unaccented) text.  See docs/decisions/0002-search.md.

use super::Backend;
use super::sql::{Sql, escape_like};

/// Longest search text taken into account, in characters.
const MAX_SEARCH_CHARS: usize = 200;
/// Most words of a search taken into account.
const MAX_SEARCH_WORDS: usize = 8;

/// A searchable record kind: its FTS5 table and columns on SQLite, and the
/// indexed expression on PostgreSQL (must match the migration exactly).
pub(crate) struct SearchIndex {
    pub fts_table: &'static str,
    /// Columns of the record's table, for the short-word `LIKE`.
    pub columns: &'static [&'static str],
    /// Table alias used in the short-word `LIKE` and PostgreSQL expression.
    pub alias: &'static str,
    pub table: &'static str,
    pub pg_document: &'static str,
}

pub(crate) const CLIENTS: SearchIndex = SearchIndex {
    fts_table: "clients_search",
    columns: &["first_name", "last_name", "email", "phone", "company_name"],
    alias: "s",
    table: "clients",
    pg_document: "crm_search_fold(s.first_name || ' ' || s.last_name || ' ' || s.email || ' ' || coalesce(s.phone, '') || ' ' || coalesce(s.company_name, ''))",
};

pub(crate) const EVENTS: SearchIndex = SearchIndex {
    fts_table: "events_search",
    columns: &["name", "location", "notes"],
    alias: "s",
    table: "events",
    pg_document: "crm_search_fold(s.name || ' ' || coalesce(s.location, '') || ' ' || coalesce(s.notes, ''))",
};

pub(crate) const EMPLOYEES: SearchIndex = SearchIndex {
    fts_table: "employees_search",
    columns: &["first_name", "last_name", "email", "phone"],
    alias: "s",
    table: "employees",
    pg_document: "crm_search_fold(s.first_name || ' ' || s.last_name || ' ' || s.email || ' ' || coalesce(s.phone, ''))",
};

/// The words of a search text: control characters dropped, at most
/// [`MAX_SEARCH_WORDS`] words of at most [`MAX_SEARCH_CHARS`] characters.
fn words(text: &str) -> Vec<String> {
    let cleaned: String = text.chars().filter(|ch| !ch.is_control()).take(MAX_SEARCH_CHARS).collect();
    cleaned.split_whitespace().take(MAX_SEARCH_WORDS).map(str::to_owned).collect()
}

/// A condition `id_expr IN (ids matching every word)`, or `None` when the
/// text has no words.
pub(crate) fn condition(backend: Backend, index: &SearchIndex, id_expr: &str, text: &str) -> Option<Sql> {
    let words = words(text);
    if words.is_empty() {
        return None;
    }
    let mut sql =
        Sql::new(format!("{id_expr} IN (SELECT {}.id FROM {} {} WHERE ", index.alias, index.table, index.alias));
    let mut parts: Vec<Sql> = Vec::new();
    match backend {
        Backend::Sqlite => {
            let long: Vec<&String> = words.iter().filter(|word| word.chars().count() >= 3).collect();
            if !long.is_empty() {
                // Each word is a quoted FTS5 string, so its characters are
                // never read as query syntax; words are ANDed.
                let query: Vec<String> = long.iter().map(|word| format!("\"{}\"", word.replace('"', "\"\""))).collect();
                parts.push(Sql::with(
                    format!(
                        "{}.id IN (SELECT rowid FROM {} WHERE {} MATCH ?)",
                        index.alias, index.fts_table, index.fts_table
                    ),
                    query.join(" "),
                ));
            }
            for word in words.iter().filter(|word| word.chars().count() < 3) {
                let pattern = format!("%{}%", escape_like(word));
                let mut any = Sql::new("");
                for (n, column) in index.columns.iter().enumerate() {
                    if n > 0 {
                        any.push(" OR ");
                    }
                    any.push(&format!("{}.{column} LIKE ", index.alias)).bind(pattern.clone()).push(" ESCAPE '\\'");
                }
                parts.push(any);
            }
        }
        Backend::Postgres => {
            for word in &words {
                let mut like = Sql::new(format!("{} LIKE '%' || crm_search_fold(", index.pg_document));
                like.bind(escape_like(word)).push(") || '%' ESCAPE '\\'");
                parts.push(like);
            }
        }
    }
    for (n, part) in parts.into_iter().enumerate() {
        if n > 0 {
            sql.push(" AND ");
        }
        sql.push("(").append(part).push(")");
    }
    sql.push(")");
    Some(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_drop_control_characters() {
        assert_eq!(words("  jo\u{1b}[2J  smith\n"), vec!["jo[2J".to_string(), "smith".to_string()]);
        assert!(words("   ").is_empty());
    }

    #[test]
    fn sqlite_quotes_fts_syntax() {
        let sql =
            condition(Backend::Sqlite, &CLIENTS, "c.id", "ab \"or* NEAR").expect("condition").build(Backend::Sqlite);
        assert!(sql.sql.contains("MATCH ?"));
        assert!(sql.sql.contains("LIKE ?"));
    }
}
