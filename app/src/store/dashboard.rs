//! Aggregates for the home dashboard and the assignment pickers: pipeline
//! totals, events per week, per-salesperson totals (read from the running
//! totals of migration 0004, so they cost the same at any size), and each
//! employee's load.

use sea_orm::FromQueryResult;

use super::sql::{Sql, scalar};
use super::{ActingTx, StoreError};
use crate::domain::Department;

/// A day in milliseconds: `event_days` counts per `start_at / DAY_MS`.
pub const DAY_MS: i64 = 24 * 3600 * 1000;
/// A week in milliseconds.
pub const WEEK_MS: i64 = 7 * DAY_MS;

/// Contract totals, in cents.
#[derive(Clone, Debug, Default, PartialEq, Eq, FromQueryResult)]
pub struct Pipeline {
    pub contracts: i64,
    pub unsigned: i64,
    pub unpaid: i64,
    pub signed_cents: i64,
    pub unsigned_cents: i64,
    pub outstanding_cents: i64,
}

/// Pipeline totals over every contract, or one salesperson's, from the
/// running totals the triggers keep (`contract_totals`).
pub async fn pipeline(tx: &ActingTx, sales_contact_id: Option<i64>) -> Result<Pipeline, StoreError> {
    // PostgreSQL sums BIGINT into NUMERIC: cast back so both backends agree.
    let mut sql = Sql::new(
        "SELECT CAST(coalesce(sum(contracts), 0) AS BIGINT) AS contracts, \
         CAST(coalesce(sum(unsigned), 0) AS BIGINT) AS unsigned, \
         CAST(coalesce(sum(unpaid), 0) AS BIGINT) AS unpaid, \
         CAST(coalesce(sum(signed_cents), 0) AS BIGINT) AS signed_cents, \
         CAST(coalesce(sum(unsigned_cents), 0) AS BIGINT) AS unsigned_cents, \
         CAST(coalesce(sum(outstanding_cents), 0) AS BIGINT) AS outstanding_cents FROM contract_totals",
    );
    if let Some(id) = sales_contact_id {
        sql.push_where(vec![Sql::with("sales_contact_id = ?", id)]);
    }
    let row = sea_orm::ConnectionTrait::query_one_raw(tx.conn(), sql.build(tx.backend())).await?;
    Ok(match row {
        Some(row) => Pipeline::from_query_result(&row, "")?,
        None => Pipeline::default(),
    })
}

/// How many events start in each of `weeks` weeks from the UTC day of
/// `from` (index 0 is the week starting that day).  Everyone's come from
/// the per-day totals; one support contact's from their events (indexed).
pub async fn events_per_week(
    tx: &ActingTx,
    from: i64,
    weeks: usize,
    support_contact_id: Option<i64>,
) -> Result<Vec<u64>, StoreError> {
    #[derive(FromQueryResult)]
    struct Week {
        week: i64,
        n: i64,
    }
    let first_day = from.div_euclid(DAY_MS);
    let last_day = first_day + 7 * weeks as i64;
    let sql = match support_contact_id {
        None => {
            let mut sql = Sql::new("SELECT CAST((day - ");
            sql.bind(first_day).push(") / 7 AS BIGINT) AS week, CAST(sum(events) AS BIGINT) AS n FROM event_days");
            sql.push_where(vec![Sql::with("day >= ?", first_day), Sql::with("day < ?", last_day)]).push(" GROUP BY 1");
            sql
        }
        Some(id) => {
            let mut sql = Sql::new("SELECT CAST((start_at - ");
            sql.bind(first_day * DAY_MS)
                .push(") / ")
                .bind(WEEK_MS)
                .push(" AS BIGINT) AS week, CAST(count(*) AS BIGINT) AS n FROM events");
            sql.push_where(vec![
                Sql::with("support_contact_id = ?", id),
                Sql::with("start_at >= ?", first_day * DAY_MS),
                Sql::with("start_at < ?", last_day * DAY_MS),
            ])
            .push(" GROUP BY 1");
            sql
        }
    };
    let rows = sea_orm::ConnectionTrait::query_all_raw(tx.conn(), sql.build(tx.backend())).await?;
    let mut counts = vec![0; weeks];
    for row in rows {
        let week = Week::from_query_result(&row, "")?;
        if let Some(slot) = usize::try_from(week.week).ok().and_then(|index| counts.get_mut(index)) {
            *slot = week.n.max(0) as u64;
        }
    }
    Ok(counts)
}

