//! The runner: performs effects on tokio tasks through the services and
//! sends each result back as an [`Action`].  It is the only TUI module that
//! calls services.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc};

use super::action::Action;
use super::effect::{Effect, Save};
use super::lists::{DisplayRow, Filter, ListKind, ListPage, ListQuery, Scope};
use super::model::{Outcome, SessionInfo, Startup};
use crate::auth::Session;
use crate::config::{DatabaseTarget, Settings};
use crate::error::{Failure, FailureKind};
use crate::services::accounts::{Accounts, EmployeeForm};
use crate::services::audit::AuditFilter;
use crate::services::clients::ClientQuery;
use crate::services::contracts::ContractQuery;
use crate::services::employees::EmployeeQuery;
use crate::services::events::EventQuery;
use crate::services::paging::{Page, PageRequest, Sort, SortDir};
use crate::services::{self, demo};

/// A list's filters and search in the services' terms.
enum Wanted {
    Clients(ClientQuery),
    Contracts(ContractQuery),
    Events(EventQuery),
    Employees(EmployeeQuery),
    Audit(AuditFilter),
    Notifications { unread: bool, search: Option<String> },
}

impl Wanted {
    fn of(query: &ListQuery) -> Wanted {
        let search = Some(query.search.trim().to_owned()).filter(|text| !text.is_empty());
        let has = |filter: Filter| query.filters.contains(&filter);
        match query.kind {
            ListKind::Clients => Wanted::Clients(ClientQuery {
                mine: has(Filter::Mine),
                without_sales: has(Filter::WithoutSales),
                search,
            }),
            ListKind::Contracts => Wanted::Contracts(ContractQuery {
                mine: has(Filter::Mine),
                unsigned: has(Filter::Unsigned),
                unpaid: has(Filter::Unpaid),
                client_id: match &query.scope {
                    Some(Scope::Client { id, .. }) => Some(*id),
                    _ => None,
                },
                search,
            }),
            ListKind::Events => Wanted::Events(EventQuery {
                mine: has(Filter::Mine),
                without_support: has(Filter::WithoutSupport),
                upcoming: has(Filter::Upcoming),
                contract_id: match &query.scope {
                    Some(Scope::Contract { id }) => Some(*id),
                    _ => None,
                },
                support_id: None,
                search,
            }),
            ListKind::Employees => {
                Wanted::Employees(EmployeeQuery { department: None, inactive: has(Filter::Inactive), search })
            }
            ListKind::Audit => Wanted::Audit(AuditFilter { search, ..AuditFilter::default() }),
            ListKind::Notifications => Wanted::Notifications { unread: has(Filter::Unread), search },
        }
    }
}

/// Rows an export reads per page.
const EXPORT_PAGE_ROWS: u64 = 500;

/// The longest an effect may take before it is reported as unanswered.
const EFFECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// The longest a whole export may take (each page still has
/// [`EFFECT_TIMEOUT`]).
const EXPORT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(6 * 3600);

impl Effect {
    /// The action reporting that this effect failed with `failure`.
    pub fn failed(&self, failure: Failure) -> Action {
        match self {
            Effect::Start | Effect::UseProfile { .. } => Action::Started(Err(failure)),
            Effect::Login { .. } | Effect::CreateFirstManager { .. } | Effect::ChangePassword { .. } => {
                Action::SignedIn(Err(failure))
            }
            Effect::LoadDemo => Action::DemoLoaded(Err(failure)),
            Effect::Logout => Action::LoggedOut(Err(failure)),
            Effect::LoadPage { request, .. } => Action::PageLoaded { request: *request, result: Err(failure) },
            Effect::LoadDashboard { request, .. } => {
                Action::DashboardLoaded { request: *request, result: Err(failure) }
            }
            Effect::LoadLoads { request, .. } => Action::LoadsLoaded { request: *request, result: Err(failure) },
            Effect::LoadRecord { request, .. } => Action::RecordLoaded { request: *request, result: Err(failure) },
            Effect::Save { request, .. } => Action::Saved { request: *request, result: Err(failure) },
            Effect::CountUnread => Action::UnreadCounted(Err(failure)),
            Effect::Export { request, .. } => Action::Exported { request: *request, result: Err(failure) },
            // Nothing waits for these.
            Effect::CancelExport { .. } | Effect::Clipboard { .. } => Action::Tick,
        }
    }
}

