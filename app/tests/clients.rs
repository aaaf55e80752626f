//! Client services on both backends: who may create, update and reassign
//! (forbidden paths write nothing), validation, stale versions, duplicates,
//! filters, search text that looks like an injection, and the audit trail.

mod common;

use sea_orm::ConnectionTrait;

use epic_crm::domain::Department;
use epic_crm::error::FailureKind;
use epic_crm::services::clients::{self, ClientQuery};
use epic_crm::services::kinds::Entry;
use epic_crm::store::clients::SORTS;
use epic_crm::store::paging::{PageRequest, Sort};

fn form(email: &str) -> Entry {
    Entry::of([
        ("first_name", "Léa"),
        ("last_name", "Dubois"),
        ("email", email),
        ("phone", "+33 6 12 34 56 78"),
        ("company_name", "Dubois & Fils"),
    ])
}

on_both_backends!(who_may_create_update_and_reassign_clients, async |db: &common::TestDb| {
    db.seed(40).await;
    let store = db.store().await;
    let sales = common::session(&store, "sales@demo.test").await;
    let manager = common::session(&store, "manager@demo.test").await;
    let support = common::session(&store, "support@demo.test").await;
    let other_sales = common::colleague(db, Department::Sales, true).await;
    let clients_before = common::count(db, "SELECT count(*) AS n FROM clients").await;

    for refused in [&manager, &support] {
        let failure = clients::create(&store, refused, &form("lea@example.com")).await.expect_err("not SALES");
        assert_eq!(failure.kind, FailureKind::PermissionDenied, "{}", failure.message);
    }
    assert_eq!(common::count(db, "SELECT count(*) AS n FROM clients").await, clients_before, "nothing written");

    let created = clients::create(&store, &sales, &form(" lea@example.com ")).await.expect("create");
    assert_eq!(created.sales_contact_id, Some(sales.employee_id));
    assert_eq!(created.email, "lea@example.com");
    assert_eq!(created.company_name.as_deref(), Some("Dubois & Fils"));
    assert_eq!(created.phone.as_deref(), Some("+33612345678"), "E.164 when the country code is given");
    assert_eq!(common::count(db, "SELECT count(*) AS n FROM audit_entries WHERE action = 'client.create'").await, 1);

    let duplicate = clients::create(&store, &sales, &form("LEA@example.com")).await.expect_err("duplicate");
    assert_eq!(duplicate.kind, FailureKind::Conflict);
    assert_eq!(duplicate.message, "A client with this email already exists.");

    // Only the client's own salesperson updates it.
    let edit = Entry::of([("company_name", "Dubois SA")]);
    for refused in [&other_sales, &support, &manager] {
        let failure = clients::update(&store, refused, created.id, &edit, None).await.expect_err("not theirs");
        assert_eq!(failure.kind, FailureKind::PermissionDenied, "{}", failure.message);
    }
    let updated = clients::update(&store, &sales, created.id, &edit, None).await.expect("update");
    assert_eq!((updated.company_name.as_deref(), updated.version), (Some("Dubois SA"), 2));
    // The entry holds the field before and after (written by the service on
    // SQLite, by a trigger on PostgreSQL: the same JSON, spaced differently).
    let raw = db.raw().await;
    let sql = "SELECT changes FROM audit_entries WHERE action = 'client.update'";
    let rows =
        raw.query_all_raw(sea_orm::Statement::from_string(raw.get_database_backend(), sql)).await.expect("audit");
    assert_eq!(rows.len(), 1);
    let changes: String = rows[0].try_get("", "changes").expect("changes");
    let changes: serde_json::Value = serde_json::from_str(&changes).expect("JSON");
    assert_eq!(
        changes["company_name"],
        serde_json::json!({"before": "Dubois & Fils", "after": "Dubois SA"}),
        "the audit entry holds the field before and after: {changes}"
    );

    // A change based on an old version is a conflict, never an overwrite.
    let stale = Entry::of([("phone", "")]);
    let conflict = clients::update(&store, &sales, created.id, &stale, Some(1)).await.expect_err("stale");
    assert_eq!(conflict.kind, FailureKind::Stale);
    assert!(conflict.message.contains("version 2"), "{}", conflict.message);
    let cleared = clients::update(&store, &sales, created.id, &stale, Some(2)).await.expect("clear phone");
    assert_eq!(cleared.phone, None);

    // Validation names the field; nothing changes.
    let bad = Entry::of([("email", "not-an-address")]);
    let failure = clients::update(&store, &sales, created.id, &bad, None).await.expect_err("invalid");
    assert_eq!(failure.kind, FailureKind::InvalidInput);
    assert!(failure.message.contains("not an email address"), "{}", failure.message);
    let empty = clients::update(&store, &sales, created.id, &Entry::new(), None).await;
    assert_eq!(empty.expect_err("nothing to change").kind, FailureKind::InvalidInput);
    let last_contact = Entry::of([("last_contact_at", "2026-06-01T18:00:00Z")]);
    let contacted = clients::update(&store, &sales, created.id, &last_contact, None).await.expect("date");
    assert_eq!(contacted.last_contact_at, Some(1_780_336_800_000));

    // Reassignment: MANAGEMENT only, to an active SALES employee.
    for refused in [&sales, &support] {
        let failure = clients::reassign(&store, refused, created.id, other_sales.employee_id, None).await;
        assert_eq!(failure.expect_err("not MANAGEMENT").kind, FailureKind::PermissionDenied);
    }
    let to_support = clients::reassign(&store, &manager, created.id, support.employee_id, None).await;
    assert_eq!(to_support.expect_err("not SALES").kind, FailureKind::InvalidInput);
    let to_nobody = clients::reassign(&store, &manager, created.id, 999_999, None).await;
    assert_eq!(to_nobody.expect_err("no such employee").kind, FailureKind::NotFound);
    let inactive = common::colleague(db, Department::Sales, false).await;
    let to_inactive = clients::reassign(&store, &manager, created.id, inactive.employee_id, None).await;
    assert_eq!(to_inactive.expect_err("inactive").kind, FailureKind::InvalidInput);
    let moved = clients::reassign(&store, &manager, created.id, other_sales.employee_id, None).await.expect("reassign");
    assert_eq!(moved.sales_contact_id, Some(other_sales.employee_id));
    // Now it is the other salesperson's, not the first one's.
    let failure = clients::update(&store, &sales, created.id, &edit, None).await.expect_err("no longer mine");
    assert_eq!(failure.kind, FailureKind::PermissionDenied);
    let missing = clients::show(&store, &sales, 999_999).await.expect_err("not found");
    assert_eq!(missing.kind, FailureKind::NotFound);
    // Who you are comes first: SUPPORT hears "not allowed", not "not found".
    let who_first = clients::update(&store, &support, 999_999, &edit, None).await.expect_err("support");
    assert_eq!(who_first.kind, FailureKind::PermissionDenied);
    let nobody = clients::reassign(&store, &manager, created.id, 999_999, None).await.expect_err("no such employee");
    assert_eq!(nobody.kind, FailureKind::NotFound);
    let same = clients::reassign(&store, &manager, created.id, other_sales.employee_id, None).await;
    assert!(same.expect_err("already theirs").message.contains("already"));
});

