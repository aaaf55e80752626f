//! Event services on both backends: the matrix's event rows (forbidden
//! paths write nothing), signed contracts only, dates and periods, updating
//! one end, assignment all or nothing, notifications, "mine" per department.

mod common;

use epic_crm::domain::Department;
use epic_crm::error::FailureKind;
use epic_crm::services::clients;
use epic_crm::services::contracts;
use epic_crm::services::events::{self, EventEdit, EventForm, EventQuery};
use epic_crm::services::kinds::Entry;
use epic_crm::store::events::SORTS;
use epic_crm::store::paging::{PageRequest, Sort};

fn form(start: &str, end: &str) -> EventForm {
    EventForm {
        name: "Launch party".into(),
        start: start.into(),
        end: end.into(),
        location: "Lyon, Halle Tony Garnier".into(),
        attendees: "150".into(),
        notes: "Vegetarian menu.\nLive band.".into(),
    }
}

on_both_backends!(events_follow_the_matrix_and_the_rules, async |db: &common::TestDb| {
    db.seed(30).await;
    let store = db.store().await;
    let utc = chrono::Utc;
    let sales = common::session(&store, "sales@demo.test").await;
    let manager = common::session(&store, "manager@demo.test").await;
    let support = common::session(&store, "support@demo.test").await;
    let other_sales = common::colleague(db, Department::Sales, true).await;
    let other_support = common::colleague(db, Department::Support, true).await;
    let client_form = Entry::of([("first_name", "Ana"), ("last_name", "Silva"), ("email", "ana@example.com")]);
    let client = clients::create(&store, &sales, &client_form).await.expect("client");
    let contract = contracts::create(&store, &manager, client.id, "5000", None).await.expect("contract");
    let events_before = common::count(db, "SELECT count(*) AS n FROM events").await;

    let unsigned =
        events::create(&store, &sales, contract.id, &form("2027-03-01 18:00", "2027-03-01 23:00"), &utc).await;
    assert!(unsigned.expect_err("unsigned").message.contains("not signed"));
    contracts::sign(&store, &sales, contract.id, None).await.expect("sign");
    for refused in [&other_sales, &manager, &support] {
        let failure = events::create(&store, refused, contract.id, &form("2027-03-01 18:00", "2027-03-01 23:00"), &utc)
            .await
            .expect_err("not the client's salesperson");
        assert_eq!(failure.kind, FailureKind::PermissionDenied, "{}", failure.message);
    }
    for (start, end, field) in [
        ("2027-03-01 23:00", "2027-03-01 18:00", "end is before the start"),
        ("tomorrow", "2027-03-01 18:00", "is not a date and time"),
    ] {
        let failure = events::create(&store, &sales, contract.id, &form(start, end), &utc).await.expect_err("invalid");
        assert!(failure.message.contains(field), "{}", failure.message);
    }
    let negative = EventForm { attendees: "-1".into(), ..form("2027-03-01 18:00", "2027-03-01 23:00") };
    assert_eq!(
        events::create(&store, &sales, contract.id, &negative, &utc).await.expect_err("attendees").kind,
        FailureKind::InvalidInput
    );
    assert_eq!(common::count(db, "SELECT count(*) AS n FROM events").await, events_before, "nothing written");

    let event = events::create(&store, &sales, contract.id, &form("2027-03-01 18:00", "2027-03-01 23:00"), &utc)
        .await
        .expect("create");
    assert_eq!(event.support_contact_id, None);
    assert_eq!(event.notes.as_deref(), Some("Vegetarian menu.\nLive band."));
    let second = events::create(&store, &sales, contract.id, &form("2027-04-01 10:00", "2027-04-01 12:00"), &utc)
        .await
        .expect("second");

    // Assignment: MANAGEMENT only, to an active SUPPORT employee, all or none.
    for refused in [&sales, &support] {
        let failure = events::assign(&store, refused, &[event.id], support.employee_id).await;
        assert_eq!(failure.expect_err("not MANAGEMENT").kind, FailureKind::PermissionDenied);
    }
    let to_sales = events::assign(&store, &manager, &[event.id], sales.employee_id).await;
    assert_eq!(to_sales.expect_err("not SUPPORT").kind, FailureKind::InvalidInput);
    let partly = events::assign(&store, &manager, &[event.id, 999_999], support.employee_id).await;
    assert_eq!(partly.expect_err("one is missing").kind, FailureKind::NotFound);
    assert_eq!(
        events::show(&store, &manager, event.id).await.expect("show").support_contact_id,
        None,
        "all or nothing"
    );
    let assigned = events::assign(&store, &manager, &[event.id, second.id], support.employee_id).await.expect("assign");
    assert!(assigned.iter().all(|e| e.support_contact_id == Some(support.employee_id)));
    let notified = format!(
        "SELECT count(*) AS n FROM notifications WHERE recipient_id = {} AND kind = 'event.assigned'",
        support.employee_id
    );
    let assigned_notes = common::count(db, &notified).await;
    assert!(assigned_notes >= 2, "one notification per event");

    // Updates: MANAGEMENT, or the assigned support person.
    let edit = EventEdit { attendees: Some("180".into()), ..EventEdit::default() };
    for refused in [&sales, &other_support] {
        let failure = events::update(&store, refused, event.id, &edit, None, &utc).await.expect_err("not theirs");
        assert_eq!(failure.kind, FailureKind::PermissionDenied, "{}", failure.message);
    }
    let updated = events::update(&store, &support, event.id, &edit, None, &utc).await.expect("support updates");
    assert_eq!(updated.attendees, 180);
    let late_start = EventEdit { start: Some("2027-03-02 09:00".into()), ..EventEdit::default() };
    let failure = events::update(&store, &support, event.id, &late_start, None, &utc).await.expect_err("after the end");
    assert!(failure.message.contains("change the end too"), "{}", failure.message);
    let later_end = EventEdit { end: Some("2027-03-02 02:00".into()), ..EventEdit::default() };
    let moved = events::update(&store, &support, event.id, &later_end, None, &utc).await.expect("one end");
    assert_eq!(moved.start_at, event.start_at, "the start is kept");
    let by_manager = EventEdit { notes: Some(String::new()), ..EventEdit::default() };
    let cleared = events::update(&store, &manager, event.id, &by_manager, None, &utc).await.expect("manager");
    assert_eq!(cleared.notes, None);
    let changed = format!(
        "SELECT count(*) AS n FROM notifications WHERE recipient_id = {} AND kind = 'event.changed'",
        support.employee_id
    );
    assert_eq!(common::count(db, &changed).await, 1, "told when someone else changed their event");
    let stale = events::update(&store, &manager, event.id, &edit, Some(1), &utc).await.expect_err("stale");
    assert_eq!(stale.kind, FailureKind::Stale);

    // "Mine" per department.
    let sort = Sort::default_for(&SORTS);
    let page = PageRequest::first(500);
    let mine = EventQuery { mine: true, ..EventQuery::default() };
    let supported = events::list(&store, &support, &mine, sort, &page).await.expect("support's");
    assert!(supported.items.iter().all(|e| e.support_contact_id == Some(support.employee_id)));
    assert!(supported.items.iter().any(|e| e.id == event.id));
    let sold = events::list(&store, &sales, &mine, sort, &page).await.expect("sales'");
    assert!(sold.items.iter().any(|e| e.id == second.id));
    assert!(events::list(&store, &manager, &mine, sort, &page).await.expect("none").items.is_empty());
    let upcoming = EventQuery { upcoming: true, without_support: true, ..EventQuery::default() };
    let open = events::list(&store, &manager, &upcoming, sort, &page).await.expect("upcoming without support");
    assert!(open.items.iter().all(|e| e.support_contact_id.is_none()));
    // Counts (the terminal application's export gauge) agree with the lists.
    for (who, query, listed) in [
        (&support, &mine, supported.items.len()),
        (&sales, &mine, sold.items.len()),
        (&manager, &upcoming, open.items.len()),
    ] {
        assert_eq!(events::count(&store, who, query).await.expect("count"), listed as u64, "{query:?}");
    }
    assert_eq!(events::count(&store, &manager, &mine).await.expect("count"), 0);

    // Assigning an event to its current support person changes nothing.
    let before = common::count(db, "SELECT count(*) AS n FROM audit_entries").await;
    events::assign(&store, &manager, &[event.id], support.employee_id).await.expect("no-op");
    assert_eq!(common::count(db, "SELECT count(*) AS n FROM audit_entries").await, before);
    let who_first = events::update(&store, &sales, 999_999, &edit, None, &utc).await.expect_err("sales");
    assert_eq!(who_first.kind, FailureKind::PermissionDenied);
    let nobody = events::assign(&store, &manager, &[event.id], 999_999).await.expect_err("no such employee");
    assert_eq!(nobody.kind, FailureKind::NotFound);

    let unassigned = events::unassign(&store, &manager, &[second.id]).await.expect("unassign");
    assert_eq!(unassigned[0].support_contact_id, None);
    let actions = "SELECT count(*) AS n FROM audit_entries WHERE action IN ('event.create', 'event.assign_support', 'event.update', 'event.unassign_support')";
    assert_eq!(common::count(db, actions).await, 2 + 2 + 3 + 1);
});
