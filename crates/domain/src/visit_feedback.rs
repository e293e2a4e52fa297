//! The enterprise's word on a visit a customer manager recorded (questionnaire 2): did it
//! take place, and how was it (1–5, with an optional comment). Bureaus use it to see
//! visits that were reported but never happened (issue 5's quality rules and spot checks).

/// Longest comment, in characters.
pub const COMMENT_MAX_CHARS: usize = 200;

/// A valid confirmation: only [`Feedback::new`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Feedback {
    took_place: bool,
    rating: Option<u8>,
    comment: Option<String>,
}

/// What is wrong with a confirmation, worded for the person filling it in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FeedbackError {
    #[error("请为这次走访评分（1–5 分）")]
    RatingMissing,
    #[error("评分应为 1–5 分")]
    RatingOutOfRange,
    /// A rating of a visit the enterprise says did not happen means nothing; the no-script
    /// form drops it before it gets here.
    #[error("走访没有发生时不能评分")]
    RatingWithoutVisit,
    #[error("意见最多 {COMMENT_MAX_CHARS} 个字，现在 {0} 个字")]
    CommentTooLong(usize),
    #[error("意见中不能包含控制字符")]
    ControlCharacter,
}

impl FeedbackError {
    /// The form field the message belongs next to.
    pub fn field(&self) -> &'static str {
        match self {
            FeedbackError::RatingMissing
            | FeedbackError::RatingOutOfRange
            | FeedbackError::RatingWithoutVisit => "rating",
            FeedbackError::CommentTooLong(_) | FeedbackError::ControlCharacter => "comment",
        }
    }
}

impl Feedback {
    /// Checks a confirmation: a visit that took place is rated 1–5, one that did not is not
    /// rated; the comment is trimmed (an empty one is none), at most
    /// [`COMMENT_MAX_CHARS`] characters, line breaks allowed.
    pub fn new(
        took_place: bool,
        rating: Option<i64>,
        comment: &str,
    ) -> Result<Feedback, FeedbackError> {
        let rating = match (took_place, rating) {
            (true, None) => return Err(FeedbackError::RatingMissing),
            (true, Some(r)) if (1..=5).contains(&r) => Some(r as u8),
            (true, Some(_)) => return Err(FeedbackError::RatingOutOfRange),
            (false, Some(_)) => return Err(FeedbackError::RatingWithoutVisit),
            (false, None) => None,
        };
        let comment = comment.trim().replace("\r\n", "\n");
        if comment.chars().any(|c| c.is_control() && c != '\n') {
            return Err(FeedbackError::ControlCharacter);
        }
        let chars = comment.chars().count();
        if chars > COMMENT_MAX_CHARS {
            return Err(FeedbackError::CommentTooLong(chars));
        }
        Ok(Feedback {
            took_place,
            rating,
            comment: (!comment.is_empty()).then_some(comment),
        })
    }

    pub fn took_place(&self) -> bool {
        self.took_place
    }

    pub fn rating(&self) -> Option<u8> {
        self.rating
    }

    pub fn comment(&self) -> Option<&str> {
        self.comment.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visit_that_happened_is_rated_one_to_five() {
        let f = Feedback::new(true, Some(4), "  很专业\r\n谢谢 ").unwrap();
        assert_eq!(
            (f.took_place(), f.rating(), f.comment()),
            (true, Some(4), Some("很专业\n谢谢"))
        );
        assert_eq!(Feedback::new(true, Some(1), "").unwrap().comment(), None);
        assert_eq!(Feedback::new(true, Some(5), " ").unwrap().rating(), Some(5));
        for bad in [0, 6, -1, i64::MAX] {
            assert_eq!(
                Feedback::new(true, Some(bad), ""),
                Err(FeedbackError::RatingOutOfRange)
            );
        }
        assert_eq!(
            Feedback::new(true, None, ""),
            Err(FeedbackError::RatingMissing)
        );
    }

    #[test]
    fn a_visit_that_did_not_happen_has_no_rating() {
        let f = Feedback::new(false, None, "没有人来过").unwrap();
        assert_eq!((f.took_place(), f.rating()), (false, None));
        let e = Feedback::new(false, Some(3), "").unwrap_err();
        assert_eq!(e, FeedbackError::RatingWithoutVisit);
        assert_eq!(e.field(), "rating");
    }

    #[test]
    fn comments_are_limited_in_length_and_characters() {
        let just = "好".repeat(COMMENT_MAX_CHARS);
        assert!(Feedback::new(true, Some(3), &just).is_ok());
        let over = "好".repeat(COMMENT_MAX_CHARS + 1);
        let e = Feedback::new(true, Some(3), &over).unwrap_err();
        assert_eq!(e, FeedbackError::CommentTooLong(201));
        assert_eq!(e.field(), "comment");
        assert!(e.to_string().contains("201"));
        assert_eq!(
            Feedback::new(true, Some(3), "a\0b"),
            Err(FeedbackError::ControlCharacter)
        );
    }
}
