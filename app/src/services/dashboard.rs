//! The home dashboard's figures for each department, and the employees a
//! manager may pick (with their current load) when assigning work.

use crate::auth::Session;
use crate::domain::Department;
use crate::error::Failure;
use crate::store::dashboard;
pub use crate::store::dashboard::{Load, Pipeline, SalesTotal, WEEK_MS};
use crate::store::{Actor, Store};

/// How many weeks the events chart shows.
pub const WEEKS: usize = 8;

/// What the home screen shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dashboard {
    /// Every contract's totals.
    pub pipeline: Pipeline,
    /// The salesperson's own totals (SALES only).
    pub mine: Option<Pipeline>,
    /// How many clients the salesperson has (SALES only).
    pub my_clients: Option<i64>,
    /// When the first week of `weeks` starts: the start of the UTC day of
    /// the moment asked about (epoch milliseconds).
    pub weeks_from: i64,
    /// Events starting in each of the next weeks (a SUPPORT employee's own).
    pub weeks: Vec<u64>,
    /// Upcoming events nobody supports yet.
    pub without_support: i64,
    /// The salespeople with the largest totals.
    pub sales: Vec<SalesTotal>,
}

/// The dashboard for the session's employee; weeks start at `from`.
pub async fn load(store: &Store, session: &Session, from: i64) -> Result<Dashboard, Failure> {
    load_as(store, &session.actor(), from).await
}

/// The dashboard for an employee acting through `actor` (the benchmark
/// measures this without a login).
pub async fn load_as(store: &Store, actor: &Actor, from: i64) -> Result<Dashboard, Failure> {
    let me = actor.employee_id;
    let department = actor.department;
    Ok(store
        .as_employee(actor, async |tx| {
            let support = (department == Department::Support).then_some(me);
            let sales = department == Department::Sales;
            Ok(Dashboard {
                pipeline: dashboard::pipeline(tx, None).await?,
                mine: if sales { Some(dashboard::pipeline(tx, Some(me)).await?) } else { None },
                my_clients: if sales { Some(dashboard::clients_of(tx, me).await?) } else { None },
                weeks_from: from.div_euclid(dashboard::DAY_MS) * dashboard::DAY_MS,
                weeks: dashboard::events_per_week(tx, from, WEEKS, support).await?,
                without_support: dashboard::upcoming_without_support(tx, from).await?,
                sales: dashboard::sales_totals(tx, 6).await?,
            })
        })
        .await?)
}

/// The active employees of a department, least loaded first: upcoming
/// events (from `from`) for SUPPORT, clients for SALES.
pub async fn loads(store: &Store, session: &Session, department: Department, from: i64) -> Result<Vec<Load>, Failure> {
    Ok(store.as_employee(&session.actor(), async |tx| dashboard::loads(tx, department, from).await).await?)
}