/// Performs effects on tokio tasks and sends back their results.
#[derive(Clone)]
pub struct Runner {
    inner: Arc<Inner>,
    actions: mpsc::UnboundedSender<Action>,
}

/// What every clone of the runner shares: the settings, the database in
/// use, and which export was asked to stop.
struct Inner {
    settings: Settings,
    database: Mutex<Database>,
    /// The export asked to stop (its request id; 0 for none).
    cancelled_export: std::sync::atomic::AtomicU64,
}

/// The database in use: where it is, which profile named it, and its
/// accounts once opened.
struct Database {
    target: DatabaseTarget,
    profile: Option<String>,
    accounts: Option<Arc<Accounts>>,
}

impl Runner {
    /// A runner for the database `target` (named by `profile`, when a
    /// configured one), sending results to `actions`.
    pub fn new(
        settings: Settings,
        target: DatabaseTarget,
        profile: Option<String>,
        actions: mpsc::UnboundedSender<Action>,
    ) -> Runner {
        let database = Mutex::new(Database { target, profile, accounts: None });
        Runner {
            inner: Arc::new(Inner { settings, database, cancelled_export: std::sync::atomic::AtomicU64::new(0) }),
            actions,
        }
    }

    /// Starts an effect; its result arrives later as an action.
    pub fn spawn(&self, effect: Effect) {
        match effect {
            Effect::CancelExport { request } => {
                self.inner.cancelled_export.store(request, std::sync::atomic::Ordering::SeqCst);
                return;
            }
            Effect::Clipboard { .. } => return,
            _ => {}
        }
        // An export walks every page: each page has the time limit, not
        // the whole export.
        let limit = if matches!(effect, Effect::Export { .. }) { EXPORT_TIMEOUT } else { EFFECT_TIMEOUT };
        let runner = self.clone();
        tokio::spawn(async move {
            let fallback = effect.clone();
            // The work runs in its own task so that a panic in it (a bug)
            // still answers the request instead of leaving it pending, and
            // a database that stops answering mid-query is reported.
            let work = tokio::spawn({
                let runner = runner.clone();
                async move { runner.perform(effect).await }
            });
            let action = match tokio::time::timeout(limit, work).await {
                Ok(Ok(action)) => action,
                Ok(Err(panicked)) => {
                    tracing::error!(error = %panicked, "an effect failed unexpectedly");
                    fallback
                        .failed(Failure::unexpected("Something went wrong on our side: the log file has the details."))
                }
                Err(_) => fallback.failed(Failure::new(
                    FailureKind::Unavailable,
                    format!("The database did not answer within {} s.", EFFECT_TIMEOUT.as_secs()),
                )),
            };
            // The application may have quit meanwhile: nothing to tell.
            let _ = runner.actions.send(action);
        });
    }

    /// The accounts of the database, opened on first use (and again after
    /// a failure to open, so a database that comes back is found).
    async fn accounts(&self) -> Result<Arc<Accounts>, Failure> {
        let mut database = self.inner.database.lock().await;
        if let Some(accounts) = database.accounts.as_ref() {
            return Ok(accounts.clone());
        }
        let accounts = Arc::new(Accounts::open(&database.target, &self.inner.settings).await?);
        database.accounts = Some(accounts.clone());
        Ok(accounts)
    }

    /// The logged-in employee, checked (and refreshed) for this effect: a
    /// session ended elsewhere ends here too.
    async fn session(&self) -> Result<(Arc<Accounts>, Session), Failure> {
        let accounts = self.accounts().await?;
        let session = accounts.session().await?;
        Ok((accounts, session))
    }