on_both_backends!(reassigning_a_client_moves_all_its_contracts, async |db: &common::TestDb| {
    db.seed(40).await;
    let store = db.store().await;
    let manager = common::session(&store, "manager@demo.test").await;
    let sales = common::session(&store, "sales@demo.test").await;
    // A client nobody sells to, with a contract that has no sales contact.
    let raw = db.raw().await;
    let backend = raw.get_database_backend();
    let client = common::count(db, "SELECT min(id) AS n FROM clients WHERE sales_contact_id IS NOT NULL").await;
    for sql in [
        format!("UPDATE clients SET sales_contact_id = NULL WHERE id = {client}"),
        format!(
            "INSERT INTO contracts (client_id, sales_contact_id, total_cents, due_cents, signed, created_at, updated_at) VALUES ({client}, NULL, 100, 100, FALSE, 1, 1)"
        ),
    ] {
        sea_orm::ConnectionTrait::execute_raw(&raw, sea_orm::Statement::from_string(backend, sql))
            .await
            .expect("setup");
    }
    let contracts = common::count(db, &format!("SELECT count(*) AS n FROM contracts WHERE client_id = {client}")).await;
    assert!(contracts >= 2, "seeded contracts plus the orphan");
    // (On PostgreSQL the database audits even the setup above.)
    let audited = "SELECT count(*) AS n FROM audit_entries WHERE action = 'contract.reassign'";
    let before = common::count(db, audited).await;
    clients::reassign(&store, &manager, client, sales.employee_id, None).await.expect("reassign");
    let moved = format!(
        "SELECT count(*) AS n FROM contracts WHERE client_id = {client} AND sales_contact_id = {} AND version >= 2",
        sales.employee_id
    );
    assert_eq!(common::count(db, &moved).await, contracts, "every contract follows, as a new version");
    assert_eq!(common::count(db, audited).await - before, contracts, "each contract's move is audited once");
    let mine = ClientQuery { mine: true, ..ClientQuery::default() };
    let listed =
        clients::list(&store, &sales, &mine, Sort::default_for(&SORTS), &PageRequest::first(500)).await.expect("mine");
    assert!(listed.items.iter().any(|c| c.id == client));
});

