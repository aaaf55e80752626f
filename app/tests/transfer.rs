//! Export and import bundles on both backends: the same data gives the same
//! bytes, a bundle read back is the database it came from (tricky text
//! included), every damaged or rule-breaking bundle is refused naming the
//! file and line with nothing written, and a backup taken while someone
//! writes is consistent.

mod common;

use std::path::Path;

use epic_crm::error::FailureKind;
use epic_crm::services::backup;
use epic_crm::services::transfer::{self, ExportOptions, ImportOptions, Manifest, Quiet};
use epic_crm::store::schema;
use epic_crm::store::transfer::{Row, Table};
use sea_orm::{ConnectionTrait, Statement, Value};

/// Texts from tests/data/bad-inputs.json (a copy of shared/data/) that must be stored and come
/// back exactly.
fn tricky_texts() -> Vec<String> {
    let data: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/data/bad-inputs.json")).expect("bad-inputs.json");
    data["text"]["valid_but_tricky"]
        .as_array()
        .expect("texts")
        .iter()
        .map(|text| text.as_str().expect("text").to_owned())
        .collect()
}

/// Runs one statement with bound values on a raw connection.
async fn execute(db: &common::TestDb, sql: &str, values: Vec<Value>) {
    let raw = db.raw().await;
    let backend = raw.get_database_backend();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            let mut numbered = String::new();
            let mut n = 0;
            for ch in sql.chars() {
                if ch == '?' {
                    n += 1;
                    numbered.push_str(&format!("${n}"));
                } else {
                    numbered.push(ch);
                }
            }
            numbered
        }
        _ => sql.to_owned(),
    };
    raw.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await.expect("statement");
    raw.close().await.ok();
}

/// A seeded company with tricky text in every kind of record, audit
/// entries and notifications.
async fn company(db: &common::TestDb) {
    db.seed(40).await;
    for (n, text) in tricky_texts().iter().enumerate() {
        let id = n as i64 + 1;
        execute(db, "UPDATE clients SET company_name = ? WHERE id = ?", vec![text.clone().into(), id.into()]).await;
        execute(
            db,
            "UPDATE events SET notes = ?, location = ? WHERE id = ?",
            vec![text.clone().into(), text.clone().into(), id.into()],
        )
        .await;
        execute(
            db,
            "INSERT INTO notifications (recipient_id, at, kind, record_kind, record_id, message, read_at) \
             VALUES (1, ?, 'event.assigned', 'event', ?, ?, NULL)",
            vec![(1_800_000_000_000i64 + id).into(), id.into(), text.clone().into()],
        )
        .await;
        execute(
            db,
            "INSERT INTO audit_entries (at, actor_id, actor_name, action, record_kind, record_id, changes) \
             VALUES (?, 1, ?, 'client.update', 'client', ?, ?)",
            vec![
                (1_800_000_000_000i64 + id).into(),
                text.clone().into(),
                id.into(),
                serde_json::json!({ "company_name": { "before": null, "after": text } }).to_string().into(),
            ],
        )
        .await;
    }
    // A read notification and a signed contract paid in part.
    execute(db, "UPDATE notifications SET read_at = at + 1000 WHERE id = 1", vec![]).await;
}

async fn export(db: &common::TestDb, dir: &Path) -> Manifest {
    transfer::export(&db.target, dir, ExportOptions { compress: true }, &Quiet).await.expect("export").manifest
}

/// What must be equal between two bundles of the same data.
fn contents(manifest: &Manifest) -> Vec<(String, u64, String)> {
    manifest.tables.iter().map(|(name, entry)| (name.clone(), entry.rows, entry.sha256.clone())).collect()
}

/// The rows of one table of a bundle.
fn rows(dir: &Path, manifest: &Manifest, table: Table) -> Vec<Row> {
    let text = transfer::read_table_text(dir, &manifest.tables[table.name()]).expect("read table");
    text.split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| Row::parse(table, line).expect("row"))
        .collect()
}