/// Upcoming events (starting at or after `from`) without a support contact:
/// the rest of today from the events, later days from the per-day totals.
pub async fn upcoming_without_support(tx: &ActingTx, from: i64) -> Result<i64, StoreError> {
    let tomorrow = (from.div_euclid(DAY_MS) + 1) * DAY_MS;
    let mut today =
        Sql::new("SELECT CAST(count(*) AS BIGINT) AS n FROM events WHERE support_contact_id IS NULL AND start_at >= ");
    today.bind(from).push(" AND start_at < ").bind(tomorrow);
    let later = Sql::with(
        "SELECT CAST(coalesce(sum(without_support), 0) AS BIGINT) AS n FROM event_days WHERE day >= ?",
        tomorrow / DAY_MS,
    );
    Ok(scalar(tx, today).await? + scalar(tx, later).await?)
}

/// How many clients a salesperson has.
pub async fn clients_of(tx: &ActingTx, sales_contact_id: i64) -> Result<i64, StoreError> {
    scalar(
        tx,
        Sql::with("SELECT CAST(count(*) AS BIGINT) AS n FROM clients WHERE sales_contact_id = ?", sales_contact_id),
    )
    .await
}

/// One salesperson's contract totals.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct SalesTotal {
    pub employee_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub signed_cents: i64,
    pub unsigned_cents: i64,
}

/// The salespeople with the largest contract totals, largest first.
pub async fn sales_totals(tx: &ActingTx, limit: u64) -> Result<Vec<SalesTotal>, StoreError> {
    let mut sql = Sql::new(
        "SELECT CAST(m.id AS BIGINT) AS employee_id, m.first_name, m.last_name, \
         CAST(t.signed_cents AS BIGINT) AS signed_cents, CAST(t.unsigned_cents AS BIGINT) AS unsigned_cents \
         FROM contract_totals t JOIN employees m ON m.id = t.sales_contact_id WHERE t.contracts > 0 \
         ORDER BY t.signed_cents + t.unsigned_cents DESC, m.id ASC LIMIT ",
    );
    sql.bind(limit as i64);
    let rows = sea_orm::ConnectionTrait::query_all_raw(tx.conn(), sql.build(tx.backend())).await?;
    rows.iter().map(|row| Ok(SalesTotal::from_query_result(row, "")?)).collect()
}

/// An active employee of a department and how much they already carry:
/// upcoming events for SUPPORT, clients for SALES, nothing for MANAGEMENT.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct Load {
    pub employee_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub load: i64,
}

/// Every active employee of `department`, least loaded first.
pub async fn loads(tx: &ActingTx, department: Department, from: i64) -> Result<Vec<Load>, StoreError> {
    let mut sql = Sql::new("SELECT CAST(m.id AS BIGINT) AS employee_id, m.first_name, m.last_name, ");
    match department {
        Department::Support => {
            sql.push(
                "(SELECT CAST(count(*) AS BIGINT) FROM events v WHERE v.support_contact_id = m.id AND v.start_at >= ",
            )
            .bind(from)
            .push(")");
        }
        Department::Sales => {
            sql.push("(SELECT CAST(count(*) AS BIGINT) FROM clients c WHERE c.sales_contact_id = m.id)");
        }
        Department::Management => {
            sql.push("CAST(0 AS BIGINT)");
        }
    }
    sql.push(" AS load FROM employees m WHERE m.active AND m.department_id = ")
        .bind(department.id())
        .push(" ORDER BY 4 ASC, m.last_name ASC, m.id ASC");
    let rows = sea_orm::ConnectionTrait::query_all_raw(tx.conn(), sql.build(tx.backend())).await?;
    rows.iter().map(|row| Ok(Load::from_query_result(row, "")?)).collect()
}
