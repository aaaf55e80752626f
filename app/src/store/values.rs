//! A record's values by column name, as the services checked them: what a
//! create or an update writes.  The store maps names to the entity's
//! columns, so a field added to the entity is written without a new line
//! here (docs/adding-a-field.md).

use std::str::FromStr;

pub use sea_orm::Value;
use sea_orm::{ActiveModelTrait, EntityTrait, IdenStatic, Iterable};

use super::StoreError;

/// Column values in the order they were set; setting a column twice keeps
/// the last value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Values(Vec<(&'static str, Value)>);

impl Values {
    /// No values.
    pub fn new() -> Values {
        Values::default()
    }

    /// Sets `column` to `value`, replacing what it had.
    pub fn set(&mut self, column: &'static str, value: impl Into<Value>) -> &mut Values {
        let value = value.into();
        match self.0.iter_mut().find(|(name, _)| *name == column) {
            Some(slot) => slot.1 = value,
            None => self.0.push((column, value)),
        }
        self
    }

    /// The value of `column`, if set.
    pub fn get(&self, column: &str) -> Option<&Value> {
        self.0.iter().find(|(name, _)| *name == column).map(|(_, value)| value)
    }

    /// The text of `column`, if it is set to some text.
    pub fn text(&self, column: &str) -> Option<&str> {
        match self.get(column) {
            Some(Value::String(Some(text))) => Some(text.as_str()),
            _ => None,
        }
    }

    /// Drops `column`.
    pub fn remove(&mut self, column: &str) {
        self.0.retain(|(name, _)| *name != column);
    }

    /// Whether nothing is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The columns set, in order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|(name, _)| *name)
    }

    /// Every column and value, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.0.iter().map(|(name, value)| (*name, value))
    }
}

/// `model` with every value set.  A name the entity has no column for, or
/// a value of the wrong type, is a bug in a declaration: an error, never a
/// panic.
pub(crate) fn active<A: ActiveModelTrait>(mut model: A, values: &Values) -> Result<A, StoreError> {
    for (name, value) in values.iter() {
        let column = column::<A::Entity>(name)?;
        model
            .try_set(column, value.clone())
            .map_err(|err| StoreError::Internal(format!("{}.{name}: {err}", table::<A::Entity>())))?;
    }
    Ok(model)
}

/// The entity's column called `name`.
pub(crate) fn column<E: EntityTrait>(name: &str) -> Result<E::Column, StoreError> {
    E::Column::from_str(name).map_err(|_| StoreError::Internal(format!("{} has no column {name}", table::<E>())))
}

/// The entity's column names, in the model's order.
pub(crate) fn columns<E: EntityTrait>() -> Vec<&'static str> {
    E::Column::iter().map(|column| column.as_str()).collect()
}

/// `alias.column AS column, …` for every column of the entity.
pub(crate) fn select_list<E: EntityTrait>(alias: &str) -> String {
    columns::<E>().iter().map(|name| format!("{alias}.{name} AS {name}")).collect::<Vec<_>>().join(", ")
}

/// The entity's table name.
fn table<E: EntityTrait>() -> &'static str {
    E::default().table_name()
}

/// A value as JSON, for PostgreSQL's `jsonb_populate_recordset` (which
/// reads each key with its column's type): sea-query's own conversion.
pub(crate) fn json(value: &Value) -> serde_json::Value {
    sea_orm::sea_query::value::sea_value_to_json_value(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setting_again_replaces_and_keeps_the_place() {
        let mut values = Values::new();
        values.set("first_name", "Ana").set("email", "a@example.com").set("first_name", "Eva");
        assert_eq!(values.names().collect::<Vec<_>>(), ["first_name", "email"]);
        assert_eq!(values.text("first_name"), Some("Eva"));
        values.remove("email");
        assert_eq!(values.get("email"), None);
    }

    #[test]
    fn unknown_columns_and_wrong_types_are_errors() {
        let mut values = Values::new();
        values.set("favourite_colour", "teal");
        let err = active(<entity::client::ActiveModel as Default>::default(), &values)
            .expect_err("favourite_colour is not a client column");
        assert!(err.to_string().contains("clients has no column favourite_colour"), "{err}");
        let mut values = Values::new();
        values.set("first_name", 7_i64);
        assert!(active(<entity::client::ActiveModel as Default>::default(), &values).is_err());
    }

    #[test]
    fn select_lists_name_every_column() {
        let list = select_list::<entity::client::Entity>("c");
        assert!(list.starts_with("c.id AS id, c.first_name AS first_name"), "{list}");
        assert!(list.ends_with("c.version AS version"), "{list}");
    }
}
