//! Keyset pagination shared by every list: rows are ordered by an
//! allow-listed sort expression and then by id, so ties never repeat or skip
//! a row, and a page starts from the last key seen (no OFFSET scans).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::{FromQueryResult, QueryResult};
use serde::{Deserialize, Serialize};

use super::sql::Sql;
use super::{ActingTx, StoreError};

/// Most rows one page may hold.
pub const MAX_PAGE: u64 = 1000;

/// Sort direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SortDir {
    /// Smallest first.
    #[default]
    Asc,
    /// Largest first.
    Desc,
}

impl SortDir {
    fn sql(self) -> &'static str {
        match self {
            SortDir::Asc => "ASC",
            SortDir::Desc => "DESC",
        }
    }

    fn reversed(self) -> SortDir {
        match self {
            SortDir::Asc => SortDir::Desc,
            SortDir::Desc => SortDir::Asc,
        }
    }
}

/// The type of a sort key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Int,
    Text,
}

/// One sortable column of a list: its public field name and the expression
/// (never NULL) an index of the schema serves.
#[derive(Debug, PartialEq, Eq)]
pub struct SortColumn {
    /// The field name, as in JSON, CSV and `--sort`.
    pub name: &'static str,
    pub(crate) expr: &'static str,
    pub(crate) kind: KeyKind,
}

impl SortColumn {
    /// The key as selected: integer keys widened to 64 bits, since some
    /// columns are 32-bit integers on PostgreSQL.
    fn select_key(&self) -> String {
        match self.kind {
            KeyKind::Int => format!("CAST({} AS BIGINT)", self.expr),
            KeyKind::Text => self.expr.to_owned(),
        }
    }
}

/// A sort order: column and direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    /// The column sorted by.
    pub column: &'static SortColumn,
    /// The direction.
    pub dir: SortDir,
}

impl Sort {
    /// Parses `FIELD` or `FIELD:desc` (or `FIELD:asc`) against a list's columns.
    pub fn parse(text: &str, columns: &'static [SortColumn]) -> Result<Sort, String> {
        let (name, dir) = match text.trim().rsplit_once(':') {
            Some((name, "desc")) => (name, SortDir::Desc),
            Some((name, "asc")) => (name, SortDir::Asc),
            Some((_, other)) => return Err(format!("unknown sort direction \"{other}\": use asc or desc")),
            None => (text.trim(), SortDir::Asc),
        };
        let column = columns.iter().find(|column| column.name == name).ok_or_else(|| {
            let names: Vec<&str> = columns.iter().map(|column| column.name).collect();
            format!("cannot sort by \"{name}\": sortable fields are {}", names.join(", "))
        })?;
        Ok(Sort { column, dir })
    }

    /// The default order of a list: its first column, ascending.
    pub fn default_for(columns: &'static [SortColumn]) -> Sort {
        Sort { column: &columns[0], dir: SortDir::Asc }
    }
}

/// A position in a sorted list: the sort key and id of a row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Cursor {
    /// Sort field name.
    s: String,
    /// Descending?
    d: bool,
    /// The row's sort key.
    k: KeyValue,
    /// The row's id.
    i: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
enum KeyValue {
    Int(i64),
    Text(String),
}

impl Cursor {
    fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        URL_SAFE_NO_PAD.encode(json)
    }

    fn decode(text: &str, sort: Sort) -> Result<Cursor, StoreError> {
        let malformed =
            || StoreError::Invalid("The paging cursor is malformed: copy it exactly from the previous output.".into());
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| malformed())?;
        let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| malformed())?;
        let kind_matches = matches!(
            (&cursor.k, sort.column.kind),
            (KeyValue::Int(_), KeyKind::Int) | (KeyValue::Text(_), KeyKind::Text)
        );
        if cursor.s != sort.column.name || cursor.d != (sort.dir == SortDir::Desc) || !kind_matches {
            return Err(StoreError::Invalid(format!(
                "The paging cursor belongs to a list sorted by {}{}: use the same --sort, or start again without a cursor.",
                cursor.s,
                if cursor.d { ":desc" } else { "" }
            )));
        }
        Ok(cursor)
    }
}

/// The `before` cursor that means "the end of the list".
const LAST_PAGE: &str = "last";

/// Which page to fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    /// Rows per page, 1 to [`MAX_PAGE`].
    pub limit: u64,
    /// Fetch the rows after this cursor (a page's `next`).
    pub after: Option<String>,
    /// Fetch the rows before this cursor (a page's `prev`).
    pub before: Option<String>,
}

impl PageRequest {
    /// The first page of `limit` rows.
    pub fn first(limit: u64) -> PageRequest {
        PageRequest { limit, after: None, before: None }
    }

    /// The page after `cursor`.
    pub fn after(limit: u64, cursor: impl Into<String>) -> PageRequest {
        PageRequest { limit, after: Some(cursor.into()), before: None }
    }

    /// The page before `cursor`.
    pub fn before(limit: u64, cursor: impl Into<String>) -> PageRequest {
        PageRequest { limit, after: None, before: Some(cursor.into()) }
    }