on_both_backends!(a_bundle_reads_back_into_the_same_database, async |db: &common::TestDb| {
    company(db).await;
    let dir = tempfile::tempdir().expect("temp");
    let first = dir.path().join("first");
    let manifest = export(db, &first).await;
    assert_eq!(manifest.format, "epic-crm-export");
    assert_eq!(manifest.format_version, 1);
    assert_eq!(manifest.schema_version, *schema::known_versions().last().expect("a migration"));
    assert_eq!(manifest.tables["clients"].rows, 40);
    assert_eq!(manifest.tables["contracts"].rows, 80);
    assert_eq!(manifest.tables["notifications"].rows as usize, tricky_texts().len());
    // Private: personal data and password verifiers.
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&first).expect("dir").permissions().mode() & 0o777, 0o700);
    for entry in std::fs::read_dir(&first).expect("files") {
        let entry = entry.expect("file");
        assert_eq!(entry.metadata().expect("meta").permissions().mode() & 0o777, 0o600, "{:?}", entry.file_name());
    }
    // The same data gives the same bytes: a second export of the untouched
    // database, uncompressed this time, has the same checksums.
    let plain = dir.path().join("plain");
    let again =
        transfer::export(&db.target, &plain, ExportOptions { compress: false }, &Quiet).await.expect("export").manifest;
    assert_eq!(contents(&again), contents(&manifest));
    assert!(again.tables["clients"].file.ends_with(".jsonl"));

    // Into a fresh database of the same kind, and out again.
    let kind = if db.target.schema().is_some() { common::Kind::Postgres } else { common::Kind::Sqlite };
    let copy = common::TestDb::new(kind, "bundle_copy").await.expect("second database");
    let report =
        transfer::import(&copy.target, &first, ImportOptions { replace: false }, &Quiet).await.expect("import");
    assert!(!report.replaced);
    let second = dir.path().join("second");
    let reread = export(&copy, &second).await;
    assert_eq!(contents(&reread), contents(&manifest), "the copy exports the same bytes");
    // Tricky text came back exactly; the demo password still verifies.
    let clients = rows(&second, &reread, Table::Clients);
    for (n, text) in tricky_texts().iter().enumerate() {
        let Row::Client(client) = &clients[n] else { panic!("a client") };
        assert_eq!(client.company_name.as_deref(), Some(text.as_str()));
    }
    let Row::Credential(credential) = &rows(&second, &reread, Table::Credentials)[0] else { panic!("a credential") };
    assert!(credential.verifier().expect("verifier").matches("EpicDemo-2026"));
    // Running totals rebuilt, search indexes filled, ids continue.
    common::assert_totals_match(&copy).await;
    let found = common::count(
        &copy,
        match kind {
            common::Kind::Sqlite => "SELECT count(*) AS n FROM clients_search WHERE clients_search MATCH '\"Ångström\"'",
            common::Kind::Postgres => {
                "SELECT count(*) AS n FROM clients WHERE crm_search_fold(first_name || ' ' || last_name || ' ' || email || ' ' || coalesce(phone, '') || ' ' || coalesce(company_name, '')) LIKE '%angstrom%'"
            }
        },
    )
    .await;
    assert_eq!(found, 1, "the imported client is found by free-text search");
    execute(
        &copy,
        "INSERT INTO notifications (recipient_id, at, kind, record_kind, record_id, message) VALUES (1, 1, 'k', 'event', 1, 'after import')",
        vec![],
    )
    .await;
    let max = common::count(&copy, "SELECT max(id) AS n FROM notifications").await;
    assert_eq!(max as usize, tricky_texts().len() + 1, "new rows get the next id");
    copy.finish().await;
});

