//! Benchmarks of the data layer at the size of the database given: first,
//! next and middle page of every list with each built-in filter and sort,
//! search per keystroke, and counts.  Prints figures; never fails on a timing.

use std::time::{Duration, Instant};

use crate::config::DatabaseTarget;
use crate::domain::time::now_ms;
use crate::error::Failure;
use crate::store::clients::{self, ClientFilter};
use crate::store::contracts::{self, ContractFilter};
use crate::store::employees::{self, EmployeeFilter};
use crate::store::events::{self, EventFilter};
use crate::store::paging::{Sort, SortColumn, SortDir};
use crate::store::{ActingTx, Actor, PageRequest, Store, StoreError};

use super::demo::DEMO_LOGINS;

/// Rows per page, as the terminal application asks for.
const PAGE: u64 = 50;

/// One measured figure: median and 95th percentile of repeated runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// What was measured.
    pub name: String,
    /// Which group it belongs to (first page, next page, search, …).
    pub group: &'static str,
    /// Median, in milliseconds.
    pub median_ms: f64,
    /// 95th percentile, in milliseconds.
    pub p95_ms: f64,
}

/// The dataset a bench ran on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    pub backend: &'static str,
    pub clients: u64,
    pub contracts: u64,
    pub events: u64,
}

impl Dataset {
    /// A short label such as `sqlite 1000000c/2000000k/2000000e`.
    pub fn label(&self) -> String {
        format!("{} {}c/{}k/{}e", self.backend, self.clients, self.contracts, self.events)
    }
}

/// Median and p95 (nearest rank) of timings, in milliseconds.
pub fn summarize(mut samples: Vec<Duration>) -> (f64, f64) {
    if samples.is_empty() {
        return (0.0, 0.0);
    }
    samples.sort();
    let at = |q: f64| {
        let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
        samples[rank - 1].as_secs_f64() * 1000.0
    };
    (at(0.5), at(0.95))
}

/// A list with one built-in filter combination.
#[derive(Clone, Debug)]
enum Case {
    Clients(ClientFilter),
    Contracts(ContractFilter),
    Events(EventFilter),
    Employees(EmployeeFilter),
}

impl Case {
    fn sorts(&self) -> &'static [SortColumn] {
        match self {
            Case::Clients(_) => &clients::SORTS,
            Case::Contracts(_) => &contracts::SORTS,
            Case::Events(_) => &events::SORTS,
            Case::Employees(_) => &employees::SORTS,
        }
    }

    /// Fetches one page; returns its size and next cursor.
    async fn page(
        &self,
        tx: &ActingTx,
        sort: Sort,
        request: &PageRequest,
    ) -> Result<(usize, Option<String>), StoreError> {
        Ok(match self {
            Case::Clients(f) => clients::list(tx, f, sort, request).await.map(|p| (p.items.len(), p.next))?,
            Case::Contracts(f) => contracts::list(tx, f, sort, request).await.map(|p| (p.items.len(), p.next))?,
            Case::Events(f) => events::list(tx, f, sort, request).await.map(|p| (p.items.len(), p.next))?,
            Case::Employees(f) => employees::list(tx, f, sort, request).await.map(|p| (p.items.len(), p.next))?,
        })
    }

    async fn count(&self, tx: &ActingTx) -> Result<u64, StoreError> {
        match self {
            Case::Clients(f) => clients::count(tx, f).await,
            Case::Contracts(f) => contracts::count(tx, f).await,
            Case::Events(f) => events::count(tx, f).await,
            Case::Employees(f) => employees::count(tx, f).await,
        }
    }

    async fn cursor_at(&self, tx: &ActingTx, sort: Sort, id: i64) -> Result<Option<String>, StoreError> {
        match self {
            Case::Clients(_) => clients::cursor_at(tx, sort, id).await,
            Case::Contracts(_) => contracts::cursor_at(tx, sort, id).await,
            Case::Events(_) => events::cursor_at(tx, sort, id).await,
            Case::Employees(_) => employees::cursor_at(tx, sort, id).await,
        }
    }
}

struct Bench<'a> {
    store: &'a Store,
    actor: Actor,
    iterations: usize,
    figures: Vec<Figure>,
    print: &'a mut dyn FnMut(&Figure),
}

