//! The data layer on both backends: rules the database enforces by itself,
//! migrations, keyset paging, search, versioned updates, demo data.

mod common;

use std::collections::HashSet;

use epic_crm::services::demo::{self, SeedOptions};
use epic_crm::store::clients::{self, ClientFilter};
use epic_crm::store::contracts::{self, ContractFilter, NewContract};
use epic_crm::store::employees::{self, EmployeeFilter};
use epic_crm::store::events::{self, EventFilter};
use epic_crm::store::paging::{Sort, SortColumn, SortDir};
use epic_crm::store::schema;
use epic_crm::store::values::Values;
use epic_crm::store::{ActingTx, Actor, Page, PageRequest, Store, StoreError};
use sea_orm::ConnectionTrait;

/// Runs raw SQL on a connection that bypasses the application; returns
/// whether the database accepted it.
async fn accepted(raw: &sea_orm::DatabaseConnection, sql: &str) -> bool {
    raw.execute_unprepared(sql).await.is_ok()
}

/// What the store makes of the database's refusal of `sql`.
async fn refusal(raw: &sea_orm::DatabaseConnection, sql: &str) -> StoreError {
    StoreError::from(raw.execute_unprepared(sql).await.expect_err("the database refuses it"))
}

on_both_backends!(refusals_are_classified_by_their_kind_not_their_wording, async |db: &common::TestDb| {
    db.seed(5).await;
    let raw = db.raw().await;
    let now = 1_800_000_000_000i64;
    let check = refusal(
        &raw,
        &format!(
            "INSERT INTO contracts (client_id, sales_contact_id, total_cents, due_cents, signed, created_at, updated_at) \
             VALUES (1, 2, 100000000000, 0, false, {now}, {now})"
        ),
    )
    .await;
    // A total over the limit breaks the total's own rule only (a negative
    // one would also break "due ≤ total", which PostgreSQL names generically).
    assert!(matches!(&check, StoreError::Rejected(message) if message.contains("the total")), "{check:?}");
    let dangling = refusal(
        &raw,
        &format!(
            "INSERT INTO events (name, contract_id, start_at, end_at, attendees, created_at, updated_at) \
             VALUES ('Gala', 424242, {now}, {now}, 1, {now}, {now})"
        ),
    )
    .await;
    assert!(matches!(&dangling, StoreError::Rejected(message) if message.contains("referenced")), "{dangling:?}");
    let duplicate =
        refusal(&raw, "UPDATE clients SET email = (SELECT email FROM clients WHERE id = 2) WHERE id = 1").await;
    assert!(matches!(&duplicate, StoreError::Duplicate(message) if message.contains("email")), "{duplicate:?}");
    // No value of the refused row reaches the message.
    for refused in [&check, &dangling, &duplicate] {
        assert!(!refused.to_string().contains("424242") && !refused.to_string().contains('@'), "{refused}");
    }
});

