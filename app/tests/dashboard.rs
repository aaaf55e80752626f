//! The home dashboard's figures and the pickers' workloads on both
//! backends, checked against plain counts; and the last page of a list.

mod common;

use epic_crm::domain::Department;
use epic_crm::services::clients;
use epic_crm::services::contracts;
use epic_crm::services::dashboard::{self, WEEKS};
use epic_crm::services::events::{self, EventEdit, EventForm, EventQuery};
use epic_crm::services::kinds::Entry;
use epic_crm::store::dashboard::{DAY_MS, WEEK_MS};
use epic_crm::store::events::SORTS;
use epic_crm::store::paging::{PageRequest, Sort};

on_both_backends!(running_totals_follow_every_change, async |db: &common::TestDb| {
    db.seed(30).await;
    // Seeded in bulk: the loader's totals (SQLite) or the triggers' (PostgreSQL).
    common::assert_totals_match(db).await;
    let store = db.store().await;
    let utc = chrono::Utc;
    let sales = common::session(&store, "sales@demo.test").await;
    let manager = common::session(&store, "manager@demo.test").await;
    let support = common::session(&store, "support@demo.test").await;
    let other_sales = common::colleague(db, Department::Sales, true).await;
    let form = Entry::of([("first_name", "Ana"), ("last_name", "Silva"), ("email", "ana@example.com")]);
    let client = clients::create(&store, &sales, &form).await.expect("client");
    let kept = contracts::create(&store, &manager, client.id, "5000", None).await.expect("contract");
    let dropped = contracts::create(&store, &manager, client.id, "700", Some("100")).await.expect("contract");
    common::assert_totals_match(db).await;
    contracts::sign(&store, &sales, kept.id, None).await.expect("sign");
    contracts::pay(&store, &sales, kept.id, "1250.50", None).await.expect("pay");
    contracts::update(&store, &manager, dropped.id, Some("900"), None, None).await.expect("update");
    common::assert_totals_match(db).await;
    contracts::delete(&store, &manager, dropped.id, None).await.expect("delete");
    clients::reassign(&store, &manager, client.id, other_sales.employee_id, None).await.expect("reassign");
    common::assert_totals_match(db).await;
    let event_form = EventForm {
        name: "Launch".into(),
        start: "2031-05-01 18:00".into(),
        end: "2031-05-01 23:00".into(),
        attendees: "40".into(),
        ..EventForm::default()
    };
    let event = events::create(&store, &other_sales, kept.id, &event_form, &utc).await.expect("event");
    common::assert_totals_match(db).await;
    events::assign(&store, &manager, &[event.id], support.employee_id).await.expect("assign");
    let edit = EventEdit { start: Some("2031-04-30 09:00".into()), ..EventEdit::default() };
    events::update(&store, &manager, event.id, &edit, None, &utc).await.expect("move");
    common::assert_totals_match(db).await;
    events::unassign(&store, &manager, &[event.id]).await.expect("unassign");
    common::assert_totals_match(db).await;
});