    async fn perform(&self, effect: Effect) -> Action {
        match effect {
            Effect::Start => Action::Started(self.start().await),
            Effect::UseProfile { name } => Action::Started(match self.use_profile(&name).await {
                Ok(()) => self.start().await,
                Err(failure) => Err(failure),
            }),
            Effect::Login { email, password } => Action::SignedIn(self.login(&email, &password).await),
            Effect::CreateFirstManager { form, password } => {
                Action::SignedIn(self.first_manager(&form, &password).await)
            }
            Effect::LoadDemo => Action::DemoLoaded(self.load_demo().await),
            Effect::ChangePassword { current, new } => Action::SignedIn(self.change_password(&current, &new).await),
            Effect::Logout => Action::LoggedOut(self.logout().await),
            Effect::LoadPage { request, query } => Action::PageLoaded { request, result: self.page(&query).await },
            Effect::LoadDashboard { request, from } => {
                let result = match self.session().await {
                    Ok((accounts, session)) => services::dashboard::load(accounts.store(), &session, from).await,
                    Err(failure) => Err(failure),
                };
                Action::DashboardLoaded { request, result }
            }
            Effect::LoadLoads { request, department } => {
                let result = match self.session().await {
                    Ok((accounts, session)) => {
                        let now = crate::domain::time::now_ms();
                        services::dashboard::loads(accounts.store(), &session, department, now).await
                    }
                    Err(failure) => Err(failure),
                };
                Action::LoadsLoaded { request, result }
            }
            Effect::LoadRecord { request, kind, id } => {
                Action::RecordLoaded { request, result: self.record(kind, id).await }
            }
            Effect::Save { request, save } => Action::Saved { request, result: self.save(save).await },
            Effect::CountUnread => Action::UnreadCounted(match self.session().await {
                Ok((accounts, session)) => services::audit::unread(accounts.store(), &session).await,
                Err(failure) => Err(failure),
            }),
            Effect::Export { request, query, path, overwrite } => {
                Action::Exported { request, result: self.export(request, query, &path, overwrite).await }
            }
            // Handled in `spawn` and by the event loop.
            Effect::CancelExport { .. } | Effect::Clipboard { .. } => Action::Tick,
        }
    }

    async fn start(&self) -> Result<Startup, Failure> {
        let accounts = self.accounts().await?;
        let empty = accounts.needs_first_manager().await?;
        let session = match accounts.session_allowing_password_change().await {
            Ok(session) => Some(SessionInfo::of(&session)),
            // No kept session, or one that ended: the login screen.
            Err(failure) if failure.kind == crate::error::FailureKind::Unauthenticated => None,
            Err(failure) => return Err(failure),
        };
        let profile = self.inner.database.lock().await.profile.clone();
        let profiles = self.inner.settings.profiles.keys().cloned().collect();
        Ok(Startup { database: accounts.database().to_owned(), session, empty, profile, profiles })
    }

    /// Closes the database in use and points at the profile `name`.
    async fn use_profile(&self, name: &str) -> Result<(), Failure> {
        let target = DatabaseTarget::resolve(Some(name), &self.inner.settings)?;
        let mut database = self.inner.database.lock().await;
        if let Some(accounts) = database.accounts.take()
            && let Ok(accounts) = Arc::try_unwrap(accounts)
        {
            // Closing is a courtesy; the pool ends with it either way.
            let _ = accounts.close().await;
        }
        database.target = target;
        database.profile = Some(name.to_owned());
        Ok(())
    }

    async fn login(&self, email: &str, password: &str) -> Result<SessionInfo, Failure> {
        let accounts = self.accounts().await?;
        let session = accounts.login(email, password).await?;
        Ok(SessionInfo::of(&session))
    }

    async fn first_manager(&self, form: &EmployeeForm, password: &str) -> Result<SessionInfo, Failure> {
        let accounts = self.accounts().await?;
        let created = accounts.create_employee(form, Some(password)).await?;
        let session = accounts.login(&created.employee.email, password).await?;
        Ok(SessionInfo::of(&session))
    }

