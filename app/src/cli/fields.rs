//! A record kind's typed fields as command-line flags, derived from its
//! declaration (`services::kinds`): `create` takes the fields a new record
//! is typed with (the required ones required), `update` those an edit
//! changes (all optional: only what is given changes).

use std::marker::PhantomData;

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};

use crate::services::kinds::{Described, Entry, Typed};

/// Which fields a command's flags are.
pub trait Flags {
    /// The record kind.
    fn kind() -> &'static dyn Described;
    /// A create command (its required fields are required flags), or an
    /// update (every flag optional).
    const CREATE: bool;
}

/// The field flags of one command, read into what was typed.
pub struct FieldArgs<F> {
    /// The flags given, by field name.
    pub entry: Entry,
    flags: PhantomData<F>,
}

impl<F> std::fmt::Debug for FieldArgs<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.entry.fmt(f)
    }
}

fn fields<F: Flags>() -> Vec<Typed> {
    if F::CREATE { F::kind().create_fields() } else { F::kind().update_fields() }
}

impl<F: Flags> FromArgMatches for FieldArgs<F> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<FieldArgs<F>, clap::Error> {
        let mut entry = Entry::new();
        for field in fields::<F>() {
            if let Some(text) = matches.get_one::<String>(field.name) {
                entry.set(field.name, text.clone());
            }
        }
        Ok(FieldArgs { entry, flags: PhantomData })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = FieldArgs::from_arg_matches(matches)?;
        Ok(())
    }
}

impl<F: Flags> Args for FieldArgs<F> {
    fn augment_args(mut command: Command) -> Command {
        for field in fields::<F>() {
            let flag = field.flag();
            let value_name = flag.replace('-', "_").to_uppercase();
            command = command.arg(
                Arg::new(field.name)
                    .long(flag)
                    .value_name(value_name)
                    // Like clap's derive does for doc comments: a
                    // one-line help has no closing period.
                    .help(field.input.help.trim_end_matches('.'))
                    // Under their own heading: the record's fields read
                    // apart from the options every command takes.
                    .help_heading("Fields")
                    .required(F::CREATE && field.required),
            );
        }
        command
    }

    fn augment_args_for_update(command: Command) -> Command {
        FieldArgs::<F>::augment_args(command)
    }
}