on_both_backends!(a_target_with_records_needs_replace, async |db: &common::TestDb| {
    db.seed(5).await;
    let dir = tempfile::tempdir().expect("temp");
    let bundle = dir.path().join("bundle");
    let manifest = export(db, &bundle).await;
    let refused = transfer::import(&db.target, &bundle, ImportOptions { replace: false }, &Quiet).await;
    let failure = refused.expect_err("refused");
    assert_eq!(failure.kind, FailureKind::InvalidInput);
    assert!(failure.message.contains("--replace --yes"), "{}", failure.message);
    // Replace: sessions go, records come back as in the bundle.
    execute(db, "UPDATE clients SET first_name = 'Changed' WHERE id = 1", vec![]).await;
    execute(
        db,
        "INSERT INTO sessions (family_id, employee_id, token_hash, issued_at, expires_at) VALUES ('family-family-0001', 1, 'hash', 1, 2)",
        vec![],
    )
    .await;
    let report = transfer::import(&db.target, &bundle, ImportOptions { replace: true }, &Quiet).await.expect("replace");
    assert!(report.replaced);
    assert_eq!(common::count(db, "SELECT count(*) AS n FROM sessions").await, 0, "everyone is logged out");
    assert_eq!(common::count(db, "SELECT count(*) AS n FROM clients WHERE first_name = 'Changed'").await, 0);
    let after = dir.path().join("after");
    assert_eq!(contents(&export(db, &after).await), contents(&manifest));
    common::assert_totals_match(db).await;
});

/// Rewrites one table's file (uncompressed) with `edit` applied to its
/// lines; with `fix_checksum` the manifest is updated to match, so the
/// line checks (not the checksum) must catch the problem.
fn tamper(bundle: &Path, table: Table, fix_checksum: bool, edit: impl Fn(Vec<String>) -> Vec<String>) {
    let manifest = transfer::read_manifest(bundle).expect("manifest");
    let entry = &manifest.tables[table.name()];
    let text = String::from_utf8(transfer::read_table_text(bundle, entry).expect("read")).expect("utf-8");
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let edited = edit(lines);
    let mut body = edited.join("\n");
    if !edited.is_empty() {
        body.push('\n');
    }
    std::fs::remove_file(bundle.join(&entry.file)).expect("remove");
    let file = format!("{}.jsonl", table.name());
    std::fs::write(bundle.join(&file), &body).expect("write");
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("manifest.json")).expect("read")).expect("json");
    value["tables"][table.name()]["file"] = file.into();
    if fix_checksum {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(body.as_bytes());
        value["tables"][table.name()]["sha256"] = digest.iter().map(|b| format!("{b:02x}")).collect::<String>().into();
        value["tables"][table.name()]["rows"] = edited.len().into();
    }
    std::fs::write(bundle.join("manifest.json"), serde_json::to_vec_pretty(&value).expect("json")).expect("write");
}

fn edit_manifest(bundle: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("manifest.json")).expect("read")).expect("json");
    edit(&mut value);
    std::fs::write(bundle.join("manifest.json"), serde_json::to_vec_pretty(&value).expect("json")).expect("write");
}

/// Replaces `field` of line `index` (a JSON object) with `value`.
fn set_field(lines: Vec<String>, index: usize, field: &str, value: serde_json::Value) -> Vec<String> {
    let mut lines = lines;
    let mut object: serde_json::Value = serde_json::from_str(&lines[index]).expect("json line");
    object[field] = value;
    lines[index] = object.to_string();
    lines
}