    async fn load_demo(&self) -> Result<String, Failure> {
        // The load needs the database to itself: close this side's pool
        // first (it is opened again on the next effect).
        let (open, target) = {
            let mut database = self.inner.database.lock().await;
            (database.accounts.take(), database.target.clone())
        };
        if let Some(accounts) = open
            && let Ok(accounts) = Arc::try_unwrap(accounts)
        {
            accounts.close().await?;
        }
        let options = demo::SeedOptions { clients: 200, seed: 2026, replace: false };
        let report = demo::seed(&target, &options).await?;
        Ok(format!(
            "Demo company loaded: {} employees, {} clients, {} contracts, {} events. Log in as sales@demo.test, manager@demo.test or support@demo.test with the password {}.",
            report.employees,
            report.clients,
            report.contracts,
            report.events,
            demo::DEMO_PASSWORD
        ))
    }

    async fn change_password(&self, current: &str, new: &str) -> Result<SessionInfo, Failure> {
        let accounts = self.accounts().await?;
        let session = accounts.change_password(current, new).await?;
        Ok(SessionInfo::of(&session))
    }

    async fn logout(&self) -> Result<(), Failure> {
        self.accounts().await?.logout().await.map(|_| ())
    }

    /// Writes every page of `query` as CSV to `path`, telling progress
    /// after each page; a cancel or a failure removes the partial file.
    async fn export(
        &self,
        request: u64,
        query: ListQuery,
        path: &Path,
        overwrite: bool,
    ) -> Result<(u64, PathBuf), Failure> {
        use std::io::Write;
        if path.is_dir() {
            return Err(Failure::invalid(format!("{} is a folder: give a file name.", path.display())));
        }
        if !overwrite && path.exists() {
            return Err(Failure::new(FailureKind::Conflict, format!("{} exists already.", path.display())));
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && !parent.is_dir()
        {
            return Err(Failure::invalid(format!("The folder {} does not exist.", parent.display())));
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let partial = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        let _ = std::fs::remove_file(&partial);
        let file = {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&partial)
        }
        .map_err(|err| Failure::invalid(format!("Cannot write {}: {err}.", partial.display())))?;
        let written = self.write_csv(request, query, std::io::BufWriter::new(file)).await;
        let finished = written.and_then(|(rows, mut out)| {
            out.flush()
                .and_then(|()| out.get_ref().sync_all())
                .and_then(|()| std::fs::rename(&partial, path))
                .map(|()| rows)
                .map_err(|err| Failure::unexpected(format!("Cannot write {}: {err}.", path.display())))
        });
        match finished {
            Ok(rows) => Ok((rows, path.to_path_buf())),
            Err(failure) => {
                let _ = std::fs::remove_file(&partial);
                Err(failure)
            }
        }
    }

    async fn write_csv(
        &self,
        request: u64,
        mut query: ListQuery,
        mut out: std::io::BufWriter<std::fs::File>,
    ) -> Result<(u64, std::io::BufWriter<std::fs::File>), Failure> {
        use std::io::Write;
        let fields = super::lists::csv_fields(query.kind);
        let io = |err: std::io::Error| Failure::unexpected(format!("Cannot write the CSV file: {err}."));
        writeln!(out, "{}", fields.join(",")).map_err(io)?;
        // The gauge's total: counted first, in its own read (the pages that
        // follow are read one by one, so others' changes may move it a little).
        let total = match tokio::time::timeout(EFFECT_TIMEOUT, self.count(&query)).await {
            Ok(Ok(total)) => Some(total),
            Ok(Err(_)) | Err(_) => None,
        };
        let _ = self.actions.send(Action::ExportProgress { request, rows: 0, total });
        query.page = PageRequest::first(EXPORT_PAGE_ROWS);
        let mut rows = 0u64;
        loop {
            if self.inner.cancelled_export.load(std::sync::atomic::Ordering::SeqCst) == request {
                return Err(Failure::invalid("Export cancelled: the partial file was removed."));
            }
            let page = match tokio::time::timeout(EFFECT_TIMEOUT, self.page(&query)).await {
                Ok(page) => page?,
                Err(_) => {
                    return Err(Failure::new(
                        FailureKind::Unavailable,
                        format!("The database did not answer within {} s.", EFFECT_TIMEOUT.as_secs()),
                    ));
                }
            };
            for row in &page.rows {
                writeln!(out, "{}", services::records::csv_line(fields, &row.record.json())).map_err(io)?;
            }
            rows += page.rows.len() as u64;
            let _ = self.actions.send(Action::ExportProgress { request, rows, total });
            match page.next {
                Some(cursor) => query.page = PageRequest::after(EXPORT_PAGE_ROWS, cursor),
                None => return Ok((rows, out)),
            }
        }
    }

    async fn page(&self, query: &ListQuery) -> Result<ListPage, Failure> {
        let (accounts, session) = self.session().await?;
        let store = accounts.store();
        let column = query.kind.sorts().iter().find(|column| column.name == query.sort).ok_or_else(|| {
            Failure::unexpected(format!("{} cannot be sorted by {}.", query.kind.title(), query.sort))
        })?;
        let sort = Sort { column, dir: if query.descending { SortDir::Desc } else { SortDir::Asc } };
        fn rows<T>(page: Page<T>, make: fn(T) -> DisplayRow) -> ListPage {
            ListPage { rows: page.items.into_iter().map(make).collect(), next: page.next, prev: page.prev }
        }
        let page = &query.page;
        Ok(match Wanted::of(query) {
            Wanted::Clients(filter) => {
                rows(services::clients::list(store, &session, &filter, sort, page).await?, DisplayRow::client)
            }
            Wanted::Contracts(filter) => {
                rows(services::contracts::list(store, &session, &filter, sort, page).await?, DisplayRow::contract)
            }
            Wanted::Events(filter) => {
                rows(services::events::list(store, &session, &filter, sort, page).await?, DisplayRow::event)
            }
            Wanted::Employees(filter) => {
                rows(services::employees::list(store, &session, &filter, sort, page).await?, DisplayRow::employee)
            }
            Wanted::Audit(filter) => {
                rows(services::audit::list(store, &session, &filter, sort, page).await?, DisplayRow::audit)
            }
            Wanted::Notifications { unread, search } => rows(
                services::audit::notifications(store, &session, unread, search.as_deref(), sort, page).await?,
                DisplayRow::notification,
            ),
        })
    }

    /// How many rows the list holds, every page (an export's gauge).
    async fn count(&self, query: &ListQuery) -> Result<u64, Failure> {
        let (accounts, session) = self.session().await?;
        let store = accounts.store();
        match Wanted::of(query) {
            Wanted::Clients(filter) => services::clients::count(store, &session, &filter).await,
            Wanted::Contracts(filter) => services::contracts::count(store, &session, &filter).await,
            Wanted::Events(filter) => services::events::count(store, &session, &filter).await,
            Wanted::Employees(filter) => services::employees::count(store, &session, &filter).await,
            Wanted::Audit(filter) => services::audit::count(store, &session, &filter).await,
            Wanted::Notifications { unread, search } => {
                services::audit::notifications_count(store, &session, unread, search.as_deref()).await
            }
        }
    }

    async fn record(&self, kind: ListKind, id: i64) -> Result<DisplayRow, Failure> {
        let (accounts, session) = self.session().await?;
        let store = accounts.store();
        Ok(match kind {
            ListKind::Clients => DisplayRow::client(services::clients::show(store, &session, id).await?),
            ListKind::Contracts => DisplayRow::contract(services::contracts::show(store, &session, id).await?),
            ListKind::Events => DisplayRow::event(services::events::show(store, &session, id).await?),
            ListKind::Employees => DisplayRow::employee(services::employees::show(store, &session, id).await?),
            ListKind::Audit | ListKind::Notifications => {
                return Err(Failure::unexpected(format!("{} entries are not edited.", kind.title())));
            }
        })
    }

    async fn save(&self, save: Save) -> Result<Outcome, Failure> {
        use services::{clients, contracts, employees, events};
        let (accounts, session) = self.session().await?;
        let store = accounts.store();
        let local = &chrono::Local;
        Ok(match save {
            Save::NewClient(form) => {
                let row = clients::create(store, &session, &form).await?;
                Outcome::saved(format!("Client {} created: they are yours.", row.id), DisplayRow::client(row))
            }
            Save::EditClient { id, edit, version } => {
                let row = clients::update(store, &session, id, &edit, version).await?;
                Outcome::saved(format!("Client {id} saved."), DisplayRow::client(row))
            }
            Save::Reassign { id, sales_contact_id, version } => {
                let row = clients::reassign(store, &session, id, sales_contact_id, version).await?;
                let name = row.sales_contact_name.clone().unwrap_or_default();
                Outcome::saved(
                    format!("Client {id} and its contracts now belong to {}.", crate::text::sanitize(&name)),
                    DisplayRow::client(row),
                )
            }
            Save::NewContract { client_id, total, due } => {
                let due = Some(due.trim()).filter(|due| !due.is_empty());
                let row = contracts::create(store, &session, client_id, &total, due).await?;
                Outcome::saved(
                    format!("Contract {} created for client {client_id}.", row.id),
                    DisplayRow::contract(row),
                )
            }
            Save::EditContract { id, total, due, version } => {
                let row = contracts::update(store, &session, id, total.as_deref(), due.as_deref(), version).await?;
                Outcome::saved(format!("Contract {id} saved."), DisplayRow::contract(row))
            }
            Save::Pay { id, amount, version } => {
                let row = contracts::pay(store, &session, id, &amount, version).await?;
                let message = format!(
                    "Payment recorded on contract {id}: {} still due.",
                    services::records::money(row.due_cents)
                );
                Outcome::saved(message, DisplayRow::contract(row))
            }
            Save::Sign { id, version } => {
                let row = contracts::sign(store, &session, id, version).await?;
                Outcome::saved(format!("Contract {id} signed."), DisplayRow::contract(row))
            }
            Save::DeleteContract { id, version } => {
                contracts::delete(store, &session, id, version).await?;
                Outcome::said(format!("Contract {id} deleted."))
            }
            Save::NewEvent { contract_id, form } => {
                let row = events::create(store, &session, contract_id, &form, local).await?;
                Outcome::saved(format!("Event {} created for contract {contract_id}.", row.id), DisplayRow::event(row))
            }
            Save::EditEvent { id, edit, version } => {
                let row = events::update(store, &session, id, &edit, version, local).await?;
                Outcome::saved(format!("Event {id} saved."), DisplayRow::event(row))
            }
            Save::Assign { ids, support_id } => {
                let rows = events::assign(store, &session, &ids, support_id).await?;
                let name = rows.first().and_then(|row| row.support_contact_name.clone()).unwrap_or_default();
                let count = rows.len();
                let noun = if count == 1 { "event" } else { "events" };
                Outcome::said(format!("{count} {noun} assigned to {}.", crate::text::sanitize(&name)))
            }
            Save::Unassign { ids } => {
                let rows = events::unassign(store, &session, &ids).await?;
                let count = rows.len();
                Outcome::said(format!("Support removed from {count} {}.", if count == 1 { "event" } else { "events" }))
            }
            Save::NewEmployee(form) => {
                let created = accounts.create_employee(&form, None).await?;
                let id = created.employee.id;
                Outcome {
                    message: format!("Employee {id} created: hand over the one-time password."),
                    record: Some(DisplayRow::employee(created.employee)),
                    one_time_password: created.one_time_password,
                }
            }
            Save::EditEmployee { id, edit, version } => {
                let row = employees::update(store, &session, id, &edit, version).await?;
                Outcome::saved(format!("Employee {id} saved."), DisplayRow::employee(row))
            }
            Save::SetActive { id, active, version } => {
                let row = employees::set_active(store, &session, id, active, version).await?;
                let what = if active { "reactivated" } else { "deactivated: their sessions have ended" };
                Outcome::saved(format!("Employee {id} {what}."), DisplayRow::employee(row))
            }
            Save::DeleteEmployee { id, version } => {
                employees::delete(store, &session, id, version).await?;
                Outcome::said(format!("Employee {id} deleted."))
            }
            Save::MarkRead { ids } => {
                let count = services::audit::mark_read(store, &session, &ids).await?;
                Outcome::said(format!("{count} marked read."))
            }
        })
    }
}
