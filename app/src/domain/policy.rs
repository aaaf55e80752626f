//! The permission policy: one function decides whether an employee may do
//! an action on a record, implementing PRODUCT.md's matrix exactly, with a
//! reason the interface can show.  Rules about the state of records (the
//! last manager, signed contracts) are checked by the services, which know
//! the state; this module only knows who may do what to whose record.

use std::fmt;

use super::Department;

/// Everything an employee can ask to change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Create an employee.
    CreateEmployee,
    /// Change an employee's name, email or phone.
    UpdateEmployee,
    /// Move an employee to another department.
    ChangeDepartment,
    /// Deactivate an employee (their sessions end).
    DeactivateEmployee,
    /// Reactivate a deactivated employee.
    ReactivateEmployee,
    /// Delete an employee nothing references.
    DeleteEmployee,
    /// Create a client, who becomes the creator's.
    CreateClient,
    /// Import clients for a salesperson, who becomes their sales contact
    /// (`clients import --sales`); a salesperson's own import is
    /// [`Action::CreateClient`].
    ImportClientsFor,
    /// Change a client's details.
    UpdateClient,
    /// Give a client (and its contracts) another sales contact.
    ReassignClient,
    /// Create a contract for a client.
    CreateContract,
    /// Change a contract's amounts or record a payment.
    UpdateContract,
    /// Sign a contract (final).
    SignContract,
    /// Delete an unsigned contract without events.
    DeleteContract,
    /// Create the event of a signed contract.
    CreateEvent,
    /// Change an event's details.
    UpdateEvent,
    /// Assign or unassign an event's support contact.
    AssignSupport,
}

impl Action {
    /// Every action, for exhaustive tests and help screens.
    pub const ALL: [Action; 17] = [
        Action::CreateEmployee,
        Action::UpdateEmployee,
        Action::ChangeDepartment,
        Action::DeactivateEmployee,
        Action::ReactivateEmployee,
        Action::DeleteEmployee,
        Action::CreateClient,
        Action::ImportClientsFor,
        Action::UpdateClient,
        Action::ReassignClient,
        Action::CreateContract,
        Action::UpdateContract,
        Action::SignContract,
        Action::DeleteContract,
        Action::CreateEvent,
        Action::UpdateEvent,
        Action::AssignSupport,
    ];

    /// What the action does, as a sentence ending ("… may not {describe}").
    pub fn describe(self) -> &'static str {
        match self {
            Action::CreateEmployee => "create employees",
            Action::UpdateEmployee => "update employees",
            Action::ChangeDepartment => "change an employee's department",
            Action::DeactivateEmployee => "deactivate employees",
            Action::ReactivateEmployee => "reactivate employees",
            Action::DeleteEmployee => "delete employees",
            Action::CreateClient => "create clients",
            Action::ImportClientsFor => "import clients for a salesperson",
            Action::UpdateClient => "update this client",
            Action::ReassignClient => "reassign clients to another sales contact",
            Action::CreateContract => "create contracts",
            Action::UpdateContract => "update this contract",
            Action::SignContract => "sign this contract",
            Action::DeleteContract => "delete contracts",
            Action::CreateEvent => "create an event for this contract",
            Action::UpdateEvent => "update this event",
            Action::AssignSupport => "assign support to events",
        }
    }
}

/// Who is acting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Who {
    /// The acting employee.
    pub employee_id: i64,
    /// Their department.
    pub department: Department,
}

/// What the decision needs to know about the record acted on: who it
/// belongs to.  `None` where the action has no record yet (creating).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Owners {
    /// The sales contact of the client (of the contract, of the event).
    pub sales_contact_id: Option<i64>,
    /// The support contact of the event.
    pub support_contact_id: Option<i64>,
}

/// A refusal, with the reason to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denied {
    /// One sentence: what is not allowed and why.
    pub reason: String,
}

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for Denied {}

/// Decides whether `who` may do `action` on a record owned as `owners` say.
pub fn decide(who: Who, action: Action, owners: Owners) -> Result<(), Denied> {
    use Action::*;
    use Department::*;
    let mine_as_sales = owners.sales_contact_id == Some(who.employee_id);
    let mine_as_support = owners.support_contact_id == Some(who.employee_id);
    let allowed = match (who.department, action) {
        (Management, CreateEmployee | UpdateEmployee | ChangeDepartment) => true,
        (Management, DeactivateEmployee | ReactivateEmployee | DeleteEmployee) => true,
        (
            Management,
            ImportClientsFor | ReassignClient | CreateContract | UpdateContract | SignContract | DeleteContract,
        ) => true,
        (Management, UpdateEvent | AssignSupport) => true,
        (Sales, CreateClient) => true,
        (Sales, UpdateClient | UpdateContract | SignContract | CreateEvent) => mine_as_sales,
        (Support, UpdateEvent) => mine_as_support,
        _ => false,
    };
    if allowed {
        return Ok(());
    }
    let reason = match (who.department, action) {
        (Sales, UpdateClient | UpdateContract | SignContract | CreateEvent) => {
            format!("You may not {}: only its client's sales contact may, and that is not you.", action.describe())
        }
        (Support, UpdateEvent) => {
            "You may not update this event: SUPPORT updates only the events assigned to them.".to_owned()
        }
        (Management, UpdateClient) => {
            "MANAGEMENT may only reassign a client's sales contact; the client's details are its salesperson's."
                .to_owned()
        }
        (department, action) => format!("{department} may not {}.", action.describe()),
    };
    Err(Denied { reason })
}