on_sqlite!(damaged_or_rule_breaking_bundles_change_nothing, async |db: &common::TestDb| {
    db.seed(10).await;
    let dir = tempfile::tempdir().expect("temp");
    let good = dir.path().join("good");
    export(db, &good).await;
    type Damage = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "a line changed after export",
            Box::new(|b| tamper(b, Table::Clients, false, |l| set_field(l, 3, "first_name", "Mallory".into()))),
            "does not match its SHA-256",
        ),
        (
            "a table file cut short",
            Box::new(|b| {
                let path = b.join("events.jsonl.gz");
                let bytes = std::fs::read(&path).expect("read");
                std::fs::write(&path, &bytes[..bytes.len() / 2]).expect("write");
            }),
            "events.jsonl.gz is truncated or damaged",
        ),
        (
            "a missing table file",
            Box::new(|b| std::fs::remove_file(b.join("contracts.jsonl.gz")).expect("remove")),
            "lacks contracts.jsonl.gz",
        ),
        (
            "a line that is not JSON",
            Box::new(|b| {
                tamper(b, Table::Events, true, |mut l| {
                    l[2] = "{not json".into();
                    l
                })
            }),
            "events.jsonl, line 3: not a JSON object",
        ),
        (
            "amount due above the total",
            Box::new(|b| tamper(b, Table::Contracts, true, |l| set_field(l, 1, "amount_due", "999999999.99".into()))),
            "contracts.jsonl, line 2: amount_due is above total_amount",
        ),
        (
            "an event ending before it starts",
            Box::new(|b| {
                tamper(b, Table::Events, true, |l| set_field(l, 0, "end_at", "2000-01-01T00:00:00.000Z".into()))
            }),
            "events.jsonl, line 1: the event ends (end_at) before it starts",
        ),
        (
            "an unknown employee",
            Box::new(|b| tamper(b, Table::Clients, true, |l| set_field(l, 4, "sales_contact_id", 9999.into()))),
            "clients.jsonl, line 5: the sales contact 9999 is not an employee of the bundle",
        ),
        (
            "the same email twice",
            Box::new(|b| {
                tamper(b, Table::Clients, true, |l| {
                    let email: serde_json::Value =
                        serde_json::from_str::<serde_json::Value>(&l[0]).expect("json")["email"].clone();
                    let upper = email.as_str().expect("email").to_uppercase();
                    set_field(l, 6, "email", upper.into())
                })
            }),
            "clients.jsonl, line 7: the email",
        ),
        (
            "a field this format does not have",
            Box::new(|b| tamper(b, Table::Employees, true, |l| set_field(l, 0, "salary", "1".into()))),
            "employees.jsonl, line 1: not a valid employees row (unknown field `salary`",
        ),
        (
            "a manifest of format 2",
            Box::new(|b| edit_manifest(b, |m| m["format_version"] = 2.into())),
            "is bundle format version 2, and this epic-crm",
        ),
        (
            "a bundle from a newer schema",
            Box::new(|b| edit_manifest(b, |m| m["schema_version"] = "m20991231_000099_future".into())),
            "comes from schema version m20991231_000099_future, newer than this epic-crm",
        ),
        (
            "a file name outside the bundle",
            Box::new(|b| edit_manifest(b, |m| m["tables"]["clients"]["file"] = "../clients.jsonl".into())),
            "a bundle's files are plain .jsonl or .jsonl.gz names",
        ),
        (
            "no manifest",
            Box::new(|b| std::fs::remove_file(b.join("manifest.json")).expect("remove")),
            "has no manifest.json",
        ),
    ];
    for (n, (what, damage, expected)) in cases.iter().enumerate() {
        let bundle = dir.path().join(format!("case{n}"));
        copy_dir(&good, &bundle);
        damage(&bundle);
        let target = common::TestDb::new(common::Kind::Sqlite, "damaged").await.expect("target");
        let failure =
            transfer::import(&target.target, &bundle, ImportOptions { replace: false }, &Quiet).await.expect_err(what);
        assert_eq!(failure.kind, FailureKind::InvalidInput, "{what}: {}", failure.message);
        assert!(failure.message.contains(expected), "{what}: {}", failure.message);
        let store = target.store().await;
        assert!(!schema::holds_records(&store).await.expect("count"), "{what}: nothing was written");
        store.close().await.ok();
        target.finish().await;
    }
});

