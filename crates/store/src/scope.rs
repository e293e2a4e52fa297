//! Who may see which rows (DESIGN §1). Every store method that reads or writes rows takes a
//! [`Scope`]; a row outside it is "not found", never "forbidden".

use crate::db::Val;

/// What the caller may see, computed from the logged-in user (or the operator at the CLI).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Regulator HQ: the whole country.
    Nation,
    /// A provincial bureau, by its code (`11`, `3702`…): enterprises registered there.
    Bureau(String),
    /// A bank (legal entity), optionally limited to one bureau's territory (a provincial branch).
    Bank {
        bank_id: i64,
        bureau: Option<String>,
    },
    /// One bank branch, by its 12-digit code.
    Branch(String),
    /// One customer manager, by user id.
    Manager(i64),
    /// One enterprise, by its case id (the holder of an invitation code).
    Enterprise(i64),
    /// Aggregates only (associations): no enterprise rows at all.
    Aggregates,
}

impl Scope {
    /// The SQL condition restricting the enterprise table (aliased `alias`) to this scope,
    /// with its parameters numbered from `first_param`. `None` means no row is visible.
    /// Banks, branches and managers see a bureau's list only once it is released to them;
    /// the condition names `released` first so the partial bank/branch indexes apply.
    pub(crate) fn enterprise_condition<'a>(
        &'a self,
        alias: &str,
        first_param: usize,
    ) -> Option<(String, Vec<Val<'a>>)> {
        let p = first_param;
        match self {
            Scope::Nation => Some(("TRUE".to_owned(), vec![])),
            Scope::Bureau(code) => {
                Some((format!("{alias}.bureau_code = ${p}"), vec![Val::Text(code)]))
            }
            Scope::Bank {
                bank_id,
                bureau: None,
            } => Some((
                format!("{alias}.released AND {alias}.bank_id = ${p}"),
                vec![Val::Int(*bank_id)],
            )),
            Scope::Bank {
                bank_id,
                bureau: Some(b),
            } => Some((
                format!(
                    "{alias}.released AND {alias}.bank_id = ${p} AND {alias}.bureau_code = ${}",
                    p + 1
                ),
                vec![Val::Int(*bank_id), Val::Text(b)],
            )),
            Scope::Branch(code) => Some((
                format!("{alias}.released AND {alias}.branch_code = ${p}"),
                vec![Val::Text(code)],
            )),
            Scope::Manager(id) => Some((
                format!("{alias}.released AND {alias}.manager_id = ${p}"),
                vec![Val::Int(*id)],
            )),
            Scope::Enterprise(id) => Some((format!("{alias}.id = ${p}"), vec![Val::Int(*id)])),
            Scope::Aggregates => None,
        }
    }

    /// Whether this scope may act for `bureau` (write its list, set its options).
    pub fn covers_bureau(&self, bureau: &str) -> bool {
        match self {
            Scope::Nation => true,
            Scope::Bureau(code) => code == bureau,
            _ => false,
        }
    }
}
