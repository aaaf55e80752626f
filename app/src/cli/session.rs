//! `epic-crm login | whoami | logout | password`, and reading passwords
//! without ever taking them as arguments.

use std::io::{BufRead, IsTerminal};

use clap::Args;

use super::Format;
use super::output::print_object;
use crate::auth::Session;
use crate::config::{DatabaseTarget, Settings};
use crate::error::Failure;
use crate::services::accounts::Accounts;

/// `epic-crm login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Your email address.
    #[arg(long)]
    pub email: String,
    /// Read the password from the first line of standard input instead of
    /// prompting.
    #[arg(long)]
    pub password_stdin: bool,
}

/// `epic-crm password`.
#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// Read the current password and then the new one from the first two
    /// lines of standard input instead of prompting.
    #[arg(long)]
    pub password_stdin: bool,
}

/// Reads `count` passwords, one per line, from standard input.
pub(super) fn passwords_from_stdin(count: usize) -> Result<Vec<String>, Failure> {
    let mut passwords = Vec::with_capacity(count);
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    for n in 0..count {
        let line = match lines.next() {
            Some(Ok(line)) => line,
            Some(Err(err)) => return Err(Failure::unexpected(format!("Cannot read standard input ({err})."))),
            None => String::new(),
        };
        let password = line.strip_suffix('\r').unwrap_or(&line).to_owned();
        if password.is_empty() {
            let which = if count == 1 {
                "No password".to_owned()
            } else {
                format!("Line {} is empty: the {} password is missing", n + 1, ["current", "new"][n.min(1)])
            };
            return Err(Failure::invalid(format!("{which} on standard input: write it there, followed by a newline.")));
        }
        passwords.push(password);
    }
    Ok(passwords)
}

/// Asks for a password on the terminal without echoing it.
pub(super) fn prompt(label: &str) -> Result<String, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "A password is needed and standard input is not a terminal: pass it with --password-stdin.",
        ));
    }
    let password = rpassword::prompt_password(label)
        .map_err(|err| Failure::unexpected(format!("Cannot read the password from the terminal ({err}).")))?;
    if password.is_empty() {
        return Err(Failure::invalid("No password was typed."));
    }
    Ok(password)
}

/// Asks for a new password twice.
pub(super) fn prompt_new(label: &str) -> Result<String, Failure> {
    let first = prompt(label)?;
    let again = prompt("Type it again: ")?;
    if first != again {
        return Err(Failure::invalid("The two passwords typed differ: nothing was changed."));
    }
    Ok(first)
}

fn describe(session: &Session) -> String {
    format!("{} <{}>, {}, employee {}", session.full_name(), session.email, session.department, session.employee_id)
}

fn session_json(session: &Session, database: &str) -> serde_json::Value {
    serde_json::json!({
        "id": session.employee_id,
        "first_name": session.first_name,
        "last_name": session.last_name,
        "email": session.email,
        "department": session.department.code(),
        "must_change_password": session.must_change_password,
        "database": database,
    })
}

pub(super) async fn login(
    args: LoginArgs,
    target: &DatabaseTarget,
    settings: &Settings,
    format: Format,
) -> Result<(), Failure> {
    let password = match args.password_stdin {
        true => passwords_from_stdin(1)?.remove(0),
        false => prompt("Password: ")?,
    };
    let accounts = Accounts::open(target, settings).await?;
    let session = accounts.login(&args.email, &password).await?;
    match format {
        Format::Json | Format::Csv => print_object(format, &session_json(&session, accounts.database())),
        _ => {
            out!("Logged in to {} as {}.", accounts.database(), describe(&session));
            if session.must_change_password {
                out!("Your password must be changed before anything else: run `epic-crm password`.");
            }
        }
    }
    accounts.close().await
}

pub(super) async fn whoami(target: &DatabaseTarget, settings: &Settings, format: Format) -> Result<(), Failure> {
    let accounts = Accounts::open(target, settings).await?;
    let session = accounts.session().await?;
    match format {
        Format::Json => print_object(format, &session_json(&session, accounts.database())),
        Format::Csv => {
            out!("id,first_name,last_name,email,department");
            let cells = [
                session.employee_id.to_string(),
                session.first_name.clone(),
                session.last_name.clone(),
                session.email.clone(),
                session.department.code().to_owned(),
            ];
            out!("{}", cells.iter().map(|cell| super::csv_cell(cell)).collect::<Vec<_>>().join(","));
        }
        Format::Table => {
            out!("Name:        {}", session.full_name());
            out!("Email:       {}", session.email);
            out!("Department:  {}", session.department);
            out!("Employee id: {}", session.employee_id);
            out!("Database:    {}", accounts.database());
        }
    }
    accounts.close().await
}

pub(super) async fn logout(target: &DatabaseTarget, settings: &Settings, format: Format) -> Result<(), Failure> {
    let accounts = Accounts::open(target, settings).await?;
    let ended = accounts.logout().await?;
    match format {
        Format::Json | Format::Csv => {
            print_object(format, &serde_json::json!({ "logged_out": ended, "database": accounts.database() }))
        }
        _ if ended => out!("Logged out of {}.", accounts.database()),
        _ => out!("You were not logged in to {}.", accounts.database()),
    }
    accounts.close().await
}

pub(super) async fn password(
    args: PasswordArgs,
    target: &DatabaseTarget,
    settings: &Settings,
    format: Format,
) -> Result<(), Failure> {
    let accounts = Accounts::open(target, settings).await?;
    // Check the session before asking anything: no point typing passwords
    // for nobody.
    accounts.session_allowing_password_change().await?;
    let (current, new) = match args.password_stdin {
        true => {
            let mut lines = passwords_from_stdin(2)?;
            let new = lines.remove(1);
            (lines.remove(0), new)
        }
        false => (prompt("Current password: ")?, prompt_new("New password: ")?),
    };
    let session = accounts.change_password(&current, &new).await?;
    match format {
        Format::Json | Format::Csv => print_object(format, &session_json(&session, accounts.database())),
        _ => out!("Password changed for {}; your other sessions were ended.", describe(&session)),
    }
    accounts.close().await
}
