//! `epic-crm employees create | import | reset-password | unlock`: the first manager
//! without a login, then employees managed by MANAGEMENT.

use crate::services::kinds;
use crate::services::kinds::Described as _;
use clap::{Args, Subcommand};

use super::Format;
use super::clients::Paging;
use super::output::{print_object, print_pages, print_record};
use super::session::{passwords_from_stdin, prompt_new};
use crate::config::{DatabaseTarget, Settings};
use crate::domain::Department;
use crate::error::Failure;
use crate::services::accounts::{Accounts, EmployeeForm};
use crate::services::employee_import::Imported;
use crate::services::employees::{self, EmployeeEdit, EmployeeQuery};
use crate::services::paging::PageRequest;

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
    /// Import a staff spreadsheet (MANAGEMENT): CSV with email, password and
    /// department columns, optional first_name, last_name and phone; an
    /// empty password is generated and printed once.  All or nothing.
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
    },
    /// End an employee's lockout after too many failed logins (MANAGEMENT only).
    Unlock {
        /// The employee's id.
        id: i64,
    },
    /// List employees.
    List(ListArgs),
    /// Show one employee.
    Show {
        /// The employee's id.
        id: i64,
    },
    /// Change an employee's details or department (MANAGEMENT).
    Update(UpdateArgs),
    /// Deactivate an employee: their sessions end at once (MANAGEMENT).
    Deactivate {
        /// The employee's id.
        id: i64,
        #[arg(long)]
        expect_version: Option<i64>,
    },
    /// Reactivate a deactivated employee (MANAGEMENT).
    Reactivate {
        /// The employee's id.
        id: i64,
        #[arg(long)]
        expect_version: Option<i64>,
    },
    /// Delete an employee nothing references (MANAGEMENT); asks for --confirm ID.
    Delete {
        /// The employee's id.
        id: i64,
        /// The same id again, to confirm.
        #[arg(long, value_name = "ID")]
        confirm: Option<i64>,
        #[arg(long)]
        expect_version: Option<i64>,
    },
}

/// `employees list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this department: MANAGEMENT, SALES or SUPPORT.
    #[arg(long)]
    pub department: Option<String>,
    /// Only deactivated employees.
    #[arg(long)]
    pub inactive: bool,
    #[command(flatten)]
    pub paging: Paging,
}

/// `employees update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The employee's id.
    pub id: i64,
    #[arg(long)]
    pub first_name: Option<String>,
    #[arg(long)]
    pub last_name: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    /// Empty to remove it.
    #[arg(long)]
    pub phone: Option<String>,
    /// MANAGEMENT, SALES or SUPPORT.
    #[arg(long)]
    pub department: Option<String>,
    /// Fail with a conflict (exit 7) unless the employee is still at this version.
    #[arg(long)]
    pub expect_version: Option<i64>,
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
                Format::Json | Format::Csv => {
                    print_object(format, &serde_json::json!({ "id": id, "one_time_password": one_time }))
                }
                _ => {
                    out!("One-time password for employee {id}: {one_time}");
                    out!("It is shown only this once. They must choose a new password at their next login.");
                }
            }
        }
        EmployeesCommand::Import { file } => {
            let bar = super::progress::Bar::new();
            let imported = accounts.import_employees(&file, &bar).await;
            bar.clear();
            let imported = imported?;
            print_imported(format, &file, &imported);
        }
        EmployeesCommand::List(args) => {
            let session = accounts.session().await?;
            let department = args
                .department
                .as_deref()
                .map(|text| text.parse::<Department>())
                .transpose()
                .map_err(|err| Failure::usage(format!("--department: {err}.")))?;
            let query = EmployeeQuery { department, inactive: args.inactive, search: args.paging.search.clone() };
            let sort = args.paging.sort(kinds::EMPLOYEE.sorts)?;
            let first = args.paging.first_page();
            print_pages(format, &kinds::EMPLOYEE, first, args.paging.all, async |request: &PageRequest| {
                employees::list(accounts.store(), &session, &query, sort, request).await
            })
            .await?;
        }
        EmployeesCommand::Show { id } => {
            let session = accounts.session().await?;
            let employee = employees::show(accounts.store(), &session, id).await?;
            print_record(format, kinds::EMPLOYEE.names(), &kinds::EMPLOYEE.json(&employee));
        }
        EmployeesCommand::Update(args) => {
            let session = accounts.session().await?;
            let edit = EmployeeEdit {
                first_name: args.first_name,
                last_name: args.last_name,
                email: args.email,
                phone: args.phone,
                department: args.department,
            };
            let updated = employees::update(accounts.store(), &session, args.id, &edit, args.expect_version).await?;
            print_record(format, kinds::EMPLOYEE.names(), &kinds::EMPLOYEE.json(&updated));
        }
        EmployeesCommand::Deactivate { id, expect_version } => {
            set_active(&accounts, id, false, expect_version, format).await?;
        }
        EmployeesCommand::Reactivate { id, expect_version } => {
            set_active(&accounts, id, true, expect_version, format).await?;
        }
        EmployeesCommand::Delete { id, confirm, expect_version } => {
            if confirm != Some(id) {
                return Err(Failure::usage(format!(
                    "Deleting employee {id} cannot be undone: repeat their id with --confirm {id}."
                )));
            }
            let session = accounts.session().await?;
            employees::delete(accounts.store(), &session, id, expect_version).await?;
            match format {
                Format::Json | Format::Csv => print_object(format, &serde_json::json!({ "deleted": id })),
                _ => out!("Deleted employee {id}."),
            }
        }
        EmployeesCommand::Unlock { id } => {
            let was_locked = accounts.unlock(id).await?;
            match format {
                Format::Json | Format::Csv => {
                    print_object(format, &serde_json::json!({ "id": id, "unlocked": was_locked }))
                }
                _ if was_locked => out!("Employee {id} can log in again."),
                _ => out!("Employee {id} was not locked out."),
            }
        }
    }
    accounts.close().await
}

