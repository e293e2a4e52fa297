//! The life of a financing solution (questionnaire 3, DOMAIN §10): its statuses and which
//! change of status a bank may record. The status history itself is stored by the caller.

/// The status of a financing solution; the codes are those of q3's `status` question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SolutionStatus {
    Proposed,
    Applied,
    UnderReview,
    Approved,
    Disbursed,
    Closed,
    Declined,
    Withdrawn,
    NoNeed,
    Referred,
}

use SolutionStatus::*;

impl SolutionStatus {
    /// Every status, main line first.
    pub const ALL: [SolutionStatus; 10] = [
        Proposed,
        Applied,
        UnderReview,
        Approved,
        Disbursed,
        Closed,
        Declined,
        Withdrawn,
        NoNeed,
        Referred,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Proposed => "proposed",
            Applied => "applied",
            UnderReview => "under_review",
            Approved => "approved",
            Disbursed => "disbursed",
            Closed => "closed",
            Declined => "declined",
            Withdrawn => "withdrawn",
            NoNeed => "no_need",
            Referred => "referred",
        }
    }

    /// The status with this code.
    pub fn from_code(code: &str) -> Option<SolutionStatus> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the solution is finished: nothing follows except an audited correction.
    pub fn is_final(self) -> bool {
        matches!(self, Closed | Declined | Withdrawn | NoNeed | Referred)
    }

    /// The position on the main line proposed → … → closed, if the status is on it.
    fn step(self) -> Option<u8> {
        Self::ALL[..6]
            .iter()
            .position(|s| *s == self)
            .map(|i| i as u8)
    }

    /// Whether a bank may move a solution from `self` to `next`. Forward along the main line,
    /// skipping steps (banks record progress late, so "proposed" may be followed directly by
    /// "approved"); out of it to withdrawn / no real need / referred before the money is
    /// out; declined only once there is an application to decline; after disbursement only
    /// closed. Staying on the same status is allowed (the rest of the form was updated).
    pub fn may_become(self, next: SolutionStatus) -> bool {
        if self == next {
            return true;
        }
        if self.is_final() {
            return false;
        }
        match (self.step(), next.step()) {
            (Some(a), Some(b)) => b > a,
            _ => match next {
                Declined => matches!(self, Applied | UnderReview),
                Withdrawn | NoNeed | Referred => self != Disbursed,
                _ => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questionnaire::{Kind, q3};

    #[test]
    fn codes_are_those_of_questionnaire_3() {
        let Some(Kind::SingleChoice { choices }) = q3().question("status").map(|q| &q.kind) else {
            panic!("q3 has a single-choice status");
        };
        let codes: Vec<&str> = choices.iter().map(|c| c.code.as_str()).collect();
        let ours: Vec<&str> = SolutionStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, ours);
        assert!(
            SolutionStatus::ALL
                .iter()
                .all(|s| SolutionStatus::from_code(s.code()) == Some(*s))
        );
    }

    #[test]
    fn transitions() {
        assert!(Proposed.may_become(Applied) && Proposed.may_become(Approved));
        assert!(Approved.may_become(Disbursed) && Disbursed.may_become(Closed));
        assert!(!Approved.may_become(Applied), "no going back");
        assert!(!Proposed.may_become(Declined), "nothing to decline yet");
        assert!(UnderReview.may_become(Declined));
        assert!(Approved.may_become(Withdrawn) && !Disbursed.may_become(Withdrawn));
        for f in SolutionStatus::ALL.into_iter().filter(|s| s.is_final()) {
            assert!(
                SolutionStatus::ALL
                    .iter()
                    .all(|n| *n == f || !f.may_become(*n)),
                "{f:?}"
            );
        }
        // Every status can be reached from "proposed", and every path ends in a final one.
        for s in SolutionStatus::ALL {
            assert!(Proposed.may_become(s) || [Declined].contains(&s));
            assert!(
                s.is_final()
                    || SolutionStatus::ALL
                        .iter()
                        .any(|n| n.is_final() && s.may_become(*n))
            );
        }
    }
}