on_both_backends!(database_rejects_rows_that_break_its_rules, async |db: &common::TestDb| {
    db.seed(20).await;
    let raw = db.raw().await;
    let now = 1_800_000_000_000i64;
    let contract = |client: i64, sales: &str, total: i64, due: i64| {
        format!(
            "INSERT INTO contracts (client_id, sales_contact_id, total_cents, due_cents, signed, created_at, updated_at) \
             VALUES ({client}, {sales}, {total}, {due}, false, {now}, {now})"
        )
    };
    // Client 1 belongs to sales@demo.test (employee 2).
    assert!(accepted(&raw, &contract(1, "2", 1000, 500)).await, "a valid row must be accepted");
    assert!(!accepted(&raw, &contract(1, "2", -100, 0)).await, "negative total");
    assert!(!accepted(&raw, &contract(1, "2", 100, -1)).await, "negative amount due");
    assert!(!accepted(&raw, &contract(1, "2", 100, 101)).await, "amount due above total");
    assert!(!accepted(&raw, &contract(999_999, "2", 100, 0)).await, "dangling client");
    assert!(!accepted(&raw, &contract(1, "3", 100, 0)).await, "sales contact other than the client's");
    let event = |start: i64, end: i64, attendees: i64| {
        format!(
            "INSERT INTO events (name, contract_id, start_at, end_at, attendees, created_at, updated_at) \
             VALUES ('Gala', 2, {start}, {end}, {attendees}, {now}, {now})"
        )
    };
    assert!(accepted(&raw, &event(now, now + 1, 10)).await, "a valid event must be accepted");
    assert!(!accepted(&raw, &event(now, now - 1, 10)).await, "end before start");
    assert!(!accepted(&raw, &event(now, now, -1)).await, "negative attendees");
    assert!(
        !accepted(
            &raw,
            &format!(
                "INSERT INTO events (name, contract_id, start_at, end_at, attendees, created_at, updated_at) \
             VALUES ('Gala', 999999, {now}, {now}, 1, {now}, {now})"
            )
        )
        .await,
        "dangling contract"
    );
    let client = |email: &str| {
        format!(
            "INSERT INTO clients (first_name, last_name, email, created_at, updated_at) \
             VALUES ('Ada', 'Lovelace', '{email}', {now}, {now})"
        )
    };
    assert!(accepted(&raw, &client("Ada.Lovelace@Example.test")).await);
    assert!(!accepted(&raw, &client("ada.lovelace@example.TEST")).await, "email differing only in case");
    assert!(!accepted(&raw, "INSERT INTO employees (first_name, last_name, email, department_id, created_at, updated_at) VALUES ('A', 'B', 'a@b.test', 9, 0, 0)").await, "unknown department");
    assert!(!accepted(&raw, "DELETE FROM employees WHERE id = 2").await, "deleting a referenced employee");
    raw.close().await.ok();
});

on_both_backends!(migrations_apply_once_and_reset_rebuilds, async |db: &common::TestDb| {
    let store = db.store().await;
    assert!(schema::migrate(&store).await.expect("migrate again").is_empty(), "nothing left to apply");
    assert!(schema::status(&store).await.expect("status").iter().all(|m| m.applied));
    assert!(!schema::holds_records(&store).await.expect("empty"));
    store.close().await.ok();
    db.seed(10).await;
    let store = db.store().await;
    assert!(schema::holds_records(&store).await.expect("seeded"));
    schema::reset(&store).await.expect("reset");
    assert!(!schema::holds_records(&store).await.expect("empty after reset"));
    assert!(schema::status(&store).await.expect("status").iter().all(|m| m.applied));
    store.close().await.ok();
});

/// Walks a whole list forwards then backwards in pages of 7 and checks that
/// every matching row comes exactly once, in the same order both ways.
async fn walk<T, F>(store: &Store, actor: &Actor, what: &str, expected: u64, sort: Sort, fetch: F)
where
    F: AsyncFn(&ActingTx, &PageRequest) -> Result<Page<T>, StoreError>,
    T: HasId,
{
    let mut forward = Vec::new();
    let mut request = PageRequest::first(7);
    let mut last_page_prev = None;
    loop {
        let page = store.as_employee(actor, async |tx| fetch(tx, &request).await).await.expect("page");
        assert!(page.items.len() <= 7);
        forward.extend(page.items.iter().map(HasId::id));
        last_page_prev = page.prev.clone().or(last_page_prev);
        match page.next {
            Some(next) => request = PageRequest::after(7, next),
            None => break,
        }
    }
    let unique: HashSet<i64> = forward.iter().copied().collect();
    assert_eq!(unique.len(), forward.len(), "{what} {sort:?}: a row came twice");
    assert_eq!(forward.len() as u64, expected, "{what} sorted by {}: every row once", sort.column.name);

    // Backwards from the end: the rows before the last page, page by page.
    let mut backward: Vec<i64> = Vec::new();
    let tail = forward.len() - if forward.len() % 7 == 0 { 7.min(forward.len()) } else { forward.len() % 7 };
    if let Some(prev) = last_page_prev {
        let mut request = PageRequest::before(7, prev);
        loop {
            let page = store.as_employee(actor, async |tx| fetch(tx, &request).await).await.expect("page");
            let mut ids: Vec<i64> = page.items.iter().map(HasId::id).collect();
            ids.extend(backward);
            backward = ids;
            match page.prev {
                Some(prev) => request = PageRequest::before(7, prev),
                None => break,
            }
        }
    }
    assert_eq!(backward, forward[..tail.min(forward.len())].to_vec(), "{what} {sort:?}: backwards differs");
}

