//! `clients import FILE.csv`: the salesperson's spreadsheet, every line
//! checked with exactly the rules of `clients create`, then all written in
//! one transaction or none.  Duplicates by email (ignoring case), inside
//! the file or against the database, fail, are skipped, or update.

use crate::services::kinds::{self, Described as _, Entry, Values};
use std::collections::HashMap;
use std::path::Path;

use crate::auth::Session;
use crate::domain::Department;
use crate::domain::policy::{Action, Owners};
use crate::error::{Failure, FailureKind};
use crate::store::clients::{self, ClientRow};
use crate::store::{Store, StoreError, employees};

use super::clients::{translate, validate, write};
use super::spreadsheet::{self, Columns, Line};
use super::transfer::Progress;
use super::{audit_entry, permit, records};

/// The columns of a client spreadsheet: the fields a new client is typed
/// with (the client declaration's), their command-line flags as other
/// names, and the spellings people use.
pub fn columns() -> Columns {
    let fields = kinds::CLIENT.create_fields();
    let mut aliases = vec![("e_mail", "email"), ("mail", "email"), ("telephone", "phone")];
    aliases.extend(fields.iter().filter_map(|field| field.input.flag.map(|flag| (flag, field.name))));
    Columns {
        record: "client",
        known: fields.iter().map(|field| field.name).collect(),
        required: fields.iter().filter(|field| field.required).map(|field| field.name).collect(),
        aliases,
    }
}

/// What to do with a line whose email another client already has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OnDuplicate {
    /// Refuse the whole import (exit 7), listing every duplicate.
    #[default]
    Fail,
    /// Leave the existing client as it is (in the file: the first line wins).
    Skip,
    /// Update the existing client with the line's non-empty cells (in the
    /// file: the last line wins); only the client's own salesperson may.
    Update,
}

/// How to import.
#[derive(Clone, Debug, Default)]
pub struct ClientImportOptions {
    /// Check and report, write nothing.
    pub dry_run: bool,
    /// The sales contact of the new clients: MANAGEMENT names one; SALES
    /// import their own (none, or themselves).
    pub sales: Option<i64>,
    /// Duplicates by email.
    pub on_duplicate: OnDuplicate,
}

/// What an import did (or, dry, would do).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientImportReport {
    /// Lines read (not counting the header).
    pub lines: usize,
    /// Clients created.
    pub created: usize,
    /// Existing clients updated.
    pub updated: usize,
    /// Lines skipped as duplicates: (line, email).
    pub skipped: Vec<(u64, String)>,
    /// Nothing was written.
    pub dry_run: bool,
    /// The new clients' sales contact.
    pub sales_contact_id: i64,
}

/// Clients written between two steps of the progress bar.
const WRITE_CHUNK: usize = 2000;

/// A line ready to write.
struct Checked {
    line: u64,
    /// The client's email as typed (duplicates are found by it).
    email: String,
    new: Values,
}