on_both_backends!(client_lists_filter_and_search_safely, async |db: &common::TestDb| {
    db.seed(60).await;
    let store = db.store().await;
    let sales = common::session(&store, "sales@demo.test").await;
    let sort = Sort::default_for(&SORTS);
    let page = PageRequest::first(500);
    let mine = clients::list(&store, &sales, &ClientQuery { mine: true, ..ClientQuery::default() }, sort, &page)
        .await
        .expect("mine");
    assert!(!mine.items.is_empty());
    assert!(mine.items.iter().all(|c| c.sales_contact_id == Some(sales.employee_id)));
    let all = clients::list(&store, &sales, &ClientQuery::default(), sort, &page).await.expect("all");
    assert_eq!(all.items.len(), 60);
    let orphans =
        clients::list(&store, &sales, &ClientQuery { without_sales: true, ..ClientQuery::default() }, sort, &page)
            .await
            .expect("without sales");
    let without_active = common::count(
        db,
        "SELECT count(*) AS n FROM clients c WHERE c.sales_contact_id IS NULL OR c.sales_contact_id IN (SELECT id FROM employees WHERE NOT active)",
    )
    .await;
    assert_eq!(orphans.items.len() as i64, without_active, "exactly the clients without an active sales contact");
    assert!(orphans.items.len() < 60);
    // Counts (the terminal application's export gauge) agree with the lists.
    for (query, listed) in [
        (ClientQuery { mine: true, ..ClientQuery::default() }, mine.items.len()),
        (ClientQuery::default(), 60),
        (ClientQuery { without_sales: true, ..ClientQuery::default() }, orphans.items.len()),
    ] {
        assert_eq!(clients::count(&store, &sales, &query).await.expect("count"), listed as u64, "{query:?}");
    }

    for text in ["' OR 1=1 --", "\"; DROP TABLE clients; --", "%", "_", "\\", "NEAR(a b)", "*", "a\"b"] {
        let query = ClientQuery { search: Some(text.into()), ..ClientQuery::default() };
        let found = clients::list(&store, &sales, &query, sort, &page).await.expect("search is just text");
        assert!(found.items.len() < 60, "{text:?} matched everything");
        assert_eq!(clients::count(&store, &sales, &query).await.expect("count"), found.items.len() as u64);
    }
    assert_eq!(common::count(db, "SELECT count(*) AS n FROM clients").await, 60);

    // Text that could fool a terminal or a spreadsheet is stored exactly.
    let tricky = form("tricky@example.com").with("company_name", "=HYPERLINK(\"http://x\")");
    let created = clients::create(&store, &sales, &tricky).await.expect("stored");
    assert_eq!(created.company_name.as_deref(), Some("=HYPERLINK(\"http://x\")"));
    let escape = form("escape@example.com").with("first_name", "Evil\u{1b}[2J");
    assert_eq!(clients::create(&store, &sales, &escape).await.expect_err("refused").kind, FailureKind::InvalidInput);
});