trait HasId {
    fn id(&self) -> i64;
}
impl HasId for clients::ClientRow {
    fn id(&self) -> i64 {
        self.id
    }
}
impl HasId for contracts::ContractRow {
    fn id(&self) -> i64 {
        self.id
    }
}
impl HasId for events::EventRow {
    fn id(&self) -> i64 {
        self.id
    }
}
impl HasId for employees::EmployeeRow {
    fn id(&self) -> i64 {
        self.id
    }
}

/// Walks list `$module` for each filter and every sort, after checking
/// that the filter matches demo rows.
macro_rules! walk_every_sort {
    ($store:expr, $actor:expr, $module:ident, $filters:expr) => {
        for filter in &$filters {
            let expected =
                $store.as_employee($actor, async |tx| $module::count(tx, filter).await).await.expect("count");
            assert!(expected > 0, "{filter:?} should match demo rows");
            for sort in every_sort(&$module::SORTS) {
                walk($store, $actor, stringify!($module), expected, sort, async |tx, page| {
                    $module::list(tx, filter, sort, page).await
                })
                .await;
            }
        }
    };
}

fn every_sort(columns: &'static [SortColumn]) -> Vec<Sort> {
    columns.iter().flat_map(|column| [SortDir::Asc, SortDir::Desc].map(|dir| Sort { column, dir })).collect()
}

on_both_backends!(keyset_paging_returns_every_row_once, async |db: &common::TestDb| {
    db.seed(60).await;
    let store = db.store().await;
    let manager = common::demo_actor(&store, "manager@demo.test").await;
    let sales = common::demo_actor(&store, "sales@demo.test").await.employee_id;
    let support = common::demo_actor(&store, "support@demo.test").await.employee_id;
    let now = epic_crm::domain::time::now_ms();

    let client_filters = [
        ClientFilter::default(),
        ClientFilter { sales_contact_id: Some(sales), ..Default::default() },
        ClientFilter { without_active_sales: true, ..Default::default() },
        ClientFilter { search: Some("ar".into()), ..Default::default() },
    ];
    walk_every_sort!(&store, &manager, clients, client_filters);
    let contract_filters = [
        ContractFilter::default(),
        ContractFilter { unsigned: true, ..Default::default() },
        ContractFilter { unpaid: true, sales_contact_id: Some(sales), ..Default::default() },
    ];
    walk_every_sort!(&store, &manager, contracts, contract_filters);
    let event_filters = [
        EventFilter::default(),
        EventFilter { without_support: true, ..Default::default() },
        EventFilter { support_contact_id: Some(support), starting_from: Some(now), ..Default::default() },
        EventFilter { sales_contact_id: Some(sales), ..Default::default() },
    ];
    walk_every_sort!(&store, &manager, events, event_filters);
    let employee_filters = [EmployeeFilter::default(), EmployeeFilter { inactive: true, ..Default::default() }];
    walk_every_sort!(&store, &manager, employees, employee_filters);
    // Rows come in sort order, ties broken by id.
    let sort = Sort::parse("last_name:desc", &clients::SORTS).expect("sort");
    let page = store
        .as_employee(&manager, async |tx| {
            clients::list(tx, &ClientFilter::default(), sort, &PageRequest::first(50)).await
        })
        .await
        .expect("page");
    for pair in page.items.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert!(a.last_name > b.last_name || (a.last_name == b.last_name && a.id > b.id), "{a:?} then {b:?}");
    }
    // A cursor of another sort is refused clearly.
    let other = Sort::parse("email", &clients::SORTS).expect("sort");
    let next = page.next.expect("more pages");
    let err = store
        .as_employee(&manager, async |tx| {
            clients::list(tx, &ClientFilter::default(), other, &PageRequest::after(50, next)).await
        })
        .await
        .expect_err("cursor of another sort");
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    store.close().await.ok();
});

