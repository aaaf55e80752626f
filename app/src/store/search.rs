//! Free-text search.  SQLite: FTS5 trigram indexes (accent- and
//! case-insensitive) for words of 3+ characters, a `LIKE` for shorter ones
//! (trigrams cannot match them).  PostgreSQL: a pg_trgm GIN index over the
//! folded (lower-cased, unaccented) text.  See docs/decisions/0002-search.md.
//!
//! How a page of matches is found depends on how many rows match: a rare
//! fragment's matches are fetched from the search index and sorted; for a
//! common one the set of matches is built once and tested while walking the
//! sort order, which finds a page after a few rows.  On SQLite the search
//! index is asked first, with a cap, to choose; PostgreSQL's planner
//! chooses itself.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::sql::{Sql, escape_like};
use super::{ActingTx, Backend, StoreError};

/// Longest search text taken into account, in characters.
const MAX_SEARCH_CHARS: usize = 200;
/// Most words of a search taken into account.
const MAX_SEARCH_WORDS: usize = 8;
/// Up to this many matches, a search collects them and sorts them.
const RARE_MATCHES: usize = 5_000;

/// The threshold in force; tests lower it to exercise both strategies,
/// which must find the same rows.
static RARE_MATCHES_IN_FORCE: AtomicUsize = AtomicUsize::new(RARE_MATCHES);

/// Sets how many matches a search still collects and sorts (tests only).
#[doc(hidden)]
pub fn set_rare_matches(limit: Option<usize>) {
    RARE_MATCHES_IN_FORCE.store(limit.unwrap_or(RARE_MATCHES), Ordering::Relaxed);
}

/// A searchable record kind: its FTS5 table and columns on SQLite, and the
/// indexed expression on PostgreSQL (must match the migration exactly;
/// `{a}` stands for the table alias).
pub(crate) struct SearchIndex {
    pub fts_table: &'static str,
    /// Columns of the record's table, for the short-word `LIKE`.
    pub columns: &'static [&'static str],
    pub table: &'static str,
    pub pg_document: &'static str,
}

pub(crate) const CLIENTS: SearchIndex = SearchIndex {
    fts_table: "clients_search",
    columns: &["first_name", "last_name", "email", "phone", "company_name"],
    table: "clients",
    pg_document: "crm_search_fold({a}.first_name || ' ' || {a}.last_name || ' ' || {a}.email || ' ' || coalesce({a}.phone, '') || ' ' || coalesce({a}.company_name, ''))",
};

pub(crate) const EVENTS: SearchIndex = SearchIndex {
    fts_table: "events_search",
    columns: &["name", "location", "notes"],
    table: "events",
    pg_document: "crm_search_fold({a}.name || ' ' || coalesce({a}.location, '') || ' ' || coalesce({a}.notes, ''))",
};

pub(crate) const EMPLOYEES: SearchIndex = SearchIndex {
    fts_table: "employees_search",
    columns: &["first_name", "last_name", "email", "phone"],
    table: "employees",
    pg_document: "crm_search_fold({a}.first_name || ' ' || {a}.last_name || ' ' || {a}.email || ' ' || coalesce({a}.phone, ''))",
};

