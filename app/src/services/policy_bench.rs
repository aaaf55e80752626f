//! What PostgreSQL team mode costs: the same operations, each a whole
//! transaction as the application makes it (token passed, statement,
//! commit), timed as the owner (its own policy folds to `true`: no check
//! runs) and as the app role with a demo employee's token (every policy,
//! one token verification per statement per table), and the first
//! statement on a new connection, which compiles the checking functions.

use std::time::{Duration, Instant};

use super::bench::{Figure, summarize};
use super::demo::DEMO_PASSWORD;
use crate::auth::{DatabaseAuthority, SessionAuthority};
use crate::config::{AuthSettings, DatabaseTarget};
use crate::error::Failure;
use crate::store::clients::{self, ClientFilter};
use crate::store::contracts::{self, ContractFilter};
use crate::store::paging::{Sort, SortColumn};
use crate::store::values::Values;
use crate::store::{Actor, Backend, PageRequest, Store, StoreError};

/// One operation measured both ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    ClientById,
    MyClientsFirstPage,
    CountUnsignedContracts,
    UpdateClient,
}

impl Operation {
    const ALL: [Operation; 4] = [
        Operation::ClientById,
        Operation::MyClientsFirstPage,
        Operation::CountUnsignedContracts,
        Operation::UpdateClient,
    ];

    fn label(self) -> &'static str {
        match self {
            Operation::ClientById => "client by id",
            Operation::MyClientsFirstPage => "first page of my clients",
            Operation::CountUnsignedContracts => "count unsigned contracts",
            Operation::UpdateClient => "update my client (rolled back)",
        }
    }
}

fn sort(columns: &'static [SortColumn]) -> Sort {
    Sort::default_for(columns)
}

async fn once(store: &Store, actor: &Actor, operation: Operation, client: i64) -> Result<(), StoreError> {
    match operation {
        Operation::ClientById => store.as_employee(actor, async |tx| clients::get(tx, client).await.map(drop)).await,
        Operation::MyClientsFirstPage => {
            let filter = ClientFilter { sales_contact_id: Some(actor.employee_id), ..ClientFilter::default() };
            store
                .as_employee(actor, async |tx| {
                    clients::list(tx, &filter, sort(&clients::SORTS), &PageRequest::first(50)).await.map(drop)
                })
                .await
        }
        Operation::CountUnsignedContracts => {
            let filter = ContractFilter { unsigned: true, ..ContractFilter::default() };
            store.as_employee(actor, async |tx| contracts::count(tx, &filter).await.map(drop)).await
        }
        Operation::UpdateClient => {
            let tx = store.begin_as(actor).await?;
            let before = clients::get(&tx, client).await?;
            let mut changes = Values::new();
            changes.set("company_name", Some("Benchmark SA".to_owned()));
            clients::update(&tx, client, before.version, &changes).await?;
            tx.rollback().await
        }
    }
}

/// Times every operation as the owner (`owner`) and as the app role
/// (`app`), logged in as the demo salesperson.
pub async fn run(
    owner: &DatabaseTarget,
    app: &DatabaseTarget,
    iterations: usize,
    print: &mut dyn FnMut(&Figure),
) -> Result<Vec<Figure>, Failure> {
    if !matches!((owner, app), (DatabaseTarget::Postgres { .. }, DatabaseTarget::Postgres { .. })) {
        return Err(Failure::usage(
            "The policy figures compare two PostgreSQL connections: --database (the migrator's URL) and --app-url (the app role's).",
        ));
    }
    let settings = AuthSettings::default();
    let app_store = super::database::open(app).await?;
    let authority = DatabaseAuthority::new(app_store.clone(), &settings)?;
    let tokens = authority.login(&"sales@demo.test".into(), DEMO_PASSWORD).await.map_err(|err| {
        Failure::invalid(format!(
            "Cannot log in as the demo salesperson on the app role's URL ({err}): seed demo data first."
        ))
    })?;
    let session = authority.verify(&tokens.access).await?;
    let actor = session.actor();
    let owner_store = super::database::open(owner).await?;
    if owner_store.backend() != Backend::Postgres {
        return Err(Failure::usage("The policy figures need PostgreSQL."));
    }
    let client = app_store
        .as_employee(&actor, async |tx| {
            let filter = ClientFilter { sales_contact_id: Some(actor.employee_id), ..ClientFilter::default() };
            clients::list(tx, &filter, sort(&clients::SORTS), &PageRequest::first(1)).await
        })
        .await?
        .items
        .first()
        .map(|client| client.id)
        .ok_or_else(|| Failure::invalid("The demo salesperson has no client: seed demo data first."))?;

    let mut figures = Vec::new();
    let mut record = |name: String, samples: Vec<Duration>, figures: &mut Vec<Figure>| {
        let (median_ms, p95_ms) = summarize(samples);
        let figure = Figure { name, group: "policy", median_ms, p95_ms };
        print(&figure);
        figures.push(figure);
    };
    for operation in Operation::ALL {
        for (who, store) in [("owner, no policy", &owner_store), ("app role, RLS + token", &app_store)] {
            // Warm: a few unmeasured runs first.
            for _ in 0..3 {
                once(store, &actor, operation, client).await?;
            }
            let mut samples = Vec::with_capacity(iterations);
            for _ in 0..iterations {
                let started = Instant::now();
                once(store, &actor, operation, client).await?;
                samples.push(started.elapsed());
            }
            record(format!("policy: {} as {who}", operation.label()), samples, &mut figures);
        }
    }
    // The first statement on a brand-new connection compiles the checking
    // functions (the pool warms each new connection; measured here both
    // with that warm-up and without the checks at all).
    for (who, target) in [("owner, no policy", owner), ("app role, RLS + token", app)] {
        let (mut connects, mut firsts) = (Vec::new(), Vec::new());
        for _ in 0..iterations.clamp(1, 10) {
            let started = Instant::now();
            let store = Store::open(target).await?;
            store.ping().await?;
            connects.push(started.elapsed());
            let started = Instant::now();
            once(&store, &actor, Operation::ClientById, client).await?;
            firsts.push(started.elapsed());
            store.close().await.ok();
        }
        record(format!("policy: connect (with its warm-up) as {who}"), connects, &mut figures);
        record(format!("policy: first statement on a new connection as {who}"), firsts, &mut figures);
    }
    authority.logout(&tokens.refresh).await.ok();
    owner_store.close().await.ok();
    app_store.close().await.ok();
    Ok(figures)
}