impl Bench<'_> {
    fn record(&mut self, group: &'static str, name: String, samples: Vec<Duration>) {
        let (median_ms, p95_ms) = summarize(samples);
        let figure = Figure { name, group, median_ms, p95_ms };
        (self.print)(&figure);
        self.figures.push(figure);
    }

    /// Times `iterations` runs of one page request, each in its own
    /// employee transaction as the application makes them.
    async fn time_page(&self, case: &Case, sort: Sort, request: &PageRequest) -> Result<Vec<Duration>, Failure> {
        let mut samples = Vec::with_capacity(self.iterations);
        for _ in 0..self.iterations {
            let started = Instant::now();
            self.store.as_employee(&self.actor, async |tx| case.page(tx, sort, request).await).await?;
            samples.push(started.elapsed());
        }
        Ok(samples)
    }

    async fn list_case(&mut self, label: &str, case: Case, middle_id: i64) -> Result<(), Failure> {
        for column in case.sorts() {
            for dir in [SortDir::Asc, SortDir::Desc] {
                let sort = Sort { column, dir };
                let name = format!("{label} sort={}{}", column.name, if dir == SortDir::Desc { ":desc" } else { "" });
                let first = PageRequest::first(PAGE);
                let samples = self.time_page(&case, sort, &first).await?;
                self.record("first page", format!("{name} first page"), samples);
                let (_, next) =
                    self.store.as_employee(&self.actor, async |tx| case.page(tx, sort, &first).await).await?;
                if let Some(next) = next {
                    let samples = self.time_page(&case, sort, &PageRequest::after(PAGE, next)).await?;
                    self.record("next page", format!("{name} next page"), samples);
                }
                let middle =
                    self.store.as_employee(&self.actor, async |tx| case.cursor_at(tx, sort, middle_id).await).await?;
                if let Some(middle) = middle {
                    let samples = self.time_page(&case, sort, &PageRequest::after(PAGE, middle)).await?;
                    self.record("middle page", format!("{name} middle page"), samples);
                }
            }
        }
        let mut samples = Vec::with_capacity(self.iterations);
        for _ in 0..self.iterations.min(10) {
            let started = Instant::now();
            self.store.as_employee(&self.actor, async |tx| case.count(tx).await).await?;
            samples.push(started.elapsed());
        }
        self.record("count", format!("{label} count"), samples);
        Ok(())
    }

    async fn search_case(&mut self, label: &str, case: Case) -> Result<(), Failure> {
        let sort = Sort::default_for(case.sorts());
        let samples = self.time_page(&case, sort, &PageRequest::first(PAGE)).await?;
        self.record("search", format!("{label} search first page"), samples);
        Ok(())
    }
}

