//! Events: list and show for everyone; the client's salesperson creates the
//! event of a signed contract; MANAGEMENT or the assigned support person
//! updates it; MANAGEMENT assigns and unassigns support, all or nothing.
//! The support person is notified of what concerns them.

use crate::auth::Session;
use crate::domain::policy::{Action, Owners};
use crate::domain::{Department, validation};
use crate::error::{Failure, FailureKind};
use crate::services::kinds;
use crate::store::events::{self, EventChanges, EventFilter, EventRow, NewEvent};
use crate::store::notifications::{self, NewNotification};
use crate::store::paging::{Page, PageRequest, Sort};
use crate::store::{ActingTx, Store, StoreError, contracts, employees};

use super::{audit_entry, permit, permit_some, records};

/// The longest event name, location and notes.
/// Longest event name.
pub const NAME_MAX: usize = 200;
/// Longest location.
pub const LOCATION_MAX: usize = 300;
/// Longest notes.
pub const NOTES_MAX: usize = 5000;

/// What an event list shows.
#[derive(Clone, Debug, Default)]
pub struct EventQuery {
    /// My events: assigned to me (SUPPORT) or of my clients (SALES).
    pub mine: bool,
    /// Only events nobody supports yet.
    pub without_support: bool,
    /// Only events starting from now on.
    pub upcoming: bool,
    /// Only this contract's events.
    pub contract_id: Option<i64>,
    /// Only events this employee supports.
    pub support_id: Option<i64>,
    /// Free text over name, location and notes.
    pub search: Option<String>,
}

/// An event as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventForm {
    pub name: String,
    pub start: String,
    pub end: String,
    pub location: String,
    pub attendees: String,
    pub notes: String,
}

/// Changes as typed; `None` keeps a field, an empty text clears location
/// or notes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventEdit {
    pub name: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub location: Option<String>,
    pub attendees: Option<String>,
    pub notes: Option<String>,
}

fn event_name(value: &str) -> Result<String, Failure> {
    match validation::optional_text("name", value, NAME_MAX, false)? {
        Some(name) => Ok(name),
        None => Err(Failure::invalid("The name is empty: give the event a name.")),
    }
}

fn attendees(value: &str) -> Result<i32, Failure> {
    let count = validation::attendees(value)?;
    i32::try_from(count).map_err(|_| Failure::invalid("Too many attendees."))
}

/// Who owns an event: its support contact, and its client's salesperson.
async fn owners(tx: &ActingTx, event: &EventRow) -> Result<Owners, Failure> {
    let contract = contracts::get(tx, event.contract_id).await?;
    Ok(Owners { sales_contact_id: contract.sales_contact_id, support_contact_id: event.support_contact_id })
}

/// One page of events.
pub async fn list(
    store: &Store,
    session: &Session,
    query: &EventQuery,
    sort: Sort,
    page: &PageRequest,
) -> Result<Page<EventRow>, Failure> {
    let filter = filter(session, query);
    Ok(store.as_employee(&session.actor(), async |tx| events::list(tx, &filter, sort, page).await).await?)
}

/// How many events the list of `query` holds, every page.
pub async fn count(store: &Store, session: &Session, query: &EventQuery) -> Result<u64, Failure> {
    let filter = filter(session, query);
    Ok(store.as_employee(&session.actor(), async |tx| events::count(tx, &filter).await).await?)
}

/// The store's filter for a list query.
fn filter(session: &Session, query: &EventQuery) -> EventFilter {
    let mut filter = EventFilter {
        without_support: query.without_support,
        support_contact_id: query.support_id,
        starting_from: query.upcoming.then(crate::domain::time::now_ms),
        contract_id: query.contract_id,
        search: query.search.clone(),
        ..EventFilter::default()
    };
    if query.mine {
        match session.department {
            Department::Support => filter.support_contact_id = Some(session.employee_id),
            // A manager owns no events (as no clients or contracts): the
            // same filter as for sales then finds none, like the other lists.
            Department::Sales | Department::Management => filter.sales_contact_id = Some(session.employee_id),
        }
    }
    filter
}