on_both_backends!(dashboard_figures_match_the_records, async |db: &common::TestDb| {
    db.seed(40).await;
    let store = db.store().await;
    let sales = common::session(&store, "sales@demo.test").await;
    let support = common::session(&store, "support@demo.test").await;
    let manager = common::session(&store, "manager@demo.test").await;
    let now = epic_crm::domain::time::now_ms();

    let all = dashboard::load(&store, &manager, now).await.expect("manager dashboard");
    let contracts = common::count(db, "SELECT count(*) AS n FROM contracts").await;
    assert_eq!(all.pipeline.contracts, contracts);
    let unsigned = common::count(db, "SELECT count(*) AS n FROM contracts WHERE NOT signed").await;
    assert_eq!(all.pipeline.unsigned, unsigned);
    let due = common::count(db, "SELECT CAST(coalesce(sum(due_cents), 0) AS BIGINT) AS n FROM contracts").await;
    assert_eq!(all.pipeline.outstanding_cents, due);
    assert_eq!(all.weeks.len(), WEEKS);
    let day_start = now / DAY_MS * DAY_MS;
    assert_eq!(all.weeks_from, day_start);
    let until = day_start + WEEK_MS * WEEKS as i64;
    let upcoming = common::count(
        db,
        &format!("SELECT count(*) AS n FROM events WHERE start_at >= {day_start} AND start_at < {until}"),
    )
    .await;
    assert_eq!(all.weeks.iter().sum::<u64>() as i64, upcoming);
    let without = common::count(
        db,
        &format!("SELECT count(*) AS n FROM events WHERE support_contact_id IS NULL AND start_at >= {now}"),
    )
    .await;
    assert_eq!(all.without_support, without);
    assert!(all.mine.is_none() && all.my_clients.is_none(), "a manager sells nothing");
    assert!(!all.sales.is_empty());
    assert!(all.sales.windows(2).all(|pair| {
        pair[0].signed_cents + pair[0].unsigned_cents >= pair[1].signed_cents + pair[1].unsigned_cents
    }));

    let mine = dashboard::load(&store, &sales, now).await.expect("sales dashboard");
    let my_clients =
        common::count(db, &format!("SELECT count(*) AS n FROM clients WHERE sales_contact_id = {}", sales.employee_id))
            .await;
    assert_eq!(mine.my_clients, Some(my_clients));
    let my_contracts = common::count(
        db,
        &format!("SELECT count(*) AS n FROM contracts WHERE sales_contact_id = {}", sales.employee_id),
    )
    .await;
    assert_eq!(mine.mine.as_ref().map(|p| p.contracts), Some(my_contracts));

    let theirs = dashboard::load(&store, &support, now).await.expect("support dashboard");
    let my_events = common::count(
        db,
        &format!(
            "SELECT count(*) AS n FROM events WHERE support_contact_id = {} AND start_at >= {day_start} AND start_at < {until}",
            support.employee_id
        ),
    )
    .await;
    assert_eq!(theirs.weeks.iter().sum::<u64>() as i64, my_events);

    let loads = dashboard::loads(&store, &manager, Department::Support, now).await.expect("support loads");
    let active_support =
        common::count(db, "SELECT count(*) AS n FROM employees WHERE active AND department_id = 3").await;
    assert_eq!(loads.len() as i64, active_support);
    assert!(loads.windows(2).all(|pair| pair[0].load <= pair[1].load), "least loaded first");
    let suzie = loads.iter().find(|load| load.employee_id == support.employee_id).expect("support is listed");
    let upcoming_of_support = common::count(
        db,
        &format!(
            "SELECT count(*) AS n FROM events WHERE support_contact_id = {} AND start_at >= {now}",
            support.employee_id
        ),
    )
    .await;
    assert_eq!(suzie.load, upcoming_of_support);
    let sellers = dashboard::loads(&store, &manager, Department::Sales, now).await.expect("sales loads");
    assert!(sellers.iter().any(|load| load.employee_id == sales.employee_id && load.load == my_clients));
});

on_both_backends!(the_last_page_ends_the_list, async |db: &common::TestDb| {
    db.seed(20).await;
    let store = db.store().await;
    let manager = common::session(&store, "manager@demo.test").await;
    let sort = Sort::parse("id", &SORTS).expect("sort");
    let query = EventQuery::default();
    let mut all = Vec::new();
    let mut page = PageRequest::first(7);
    loop {
        let got = events::list(&store, &manager, &query, sort, &page).await.expect("page");
        all.extend(got.items.iter().map(|row| row.id));
        match got.next {
            Some(next) => page = PageRequest::after(7, next),
            None => break,
        }
    }
    let last = events::list(&store, &manager, &query, sort, &PageRequest::last(7)).await.expect("last page");
    let ids: Vec<i64> = last.items.iter().map(|row| row.id).collect();
    assert_eq!(ids, all[all.len() - 7..].to_vec(), "the last rows, in list order");
    assert!(last.next.is_none(), "nothing after the last page");
    let before = last.prev.expect("rows before the last page");
    let previous = events::list(&store, &manager, &query, sort, &PageRequest::before(7, before)).await.expect("page");
    let ids: Vec<i64> = previous.items.iter().map(|row| row.id).collect();
    assert_eq!(ids, all[all.len() - 14..all.len() - 7].to_vec());
});

on_both_backends!(opposite_reassignments_at_once_keep_the_totals_right, async |db: &common::TestDb| {
    db.seed(20).await;
    let store = db.store().await;
    let manager = common::session(&store, "manager@demo.test").await;
    let a = common::session(&store, "sales@demo.test").await;
    let b = common::colleague(db, Department::Sales, true).await;
    let mut clients_of = Vec::new();
    for (owner, email) in [(&a, "x@example.com"), (&b, "y@example.com")] {
        let form = Entry::of([("first_name", "Xa"), ("last_name", "Yu"), ("email", email)]);
        let client = clients::create(&store, owner, &form).await.expect("client");
        for total in ["100", "200", "300"] {
            contracts::create(&store, &manager, client.id, total, None).await.expect("contract");
        }
        clients_of.push(client.id);
    }
    let (x, y) = (clients_of[0], clients_of[1]);
    // Each round gives X to B and Y to A at the same moment, then back: the
    // two transactions move totals between the same two salespeople in
    // opposite directions, and no change may be lost.
    for round in 0..20 {
        let (to_x, to_y) = if round % 2 == 0 { (b.employee_id, a.employee_id) } else { (a.employee_id, b.employee_id) };
        let (first, second) = tokio::join!(
            clients::reassign(&store, &manager, x, to_x, None),
            clients::reassign(&store, &manager, y, to_y, None),
        );
        first.expect("X moves");
        second.expect("Y moves");
    }
    common::assert_totals_match(db).await;
});
