//! Contract services on both backends: the matrix's contract rows
//! (forbidden paths write nothing), amounts, payments, signing (final,
//! notifying the sales contact), deletion rules, stale versions.

mod common;

use epic_crm::domain::Department;
use epic_crm::error::FailureKind;
use epic_crm::services::clients;
use epic_crm::services::contracts;
use epic_crm::services::kinds::Entry;

on_both_backends!(contracts_follow_the_matrix_and_the_rules, async |db: &common::TestDb| {
    db.seed(30).await;
    let store = db.store().await;
    let sales = common::session(&store, "sales@demo.test").await;
    let manager = common::session(&store, "manager@demo.test").await;
    let support = common::session(&store, "support@demo.test").await;
    let other_sales = common::colleague(db, Department::Sales, true).await;
    let form = Entry::of([("first_name", "Ana"), ("last_name", "Silva"), ("email", "ana@example.com")]);
    let client = clients::create(&store, &sales, &form).await.expect("client");
    let contracts_before = common::count(db, "SELECT count(*) AS n FROM contracts").await;

    // Create: MANAGEMENT only.
    for refused in [&sales, &support] {
        let failure = contracts::create(&store, refused, client.id, "1000", None).await.expect_err("not MANAGEMENT");
        assert_eq!(failure.kind, FailureKind::PermissionDenied, "{}", failure.message);
    }
    for (total, due) in [("12,50", None), ("-5", None), ("1.234", None), ("100", Some("100.01"))] {
        let failure = contracts::create(&store, &manager, client.id, total, due).await.expect_err("invalid amount");
        assert_eq!(failure.kind, FailureKind::InvalidInput, "{total} {due:?}: {}", failure.message);
    }
    let missing = contracts::create(&store, &manager, 999_999, "10", None).await.expect_err("no client");
    assert_eq!(missing.kind, FailureKind::NotFound);
    assert_eq!(common::count(db, "SELECT count(*) AS n FROM contracts").await, contracts_before, "nothing written");
    let contract = contracts::create(&store, &manager, client.id, "12000.50", None).await.expect("create");
    assert_eq!((contract.total_cents, contract.due_cents), (1_200_050, 1_200_050), "due defaults to the total");
    assert_eq!(contract.sales_contact_id, Some(sales.employee_id), "the client's sales contact");

    // Update and pay: MANAGEMENT, or the client's own salesperson.
    for refused in [&other_sales, &support] {
        let update = contracts::update(&store, refused, contract.id, None, Some("100"), None).await;
        assert_eq!(update.expect_err("not theirs").kind, FailureKind::PermissionDenied);
        let pay = contracts::pay(&store, refused, contract.id, "100", None).await;
        assert_eq!(pay.expect_err("not theirs").kind, FailureKind::PermissionDenied);
    }
    let paid = contracts::pay(&store, &sales, contract.id, "2000.50", None).await.expect("pay");
    assert_eq!(paid.due_cents, 1_000_000);
    let too_much = contracts::pay(&store, &sales, contract.id, "10000.01", None).await.expect_err("over");
    assert!(too_much.message.contains("more than the amount still due"), "{}", too_much.message);
    assert_eq!(
        contracts::pay(&store, &sales, contract.id, "0", None).await.expect_err("zero").kind,
        FailureKind::InvalidInput
    );
    let updated = contracts::update(&store, &manager, contract.id, Some("15000"), None, None).await.expect("update");
    assert_eq!(updated.total_cents, 1_500_000);
    let over =
        contracts::update(&store, &manager, contract.id, Some("5000"), None, None).await.expect_err("due > total");
    assert_eq!(over.kind, FailureKind::InvalidInput);
    let stale = contracts::update(&store, &manager, contract.id, None, Some("1"), Some(1)).await.expect_err("stale");
    assert_eq!(stale.kind, FailureKind::Stale);

    // Sign: the manager signs, the sales contact is told.
    for refused in [&other_sales, &support] {
        let failure = contracts::sign(&store, refused, contract.id, None).await.expect_err("not theirs");
        assert_eq!(failure.kind, FailureKind::PermissionDenied);
    }
    let signed = contracts::sign(&store, &manager, contract.id, None).await.expect("sign");
    assert!(signed.signed && signed.signed_at.is_some());
    let again = contracts::sign(&store, &sales, contract.id, None).await.expect_err("final");
    assert_eq!(again.kind, FailureKind::InvalidInput);
    let notified = common::count(db, &format!(
        "SELECT count(*) AS n FROM notifications WHERE recipient_id = {} AND kind = 'contract.signed' AND record_id = {}",
        sales.employee_id, contract.id
    ))
    .await;
    assert_eq!(notified, 1);
    let total_locked = contracts::update(&store, &manager, contract.id, Some("1"), Some("0"), None).await;
    assert!(total_locked.expect_err("signed total").message.contains("final"));
    let paid_off = contracts::update(&store, &sales, contract.id, None, Some("0"), None).await.expect("payments go on");
    assert_eq!(paid_off.due_cents, 0);

    // Delete: MANAGEMENT, unsigned, without events.
    let signed_delete = contracts::delete(&store, &manager, contract.id, None).await.expect_err("signed");
    assert_eq!(signed_delete.kind, FailureKind::InvalidInput);
    let draft = contracts::create(&store, &manager, client.id, "10", None).await.expect("draft");
    assert_eq!(
        contracts::delete(&store, &sales, draft.id, None).await.expect_err("sales").kind,
        FailureKind::PermissionDenied
    );
    // The salesperson signs their own client's contract: nobody else to tell.
    let own = contracts::create(&store, &manager, client.id, "20", None).await.expect("own");
    contracts::sign(&store, &sales, own.id, None).await.expect("sales signs their own");
    contracts::delete(&store, &manager, draft.id, None).await.expect("delete");
    assert_eq!(contracts::show(&store, &sales, draft.id).await.expect_err("gone").kind, FailureKind::NotFound);
    assert_eq!(common::count(db, "SELECT count(*) AS n FROM notifications WHERE kind = 'contract.signed'").await, 1);
    assert_eq!(common::count(db, "SELECT count(*) AS n FROM audit_entries WHERE action = 'contract.delete'").await, 1);
    assert_eq!(common::count(db, "SELECT count(*) AS n FROM audit_entries WHERE action = 'contract.sign'").await, 2);

    // A contract with events cannot be deleted, even unsigned (seeded data).
    let with_events = common::count(db, "SELECT min(contract_id) AS n FROM events").await;
    let failure = contracts::delete(&store, &manager, with_events, None).await.expect_err("has events or signed");
    assert_eq!(failure.kind, FailureKind::InvalidInput);
});