/// Imports a spreadsheet of clients.
pub async fn import(
    store: &Store,
    session: &Session,
    path: &Path,
    options: &ClientImportOptions,
    progress: &dyn Progress,
) -> Result<ClientImportReport, Failure> {
    let Owner { employee_id: owner, named } = owner(session, options.sales)?;
    let lines = spreadsheet::read(path, &columns())?;
    let file = path.display().to_string();
    let mut problems = Vec::new();
    let mut checked = Vec::with_capacity(lines.len());
    for line in &lines {
        match validate(&entry(line), owner) {
            Ok(new) => {
                let email = new.text("email").unwrap_or_default().to_owned();
                checked.push(Checked { line: line.number, email, new })
            }
            Err(failure) => problems.push(format!("  line {}: {}", line.number, failure.message)),
        }
    }
    if !problems.is_empty() {
        return Err(Failure::invalid(format!(
            "{file}: {} of {} lines break the rules of `clients create`; nothing was imported:\n{}",
            problems.len(),
            lines.len(),
            problems.join("\n")
        )));
    }
    let mut report = ClientImportReport {
        lines: lines.len(),
        dry_run: options.dry_run,
        sales_contact_id: owner,
        ..ClientImportReport::default()
    };
    let checked = within_file(&file, checked, options.on_duplicate, &mut report)?;

    let tx = store.begin_as(&session.actor()).await?;
    // The new clients' salesperson, by name, for their audit entries.
    let mut owner_name = session.full_name();
    if named {
        let contact = employees::get(&tx, owner).await.map_err(|err| match err {
            StoreError::NotFound { .. } => Failure::new(
                FailureKind::NotFound,
                format!("Employee {owner} does not exist: --sales names an active SALES employee."),
            ),
            other => Failure::from(other),
        })?;
        if contact.department() != Some(Department::Sales) || !contact.active {
            return Err(Failure::invalid(format!(
                "{} {} is not an active SALES employee: --sales names the new clients' sales contact, who must be one.",
                contact.first_name, contact.last_name
            )));
        }
        owner_name = format!("{} {}", contact.first_name, contact.last_name);
    }
    let emails: Vec<String> = checked.iter().map(|c| c.email.clone()).collect();
    let existing: HashMap<String, ClientRow> =
        clients::by_emails(&tx, &emails).await?.into_iter().map(|row| (row.email.to_lowercase(), row)).collect();
    let mut conflicts = Vec::new();
    let mut refused = Vec::new();
    let mut to_create = Vec::new();
    let mut to_update = Vec::new();
    for line in checked {
        let Some(client) = existing.get(&line.email.to_lowercase()) else {
            to_create.push(line);
            continue;
        };
        let who = format!(
            "  line {}: {} is already client {} ({} {})",
            line.line, line.email, client.id, client.first_name, client.last_name
        );
        match options.on_duplicate {
            OnDuplicate::Fail => conflicts.push(who),
            OnDuplicate::Skip => report.skipped.push((line.line, line.email.clone())),
            OnDuplicate::Update => {
                let owners = Owners { sales_contact_id: client.sales_contact_id, ..Owners::default() };
                match permit(session, Action::UpdateClient, owners) {
                    Ok(()) => to_update.push((line, client.clone())),
                    Err(denied) => refused.push(format!("{who}: {}", denied.message)),
                }
            }
        }
    }
    if !conflicts.is_empty() {
        return Err(Failure::new(
            FailureKind::Conflict,
            format!(
                "{file}: {} lines name clients that already exist; nothing was imported (--on-duplicate skip leaves them, --on-duplicate update updates them):\n{}",
                conflicts.len(),
                conflicts.join("\n")
            ),
        ));
    }
    if !refused.is_empty() {
        return Err(Failure::new(
            FailureKind::PermissionDenied,
            format!(
                "{file}: {} lines would update clients you may not change; nothing was imported:\n{}",
                refused.len(),
                refused.join("\n")
            ),
        ));
    }
    report.created = to_create.len();
    report.updated = to_update.len();
    if options.dry_run {
        tx.rollback().await?;
        return Ok(report);
    }
    let new: Vec<Values> = to_create.into_iter().map(|line| line.new).collect();
    progress.start("Writing clients", (new.len() + to_update.len()) as u64);
    for chunk in new.chunks(WRITE_CHUNK) {
        // A manager's import goes through the database's own function on
        // PostgreSQL (its insert policy lets only a salesperson create clients).
        let created =
            if named { clients::import_for(&tx, owner, chunk).await } else { clients::create_many(&tx, chunk).await }
                .map_err(translate)?;
        let entries = created
            .into_iter()
            .map(|mut client| {
                client.sales_contact_name = Some(owner_name.clone());
                let changes = records::created(&kinds::CLIENT.json(&client));
                (client.created_at, audit_entry(session, "client.create", "client", client.id, changes))
            })
            .collect();
        tx.audit_many(entries).await?;
        progress.advance(chunk.len() as u64);
    }
    for (line, before) in to_update {
        // The line's non-empty cells, except the email it was matched by
        // and the owner the import gives new clients.
        let mut changes = line.new;
        changes.remove("email");
        changes.remove("sales_contact_id");
        for name in changes.names().collect::<Vec<_>>() {
            if changes.get(name).is_some_and(|value| *value == value.as_null()) {
                changes.remove(name);
            }
        }
        write(&tx, session, &before, &changes, None, "client.update").await?;
        progress.advance(1);
    }
    progress.finish();
    tx.commit().await?;
    Ok(report)
}

/// The new clients' salesperson.
struct Owner {
    employee_id: i64,
    /// A manager named them (`--sales`): their record is checked, and on
    /// PostgreSQL the rows go through the database's import function.
    named: bool,
}

