//! Pure domain rules of the bank–enterprise matchmaking campaign (see shared DOMAIN.md):
//! codes, reference data, classifications, eligibility, the questionnaire engine and the
//! campaign's progress and quality rules.
//! No I/O, no clock, no randomness.

pub mod amount;
pub mod bank_code;
pub mod bureau;
pub mod eligibility;
pub mod entity;
pub mod industry;
pub mod invitation;
pub mod listing;
pub mod phone;
pub mod progress;
pub mod questionnaire;
pub mod region;
pub mod size;
pub mod tax_credit;
pub mod text;
pub mod uscc;
pub mod visit_feedback;