    /// The last page of `limit` rows (the end of the list, walked back).
    pub fn last(limit: u64) -> PageRequest {
        PageRequest { limit, after: None, before: Some(LAST_PAGE.to_owned()) }
    }
}

/// One page of a list, with cursors to its neighbours.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// The rows, in list order.
    pub items: Vec<T>,
    /// Cursor of the next page, if there are more rows after.
    pub next: Option<String>,
    /// Cursor of the previous page, if there are rows before.
    pub prev: Option<String>,
}

/// What a list selects: its own table (with an alias), the joins that only
/// add display names, the columns, and its id expression.  Filters and sort
/// keys refer only to the list's own table, so a page is chosen from that
/// table alone and joined afterwards: the planner cannot pick a join order
/// that sorts a whole table, and counts need no joins at all.
pub(crate) struct ListSpec {
    /// The SELECT list (built once from an entity's columns, or written out).
    pub columns: std::borrow::Cow<'static, str>,
    pub table: &'static str,
    pub joins: &'static str,
    pub id: &'static str,
}

impl ListSpec {
    fn alias(&self) -> &'static str {
        self.table.split_whitespace().last().unwrap_or(self.table)
    }

    fn from(&self) -> String {
        format!("{} {}", self.table, self.joins)
    }
}

/// Fetches one page of `spec` filtered by `conditions` in `sort` order.
pub(crate) async fn fetch_page<T: FromQueryResult>(
    tx: &ActingTx,
    spec: &ListSpec,
    conditions: Vec<Sql>,
    sort: Sort,
    request: &PageRequest,
) -> Result<Page<T>, StoreError> {
    if !(1..=MAX_PAGE).contains(&request.limit) {
        return Err(StoreError::Invalid(format!("A page holds 1 to {MAX_PAGE} rows, not {}.", request.limit)));
    }
    let backwards = request.before.is_some();
    let from_end = request.before.as_deref() == Some(LAST_PAGE);
    let start = match (&request.after, &request.before) {
        (None, Some(_)) if from_end => None,
        (Some(_), Some(_)) => {
            return Err(StoreError::Invalid(
                "Give either a cursor to page forwards or one to page backwards, not both.".into(),
            ));
        }
        (Some(cursor), None) | (None, Some(cursor)) => Some(Cursor::decode(cursor, sort)?),
        (None, None) => None,
    };
    // Paging backwards walks the list in the opposite order, then flips.
    let walk = if backwards { sort.dir.reversed() } else { sort.dir };
    let wanted = request.limit + 1;
    let mut rows = Vec::new();
    let mut after_ties = Vec::new();
    if let Some(cursor) = &start {
        // A keyset step in two index seeks: the rest of the cursor's tie
        // group (same key, later id), then the keys after it.  SQLite seeks
        // a row-value comparison only on the first column when the second is
        // the rowid, so `(key, id) > (?, ?)` would scan the whole tie group.
        let op = match walk {
            SortDir::Asc => ">",
            SortDir::Desc => "<",
        };
        let key = |text: String| {
            let mut sql = Sql::new(text);
            match &cursor.k {
                KeyValue::Int(value) => sql.bind(*value),
                KeyValue::Text(value) => sql.bind(value.clone()),
            };
            sql
        };
        let mut same_key = conditions.clone();
        same_key.push(key(format!("{} = ", sort.column.expr)));
        same_key.push(Sql::with(format!("{} {op} ?", spec.id), cursor.i));
        rows = select(tx, spec, same_key, sort, walk, true, wanted).await?;
        after_ties.push(key(format!("{} {op} ", sort.column.expr)));
    }
    if (rows.len() as u64) < wanted {
        let mut rest = conditions;
        rest.extend(after_ties);
        rows.extend(select(tx, spec, rest, sort, walk, false, wanted - rows.len() as u64).await?);
    }
    let more = rows.len() as u64 > request.limit;
    let mut keyed = Vec::with_capacity(rows.len().min(request.limit as usize));
    for row in rows.iter().take(request.limit as usize) {
        keyed.push((T::from_query_result(row, "")?, key_of(row, sort)?));
    }
    if backwards {
        keyed.reverse();
    }
    let cursor_at = |index: usize| {
        keyed.get(index).map(|(_, (key, id))| {
            Cursor { s: sort.column.name.into(), d: sort.dir == SortDir::Desc, k: key.clone(), i: *id }.encode()
        })
    };
    let (next, prev) = if backwards {
        let next = if from_end { None } else { cursor_at(keyed.len().wrapping_sub(1)) };
        (next, if more { cursor_at(0) } else { None })
    } else {
        (
            if more { cursor_at(keyed.len().wrapping_sub(1)) } else { None },
            if start.is_some() { cursor_at(0) } else { None },
        )
    };
    Ok(Page { items: keyed.into_iter().map(|(item, _)| item).collect(), next, prev })
}

