//! Contracts: list and show for everyone; MANAGEMENT creates and deletes
//! them; MANAGEMENT or the client's salesperson updates amounts, records
//! payments and signs.  Signing is final and notifies the sales contact.

use crate::services::kinds;
use serde_json::json;

use crate::auth::Session;
use crate::domain::Money;
use crate::domain::policy::{Action, Owners};
use crate::error::Failure;
use crate::store::contracts::{self, ContractChanges, ContractFilter, ContractRow, NewContract};
use crate::store::notifications::{self, NewNotification};
use crate::store::paging::{Page, PageRequest, Sort};
use crate::store::{ActingTx, Store, clients};

use super::{audit_entry, permit, permit_some, records};

/// What a contract list shows.
#[derive(Clone, Debug, Default)]
pub struct ContractQuery {
    /// Only contracts of my clients.
    pub mine: bool,
    /// Only unsigned contracts.
    pub unsigned: bool,
    /// Only contracts with an amount still due.
    pub unpaid: bool,
    /// Only this client's contracts.
    pub client_id: Option<i64>,
    /// Free text over the client's names, email, phone and company.
    pub search: Option<String>,
}

/// An amount typed for `field`, in cents.
fn amount(field: &str, text: &str) -> Result<i64, Failure> {
    text.parse::<Money>().map(Money::cents).map_err(|err| Failure::invalid(format!("The {field} {err}.")))
}

fn owners(contract: &ContractRow) -> Owners {
    Owners { sales_contact_id: contract.sales_contact_id, ..Owners::default() }
}

/// One page of contracts.
pub async fn list(
    store: &Store,
    session: &Session,
    query: &ContractQuery,
    sort: Sort,
    page: &PageRequest,
) -> Result<Page<ContractRow>, Failure> {
    let filter = filter(session, query);
    Ok(store.as_employee(&session.actor(), async |tx| contracts::list(tx, &filter, sort, page).await).await?)
}

/// How many contracts the list of `query` holds, every page.
pub async fn count(store: &Store, session: &Session, query: &ContractQuery) -> Result<u64, Failure> {
    let filter = filter(session, query);
    Ok(store.as_employee(&session.actor(), async |tx| contracts::count(tx, &filter).await).await?)
}

/// The store's filter for a list query.
fn filter(session: &Session, query: &ContractQuery) -> ContractFilter {
    ContractFilter {
        unsigned: query.unsigned,
        unpaid: query.unpaid,
        sales_contact_id: query.mine.then_some(session.employee_id),
        client_id: query.client_id,
        search: query.search.clone(),
    }
}

/// One contract.
pub async fn show(store: &Store, session: &Session, id: i64) -> Result<ContractRow, Failure> {
    store.as_employee(&session.actor(), async |tx| contracts::get(tx, id).await).await.map_err(Failure::from)
}

/// MANAGEMENT creates an unsigned contract for a client; the amount due
/// defaults to the total, and the client's sales contact is the contract's.
pub async fn create(
    store: &Store,
    session: &Session,
    client_id: i64,
    total: &str,
    due: Option<&str>,
) -> Result<ContractRow, Failure> {
    permit(session, Action::CreateContract, Owners::default())?;
    let total_cents = amount("total", total)?;
    let due_cents = match due {
        Some(due) => amount("amount due", due)?,
        None => total_cents,
    };
    if due_cents > total_cents {
        return Err(Failure::invalid("The amount due is more than the total: it can be at most the total."));
    }
    let tx = store.begin_as(&session.actor()).await?;
    clients::get(&tx, client_id).await?;
    let created = contracts::create(&tx, NewContract { client_id, total_cents, due_cents }).await?;
    let changes = records::created(&kinds::CONTRACT.json(&created));
    tx.audit(created.created_at, audit_entry(session, "contract.create", "contract", created.id, changes)).await?;
    tx.commit().await?;
    Ok(created)
}

/// Changes a contract's total and/or amount due.  A signed contract's total
/// is what was agreed and no longer changes.
pub async fn update(
    store: &Store,
    session: &Session,
    id: i64,
    total: Option<&str>,
    due: Option<&str>,
    expect_version: Option<i64>,
) -> Result<ContractRow, Failure> {
    permit_some(session, Action::UpdateContract)?;
    let tx = store.begin_as(&session.actor()).await?;
    let before = contracts::get(&tx, id).await?;
    permit(session, Action::UpdateContract, owners(&before))?;
    if total.is_none() && due.is_none() {
        return Err(Failure::invalid("Nothing to change: give --total and/or --due."));
    }
    let total_cents = total.map(|text| amount("total", text)).transpose()?;
    let due_cents = due.map(|text| amount("amount due", text)).transpose()?;
    if before.signed && total_cents.is_some_and(|cents| cents != before.total_cents) {
        return Err(Failure::invalid(format!(
            "Contract {id} is signed: its total is final (record payments with `contracts pay`)."
        )));
    }
    if due_cents.unwrap_or(before.due_cents) > total_cents.unwrap_or(before.total_cents) {
        return Err(Failure::invalid("The amount due would be more than the total: it can be at most the total."));
    }
    let changes = ContractChanges { total_cents, due_cents, signed_by: None };
    let after = write(&tx, session, &before, changes, expect_version, "contract.update").await?;
    tx.commit().await?;
    Ok(after)
}