async fn search_ids(store: &Store, actor: &Actor, text: &str) -> Vec<i64> {
    let filter = ClientFilter { search: Some(text.into()), ..Default::default() };
    let sort = Sort::parse("id", &clients::SORTS).expect("sort");
    store
        .as_employee(actor, async |tx| clients::list(tx, &filter, sort, &PageRequest::first(100)).await)
        .await
        .expect("search")
        .items
        .into_iter()
        .map(|row| row.id)
        .collect()
}

on_both_backends!(search_finds_partial_names_companies_and_emails, async |db: &common::TestDb| {
    db.seed(30).await;
    let store = db.store().await;
    let sales = common::demo_actor(&store, "sales@demo.test").await;
    let created = store
        .as_employee(&sales, async |tx| {
            let mut new = Values::new();
            new.set("first_name", "Zoë")
                .set("last_name", "Quillfeather")
                .set("email", "zq.unique@hyperion.test")
                .set("phone", Some("+44 20 7946 0958".to_owned()))
                .set("company_name", Some("Hyperion Widgets".to_owned()))
                .set("sales_contact_id", Some(sales.employee_id));
            clients::create(tx, &new).await
        })
        .await
        .expect("create");
    for text in ["quill", "QUILLFEATHER", "hyperion widg", "unique@hyper", "zoe quill", "Zoë", "7946 0958", "zq"] {
        assert!(search_ids(&store, &sales, text).await.contains(&created.id), "search {text:?} should find the client");
    }
    for text in ["quillz", "%", "_", "\"", "NEAR(", "zz*"] {
        assert!(!search_ids(&store, &sales, text).await.contains(&created.id), "search {text:?} should not find it");
    }
    // Contracts are found through their client.
    store
        .as_employee(&sales, async |tx| {
            contracts::create(tx, NewContract { client_id: created.id, total_cents: 100, due_cents: 100 }).await
        })
        .await
        .expect("contract");
    let filter = ContractFilter { search: Some("quillfeather".into()), ..Default::default() };
    let found = store.as_employee(&sales, async |tx| contracts::count(tx, &filter).await).await.expect("count");
    assert_eq!(found, 1);
    store.close().await.ok();
});

on_both_backends!(updates_are_guarded_by_the_version_read, async |db: &common::TestDb| {
    db.seed(10).await;
    let store = db.store().await;
    let sales = common::demo_actor(&store, "sales@demo.test").await;
    let client = store.as_employee(&sales, async |tx| clients::get(tx, 1).await).await.expect("client 1");
    let mut changes = Values::new();
    changes.set("company_name", Some("Renamed Ltd".to_owned()));
    let updated = store
        .as_employee(&sales, async |tx| clients::update(tx, 1, client.version, &changes).await)
        .await
        .expect("update");
    assert_eq!(updated.version, client.version + 1);
    assert_eq!(updated.company_name.as_deref(), Some("Renamed Ltd"));
    let stale = store
        .as_employee(&sales, async |tx| clients::update(tx, 1, client.version, &changes).await)
        .await
        .expect_err("stale version");
    assert!(matches!(stale, StoreError::Conflict { current, .. } if current == updated.version), "{stale:?}");
    let missing = store
        .as_employee(&sales, async |tx| clients::update(tx, 999_999, 1, &changes).await)
        .await
        .expect_err("missing");
    assert!(matches!(missing, StoreError::NotFound { .. }), "{missing:?}");
    let mut duplicate = Values::new();
    duplicate.set("email", client.email.to_uppercase());
    let other = store.as_employee(&sales, async |tx| clients::get(tx, 2).await).await.expect("client 2");
    let err = store
        .as_employee(&sales, async |tx| clients::update(tx, 2, other.version, &duplicate).await)
        .await
        .expect_err("duplicate email");
    assert!(matches!(err, StoreError::Duplicate(_)), "{err:?}");
    store.close().await.ok();
});