/// One ordered, limited SELECT of a list with its sort key; `same_key`
/// orders by id alone (all rows share the key).
async fn select(
    tx: &ActingTx,
    spec: &ListSpec,
    conditions: Vec<Sql>,
    sort: Sort,
    walk: SortDir,
    same_key: bool,
    limit: u64,
) -> Result<Vec<QueryResult>, StoreError> {
    let dir = walk.sql();
    let alias = spec.alias();
    let inner_order =
        if same_key { format!("{} {dir}", spec.id) } else { format!("{} {dir}, {} {dir}", sort.column.expr, spec.id) };
    let mut sql = Sql::new(format!(
        "SELECT {columns}, {alias}.sort_key AS sort_key FROM (SELECT {alias}.*, {key} AS sort_key FROM {table}",
        columns = spec.columns,
        key = sort.column.select_key(),
        table = spec.table,
    ));
    sql.push_where(conditions);
    sql.push(&format!(
        " ORDER BY {inner_order} LIMIT {limit}) {alias} {joins} ORDER BY {alias}.sort_key {dir}, {id} {dir}",
        joins = spec.joins,
        id = spec.id
    ));
    Ok(sea_orm::ConnectionTrait::query_all_raw(tx.conn(), sql.build(tx.backend())).await?)
}

fn key_of(row: &QueryResult, sort: Sort) -> Result<(KeyValue, i64), StoreError> {
    let key = match sort.column.kind {
        KeyKind::Int => KeyValue::Int(row.try_get("", "sort_key")?),
        KeyKind::Text => KeyValue::Text(row.try_get("", "sort_key")?),
    };
    Ok((key, row.try_get("", "id")?))
}

/// Counts the rows of `spec` matching `conditions`.
pub(crate) async fn count(tx: &ActingTx, spec: &ListSpec, conditions: Vec<Sql>) -> Result<u64, StoreError> {
    let mut sql = Sql::new(format!("SELECT count(*) AS n FROM {}", spec.table));
    sql.push_where(conditions);
    let row = sea_orm::ConnectionTrait::query_one_raw(tx.conn(), sql.build(tx.backend())).await?;
    let n: i64 = match row {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(n.max(0) as u64)
}

/// Fetches the single row of `spec` with this id.
pub(crate) async fn fetch_one<T: FromQueryResult>(
    tx: &ActingTx,
    spec: &ListSpec,
    kind: &'static str,
    id: i64,
) -> Result<T, StoreError> {
    let mut sql = Sql::new(format!("SELECT {} FROM {}", spec.columns, spec.from()));
    sql.push_where(vec![Sql::with(format!("{} = ?", spec.id), id)]);
    let row = sea_orm::ConnectionTrait::query_one_raw(tx.conn(), sql.build(tx.backend())).await?;
    match row {
        Some(row) => Ok(T::from_query_result(&row, "")?),
        None => Err(StoreError::NotFound { kind, id }),
    }
}

/// The cursor that starts a page just after the row with this id, as if
/// the list had been paged to it; `None` when there is no such row.
pub(crate) async fn cursor_at(
    tx: &ActingTx,
    spec: &ListSpec,
    sort: Sort,
    id: i64,
) -> Result<Option<String>, StoreError> {
    let mut sql =
        Sql::new(format!("SELECT {} AS id, {} AS sort_key FROM {}", spec.id, sort.column.select_key(), spec.table));
    sql.push_where(vec![Sql::with(format!("{} = ?", spec.id), id)]);
    let row = sea_orm::ConnectionTrait::query_one_raw(tx.conn(), sql.build(tx.backend())).await?;
    Ok(match row {
        Some(row) => {
            let (key, id) = key_of(&row, sort)?;
            Some(Cursor { s: sort.column.name.into(), d: sort.dir == SortDir::Desc, k: key, i: id }.encode())
        }
        None => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    static COLUMNS: [SortColumn; 2] = [
        SortColumn { name: "id", expr: "t.id", kind: KeyKind::Int },
        SortColumn { name: "last_name", expr: "t.last_name", kind: KeyKind::Text },
    ];

    #[test]
    fn parses_sort_fields() {
        let sort = Sort::parse("last_name:desc", &COLUMNS).expect("parse");
        assert_eq!(sort.column.name, "last_name");
        assert_eq!(sort.dir, SortDir::Desc);
        let err = Sort::parse("salary", &COLUMNS).expect_err("unknown");
        assert!(err.contains("id, last_name"), "{err}");
        assert!(Sort::parse("id:sideways", &COLUMNS).is_err());
    }

    #[test]
    fn cursors_round_trip_and_refuse_another_sort() {
        let sort = Sort::parse("last_name", &COLUMNS).expect("parse");
        let cursor = Cursor { s: "last_name".into(), d: false, k: KeyValue::Text("Ng".into()), i: 7 };
        assert_eq!(Cursor::decode(&cursor.encode(), sort).expect("decode"), cursor);
        let other = Sort::parse("id", &COLUMNS).expect("parse");
        assert!(Cursor::decode(&cursor.encode(), other).is_err());
        assert!(Cursor::decode("%%%", sort).is_err());
    }
}
