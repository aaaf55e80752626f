//! Employee services on both backends: MANAGEMENT only, always an active
//! manager, nobody deactivates or deletes themselves, deletion only of
//! employees nothing references, deactivation ends sessions.

mod common;

use epic_crm::domain::Department;
use epic_crm::error::FailureKind;
use epic_crm::services::employees::{self, EmployeeEdit, EmployeeQuery};
use epic_crm::store::employees::SORTS;
use epic_crm::store::paging::{PageRequest, Sort};
use sea_orm::ConnectionTrait;

on_both_backends!(employees_are_managed_by_management_only, async |db: &common::TestDb| {
    db.seed(20).await;
    let store = db.store().await;
    let manager = common::session(&store, "manager@demo.test").await;
    let sales = common::session(&store, "sales@demo.test").await;
    let support = common::session(&store, "support@demo.test").await;
    let rename = EmployeeEdit { first_name: Some("Renamed".into()), ..EmployeeEdit::default() };

    for refused in [&sales, &support] {
        let update = employees::update(&store, refused, support.employee_id, &rename, None).await;
        assert_eq!(update.expect_err("not MANAGEMENT").kind, FailureKind::PermissionDenied);
        let deactivate = employees::set_active(&store, refused, support.employee_id, false, None).await;
        assert_eq!(deactivate.expect_err("not MANAGEMENT").kind, FailureKind::PermissionDenied);
        let delete = employees::delete(&store, refused, support.employee_id, None).await;
        assert_eq!(delete.expect_err("not MANAGEMENT").kind, FailureKind::PermissionDenied);
    }
    let moved = EmployeeEdit { department: Some("marketing".into()), ..EmployeeEdit::default() };
    let failure = employees::update(&store, &sales, support.employee_id, &moved, None).await.expect_err("who first");
    assert_eq!(failure.kind, FailureKind::PermissionDenied, "who you are is checked before what you ask");

    let renamed = employees::update(&store, &manager, support.employee_id, &rename, None).await.expect("rename");
    assert_eq!((renamed.first_name.as_str(), renamed.version), ("Renamed", 2));
    let taken = EmployeeEdit { email: Some("SALES@demo.test".into()), ..EmployeeEdit::default() };
    let duplicate = employees::update(&store, &manager, support.employee_id, &taken, None).await.expect_err("dup");
    assert_eq!(duplicate.kind, FailureKind::Conflict);
    assert_eq!(duplicate.message, "An employee with this email already exists.");
    let stale = employees::update(&store, &manager, support.employee_id, &rename, Some(1)).await.expect_err("stale");
    assert_eq!(stale.kind, FailureKind::Stale);

    // Records stay with the right kind of owner.
    let to_support = EmployeeEdit { department: Some("SUPPORT".into()), ..EmployeeEdit::default() };
    let owner =
        employees::update(&store, &manager, sales.employee_id, &to_support, None).await.expect_err("owns clients");
    assert!(owner.message.contains("reassign them"), "{}", owner.message);
    let to_sales_dept = EmployeeEdit { department: Some("SALES".into()), ..EmployeeEdit::default() };
    let supporter = employees::update(&store, &manager, support.employee_id, &to_sales_dept, None).await;
    assert!(supporter.expect_err("supports events").message.contains("assign them"));

    // Always an active manager; nobody deactivates or deletes themselves.
    let managers =
        common::count(db, "SELECT count(*) AS n FROM employees WHERE department_id = 1 AND active = TRUE").await;
    let myself = employees::set_active(&store, &manager, manager.employee_id, false, None).await;
    assert!(myself.expect_err("self").message.contains("yourself"));
    assert_eq!(
        employees::delete(&store, &manager, manager.employee_id, None).await.expect_err("self").kind,
        FailureKind::InvalidInput
    );
    let other_manager = common::colleague(db, Department::Management, true).await;
    let to_sales = EmployeeEdit { department: Some("SALES".into()), ..EmployeeEdit::default() };
    assert!(managers >= 2, "the demo has at least two managers");
    // Deactivate every other manager: the demo manager is then the last.
    let raw = db.raw().await;
    let others = format!(
        "UPDATE employees SET active = FALSE, deactivated_at = 1 WHERE department_id = 1 AND id <> {}",
        manager.employee_id
    );
    raw.execute_raw(sea_orm::Statement::from_string(raw.get_database_backend(), others)).await.expect("others away");
    let last = employees::update(&store, &manager, manager.employee_id, &to_sales, None).await;
    assert!(last.expect_err("last manager").message.contains("last active manager"));
    employees::set_active(&store, &manager, other_manager.employee_id, true, None).await.expect("reactivate one");
    let moved_out =
        employees::update(&store, &manager, other_manager.employee_id, &to_sales, None).await.expect("now allowed");
    assert_eq!(moved_out.department(), Some(Department::Sales));

    // Deactivating ends the employee's sessions; reactivating brings back
    // the account, not the sessions.
    let deactivated =
        employees::set_active(&store, &manager, support.employee_id, false, None).await.expect("deactivate");
    assert!(!deactivated.active && deactivated.deactivated_at.is_some());
    let again = employees::set_active(&store, &manager, support.employee_id, false, None).await;
    assert!(again.expect_err("already").message.contains("already deactivated"));
    let inactive = employees::list(
        &store,
        &sales,
        &EmployeeQuery { inactive: true, ..EmployeeQuery::default() },
        Sort::default_for(&SORTS),
        &PageRequest::first(100),
    )
    .await
    .expect("list inactive");
    assert!(inactive.items.iter().any(|e| e.id == support.employee_id));
    employees::set_active(&store, &manager, support.employee_id, true, None).await.expect("reactivate");

    // Delete: only someone nothing references.
    let referenced = employees::delete(&store, &manager, sales.employee_id, None).await.expect_err("has clients");
    assert!(referenced.message.contains("deactivate the employee instead"), "{}", referenced.message);
    // An employee nothing refers to, without a password (written behind
    // the application's back: creating accounts is the authority's job).
    let raw = db.raw().await;
    raw.execute_unprepared(
        "INSERT INTO employees (first_name, last_name, email, department_id, must_change_password, created_at, updated_at) \
         VALUES ('New', 'Comer', 'new.comer@example.com', 3, TRUE, 1, 1)",
    )
    .await
    .expect("newcomer");
    let newcomer_id = common::count(db, "SELECT id AS n FROM employees WHERE email = 'new.comer@example.com'").await;
    let newcomer = employees::show(&store, &manager, newcomer_id).await.expect("newcomer");
    employees::delete(&store, &manager, newcomer.id, None).await.expect("delete");
    assert_eq!(employees::show(&store, &sales, newcomer.id).await.expect_err("gone").kind, FailureKind::NotFound);
    assert_eq!(
        common::count(db, "SELECT count(*) AS n FROM credentials WHERE employee_id NOT IN (SELECT id FROM employees)")
            .await,
        0
    );
    assert_eq!(common::count(db, "SELECT count(*) AS n FROM audit_entries WHERE action = 'employee.delete'").await, 1);
});