/// One event.
pub async fn show(store: &Store, session: &Session, id: i64) -> Result<EventRow, Failure> {
    store.as_employee(&session.actor(), async |tx| events::get(tx, id).await).await.map_err(Failure::from)
}

/// The client's salesperson creates the event of a signed contract.
pub async fn create(
    store: &Store,
    session: &Session,
    contract_id: i64,
    form: &EventForm,
    timezone: &impl chrono::TimeZone,
) -> Result<EventRow, Failure> {
    permit_some(session, Action::CreateEvent)?;
    let tx = store.begin_as(&session.actor()).await?;
    let contract = contracts::get(&tx, contract_id).await?;
    permit(session, Action::CreateEvent, Owners { sales_contact_id: contract.sales_contact_id, ..Owners::default() })?;
    if !contract.signed {
        return Err(Failure::invalid(format!(
            "Contract {contract_id} is not signed yet: events are created for signed contracts only."
        )));
    }
    let start_at = validation::date_time("start", &form.start, timezone)?;
    let end_at = validation::date_time("end", &form.end, timezone)?;
    validation::period(start_at, end_at)?;
    let new = NewEvent {
        name: event_name(&form.name)?,
        contract_id,
        start_at,
        end_at,
        location: validation::optional_text("location", &form.location, LOCATION_MAX, false)?,
        attendees: attendees(&form.attendees)?,
        notes: validation::optional_text("notes", &form.notes, NOTES_MAX, true)?,
    };
    let created = events::create(&tx, new).await?;
    let changes = records::created(&kinds::EVENT.json(&created));
    tx.audit(created.created_at, audit_entry(session, "event.create", "event", created.id, changes)).await?;
    tx.commit().await?;
    Ok(created)
}

