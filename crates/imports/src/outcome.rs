//! How each accepted row counts in an import summary: eligible or excluded under its first
//! reason (DOMAIN §8 order), assigned or unassigned with a reason.

use std::collections::BTreeMap;

use yinqi_domain::eligibility::{Exclusion, Exclusions, Unassigned};

/// The summary category of one accepted row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// `None` when eligible; else the reason it is counted under.
    pub excluded_by: Option<&'static str>,
    /// `None` when assigned to a bank branch.
    pub unassigned: Option<&'static str>,
}

/// The code an enterprise excluded only by its bureau's override is counted under.
pub const OVERRIDE_REASON: &str = "override";

impl Outcome {
    /// A row as screened, before anything the store knows (duplicates, overrides).
    pub fn screened(exclusions: Exclusions, bank_code_valid: bool, bank_known: bool) -> Outcome {
        if let Some(first) = exclusions.first() {
            return Outcome {
                excluded_by: Some(first.code()),
                unassigned: Some(Unassigned::Excluded.code()),
            };
        }
        let unassigned = if !bank_code_valid {
            Some(Unassigned::BankCodeInvalid.code())
        } else if !bank_known {
            Some(Unassigned::BankUnknown.code())
        } else {
            None
        };
        Outcome {
            excluded_by: None,
            unassigned,
        }
    }

    /// A row held back because another bureau listed the enterprise first.
    pub fn cross_bureau_duplicate() -> Outcome {
        Outcome {
            excluded_by: Some(Exclusion::Duplicate.code()),
            unassigned: Some(Unassigned::Excluded.code()),
        }
    }

    /// A row as stored after the bureau's override was applied.
    pub fn stored(eligible: bool, exclusions: Exclusions, unassigned: Option<&str>) -> Outcome {
        let excluded_by =
            (!eligible).then(|| exclusions.first().map_or(OVERRIDE_REASON, |e| e.code()));
        Outcome {
            excluded_by,
            unassigned: unassigned.and_then(|code| Unassigned::from_code(code).map(|u| u.code())),
        }
    }
}

/// Running totals of accepted rows by category.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub eligible: u64,
    pub assigned: u64,
    pub excluded: BTreeMap<&'static str, u64>,
    pub unassigned: BTreeMap<&'static str, u64>,
}

impl Tally {
    pub fn add(&mut self, o: Outcome) {
        match o.excluded_by {
            Some(reason) => *self.excluded.entry(reason).or_default() += 1,
            None => self.eligible += 1,
        }
        match o.unassigned {
            Some(reason) => *self.unassigned.entry(reason).or_default() += 1,
            None => self.assigned += 1,
        }
    }

    pub fn remove(&mut self, o: Outcome) {
        match o.excluded_by {
            Some(reason) => decrement(&mut self.excluded, reason),
            None => self.eligible -= 1,
        }
        match o.unassigned {
            Some(reason) => decrement(&mut self.unassigned, reason),
            None => self.assigned -= 1,
        }
    }
}

fn decrement(map: &mut BTreeMap<&'static str, u64>, key: &'static str) {
    if let Some(n) = map.get_mut(key) {
        *n -= 1;
        if *n == 0 {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(reasons: &[Exclusion]) -> Exclusions {
        reasons.iter().copied().collect()
    }

    #[test]
    fn first_reason_counts_and_excluded_rows_are_not_assigned() {
        let o = Outcome::screened(set(&[Exclusion::CreditLevel, Exclusion::Large]), true, true);
        assert_eq!(o.excluded_by, Some("large"));
        assert_eq!(o.unassigned, Some("excluded"));
        assert_eq!(
            Outcome::screened(set(&[]), false, false).unassigned,
            Some("bank_code_invalid")
        );
        assert_eq!(
            Outcome::screened(set(&[]), true, false).unassigned,
            Some("bank_unknown")
        );
        assert_eq!(
            Outcome::screened(set(&[]), true, true),
            Outcome {
                excluded_by: None,
                unassigned: None
            }
        );
    }

    #[test]
    fn overrides_count_as_stored() {
        assert_eq!(
            Outcome::stored(false, set(&[]), Some("excluded")).excluded_by,
            Some(OVERRIDE_REASON)
        );
        assert_eq!(
            Outcome::stored(true, set(&[Exclusion::Medium]), None).excluded_by,
            None
        );
    }

    #[test]
    fn remove_undoes_add() {
        let mut t = Tally::default();
        let a = Outcome::screened(set(&[Exclusion::Dishonest]), true, true);
        let b = Outcome::screened(set(&[]), true, false);
        t.add(a);
        t.add(b);
        t.remove(a);
        assert_eq!(t.excluded.get("dishonest"), None);
        assert_eq!(
            (t.eligible, t.assigned, t.unassigned["bank_unknown"]),
            (1, 0, 1)
        );
    }
}