/// Which rows a search applies to.
pub(crate) enum Target<'a> {
    /// The list's own table, under this alias (e.g. clients `c`).
    Own(&'a str),
    /// Rows of another table referenced by this expression (contracts are
    /// searched through `k.client_id`).
    Through(&'a str),
}

/// The words of a search text: control characters dropped, at most
/// [`MAX_SEARCH_WORDS`] words of at most [`MAX_SEARCH_CHARS`] characters.
fn words(text: &str) -> Vec<String> {
    let cleaned: String = text.chars().filter(|ch| !ch.is_control()).take(MAX_SEARCH_CHARS).collect();
    cleaned.split_whitespace().take(MAX_SEARCH_WORDS).map(str::to_owned).collect()
}

/// The words of 3+ characters as an FTS5 query: each a quoted string, so
/// its characters are never read as query syntax; words are ANDed.
fn fts_query(words: &[String]) -> Option<String> {
    let long: Vec<String> = words
        .iter()
        .filter(|word| word.chars().count() >= 3)
        .map(|word| format!("\"{}\"", word.replace('"', "\"\"")))
        .collect();
    (!long.is_empty()).then(|| long.join(" "))
}

/// The condition for rows matching every word of `text`, or `None` when
/// the text has no words.
pub(crate) async fn condition(
    tx: &ActingTx,
    index: &SearchIndex,
    target: Target<'_>,
    text: &str,
) -> Result<Option<Sql>, StoreError> {
    let words = words(text);
    if words.is_empty() {
        return Ok(None);
    }
    let parts = match tx.backend() {
        Backend::Sqlite => sqlite_parts(tx, index, &target, &words).await?,
        Backend::Postgres => postgres_parts(index, &target, &words),
    };
    let mut sql = Sql::new("");
    for (n, part) in parts.into_iter().enumerate() {
        if n > 0 {
            sql.push(" AND ");
        }
        sql.push("(").append(part).push(")");
    }
    Ok(Some(sql))
}

async fn sqlite_parts(
    tx: &ActingTx,
    index: &SearchIndex,
    target: &Target<'_>,
    words: &[String],
) -> Result<Vec<Sql>, StoreError> {
    let row_id = match target {
        Target::Own(alias) => format!("{alias}.id"),
        Target::Through(expr) => (*expr).to_owned(),
    };
    let mut parts = Vec::new();
    if let Some(query) = fts_query(words) {
        let fts = index.fts_table;
        let probe =
            Sql::with(format!("SELECT rowid FROM {fts} WHERE {fts} MATCH ? LIMIT {}", RARE_MATCHES + 1), query.clone());
        let found = sea_orm::ConnectionTrait::query_all_raw(tx.conn(), probe.build(Backend::Sqlite)).await?;
        if found.len() <= RARE_MATCHES {
            parts.push(Sql::with(format!("{row_id} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)"), query));
        } else {
            // Unary plus: test membership while walking the sort order
            // instead of fetching every match and sorting them.
            parts.push(Sql::with(format!("+{row_id} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?)"), query));
        }
    }
    for word in words.iter().filter(|word| word.chars().count() < 3) {
        let pattern = format!("%{}%", escape_like(word));
        let alias = match target {
            Target::Own(alias) => *alias,
            Target::Through(_) => "s",
        };
        let mut any = Sql::new("");
        for (n, column) in index.columns.iter().enumerate() {
            if n > 0 {
                any.push(" OR ");
            }
            any.push(&format!("{alias}.{column} LIKE ")).bind(pattern.clone()).push(" ESCAPE '\\'");
        }
        parts.push(match target {
            Target::Own(_) => any,
            Target::Through(expr) => {
                let mut exists = Sql::new(format!("EXISTS (SELECT 1 FROM {} s WHERE s.id = {expr} AND (", index.table));
                exists.append(any).push("))");
                exists
            }
        });
    }
    Ok(parts)
}

fn postgres_parts(index: &SearchIndex, target: &Target<'_>, words: &[String]) -> Vec<Sql> {
    let alias = match target {
        Target::Own(alias) => *alias,
        Target::Through(_) => "s",
    };
    let document = index.pg_document.replace("{a}", alias);
    let mut all = Sql::new("");
    for (n, word) in words.iter().enumerate() {
        if n > 0 {
            all.push(" AND ");
        }
        all.push(&format!("{document} LIKE '%' || crm_search_fold("))
            .bind(escape_like(word))
            .push(") || '%' ESCAPE '\\'");
    }
    vec![match target {
        Target::Own(_) => all,
        Target::Through(expr) => {
            let mut within = Sql::new(format!("{expr} IN (SELECT s.id FROM {} s WHERE ", index.table));
            within.append(all).push(")");
            within
        }
    }]
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
    fn fts_queries_quote_every_word() {
        let words = words("ab \"or* NEAR(x");
        assert_eq!(fts_query(&words).as_deref(), Some("\"\"\"or*\" \"NEAR(x\""));
        assert_eq!(fts_query(&["ab".to_string()]), None);
    }

    #[test]
    fn postgres_documents_match_the_migration() {
        let migration = include_str!("../../../migration/src/sql/0001_schema.postgres.sql");
        let flat: String = migration.split_whitespace().collect::<Vec<_>>().join(" ");
        for index in [&CLIENTS, &EVENTS, &EMPLOYEES] {
            let document = index.pg_document.replace("{a}.", "");
            assert!(flat.contains(&document), "{document} is not the indexed expression");
        }
    }
}
