//! Clients: list and show for everyone; create for SALES (the creator
//! becomes the sales contact); update by the client's salesperson; reassign
//! by MANAGEMENT.  Each write: policy → validation → store, with its audit
//! entry in the same transaction.

use crate::auth::Session;
use crate::domain::Department;
use crate::domain::policy::{Action, Owners};
use crate::error::{Failure, FailureKind};
use crate::services::kinds::{self, Described as _, Entry, Values};
use crate::store::clients::{self, ClientFilter, ClientRow};
use crate::store::paging::{Page, PageRequest, Sort};
use crate::store::{ActingTx, Store, StoreError, contracts, employees};

use super::{audit_entry, permit, permit_some, records};

/// What a client list shows.
#[derive(Clone, Debug, Default)]
pub struct ClientQuery {
    /// Only the acting employee's clients.
    pub mine: bool,
    /// Only clients whose sales contact is missing or deactivated.
    pub without_sales: bool,
    /// Free text over names, email, phone and company.
    pub search: Option<String>,
}

/// Store failures in the words of clients.
pub(super) fn translate(err: StoreError) -> Failure {
    match err {
        StoreError::Duplicate(_) => Failure::new(FailureKind::Conflict, "A client with this email already exists."),
        other => Failure::from(other),
    }
}

/// One page of clients.
pub async fn list(
    store: &Store,
    session: &Session,
    query: &ClientQuery,
    sort: Sort,
    page: &PageRequest,
) -> Result<Page<ClientRow>, Failure> {
    let filter = filter(session, query);
    Ok(store.as_employee(&session.actor(), async |tx| clients::list(tx, &filter, sort, page).await).await?)
}

/// How many clients the list of `query` holds, every page.
pub async fn count(store: &Store, session: &Session, query: &ClientQuery) -> Result<u64, Failure> {
    let filter = filter(session, query);
    Ok(store.as_employee(&session.actor(), async |tx| clients::count(tx, &filter).await).await?)
}

/// The store's filter for a list query.
fn filter(session: &Session, query: &ClientQuery) -> ClientFilter {
    ClientFilter {
        sales_contact_id: query.mine.then_some(session.employee_id),
        without_active_sales: query.without_sales,
        search: query.search.clone(),
    }
}

/// One client.
pub async fn show(store: &Store, session: &Session, id: i64) -> Result<ClientRow, Failure> {
    store.as_employee(&session.actor(), async |tx| clients::get(tx, id).await).await.map_err(translate)
}

/// A salesperson creates a client, who becomes theirs; first contact now.
/// `entry` holds what was typed for the fields a new client is typed with
/// (the client declaration's).
pub async fn create(store: &Store, session: &Session, entry: &Entry) -> Result<ClientRow, Failure> {
    permit(session, Action::CreateClient, Owners::default())?;
    let new = validate(entry, session.employee_id)?;
    let tx = store.begin_as(&session.actor()).await?;
    let created = clients::create(&tx, &new).await.map_err(translate)?;
    let at = created.created_at;
    tx.audit(
        at,
        audit_entry(session, "client.create", "client", created.id, records::created(&kinds::CLIENT.json(&created))),
    )
    .await?;
    tx.commit().await?;
    Ok(created)
}

/// A new client of `sales_contact_id` from what was typed, checked with
/// the rules every client creation follows (the command, the form, an
/// import): the declaration's.
pub(super) fn validate(entry: &Entry, sales_contact_id: i64) -> Result<Values, Failure> {
    let mut new = kinds::CLIENT.new_values(entry)?;
    new.set("sales_contact_id", Some(sales_contact_id));
    Ok(new)
}

/// The client's salesperson updates its details: `edit` holds only the
/// fields to change (an empty text clears an optional one; times are in
/// local time).  `expect_version` is the version the change was based on
/// (the current one when `None`).
pub async fn update(
    store: &Store,
    session: &Session,
    id: i64,
    edit: &Entry,
    expect_version: Option<i64>,
) -> Result<ClientRow, Failure> {
    permit_some(session, Action::UpdateClient)?;
    let tx = store.begin_as(&session.actor()).await?;
    let before = clients::get(&tx, id).await.map_err(translate)?;
    permit(session, Action::UpdateClient, Owners { sales_contact_id: before.sales_contact_id, ..Owners::default() })?;
    if edit.is_empty() {
        return Err(Failure::invalid("Nothing to change: give at least one field to update."));
    }
    let changes = kinds::CLIENT.changed_values(edit)?;
    let after = write(&tx, session, &before, &changes, expect_version, "client.update").await?;
    tx.commit().await?;
    Ok(after)
}

/// MANAGEMENT gives a client (and so its contracts) another sales contact,
/// who must be an active SALES employee.
pub async fn reassign(
    store: &Store,
    session: &Session,
    id: i64,
    sales_contact_id: i64,
    expect_version: Option<i64>,
) -> Result<ClientRow, Failure> {
    permit_some(session, Action::ReassignClient)?;
    let tx = store.begin_as(&session.actor()).await?;
    let before = clients::get(&tx, id).await.map_err(translate)?;
    permit(session, Action::ReassignClient, Owners { sales_contact_id: before.sales_contact_id, ..Owners::default() })?;
    let contact = employees::get_locked(&tx, sales_contact_id).await.map_err(|err| match err {
        StoreError::NotFound { .. } => Failure::new(
            FailureKind::NotFound,
            format!("Employee {sales_contact_id} does not exist: choose an active SALES employee."),
        ),
        other => Failure::from(other),
    })?;
    if contact.department() != Some(Department::Sales) || !contact.active {
        return Err(Failure::invalid(format!(
            "{} {} is not an active SALES employee: a client's sales contact must be one.",
            contact.first_name, contact.last_name
        )));
    }
    if before.sales_contact_id == Some(sales_contact_id) {
        return Err(Failure::invalid(format!(
            "{} {} is already this client's sales contact.",
            contact.first_name, contact.last_name
        )));
    }
    let contracts_before = contracts::sales_contacts_of_client(&tx, id).await?;
    let mut changes = Values::new();
    changes.set("sales_contact_id", Some(sales_contact_id));
    let after = write(&tx, session, &before, &changes, expect_version, "client.reassign").await?;
    // Contracts follow their client, including those that had no sales
    // contact (the foreign key's cascade only moves the others).
    contracts::follow_client(&tx, id, sales_contact_id).await?;
    for (contract, previous) in contracts_before {
        let changes = serde_json::json!({"sales_contact_id": {"before": previous, "after": sales_contact_id}});
        tx.audit(after.updated_at, audit_entry(session, "contract.reassign", "contract", contract, changes)).await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Applies changes at the expected version and records them.
pub(super) async fn write(
    tx: &ActingTx,
    session: &Session,
    before: &ClientRow,
    changes: &Values,
    expect_version: Option<i64>,
    action: &'static str,
) -> Result<ClientRow, Failure> {
    let version = expect_version.unwrap_or(before.version);
    let after = clients::update(tx, before.id, version, changes).await.map_err(translate)?;
    let diff = records::changes(&kinds::CLIENT.json(before), &kinds::CLIENT.json(&after));
    tx.audit(after.updated_at, audit_entry(session, action, "client", after.id, diff)).await?;
    Ok(after)
}