on_sqlite!(a_bad_last_table_changes_nothing_even_when_replacing, async |db: &common::TestDb| {
    db.seed(5).await;
    let dir = tempfile::tempdir().expect("temp");
    let bundle = dir.path().join("bundle");
    export(db, &bundle).await;
    execute(db, "UPDATE clients SET first_name = 'Kept' WHERE id = 2", vec![]).await;
    // Every table before it is fine: the last one is checked before the
    // first row is written.
    let broken = dir.path().join("broken");
    copy_dir(&bundle, &broken);
    tamper(&broken, Table::Notifications, true, |_| {
        vec![r#"{"id":1,"recipient_id":99,"at":"2026-01-01T00:00:00.000Z","kind":"k","record_kind":"event","record_id":1,"message":"x","read_at":null}"#.to_owned()]
    });
    let failure =
        transfer::import(&db.target, &broken, ImportOptions { replace: true }, &Quiet).await.expect_err("bad");
    assert!(
        failure.message.contains("notifications.jsonl, line 1: the recipient 99 is not an employee"),
        "{}",
        failure.message
    );
    assert_eq!(common::count(db, "SELECT count(*) AS n FROM clients WHERE first_name = 'Kept'").await, 1);
    transfer::import(&db.target, &bundle, ImportOptions { replace: true }, &Quiet).await.expect("good bundle");
    assert_eq!(common::count(db, "SELECT count(*) AS n FROM clients WHERE first_name = 'Kept'").await, 0);
});

on_sqlite!(exports_refuse_a_folder_with_files, async |db: &common::TestDb| {
    db.seed(3).await;
    let dir = tempfile::tempdir().expect("temp");
    std::fs::write(dir.path().join("notes.txt"), "keep me").expect("write");
    let failure = transfer::export(&db.target, dir.path(), ExportOptions { compress: true }, &Quiet)
        .await
        .expect_err("not empty");
    assert_eq!(failure.kind, FailureKind::InvalidInput);
    assert!(failure.message.contains("is not empty"), "{}", failure.message);
    assert_eq!(std::fs::read_to_string(dir.path().join("notes.txt")).expect("kept"), "keep me");
    // An empty folder is fine, and becomes private.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    export(db, &empty).await;
    let failure =
        transfer::export(&db.target, &dir.path().join("missing/below"), ExportOptions { compress: true }, &Quiet)
            .await
            .expect_err("no parent");
    assert!(failure.message.contains("does not exist"), "{}", failure.message);
    // A folder that cannot be written: nothing is left behind (root
    // ignores the mode bits, so the check needs another user).
    use std::os::unix::fs::PermissionsExt;
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).expect("mkdir");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o500)).expect("chmod");
    let root = std::fs::write(locked.join("probe"), "").is_ok();
    let _ = std::fs::remove_file(locked.join("probe"));
    if !root {
        let result =
            transfer::export(&db.target, &locked.join("bundle"), ExportOptions { compress: true }, &Quiet).await;
        assert!(result.expect_err("unwritable").message.contains("Cannot create the bundle folder"));
        assert_eq!(std::fs::read_dir(&locked).expect("read").count(), 0, "no partial folder left");
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o700)).expect("chmod");
});

