//! Campaign progress and supervision (issue 5 parts 1–3): what each enterprise's case
//! contributes to the dashboards ([`facts`]), the tallies they add up to ([`tally`]), the
//! data-quality rules ([`quality`]) and the schedule banks are measured against
//! ([`schedule`]). Pure: the store loads cases and keeps the tallies.

pub mod day;
pub mod facts;
pub mod quality;
pub mod schedule;
pub mod tally;

pub use facts::{Case, Facts, ListFacts, Q1, Solution, Stage, Stages, Visit};
pub use quality::{Flags, Rule, SharedCounts, Thresholds};
pub use schedule::{Assessment, Pace, Phase, Schedule};
pub use tally::Tally;