on_both_backends!(two_managers_cannot_remove_each_other_at_once, async |db: &common::TestDb| {
    db.seed(20).await;
    let store = db.store().await;
    let manager = common::session(&store, "manager@demo.test").await;
    let other = common::colleague(db, Department::Management, true).await;
    // Leave exactly these two managers active.
    let raw = db.raw().await;
    let others = format!(
        "UPDATE employees SET active = FALSE, deactivated_at = 1 WHERE department_id = 1 AND id NOT IN ({}, {})",
        manager.employee_id, other.employee_id
    );
    raw.execute_raw(sea_orm::Statement::from_string(raw.get_database_backend(), others)).await.expect("setup");
    for _ in 0..3 {
        let (first, second) = tokio::join!(
            employees::set_active(&store, &manager, other.employee_id, false, None),
            employees::set_active(&store, &other, manager.employee_id, false, None),
        );
        assert_eq!(first.is_ok() as u8 + second.is_ok() as u8, 1, "exactly one of the two may win");
        let active = "SELECT count(*) AS n FROM employees WHERE department_id = 1 AND active = TRUE";
        assert_eq!(common::count(db, active).await, 1, "a manager remains");
        // Bring the other back for the next round.
        let raw_again = format!(
            "UPDATE employees SET active = TRUE, deactivated_at = NULL WHERE id IN ({}, {})",
            manager.employee_id, other.employee_id
        );
        raw.execute_raw(sea_orm::Statement::from_string(raw.get_database_backend(), raw_again)).await.expect("reset");
    }
});
