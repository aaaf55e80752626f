//! The three departments; stored as rows of the `departments` table whose
//! ids are fixed by the first migration.

use std::fmt;
use std::str::FromStr;

/// A department of Epic Events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Department {
    /// Manages employees, contracts and support assignment.
    Management,
    /// Finds clients, negotiates contracts, creates events.
    Sales,
    /// Organises the events they are assigned to.
    Support,
}

impl Department {
    /// Every department, in display order.
    pub const ALL: [Department; 3] = [Department::Management, Department::Sales, Department::Support];

    /// The id of the department's row in the `departments` table.
    pub fn id(self) -> i32 {
        match self {
            Department::Management => 1,
            Department::Sales => 2,
            Department::Support => 3,
        }
    }

    /// The department whose row has this id.
    pub fn from_id(id: i32) -> Option<Department> {
        Department::ALL.into_iter().find(|department| department.id() == id)
    }

    /// The code used in the database, JSON and the command line.
    pub fn code(self) -> &'static str {
        match self {
            Department::Management => "MANAGEMENT",
            Department::Sales => "SALES",
            Department::Support => "SUPPORT",
        }
    }
}

impl fmt::Display for Department {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Department {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let wanted = value.trim();
        Department::ALL
            .into_iter()
            .find(|department| department.code().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| format!("unknown department \"{wanted}\": use MANAGEMENT, SALES or SUPPORT"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_ids_round_trip() {
        for department in Department::ALL {
            assert_eq!(Department::from_id(department.id()), Some(department));
            assert_eq!(department.code().parse::<Department>(), Ok(department));
        }
        assert_eq!("sales".parse::<Department>(), Ok(Department::Sales));
        assert!("marketing".parse::<Department>().is_err());
    }
}