/// Records a payment: the amount due goes down by `paid`.
pub async fn pay(
    store: &Store,
    session: &Session,
    id: i64,
    paid: &str,
    expect_version: Option<i64>,
) -> Result<ContractRow, Failure> {
    permit_some(session, Action::UpdateContract)?;
    let tx = store.begin_as(&session.actor()).await?;
    let before = contracts::get(&tx, id).await?;
    permit(session, Action::UpdateContract, owners(&before))?;
    let paid_cents = amount("payment", paid)?;
    if paid_cents == 0 {
        return Err(Failure::invalid("The payment is 0.00: record an amount greater than zero."));
    }
    if paid_cents > before.due_cents {
        return Err(Failure::invalid(format!(
            "The payment ({}) is more than the amount still due ({}).",
            records::money(paid_cents),
            records::money(before.due_cents)
        )));
    }
    let changes = ContractChanges { due_cents: Some(before.due_cents - paid_cents), ..ContractChanges::default() };
    let after = write(&tx, session, &before, changes, expect_version, "contract.payment").await?;
    tx.commit().await?;
    Ok(after)
}

/// Signs a contract (final); its sales contact is told when someone else
/// signed it.
pub async fn sign(
    store: &Store,
    session: &Session,
    id: i64,
    expect_version: Option<i64>,
) -> Result<ContractRow, Failure> {
    permit_some(session, Action::SignContract)?;
    let tx = store.begin_as(&session.actor()).await?;
    let before = contracts::get(&tx, id).await?;
    permit(session, Action::SignContract, owners(&before))?;
    if before.signed {
        return Err(Failure::invalid(format!("Contract {id} is already signed: signing is final.")));
    }
    let changes = ContractChanges { signed_by: Some(session.employee_id), ..ContractChanges::default() };
    let after = write(&tx, session, &before, changes, expect_version, "contract.sign").await?;
    if let Some(sales) = after.sales_contact_id.filter(|sales| *sales != session.employee_id) {
        let message = format!("Contract {} of {} was signed by {}.", after.id, after.client_name, session.full_name());
        let notification = NewNotification {
            recipient_id: sales,
            kind: "contract.signed",
            record_kind: "contract",
            record_id: id,
            message,
        };
        notifications::send(&tx, after.updated_at, notification).await?;
    }
    tx.commit().await?;
    crate::telemetry::notable("contract.sign", "contract", after.id, session.employee_id);
    Ok(after)
}

/// MANAGEMENT deletes an unsigned contract that has no events.
pub async fn delete(store: &Store, session: &Session, id: i64, expect_version: Option<i64>) -> Result<(), Failure> {
    permit_some(session, Action::DeleteContract)?;
    let tx = store.begin_as(&session.actor()).await?;
    let before = contracts::get(&tx, id).await?;
    permit(session, Action::DeleteContract, owners(&before))?;
    if before.signed {
        return Err(Failure::invalid(format!("Contract {id} is signed: signed contracts are kept.")));
    }
    let events = contracts::event_count(&tx, id).await?;
    if events > 0 {
        return Err(Failure::invalid(format!("Contract {id} has {events} event(s): delete or move them first.")));
    }
    contracts::delete(&tx, id, expect_version.unwrap_or(before.version)).await?;
    let changes = json!({"deleted": kinds::CONTRACT.json(&before)});
    tx.audit(crate::domain::time::now_ms(), audit_entry(session, "contract.delete", "contract", id, changes)).await?;
    tx.commit().await?;
    Ok(())
}

/// Applies changes at the expected version and records them.
async fn write(
    tx: &ActingTx,
    session: &Session,
    before: &ContractRow,
    changes: ContractChanges,
    expect_version: Option<i64>,
    action: &'static str,
) -> Result<ContractRow, Failure> {
    let version = expect_version.unwrap_or(before.version);
    let after = contracts::update(tx, before.id, version, changes).await?;
    let diff = records::changes(&kinds::CONTRACT.json(before), &kinds::CONTRACT.json(&after));
    tx.audit(after.updated_at, audit_entry(session, action, "contract", after.id, diff)).await?;
    Ok(after)
}