async fn set_active(
    accounts: &Accounts,
    id: i64,
    active: bool,
    expect_version: Option<i64>,
    format: Format,
) -> Result<(), Failure> {
    let session = accounts.session().await?;
    let changed = employees::set_active(accounts.store(), &session, id, active, expect_version).await?;
    print_record(format, kinds::EMPLOYEE.names(), &kinds::EMPLOYEE.json(&changed));
    Ok(())
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
        Format::Json | Format::Csv => {
            let mut object = kinds::EMPLOYEE.json(employee);
            if let Some(one_time) = &created.one_time_password {
                object["one_time_password"] = one_time.clone().into();
            }
            print_object(format, &object);
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

fn print_imported(format: Format, file: &std::path::Path, imported: &[Imported]) {
    match format {
        Format::Json => {
            let items: Vec<_> = imported
                .iter()
                .map(|i| {
                    let mut value = kinds::EMPLOYEE.json(&i.employee);
                    value["line"] = i.line.into();
                    value["one_time_password"] = i.generated_password.clone().into();
                    value
                })
                .collect();
            out!("{}", serde_json::json!({ "file": file.display().to_string(), "items": items }));
        }
        Format::Csv => {
            out!("line,id,email,department,one_time_password");
            for i in imported {
                out!(
                    "{},{},{},{},{}",
                    i.line,
                    i.employee.id,
                    super::csv_cell(&i.employee.email),
                    i.employee.department().map_or("", |d| d.code()),
                    i.generated_password.as_deref().unwrap_or("")
                );
            }
        }
        Format::Table => {
            out!("Imported {} from {}:", crate::text::count(imported.len() as u64, "employee"), file.display());
            let rows: Vec<Vec<String>> = imported
                .iter()
                .map(|i| {
                    vec![
                        i.employee.id.to_string(),
                        format!("{} {}", i.employee.first_name, i.employee.last_name),
                        i.employee.email.clone(),
                        i.employee.department().map_or("", |d| d.code()).to_owned(),
                        i.generated_password.clone().unwrap_or_else(|| "(as given)".into()),
                    ]
                })
                .collect();
            super::print_table(&["ID", "NAME", "EMAIL", "DEPARTMENT", "ONE-TIME PASSWORD"], &rows);
            if imported.iter().any(|i| i.generated_password.is_some()) {
                out!("Generated passwords are shown only this once: hand each to its owner.");
            }
            out!("Everyone imported chooses a new password at their first login.");
        }
    }
}
