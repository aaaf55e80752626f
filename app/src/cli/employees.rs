//! `epic-crm employees create | reset-password | unlock`: the first manager
//! without a login, then employees managed by MANAGEMENT.

use clap::{Args, Subcommand};

use super::Format;
use super::session::{passwords_from_stdin, prompt_new};
use crate::config::{DatabaseTarget, Settings};
use crate::error::Failure;
use crate::services::accounts::{Accounts, EmployeeForm};

/// Employee commands.
#[derive(Debug, Subcommand)]
pub enum EmployeesCommand {
    /// Create an employee.  The first employee of a database needs no login
    /// and must be in MANAGEMENT; after that, only MANAGEMENT may.
    Create(CreateArgs),
    /// Give an employee a one-time password, printed once; they must change
    /// it at their next login (MANAGEMENT only).
    ResetPassword {
        /// The employee's id.
        id: i64,
    },
    /// End an employee's lockout after too many failed logins (MANAGEMENT only).
    Unlock {
        /// The employee's id.
        id: i64,
    },
}

/// `epic-crm employees create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// First name.
    #[arg(long)]
    pub first_name: String,
    /// Last name.
    #[arg(long)]
    pub last_name: String,
    /// Email address (unique, ignoring case); the login.
    #[arg(long)]
    pub email: String,
    /// Phone number.
    #[arg(long, default_value = "")]
    pub phone: String,
    /// MANAGEMENT, SALES or SUPPORT.
    #[arg(long)]
    pub department: String,
    /// Read the password from the first line of standard input.  Without
    /// it, the first manager is asked for one; other employees get a
    /// one-time password, printed once.
    #[arg(long)]
    pub password_stdin: bool,
}

pub(super) async fn run(
    command: EmployeesCommand,
    target: &DatabaseTarget,
    settings: &Settings,
    format: Format,
) -> Result<(), Failure> {
    let accounts = Accounts::open(target, settings).await?;
    match command {
        EmployeesCommand::Create(args) => create(&accounts, args, format).await?,
        EmployeesCommand::ResetPassword { id } => {
            let one_time = accounts.reset_password(id).await?;
            match format {
                Format::Json => out!("{}", serde_json::json!({ "id": id, "one_time_password": one_time })),
                _ => {
                    out!("One-time password for employee {id}: {one_time}");
                    out!("It is shown only this once. They must choose a new password at their next login.");
                }
            }
        }
        EmployeesCommand::Unlock { id } => {
            let was_locked = accounts.unlock(id).await?;
            match format {
                Format::Json => out!("{}", serde_json::json!({ "id": id, "unlocked": was_locked })),
                _ if was_locked => out!("Employee {id} can log in again."),
                _ => out!("Employee {id} was not locked out."),
            }
        }
    }
    accounts.close().await
}

async fn create(accounts: &Accounts, args: CreateArgs, format: Format) -> Result<(), Failure> {
    let form = EmployeeForm {
        first_name: args.first_name,
        last_name: args.last_name,
        email: args.email,
        phone: args.phone,
        department: args.department,
    };
    let password = if args.password_stdin {
        Some(passwords_from_stdin(1)?.remove(0))
    } else if accounts.needs_first_manager().await? {
        // Check the form before asking for a password.
        form.validate()?;
        Some(prompt_new("Password for the first manager: ")?)
    } else {
        None
    };
    let created = accounts.create_employee(&form, password.as_deref()).await?;
    let employee = &created.employee;
    match format {
        Format::Json => {
            let mut object = crate::services::records::employee(employee);
            if let Some(one_time) = &created.one_time_password {
                object["one_time_password"] = one_time.clone().into();
            }
            out!("{object}");
        }
        _ => {
            let department = employee.department().map_or("?", |d| d.code());
            out!(
                "Created employee {}: {} {} <{}>, {department}.",
                employee.id,
                employee.first_name,
                employee.last_name,
                employee.email
            );
            if created.first_employee {
                out!("This is the first manager: log in with `epic-crm login --email {}`.", employee.email);
            }
            if let Some(one_time) = &created.one_time_password {
                out!("One-time password: {one_time}");
                out!("It is shown only this once. They must choose a new password at their first login.");
            } else if !created.first_employee {
                out!("They must choose a new password at their first login.");
            }
        }
    }
    Ok(())
}