/// Whether `who` could do `action` on some record (one they own): used to
/// refuse a department before looking the record up, so that who you are
/// is answered before whether the record exists.
pub fn decide_for_any(who: Who, action: Action) -> Result<(), Denied> {
    let all_mine = Owners { sales_contact_id: Some(who.employee_id), support_contact_id: Some(who.employee_id) };
    decide(who, action, all_mine)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Department::*;

    const ME: i64 = 10;
    const OTHER: i64 = 20;

    /// PRODUCT.md's matrix, written out: for each action and department,
    /// whether it is allowed on a record of mine and on someone else's.
    /// (mine, others)
    fn matrix(department: Department, action: Action) -> (bool, bool) {
        match (department, action) {
            // Employees: MANAGEMENT only, whoever the employee is.
            (Management, CreateEmployee | UpdateEmployee | ChangeDepartment) => (true, true),
            (Management, DeactivateEmployee | ReactivateEmployee | DeleteEmployee) => (true, true),
            (Sales | Support, CreateEmployee | UpdateEmployee | ChangeDepartment) => (false, false),
            (Sales | Support, DeactivateEmployee | ReactivateEmployee | DeleteEmployee) => (false, false),
            // Clients.
            (Sales, CreateClient) => (true, true),
            (Management | Support, CreateClient) => (false, false),
            (Management, ImportClientsFor) => (true, true),
            (Sales | Support, ImportClientsFor) => (false, false),
            (Sales, UpdateClient) => (true, false),
            (Management | Support, UpdateClient) => (false, false),
            (Management, ReassignClient) => (true, true),
            (Sales | Support, ReassignClient) => (false, false),
            // Contracts.
            (Management, CreateContract) => (true, true),
            (Sales | Support, CreateContract) => (false, false),
            (Management, UpdateContract | SignContract) => (true, true),
            (Sales, UpdateContract | SignContract) => (true, false),
            (Support, UpdateContract | SignContract) => (false, false),
            (Management, DeleteContract) => (true, true),
            (Sales | Support, DeleteContract) => (false, false),
            // Events.
            (Sales, CreateEvent) => (true, false),
            (Management | Support, CreateEvent) => (false, false),
            (Management, UpdateEvent) => (true, true),
            (Support, UpdateEvent) => (true, false),
            (Sales, UpdateEvent) => (false, false),
            (Management, AssignSupport) => (true, true),
            (Sales | Support, AssignSupport) => (false, false),
        }
    }

    /// A record that is "mine" for `department`: SALES own through the
    /// sales contact, SUPPORT through the support contact.
    fn owners(department: Department, mine: bool) -> Owners {
        let owner = if mine { ME } else { OTHER };
        match department {
            Support => Owners { sales_contact_id: Some(OTHER), support_contact_id: Some(owner) },
            _ => Owners { sales_contact_id: Some(owner), support_contact_id: Some(OTHER) },
        }
    }

    #[test]
    fn every_cell_of_the_matrix() {
        let mut cells = 0;
        for department in Department::ALL {
            let who = Who { employee_id: ME, department };
            for action in Action::ALL {
                let (mine, others) = matrix(department, action);
                for (is_mine, expected) in [(true, mine), (false, others)] {
                    let decision = decide(who, action, owners(department, is_mine));
                    assert_eq!(decision.is_ok(), expected, "{department} {action:?} on a record mine={is_mine}");
                    if let Err(denied) = decision {
                        assert!(denied.reason.ends_with('.'), "{}", denied.reason);
                    }
                    cells += 1;
                }
            }
        }
        assert_eq!(cells, 3 * 17 * 2);
    }

    #[test]
    fn ownership_is_the_right_contact() {
        // A salesperson who is the *support* contact does not own the event's
        // client; a support person who is the *sales* contact does not own
        // the event.
        let sales = Who { employee_id: ME, department: Sales };
        let support = Who { employee_id: ME, department: Support };
        let crossed = Owners { sales_contact_id: Some(OTHER), support_contact_id: Some(ME) };
        assert!(decide(sales, UpdateContract, crossed).is_err());
        let crossed = Owners { sales_contact_id: Some(ME), support_contact_id: Some(OTHER) };
        assert!(decide(support, UpdateEvent, crossed).is_err());
        // Nobody owns a record with no contact.
        assert!(decide(sales, UpdateClient, Owners::default()).is_err());
    }

    #[test]
    fn some_departments_may_never() {
        let support = Who { employee_id: ME, department: Support };
        assert!(decide_for_any(support, SignContract).is_err());
        assert!(decide_for_any(support, UpdateEvent).is_ok(), "their own events");
        let sales = Who { employee_id: ME, department: Sales };
        assert!(decide_for_any(sales, UpdateClient).is_ok());
        assert!(decide_for_any(sales, AssignSupport).is_err());
    }

    #[test]
    fn reasons_say_what_and_why() {
        let sales = Who { employee_id: ME, department: Sales };
        let reason = decide(sales, SignContract, owners(Sales, false)).expect_err("not mine").reason;
        assert!(reason.contains("sales contact"), "{reason}");
        let support = Who { employee_id: ME, department: Support };
        let reason = decide(support, CreateClient, Owners::default()).expect_err("support").reason;
        assert_eq!(reason, "SUPPORT may not create clients.");
    }
}
