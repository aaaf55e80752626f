//! `employees import FILE.csv` (MANAGEMENT): `email,password,department`
//! lines plus optional name and phone columns; an empty password is
//! generated and printed once; every line checked first, then all created
//! in one transaction through the authority (the database's own function
//! in team mode); everyone imported changes their password at first login.

use std::collections::HashMap;
use std::path::Path;

use super::accounts::{Accounts, EmployeeForm};
use super::spreadsheet::{self, Columns, Line};
use super::transfer::Progress;
use crate::auth::password;
use crate::domain::policy;
use crate::error::{Failure, FailureKind};
use crate::store::employees::{EmployeeRow, NewEmployee};
use crate::text::count;

/// The columns of a staff spreadsheet.
pub fn columns() -> Columns {
    Columns {
        record: "employee",
        known: vec!["email", "password", "department", "first_name", "last_name", "phone"],
        required: vec!["email", "password", "department"],
        aliases: vec![("e_mail", "email"), ("mail", "email"), ("telephone", "phone")],
    }
}

/// An employee imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// The line it came from.
    pub line: u64,
    /// The new employee.
    pub employee: EmployeeRow,
    /// The password generated for an empty cell, shown this once.
    pub generated_password: Option<String>,
}

/// First and last name from an address such as `ana.lopez@…` (for files
/// without name columns).
fn names_from_email(email: &str) -> Option<(String, String)> {
    let local = email.split('@').next()?;
    let mut parts =
        local.split(['.', '_', '-']).filter(|part| !part.is_empty() && part.chars().all(char::is_alphabetic));
    let capital = |part: &str| {
        let mut chars = part.chars();
        chars.next().map(|first| first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect::<String>())
    };
    let first = capital(parts.next()?)?;
    let rest: Vec<String> = parts.filter_map(capital).collect();
    if rest.is_empty() {
        return None;
    }
    Some((first, rest.join(" ")))
}

fn form(line: &Line) -> Result<EmployeeForm, String> {
    let email = line.get("email").to_owned();
    let (mut first_name, mut last_name) = (line.get("first_name").to_owned(), line.get("last_name").to_owned());
    if first_name.is_empty() && last_name.is_empty() {
        match names_from_email(&email) {
            Some((first, last)) => (first_name, last_name) = (first, last),
            None if line.has("first_name") || line.has("last_name") => {}
            None => {
                return Err(format!(
                    "no name: add first_name and last_name columns (the address {email} does not read as first.last@…)"
                ));
            }
        }
    }
    Ok(EmployeeForm {
        first_name,
        last_name,
        email,
        phone: line.get("phone").to_owned(),
        department: line.get("department").to_owned(),
    })
}

impl Accounts {
    /// Imports a staff spreadsheet: all or nothing.
    pub async fn import_employees(&self, path: &Path, progress: &dyn Progress) -> Result<Vec<Imported>, Failure> {
        let session = self.session().await?;
        let who = policy::Who { employee_id: session.employee_id, department: session.department };
        policy::decide(who, policy::Action::CreateEmployee, policy::Owners::default())
            .map_err(|denied| Failure::new(FailureKind::PermissionDenied, denied.reason))?;
        let lines = spreadsheet::read(path, &columns())?;
        let file = path.display().to_string();
        let mut problems = Vec::new();
        let mut checked: Vec<(u64, NewEmployee, String, bool)> = Vec::with_capacity(lines.len());
        let mut seen: HashMap<String, u64> = HashMap::new();
        for line in &lines {
            let new = form(line).map_err(Failure::invalid).and_then(|form| form.validate());
            let new = match new {
                Ok(new) => new,
                Err(failure) => {
                    problems.push(format!("  line {}: {}", line.number, failure.message));
                    continue;
                }
            };
            if let Some(earlier) = seen.insert(new.email.to_lowercase(), line.number) {
                problems.push(format!("  line {}: {} is also on line {earlier}", line.number, new.email));
                continue;
            }
            let given = line.get("password");
            let (password, generated) =
                if given.is_empty() { (password::one_time()?, true) } else { (given.to_owned(), false) };
            if let Err(err) = password::check_new(&password, &new.email) {
                problems.push(format!("  line {}: {}", line.number, Failure::from(err).message));
                continue;
            }
            checked.push((line.number, new, password, generated));
        }
        if !problems.is_empty() {
            return Err(Failure::invalid(format!(
                "{file}: {} of {} lines cannot be imported; nothing was imported:\n{}",
                problems.len(),
                lines.len(),
                problems.join("\n")
            )));
        }
        let emails: Vec<String> = checked.iter().map(|(_, new, _, _)| new.email.clone()).collect();
        let existing: HashMap<String, i64> = self
            .store()
            .as_employee(&session.actor(), async |tx| crate::store::employees::by_emails(tx, &emails).await)
            .await?
            .into_iter()
            .map(|row| (row.email.to_lowercase(), row.id))
            .collect();
        let mut taken = Vec::new();
        for (line, new, _, _) in &checked {
            if let Some(id) = existing.get(&new.email.to_lowercase()) {
                taken.push(format!("  line {line}: {} is already employee {id}", new.email));
            }
        }
        if !taken.is_empty() {
            return Err(Failure::new(
                FailureKind::Conflict,
                format!(
                    "{file}: {} lines name employees that already exist; nothing was imported:\n{}",
                    taken.len(),
                    taken.join("\n")
                ),
            ));
        }
        let batch: Vec<(NewEmployee, String)> =
            checked.iter().map(|(_, new, password, _)| (new.clone(), password.clone())).collect();
        // Each password's verifier takes a deliberate fraction of a second.
        progress.start(&format!("Creating {} (hashing each password)", count(batch.len() as u64, "account")), 0);
        let ids = self.create_employees_for(&session, batch).await;
        progress.finish();
        let ids = ids?;
        // Read back in one query, as the manager sees them.
        let mut created: HashMap<i64, EmployeeRow> = self
            .store()
            .as_employee(&session.actor(), async |tx| crate::store::employees::by_emails(tx, &emails).await)
            .await?
            .into_iter()
            .map(|row| (row.id, row))
            .collect();
        let mut imported = Vec::with_capacity(ids.len());
        for ((line, _, password, generated), id) in checked.into_iter().zip(ids) {
            let employee = created
                .remove(&id)
                .ok_or_else(|| Failure::unexpected(format!("The new employee {id} could not be read back.")))?;
            crate::telemetry::notable("employee.create", "employee", id, session.employee_id);
            imported.push(Imported { line, employee, generated_password: generated.then_some(password) });
        }
        Ok(imported)
    }
}

#[cfg(test)]
mod tests {
    use super::names_from_email;

    #[test]
    fn names_come_from_first_last_addresses() {
        assert_eq!(names_from_email("ana.lopez@example.com"), Some(("Ana".into(), "Lopez".into())));
        assert_eq!(names_from_email("JEAN-luc.picard@x.io"), Some(("Jean".into(), "Luc Picard".into())));
        assert_eq!(names_from_email("zoë_ångström@x.se"), Some(("Zoë".into(), "Ångström".into())));
        assert_eq!(names_from_email("ops@example.com"), None);
        assert_eq!(names_from_email("a.b2@example.com"), None);
    }
}