/// Who the new clients belong to, decided by the policy: a salesperson's
/// import is their own clients' creation ([`Action::CreateClient`]); naming
/// another salesperson is [`Action::ImportClientsFor`], MANAGEMENT's.
fn owner(session: &Session, sales: Option<i64>) -> Result<Owner, Failure> {
    let for_another = sales.filter(|id| *id != session.employee_id || session.department != Department::Sales);
    let Some(sales) = for_another else {
        if session.department == Department::Management {
            return Err(Failure::usage(
                "Name the new clients' sales contact with --sales EMPLOYEE_ID (an active SALES employee).",
            ));
        }
        permit(session, Action::CreateClient, Owners::default()).map_err(|_| support_may_not())?;
        return Ok(Owner { employee_id: session.employee_id, named: false });
    };
    permit(session, Action::ImportClientsFor, Owners::default()).map_err(|denied| match session.department {
        Department::Sales => Failure::new(
            FailureKind::PermissionDenied,
            "SALES import clients of their own: leave out --sales (a manager names another salesperson).",
        ),
        Department::Support => support_may_not(),
        Department::Management => denied,
    })?;
    Ok(Owner { employee_id: sales, named: true })
}

/// SUPPORT's refusal, saying who may import instead.
fn support_may_not() -> Failure {
    Failure::new(
        FailureKind::PermissionDenied,
        "SUPPORT cannot import clients: clients are created by SALES (or imported by MANAGEMENT for a salesperson).",
    )
}

/// A line's cells as typed, trimmed.
fn entry(line: &Line) -> Entry {
    line.cells.keys().map(|column| (*column, line.get(column).to_owned())).collect()
}

/// Duplicates inside the file: all listed (fail), the first kept (skip),
/// or the last kept (update).
fn within_file(
    file: &str,
    checked: Vec<Checked>,
    on_duplicate: OnDuplicate,
    report: &mut ClientImportReport,
) -> Result<Vec<Checked>, Failure> {
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut kept: Vec<Option<Checked>> = Vec::with_capacity(checked.len());
    let mut repeats = Vec::new();
    for line in checked {
        let key = line.email.to_lowercase();
        match first_line.get(&key) {
            None => {
                first_line.insert(key, kept.len());
                kept.push(Some(line));
            }
            Some(&at) => {
                let earlier = kept[at].as_ref().map_or(0, |c| c.line);
                match on_duplicate {
                    OnDuplicate::Fail => {
                        repeats.push(format!("  line {}: {} is also on line {earlier}", line.line, line.email))
                    }
                    OnDuplicate::Skip => report.skipped.push((line.line, line.email.clone())),
                    OnDuplicate::Update => {
                        if let Some(old) = kept[at].replace(line) {
                            report.skipped.push((old.line, old.email));
                        }
                    }
                }
            }
        }
    }
    if !repeats.is_empty() {
        return Err(Failure::new(
            FailureKind::Conflict,
            format!(
                "{file}: {} lines repeat an email of an earlier line (emails ignore case); nothing was imported:\n{}",
                repeats.len(),
                repeats.join("\n")
            ),
        ));
    }
    Ok(kept.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(line: u64, email: &str) -> Checked {
        let mut entry = Entry::new();
        entry.set("first_name", "Ana").set("last_name", "Lopez").set("email", email);
        Checked { line, email: email.to_owned(), new: validate(&entry, 1).expect("valid") }
    }

    #[test]
    fn duplicates_in_the_file_fail_skip_or_keep_the_last() {
        let lines = || vec![checked(2, "a@example.com"), checked(3, "b@example.com"), checked(4, "A@Example.com")];
        let mut report = ClientImportReport::default();
        let failure = within_file("f.csv", lines(), OnDuplicate::Fail, &mut report).err().expect("fails");
        assert_eq!(failure.kind, FailureKind::Conflict);
        assert!(failure.message.contains("line 4: A@Example.com is also on line 2"), "{}", failure.message);
        let kept = within_file("f.csv", lines(), OnDuplicate::Skip, &mut report).expect("skip");
        assert_eq!(kept.iter().map(|c| c.line).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(report.skipped, [(4, "A@Example.com".to_owned())]);
        let mut report = ClientImportReport::default();
        let kept = within_file("f.csv", lines(), OnDuplicate::Update, &mut report).expect("update");
        assert_eq!(kept.iter().map(|c| c.line).collect::<Vec<_>>(), [4, 3]);
        assert_eq!(report.skipped, [(2, "a@example.com".to_owned())]);
    }

    #[test]
    fn validation_is_the_create_rules() {
        // The same function as `clients create`: a bad email names the field.
        let mut entry = Entry::new();
        entry.set("first_name", "A").set("last_name", "B").set("email", "no-at.io");
        let failure = validate(&entry, 1).expect_err("invalid");
        assert!(failure.message.to_lowercase().contains("email"), "{}", failure.message);
    }
}
