//! The questionnaire engine (DESIGN §6, DOMAIN §10): definitions as versioned JSON data, the
//! `show_if` / constraint expression language, and the validation of submissions and drafts.
//!
//! What a caller must supply, since the domain has no clock and no database:
//! - **today's date** (in China, UTC+8) in [`Context`], for dates that may not be in the future;
//! - **the enterprise record** for prefilling ([`Definition::prefill`] asks for each
//!   [`PrefillField`]); prefilled values are only initial answers and are validated like any
//!   other when submitted;
//! - **the definition version the form was rendered from**: validate against that version,
//!   not the newest one.
//!
//! The three campaign questionnaires are embedded from `questionnaires/*.json`
//! ([`q1`], [`q2`], [`q3`], [`builtin`]).

pub mod definition;
pub mod expr;
pub mod solution;
pub mod validate;
pub mod value;

#[cfg(test)]
mod tests;

use std::sync::LazyLock;

pub use definition::{
    Choice, Constraint, Definition, DefinitionError, Kind, PrefillField, Question, Section,
    TextFormat,
};
pub use expr::{Expr, ExprError};
pub use solution::SolutionStatus;
pub use validate::{Context, FieldError, HiddenAnswers, Mode, Normalised};
pub use value::{Date, Dec, Value};

/// The source files of the built-in definitions, as `(file name, JSON)`.
pub const SOURCES: [(&str, &str); 3] = [
    (
        "q1-need.v1.json",
        include_str!("../../questionnaires/q1-need.v1.json"),
    ),
    (
        "q2-visit.v1.json",
        include_str!("../../questionnaires/q2-visit.v1.json"),
    ),
    (
        "q3-solution.v1.json",
        include_str!("../../questionnaires/q3-solution.v1.json"),
    ),
];

fn load(i: usize) -> Definition {
    // The files are checked by the unit tests; a broken one must not reach a build.
    Definition::from_json(SOURCES[i].1)
        .unwrap_or_else(|e| panic!("built-in questionnaire {}: {e}", SOURCES[i].0))
}

static BUILTIN: LazyLock<[Definition; 3]> = LazyLock::new(|| [load(0), load(1), load(2)]);

/// Questionnaire 1, need screening (the enterprise, on its phone).
pub fn q1() -> &'static Definition {
    &BUILTIN[0]
}

/// Questionnaire 2, the visit survey (the customer manager).
pub fn q2() -> &'static Definition {
    &BUILTIN[1]
}

/// Questionnaire 3, financing solution and follow-up (the bank).
pub fn q3() -> &'static Definition {
    &BUILTIN[2]
}

/// The built-in definitions, for loading into the database.
pub fn builtin() -> &'static [Definition] {
    BUILTIN.as_slice()
}
