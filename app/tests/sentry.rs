//! Sentry with its test transport: employee changes, contract signatures
//! and unexpected errors are captured, and no event carries an email
//! address, phone number or home-directory name of the seeded data.

mod common;

use epic_crm::error::Failure;
use epic_crm::services::contracts;
use epic_crm::services::employees::{self, EmployeeEdit};
use epic_crm::telemetry;

async fn exercise(db: &common::TestDb) {
    db.seed(20).await;
    let store = db.store().await;
    let manager = common::session(&store, "manager@demo.test").await;
    let support = common::session(&store, "support@demo.test").await;
    let unsigned = common::count(db, "SELECT min(id) AS n FROM contracts WHERE signed = FALSE").await;
    contracts::sign(&store, &manager, unsigned, None).await.expect("sign");
    let edit = EmployeeEdit { phone: Some("+33 6 12 34 56 78".into()), ..EmployeeEdit::default() };
    employees::update(&store, &manager, support.employee_id, &edit, None).await.expect("update");
    telemetry::report_unexpected(&Failure::unexpected(
        "Cannot write /home/ada/crm.db for support@demo.test (+33612345678).",
    ));
}

#[test]
fn sentry_gets_the_notable_events_without_personal_data() {
    let events = sentry::test::with_captured_events_options(
        || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                for kind in [common::Kind::Sqlite, common::Kind::Postgres] {
                    if let Some(db) = common::TestDb::new(kind, "sentry").await {
                        exercise(&db).await;
                        db.finish().await;
                    }
                }
            });
        },
        telemetry::sentry_options(None),
    );
    let messages: Vec<String> = events.iter().filter_map(|event| event.message.clone()).collect();
    assert!(messages.iter().any(|m| m == "contract.sign"), "{messages:?}");
    assert!(messages.iter().any(|m| m == "employee.update"), "{messages:?}");
    assert!(messages.iter().any(|m| m.starts_with("Cannot write")), "{messages:?}");
    let signed = events.iter().find(|event| event.message.as_deref() == Some("contract.sign")).expect("sign event");
    assert_eq!(signed.tags.get("record_kind").map(String::as_str), Some("contract"));
    assert!(signed.tags.contains_key("record_id") && signed.tags.contains_key("actor_id"));
    for event in &events {
        let text = serde_json::to_string(event).expect("serialize");
        for personal in ["@demo.test", "+33612345678", "12 34 56 78", "/home/ada"] {
            assert!(!text.contains(personal), "an event carries {personal:?}: {text}");
        }
        assert!(event.user.is_none() && event.server_name.is_none());
    }
}