on_both_backends!(a_backup_taken_while_someone_writes_is_consistent, async |db: &common::TestDb| {
    db.seed(300).await;
    let dir = tempfile::tempdir().expect("temp");
    let folder = dir.path().join("backups");
    // Another process keeps adding contracts, one transaction each.
    let writer_db = db.raw().await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopping = stop.clone();
    let writer = tokio::spawn(async move {
        let mut written = 0;
        while !stopping.load(std::sync::atomic::Ordering::SeqCst) {
            let backend = writer_db.get_database_backend();
            let sql = "INSERT INTO contracts (client_id, sales_contact_id, total_cents, due_cents, signed, created_at, updated_at) \
                       SELECT id, sales_contact_id, 1000, 500, FALSE, 1, 1 FROM clients WHERE id = 1";
            writer_db.execute_raw(Statement::from_string(backend, sql)).await.expect("write");
            written += 1;
            tokio::task::yield_now().await;
        }
        writer_db.close().await.ok();
        written
    });
    let mut reports = Vec::new();
    for _ in 0..3 {
        reports.push(
            backup::backup(&db.target, &folder, 2, ExportOptions { compress: true }, &Quiet).await.expect("backup"),
        );
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let written = writer.await.expect("writer");
    assert!(written > 0, "the writer ran");
    // The newest two are kept, newest first; the first was removed.
    let listed = backup::list_in(&folder).expect("list");
    assert_eq!(listed.len(), 2);
    assert_eq!(reports[2].removed, vec![reports[0].export.path.clone()]);
    assert_eq!(listed[0].path, reports[2].export.path);
    assert!(
        std::fs::read_dir(&folder)
            .expect("read")
            .all(|e| { !e.expect("entry").file_name().to_string_lossy().contains(".partial") })
    );
    // The bundle imports, and its running totals match its own rows.
    let kind = if db.target.schema().is_some() { common::Kind::Postgres } else { common::Kind::Sqlite };
    let copy = common::TestDb::new(kind, "backup_copy").await.expect("copy");
    let restored = backup::restore(&copy.target, &listed[0].path, &Quiet).await.expect("restore");
    assert_eq!(
        common::count(&copy, "SELECT count(*) AS n FROM contracts").await as u64,
        restored.manifest.tables["contracts"].rows
    );
    common::assert_totals_match(&copy).await;
    copy.finish().await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_bundles_cross_backends_unchanged() {
    let Some(postgres) = common::TestDb::new(common::Kind::Postgres, "cross_backends").await else { return };
    let sqlite = common::TestDb::new(common::Kind::Sqlite, "cross_backends").await.expect("sqlite");
    company(&sqlite).await;
    let dir = tempfile::tempdir().expect("temp");
    let first = export(&sqlite, &dir.path().join("from-sqlite")).await;
    transfer::import(&postgres.target, &dir.path().join("from-sqlite"), ImportOptions { replace: false }, &Quiet)
        .await
        .expect("into PostgreSQL");
    let second = export(&postgres, &dir.path().join("from-postgres")).await;
    assert_eq!(second.source_backend, "postgres");
    assert_eq!(contents(&second), contents(&first), "SQLite and PostgreSQL bundles of the same data are identical");
    let back = common::TestDb::new(common::Kind::Sqlite, "cross_back").await.expect("sqlite again");
    transfer::import(&back.target, &dir.path().join("from-postgres"), ImportOptions { replace: false }, &Quiet)
        .await
        .expect("back into SQLite");
    let third = export(&back, &dir.path().join("back")).await;
    assert_eq!(contents(&third), contents(&first));
    common::assert_totals_match(&postgres).await;
    common::assert_totals_match(&back).await;
    back.finish().await;
    sqlite.finish().await;
    postgres.finish().await;
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

/// A small file system of its own (tmpfs), unmounted when dropped; `None`
/// (after saying so) where this user may not mount one.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn new(kib: u32) -> Option<SmallDisk> {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("temp");
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !mounted {
            let _ = writeln!(std::io::stderr(), "SKIPPED a_full_disk_leaves_nothing_behind: cannot mount a tmpfs here");
            return None;
        }
        Some(SmallDisk { dir })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.dir.path()).status();
    }
}

on_sqlite!(a_full_disk_leaves_nothing_behind, async |db: &common::TestDb| {
    db.seed(300).await;
    let Some(disk) = SmallDisk::new(64) else { return };
    // Uncompressed, 300 clients' bundle is several times the disk.
    let failure =
        transfer::export(&db.target, &disk.dir.path().join("bundle"), ExportOptions { compress: false }, &Quiet)
            .await
            .expect_err("the disk fills up");
    assert!(failure.message.contains("No space left on device"), "{}", failure.message);
    assert_eq!(std::fs::read_dir(disk.dir.path()).expect("read").count(), 0, "the partial bundle was removed");
    let folder = disk.dir.path().join("backups");
    let failure = backup::backup(&db.target, &folder, 7, ExportOptions { compress: false }, &Quiet)
        .await
        .expect_err("the disk fills up");
    assert!(failure.message.contains("No space left on device"), "{}", failure.message);
    assert_eq!(std::fs::read_dir(&folder).expect("read").count(), 0, "no .partial backup is left");
    assert!(backup::list_in(&folder).expect("list").is_empty());
});