on_both_backends!(reassigning_a_client_moves_its_contracts, async |db: &common::TestDb| {
    db.seed(10).await;
    let store = db.store().await;
    let manager = common::demo_actor(&store, "manager@demo.test").await;
    let new_sales = store
        .as_employee(&manager, async |tx| {
            employees::list(
                tx,
                &EmployeeFilter { department: Some(epic_crm::domain::Department::Sales), ..Default::default() },
                Sort::parse("id:desc", &employees::SORTS).expect("sort"),
                &PageRequest::first(1),
            )
            .await
        })
        .await
        .expect("sales employees")
        .items
        .remove(0);
    let client = store.as_employee(&manager, async |tx| clients::get(tx, 1).await).await.expect("client");
    let mut changes = Values::new();
    changes.set("sales_contact_id", Some(new_sales.id));
    store
        .as_employee(&manager, async |tx| clients::update(tx, 1, client.version, &changes).await)
        .await
        .expect("reassign");
    let filter = ContractFilter { client_id: Some(1), ..Default::default() };
    let sort = Sort::parse("id", &contracts::SORTS).expect("sort");
    let page = store
        .as_employee(&manager, async |tx| contracts::list(tx, &filter, sort, &PageRequest::first(10)).await)
        .await
        .expect("contracts");
    assert_eq!(page.items.len(), 2);
    assert!(page.items.iter().all(|c| c.sales_contact_id == Some(new_sales.id)), "{:?}", page.items);
    store.close().await.ok();
});

on_both_backends!(tricky_but_valid_text_is_stored_exactly, async |db: &common::TestDb| {
    db.seed(10).await;
    let store = db.store().await;
    let sales = common::demo_actor(&store, "sales@demo.test").await;
    let inputs: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/data/bad-inputs.json")).expect("bad-inputs.json");
    let emails = inputs["email"]["valid_but_tricky"].as_array().expect("emails");
    let phones = inputs["phone"]["valid_but_tricky"].as_array().expect("phones");
    for (n, email) in emails.iter().enumerate() {
        let email = email.as_str().expect("text").to_owned();
        let phone = phones[n % phones.len()].as_str().map(str::to_owned);
        let (first_name, last_name, company_name) =
            ("Ünïcode \u{202e}RTL", "O'Brien; DROP TABLE clients;--", Some("=cmd|' /C calc'!A0".to_owned()));
        let mut new = Values::new();
        new.set("first_name", first_name)
            .set("last_name", last_name)
            .set("email", email.clone())
            .set("phone", phone.clone())
            .set("company_name", company_name.clone())
            .set("sales_contact_id", Some(sales.employee_id));
        let created = store.as_employee(&sales, async |tx| clients::create(tx, &new).await).await.expect("create");
        let read = store.as_employee(&sales, async |tx| clients::get(tx, created.id).await).await.expect("read");
        assert_eq!(read.email, email);
        assert_eq!(read.phone, phone);
        assert_eq!(read.first_name, first_name);
        assert_eq!(read.last_name, last_name);
        assert_eq!(read.company_name, company_name);
    }
    store.close().await.ok();
});