/// MANAGEMENT or the assigned support person updates an event; either end
/// alone may change (checked against the other, kept end).
pub async fn update(
    store: &Store,
    session: &Session,
    id: i64,
    edit: &EventEdit,
    expect_version: Option<i64>,
    timezone: &impl chrono::TimeZone,
) -> Result<EventRow, Failure> {
    permit_some(session, Action::UpdateEvent)?;
    let tx = store.begin_as(&session.actor()).await?;
    let before = events::get(&tx, id).await?;
    permit(session, Action::UpdateEvent, owners(&tx, &before).await?)?;
    if *edit == EventEdit::default() {
        return Err(Failure::invalid("Nothing to change: give at least one field to update."));
    }
    let start_at = edit.start.as_deref().map(|v| validation::date_time("start", v, timezone)).transpose()?;
    let end_at = edit.end.as_deref().map(|v| validation::date_time("end", v, timezone)).transpose()?;
    validation::period(start_at.unwrap_or(before.start_at), end_at.unwrap_or(before.end_at)).map_err(|err| {
        if start_at.is_some() && end_at.is_none() {
            Failure::invalid("The new start is after the event's end: change the end too.")
        } else {
            Failure::from(err)
        }
    })?;
    let changes = EventChanges {
        name: edit.name.as_deref().map(event_name).transpose()?,
        support_contact_id: None,
        start_at,
        end_at,
        location: edit
            .location
            .as_deref()
            .map(|v| validation::optional_text("location", v, LOCATION_MAX, false))
            .transpose()?,
        attendees: edit.attendees.as_deref().map(attendees).transpose()?,
        notes: edit.notes.as_deref().map(|v| validation::optional_text("notes", v, NOTES_MAX, true)).transpose()?,
    };
    let after = write(&tx, session, &before, changes, expect_version, "event.update").await?;
    if let Some(support) = after.support_contact_id.filter(|support| *support != session.employee_id) {
        let message = format!("Event {} \"{}\" was changed by {}.", after.id, after.name, session.full_name());
        notify(&tx, support, "event.changed", &after, message).await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// MANAGEMENT assigns an active SUPPORT employee to events: all of them or
/// none.
pub async fn assign(store: &Store, session: &Session, ids: &[i64], support_id: i64) -> Result<Vec<EventRow>, Failure> {
    permit(session, Action::AssignSupport, Owners::default())?;
    let tx = store.begin_as(&session.actor()).await?;
    let support = employees::get_locked(&tx, support_id).await.map_err(|err| match err {
        StoreError::NotFound { .. } => Failure::new(
            FailureKind::NotFound,
            format!("Employee {support_id} does not exist: choose an active SUPPORT employee."),
        ),
        other => Failure::from(other),
    })?;
    if support.department() != Some(Department::Support) || !support.active {
        return Err(Failure::invalid(format!(
            "{} {} is not an active SUPPORT employee: only they can support events.",
            support.first_name, support.last_name
        )));
    }
    let mut done = Vec::with_capacity(ids.len());
    for &id in ids {
        let before = events::get(&tx, id).await?;
        if before.support_contact_id == Some(support_id) {
            // Already theirs: nothing changes, nothing to record.
            done.push(before);
            continue;
        }
        let changes = EventChanges { support_contact_id: Some(Some(support_id)), ..EventChanges::default() };
        let after = write(&tx, session, &before, changes, None, "event.assign_support").await?;
        let message = format!("You were assigned event {} \"{}\" by {}.", after.id, after.name, session.full_name());
        notify(&tx, support_id, "event.assigned", &after, message).await?;
        if let Some(previous) = before.support_contact_id {
            let message = format!("Event {} \"{}\" was given to someone else.", after.id, after.name);
            notify(&tx, previous, "event.unassigned", &after, message).await?;
        }
        done.push(after);
    }
    tx.commit().await?;
    Ok(done)
}

/// MANAGEMENT removes the support contact of events: all of them or none.
pub async fn unassign(store: &Store, session: &Session, ids: &[i64]) -> Result<Vec<EventRow>, Failure> {
    permit(session, Action::AssignSupport, Owners::default())?;
    let tx = store.begin_as(&session.actor()).await?;
    let mut done = Vec::with_capacity(ids.len());
    for &id in ids {
        let before = events::get(&tx, id).await?;
        if before.support_contact_id.is_none() {
            done.push(before);
            continue;
        }
        let changes = EventChanges { support_contact_id: Some(None), ..EventChanges::default() };
        let after = write(&tx, session, &before, changes, None, "event.unassign_support").await?;
        if let Some(previous) = before.support_contact_id {
            let message = format!("You no longer support event {} \"{}\".", after.id, after.name);
            notify(&tx, previous, "event.unassigned", &after, message).await?;
        }
        done.push(after);
    }
    tx.commit().await?;
    Ok(done)
}

async fn notify(
    tx: &ActingTx,
    recipient: i64,
    kind: &'static str,
    event: &EventRow,
    message: String,
) -> Result<(), Failure> {
    let notification =
        NewNotification { recipient_id: recipient, kind, record_kind: "event", record_id: event.id, message };
    Ok(notifications::send(tx, event.updated_at, notification).await?)
}

/// Applies changes at the expected version and records them.
async fn write(
    tx: &ActingTx,
    session: &Session,
    before: &EventRow,
    changes: EventChanges,
    expect_version: Option<i64>,
    action: &'static str,
) -> Result<EventRow, Failure> {
    let version = expect_version.unwrap_or(before.version);
    let after = events::update(tx, before.id, version, changes).await?;
    let diff = records::changes(&kinds::EVENT.json(before), &kinds::EVENT.json(&after));
    tx.audit(after.updated_at, audit_entry(session, action, "event", after.id, diff)).await?;
    Ok(after)
}