/// Runs every benchmark on the database; `print` sees each figure as soon
/// as it is measured.
pub async fn run(
    target: &DatabaseTarget,
    iterations: usize,
    only: Option<&str>,
    print: &mut dyn FnMut(&Figure),
) -> Result<(Dataset, Vec<Figure>), Failure> {
    let wanted = |label: &str| only.is_none_or(|only| label.contains(only));
    let store = super::database::open(target).await?;
    let mut ids = Vec::new();
    for (email, _) in DEMO_LOGINS {
        let employee = store.employee_by_email(email).await?.ok_or_else(|| {
            Failure::invalid(format!(
                "The database has no demo employee {email} that this role can see: run `epic-crm demo seed --clients N` first (in PostgreSQL team mode, bench with the migrator's URL; --app-url adds the app role's figures)."
            ))
        })?;
        ids.push((employee.id, employee.department().unwrap_or(crate::domain::Department::Management)));
    }
    let (manager, sales, support) = (ids[0].0, ids[1].0, ids[2].0);
    let actor = Actor { employee_id: manager, department: ids[0].1, access_token: None };
    let dataset = store
        .as_employee(&actor, async |tx| {
            Ok(Dataset {
                backend: store.backend().name(),
                clients: clients::count(tx, &ClientFilter::default()).await?,
                contracts: contracts::count(tx, &ContractFilter::default()).await?,
                events: events::count(tx, &EventFilter::default()).await?,
            })
        })
        .await?;
    let mut bench = Bench { store: &store, actor, iterations: iterations.max(1), figures: Vec::new(), print };
    let now = now_ms();
    let clients_middle = (dataset.clients / 2) as i64;
    let contracts_middle = (dataset.contracts / 2) as i64;
    let events_middle = (dataset.events / 2) as i64;

    let list_cases: Vec<(&str, Case, i64)> = vec![
        ("clients all", Case::Clients(ClientFilter::default()), clients_middle),
        (
            "clients mine",
            Case::Clients(ClientFilter { sales_contact_id: Some(sales), ..Default::default() }),
            clients_middle,
        ),
        (
            "clients without-sales",
            Case::Clients(ClientFilter { without_active_sales: true, ..Default::default() }),
            clients_middle,
        ),
        ("contracts all", Case::Contracts(ContractFilter::default()), contracts_middle),
        (
            "contracts unsigned",
            Case::Contracts(ContractFilter { unsigned: true, ..Default::default() }),
            contracts_middle,
        ),
        ("contracts unpaid", Case::Contracts(ContractFilter { unpaid: true, ..Default::default() }), contracts_middle),
        (
            "contracts mine",
            Case::Contracts(ContractFilter { sales_contact_id: Some(sales), ..Default::default() }),
            contracts_middle,
        ),
        (
            "contracts unsigned+mine",
            Case::Contracts(ContractFilter { unsigned: true, sales_contact_id: Some(sales), ..Default::default() }),
            contracts_middle,
        ),
        ("events all", Case::Events(EventFilter::default()), events_middle),
        (
            "events without-support",
            Case::Events(EventFilter { without_support: true, ..Default::default() }),
            events_middle,
        ),
        (
            "events assigned-to-me",
            Case::Events(EventFilter { support_contact_id: Some(support), ..Default::default() }),
            events_middle,
        ),
        (
            "events upcoming",
            Case::Events(EventFilter { starting_from: Some(now), ..Default::default() }),
            events_middle,
        ),
        (
            "events upcoming+mine",
            Case::Events(EventFilter {
                starting_from: Some(now),
                support_contact_id: Some(support),
                ..Default::default()
            }),
            events_middle,
        ),
        (
            "events mine (sales)",
            Case::Events(EventFilter { sales_contact_id: Some(sales), ..Default::default() }),
            events_middle,
        ),
        ("employees all", Case::Employees(EmployeeFilter::default()), 6),
        (
            "employees sales",
            Case::Employees(EmployeeFilter {
                department: Some(crate::domain::Department::Sales),
                ..Default::default()
            }),
            6,
        ),
        ("employees inactive", Case::Employees(EmployeeFilter { inactive: true, ..Default::default() }), 6),
    ];
    for (label, case, middle) in list_cases.into_iter().filter(|(label, _, _)| wanted(label)) {
        bench.list_case(label, case, middle).await?;
    }

    // Search as it is typed, then a few typical searches.
    let rare = bench
        .store
        .as_employee(&bench.actor, async |tx| clients::get(tx, clients_middle.max(1)).await)
        .await
        .map(|client| client.email.split('@').next().unwrap_or_default().to_owned())
        .unwrap_or_else(|_| "nobody".into());
    let typed = ["m", "ma", "mar", "mart", "marti", "martin"];
    let mut searches: Vec<(String, Case)> = Vec::new();
    for term in typed.iter().copied().chain(["chloe", "startup", "+33 6", &rare, "zzqx"]) {
        let case = Case::Clients(ClientFilter { search: Some(term.to_string()), ..Default::default() });
        searches.push((format!("clients \"{term}\""), case));
    }
    for term in ["wedd", "paris", "vegetarian"] {
        let case = Case::Events(EventFilter { search: Some(term.into()), ..Default::default() });
        searches.push((format!("events \"{term}\""), case));
    }
    let case = Case::Contracts(ContractFilter { search: Some("mart".into()), unsigned: true, ..Default::default() });
    searches.push(("contracts unsigned \"mart\"".into(), case));
    // Figures are named "<label> search first page"; `--only search` picks them all.
    for (label, case) in searches.into_iter().filter(|(label, _)| wanted(&format!("{label} search first page"))) {
        bench.search_case(&label, case).await?;
    }

    // The home dashboard's totals, per department (full aggregates: a few
    // runs are enough).
    for (label, id, department) in
        [("management", manager, ids[0].1), ("sales", sales, ids[1].1), ("support", support, ids[2].1)]
    {
        let name = format!("dashboard totals ({label})");
        if !wanted(&name) {
            continue;
        }
        let actor = Actor { employee_id: id, department, access_token: None };
        let mut samples = Vec::new();
        for _ in 0..bench.iterations.min(5) {
            let started = Instant::now();
            super::dashboard::load_as(bench.store, &actor, now).await?;
            samples.push(started.elapsed());
        }
        bench.record("dashboard", name, samples);
    }

    let figures = std::mem::take(&mut bench.figures);
    store.close().await?;
    Ok((dataset, figures))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let (median, p95) = summarize(samples);
        assert!((median - 50.0).abs() < 1e-9);
        assert!((p95 - 95.0).abs() < 1e-9);
        assert_eq!(summarize(Vec::new()), (0.0, 0.0));
    }
}