on_both_backends!(demo_data_has_the_stated_shape, async |db: &common::TestDb| {
    db.seed(2000).await;
    let store = db.store().await;
    let manager = common::demo_actor(&store, "manager@demo.test").await;
    let sales = common::demo_actor(&store, "sales@demo.test").await;
    let support = common::demo_actor(&store, "support@demo.test").await;
    let now = epic_crm::domain::time::now_ms();
    let count = async |filter: ContractFilter| {
        store.as_employee(&manager, async |tx| contracts::count(tx, &filter).await).await.expect("count")
    };
    let all = count(ContractFilter::default()).await;
    assert_eq!(all, 4000);
    let unsigned = count(ContractFilter { unsigned: true, ..Default::default() }).await as f64 / all as f64;
    let unpaid = count(ContractFilter { unpaid: true, ..Default::default() }).await as f64 / all as f64;
    assert!((0.25..=0.35).contains(&unsigned), "unsigned share {unsigned}");
    assert!((0.35..=0.45).contains(&unpaid), "unpaid share {unpaid}");
    let events_count = async |filter: EventFilter| {
        store.as_employee(&manager, async |tx| events::count(tx, &filter).await).await.expect("count")
    };
    let events_all = events_count(EventFilter::default()).await;
    assert_eq!(events_all, 4000);
    let without =
        events_count(EventFilter { without_support: true, ..Default::default() }).await as f64 / events_all as f64;
    assert!((0.20..=0.30).contains(&without), "without support share {without}");
    let upcoming_mine = events_count(EventFilter {
        support_contact_id: Some(support.employee_id),
        starting_from: Some(now),
        ..Default::default()
    })
    .await;
    assert!(upcoming_mine >= 10, "support@demo.test has {upcoming_mine} upcoming events");
    assert!(
        events_count(EventFilter { without_support: true, starting_from: Some(now), ..Default::default() }).await > 0
    );
    let employees = store
        .as_employee(&manager, async |tx| employees::count(tx, &EmployeeFilter::default()).await)
        .await
        .expect("count");
    assert_eq!(employees, 12);
    let mine = store
        .as_employee(&sales, async |tx| {
            clients::count(tx, &ClientFilter { sales_contact_id: Some(sales.employee_id), ..Default::default() }).await
        })
        .await
        .expect("count");
    assert!(mine >= 20, "sales@demo.test has {mine} clients");
    assert!(
        count(ContractFilter { unsigned: true, sales_contact_id: Some(sales.employee_id), ..Default::default() }).await
            > 0
    );
    assert!(
        count(ContractFilter { unpaid: true, sales_contact_id: Some(sales.employee_id), ..Default::default() }).await
            > 0
    );
    // Events only on signed contracts, and dates within a year around today.
    let raw = db.raw().await;
    let on_unsigned = raw
        .query_one_raw(sea_orm::Statement::from_string(
            raw.get_database_backend(),
            "SELECT count(*) AS n FROM events v JOIN contracts k ON k.id = v.contract_id WHERE NOT k.signed",
        ))
        .await
        .expect("query")
        .expect("row")
        .try_get::<i64>("", "n")
        .expect("n");
    assert_eq!(on_unsigned, 0);
    // The search indexes built during the seed find exactly what a scan finds.
    for fragment in ["wedd", "paris", "vegetarian", "hotel"] {
        let expected = raw
            .query_one_raw(sea_orm::Statement::from_string(
                raw.get_database_backend(),
                format!(
                    "SELECT count(*) AS n FROM events WHERE lower(name) LIKE '%{fragment}%' \
                     OR lower(coalesce(location, '')) LIKE '%{fragment}%' OR lower(coalesce(notes, '')) LIKE '%{fragment}%'"
                ),
            ))
            .await
            .expect("query")
            .expect("row")
            .try_get::<i64>("", "n")
            .expect("n");
        assert!(expected > 0, "demo events mention {fragment}");
        // Both strategies (collect rare matches, or check rows one by one
        // while walking the sort order) find the same rows.
        for rare in [None, Some(0)] {
            epic_crm::store::search::set_rare_matches(rare);
            let filter = EventFilter { search: Some(fragment.into()), ..Default::default() };
            assert_eq!(events_count(filter.clone()).await, expected as u64, "count for {fragment} ({rare:?})");
            let sort = Sort::parse("name", &events::SORTS).expect("sort");
            let page = store
                .as_employee(&manager, async |tx| events::list(tx, &filter, sort, &PageRequest::first(20)).await)
                .await
                .expect("page");
            assert_eq!(page.items.len() as i64, expected.min(20), "page for {fragment} ({rare:?})");
            assert!(page.items.iter().all(|e| {
                let text = format!(
                    "{} {} {}",
                    e.name,
                    e.location.clone().unwrap_or_default(),
                    e.notes.clone().unwrap_or_default()
                );
                text.to_lowercase().contains(fragment)
            }));
        }
        epic_crm::store::search::set_rare_matches(None);
    }
    raw.close().await.ok();
    // Seeding again is refused, and --replace with the same seed gives the same company.
    let first = store.as_employee(&manager, async |tx| clients::get(tx, 1234).await).await.expect("client");
    store.close().await.ok();
    let refused =
        demo::seed(&db.target, &SeedOptions { clients: 2000, seed: 7, replace: false }).await.expect_err("refused");
    assert_eq!(refused.kind.exit_code(), 5);
    demo::seed(&db.target, &SeedOptions { clients: 2000, seed: 7, replace: true }).await.expect("replace");
    let store = db.store().await;
    let again = store.as_employee(&manager, async |tx| clients::get(tx, 1234).await).await.expect("client");
    assert_eq!(
        (&again.first_name, &again.last_name, &again.email),
        (&first.first_name, &first.last_name, &first.email)
    );
    store.close().await.ok();
});
