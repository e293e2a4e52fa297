//! People who log in: their role, the organisation they act for, and the scope that follows.

use serde::Serialize;

use crate::db::{ConnExt, DbRow};
use crate::error::{Result, StoreError};
use crate::{Scope, Store, now_millis, params};

/// What a user does on the platform (DESIGN §1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    HqAdmin,
    HqStaff,
    BureauStaff,
    BankAdmin,
    BranchStaff,
    CustomerManager,
    AssociationViewer,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::HqAdmin,
        Role::HqStaff,
        Role::BureauStaff,
        Role::BankAdmin,
        Role::BranchStaff,
        Role::CustomerManager,
        Role::AssociationViewer,
    ];

    /// The stable identifier stored and used on the command line.
    pub fn code(self) -> &'static str {
        match self {
            Role::HqAdmin => "hq_admin",
            Role::HqStaff => "hq_staff",
            Role::BureauStaff => "bureau_staff",
            Role::BankAdmin => "bank_admin",
            Role::BranchStaff => "branch_staff",
            Role::CustomerManager => "customer_manager",
            Role::AssociationViewer => "association_viewer",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::HqAdmin => "总部管理员",
            Role::HqStaff => "总部工作人员",
            Role::BureauStaff => "监管局工作人员",
            Role::BankAdmin => "银行管理员",
            Role::BranchStaff => "网点工作人员",
            Role::CustomerManager => "客户经理",
            Role::AssociationViewer => "银行业协会",
        }
    }
}

/// Whose user someone is: the organisation columns a role needs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Affiliation {
    pub bureau_code: Option<String>,
    pub bank_id: Option<i64>,
    pub branch_code: Option<String>,
    pub association_id: Option<i64>,
}

/// A user as stored (the password hash is never handed out).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub affiliation: Affiliation,
    pub active: bool,
    pub has_password: bool,
}

impl User {
    /// The rows this user may see (DESIGN §1).
    pub fn scope(&self) -> Scope {
        let a = &self.affiliation;
        match self.role {
            Role::HqAdmin | Role::HqStaff => Scope::Nation,
            Role::BureauStaff => Scope::Bureau(a.bureau_code.clone().unwrap_or_default()),
            Role::BankAdmin => Scope::Bank {
                bank_id: a.bank_id.unwrap_or(-1),
                bureau: a.bureau_code.clone(),
            },
            Role::BranchStaff => Scope::Branch(a.branch_code.clone().unwrap_or_default()),
            Role::CustomerManager => Scope::Manager(self.id),
            Role::AssociationViewer => Scope::Aggregates,
        }
    }
}

/// What it takes to create a user.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub affiliation: Affiliation,
    /// An argon2 PHC string, or `None` for a customer manager who activates with a code.
    pub password_hash: Option<String>,
}

const USER_COLUMNS: &str = "id, username, display_name, role, bureau_code, bank_id, branch_code,
    association_id, active, password_hash IS NOT NULL";

fn user_from_row(r: &dyn DbRow) -> Result<User> {
    let role = r.text(3)?;
    Ok(User {
        id: r.i64(0)?,
        username: r.text(1)?,
        display_name: r.text(2)?,
        role: Role::from_code(&role)
            .ok_or_else(|| StoreError::Decode(format!("unknown role {role}")))?,
        affiliation: Affiliation {
            bureau_code: r.opt_text(4)?,
            bank_id: r.opt_i64(5)?,
            branch_code: r.opt_text(6)?,
            association_id: r.opt_i64(7)?,
        },
        active: r.bool(8)?,
        has_password: r.bool(9)?,
    })
}

/// Usernames: 3–64 characters of letters, digits, `_ . - @`; Chinese letters allowed.
fn check_username(name: &str) -> Result<()> {
    let n = name.chars().count();
    let ok = (3..=64).contains(&n)
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(
            "用户名应为 3–64 个字符，只能包含字母、数字、汉字和 _ . - @".into(),
        ))
    }
}

impl Store {
    /// Creates a user after checking the role's organisation exists and fits the role.
    pub fn create_user(&self, new: &NewUser, created_by: &str) -> Result<User> {
        check_username(&new.username)?;
        if new.display_name.trim().is_empty() || new.display_name.chars().count() > 64 {
            return Err(StoreError::Invalid("请填写姓名（不超过 64 个字符）".into()));
        }
        let a = &new.affiliation;
        let needs = |ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(StoreError::Invalid(format!(
                    "{}需要指定{what}",
                    new.role.label_zh()
                )))
            }
        };
        match new.role {
            Role::HqAdmin | Role::HqStaff => needs(
                a.bureau_code.is_none() && a.bank_id.is_none() && a.branch_code.is_none(),
                "总部（不能同时属于监管局或银行）",
            )?,
            Role::BureauStaff => needs(a.bureau_code.is_some() && a.bank_id.is_none(), "监管局")?,
            Role::BankAdmin => needs(a.bank_id.is_some() && a.branch_code.is_none(), "法人银行")?,
            Role::BranchStaff | Role::CustomerManager => {
                needs(a.branch_code.is_some(), "所属网点")?
            }
            Role::AssociationViewer => needs(a.association_id.is_some(), "银行业协会")?,
        }
        if new.role != Role::CustomerManager && new.password_hash.is_none() {
            return Err(StoreError::Invalid("请设置初始密码".into()));
        }
        self.write(|c| {
            let taken = c.query_i64(
                "SELECT COUNT(*) FROM users WHERE username = $1",
                params![new.username.as_str()],
            )?;
            if taken > 0 {
                return Err(StoreError::Conflict(format!("用户名 {} 已被使用", new.username)));
            }
            // A branch fixes its bank: take it from the registry rather than trusting input.
            let bank_id = match &a.branch_code {
                Some(code) => Some(
                    c.query_opt(
                        "SELECT bank_id FROM bank_branches WHERE code = $1",
                        params![code.as_str()],
                        |r| r.i64(0),
                    )?
                    .ok_or_else(|| StoreError::Invalid(format!("行号 {code} 不在银行机构名录中")))?,
                ),
                None => a.bank_id,
            };
            if let Some(b) = &a.bureau_code
                && yinqi_domain::bureau::by_code(b).is_none()
            {
                return Err(StoreError::Invalid(format!("未知的监管局代码：{b}")));
            }
            if let Some(id) = bank_id {
                let found = c.query_i64("SELECT COUNT(*) FROM banks WHERE id = $1", params![id])?;
                if found == 0 {
                    return Err(StoreError::Invalid(format!("没有编号为 {id} 的银行")));
                }
            }
            let now = now_millis();
            let id = c.query_i64(
                "INSERT INTO users (username, display_name, role, bureau_code, bank_id, branch_code,
                    association_id, password_hash, active, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, TRUE, $9, $10, $10) RETURNING id",
                params![
                    new.username.as_str(),
                    new.display_name.trim(),
                    new.role.code(),
                    a.bureau_code.as_deref(),
                    bank_id,
                    a.branch_code.as_deref(),
                    a.association_id,
                    new.password_hash.as_deref(),
                    created_by,
                    now
                ],
            )?;
            crate::audit::record(
                c,
                created_by,
                "user.create",
                None,
                a.bureau_code.as_deref(),
                Some(&new.username),
                &serde_json::json!({ "role": new.role.code(), "bank_id": bank_id, "branch": a.branch_code }),
            )?;
            c.query_one(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
                params![id],
                user_from_row,
            )
        })
    }

    /// The user and their password hash, for logging in.
    pub fn user_for_login(&self, username: &str) -> Result<Option<(User, Option<String>)>> {
        self.read(|c| {
            c.query_opt(
                &format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1"),
                params![username],
                |r| Ok((user_from_row(r)?, r.opt_text(10)?)),
            )
        })
    }

    pub fn user(&self, id: i64) -> Result<User> {
        self.read(|c| {
            c.query_one(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"),
                params![id],
                user_from_row,
            )
        })
    }

    /// Replaces a user's password hash and ends their other sessions.
    pub fn set_password(&self, user_id: i64, password_hash: &str, actor: &str) -> Result<()> {
        self.write(|c| {
            let n = c.execute(
                "UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1",
                params![user_id, password_hash, now_millis()],
            )?;
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            crate::audit::record(
                c,
                actor,
                "user.password",
                None,
                None,
                Some(&user_id.to_string()),
                &serde_json::json!({}),
            )
        })
    }

    /// Number of users (to tell a fresh installation).
    pub fn user_count(&self) -> Result<u64> {
        self.read(|c| Ok(c.query_i64("SELECT COUNT(*) FROM users", params![])? as u64))
    }
}

impl Store {
    /// The association with this name, created if it is new.
    pub fn ensure_association(&self, name: &str, actor: &str) -> Result<i64> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(StoreError::Invalid(
                "请填写协会名称（不超过 64 个字符）".into(),
            ));
        }
        self.write(|c| {
            if let Some(id) = c.query_opt(
                "SELECT id FROM associations WHERE name = $1",
                params![name],
                |r| r.i64(0),
            )? {
                return Ok(id);
            }
            let id = c.query_i64(
                "INSERT INTO associations (name, created_at) VALUES ($1, $2) RETURNING id",
                params![name, now_millis()],
            )?;
            crate::audit::record(
                c,
                actor,
                "association.create",
                None,
                None,
                Some(name),
                &serde_json::json!({}),
            )?;
            Ok(id)
        })
    }

    /// Whether a username is taken.
    pub fn username_exists(&self, username: &str) -> Result<bool> {
        self.read(|c| {
            Ok(c.query_i64(
                "SELECT COUNT(*) FROM users WHERE username = $1",
                params![username],
            )? > 0)
        })
    }
}

/// Whether `creator` may create `new` (DESIGN §1: admins create users below them, inside
/// their own organisation). HQ admins create anyone; bureau staff create bank admins for
/// their own territory; a bank admin creates staff and managers of its bank's branches —
/// only in its territory when it is a provincial branch's — and provincial admins of its
/// bank.
pub fn may_create(
    creator: &User,
    new: &NewUser,
    branch_bureau: Option<&str>,
    branch_bank: Option<i64>,
) -> bool {
    let c = &creator.affiliation;
    let n = &new.affiliation;
    match creator.role {
        Role::HqAdmin => true,
        Role::BureauStaff => {
            new.role == Role::BankAdmin && n.bank_id.is_some() && n.bureau_code == c.bureau_code
        }
        Role::BankAdmin => {
            let same_bank = c.bank_id.is_some();
            let in_territory = |bureau: Option<&str>| {
                c.bureau_code.is_none() || bureau == c.bureau_code.as_deref()
            };
            match new.role {
                Role::BranchStaff | Role::CustomerManager => {
                    same_bank && branch_bank == c.bank_id && in_territory(branch_bureau)
                }
                Role::BankAdmin => {
                    same_bank
                        && n.bank_id == c.bank_id
                        && c.bureau_code.is_none()
                        && n.bureau_code.is_some()
                }
                _ => false,
            }
        }
        _ => false,
    }
}

impl Store {
    /// Creates `new` on behalf of `creator`, if the creator may (else "not found", as for any
    /// organisation outside their scope).
    pub fn create_user_as(&self, creator: &User, new: &NewUser) -> Result<User> {
        let (branch_bureau, branch_bank) = match &new.affiliation.branch_code {
            Some(code) => self
                .read(|c| {
                    c.query_opt(
                        "SELECT bureau_code, bank_id FROM bank_branches WHERE code = $1",
                        params![code.as_str()],
                        |r| Ok((r.opt_text(0)?, Some(r.i64(1)?))),
                    )
                })?
                .unwrap_or((None, None)),
            None => (None, None),
        };
        if !may_create(creator, new, branch_bureau.as_deref(), branch_bank) {
            return Err(StoreError::NotFound);
        }
        self.create_user(new, &creator.username)
    }

    /// The users `viewer` administers or works beside, by username: HQ sees all; a bureau its
    /// territory's; a bank admin its bank's (within its territory when provincial).
    pub fn users_visible_to(&self, viewer: &User) -> Result<Vec<User>> {
        let a = &viewer.affiliation;
        let (condition, values): (&str, Vec<crate::db::Val<'_>>) = match viewer.role {
            Role::HqAdmin | Role::HqStaff => ("TRUE", vec![]),
            Role::BureauStaff => ("bureau_code = $1", vec![a.bureau_code.as_deref().into()]),
            Role::BankAdmin => match &a.bureau_code {
                None => ("bank_id = $1", vec![a.bank_id.into()]),
                Some(b) => (
                    "bank_id = $1 AND (bureau_code = $2 OR branch_code IN (SELECT code FROM bank_branches WHERE bureau_code = $2))",
                    vec![a.bank_id.into(), crate::db::Val::Text(b)],
                ),
            },
            _ => ("id = $1", vec![crate::db::Val::Int(viewer.id)]),
        };
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {condition} ORDER BY username");
        self.read(|c| c.query_vec(&sql, &values, user_from_row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, bureau: Option<&str>, bank: Option<i64>) -> User {
        User {
            id: 1,
            username: "x".into(),
            display_name: "x".into(),
            role,
            affiliation: Affiliation {
                bureau_code: bureau.map(str::to_owned),
                bank_id: bank,
                branch_code: None,
                association_id: None,
            },
            active: true,
            has_password: true,
        }
    }

    fn new(role: Role, bureau: Option<&str>, bank: Option<i64>, branch: Option<&str>) -> NewUser {
        NewUser {
            username: "new".into(),
            display_name: "new".into(),
            role,
            affiliation: Affiliation {
                bureau_code: bureau.map(str::to_owned),
                bank_id: bank,
                branch_code: branch.map(str::to_owned),
                association_id: None,
            },
            password_hash: None,
        }
    }

    #[test]
    fn who_may_create_whom() {
        let hq = user(Role::HqAdmin, None, None);
        let hq_staff = user(Role::HqStaff, None, None);
        let shandong = user(Role::BureauStaff, Some("37"), None);
        let icbc = user(Role::BankAdmin, None, Some(1));
        let icbc_sd = user(Role::BankAdmin, Some("37"), Some(1));
        let manager_sd = new(Role::CustomerManager, None, None, Some("b"));
        assert!(may_create(
            &hq,
            &new(Role::HqAdmin, None, None, None),
            None,
            None
        ));
        assert!(!may_create(
            &hq_staff,
            &new(Role::BureauStaff, Some("37"), None, None),
            None,
            None
        ));
        assert!(may_create(
            &shandong,
            &new(Role::BankAdmin, Some("37"), Some(1), None),
            None,
            None
        ));
        assert!(!may_create(
            &shandong,
            &new(Role::BankAdmin, Some("11"), Some(1), None),
            None,
            None
        ));
        assert!(!may_create(
            &shandong,
            &new(Role::BureauStaff, Some("37"), None, None),
            None,
            None
        ));
        assert!(may_create(&icbc, &manager_sd, Some("37"), Some(1)));
        assert!(
            !may_create(&icbc, &manager_sd, Some("37"), Some(2)),
            "another bank's branch"
        );
        assert!(may_create(&icbc_sd, &manager_sd, Some("37"), Some(1)));
        assert!(
            !may_create(&icbc_sd, &manager_sd, Some("11"), Some(1)),
            "outside its territory"
        );
        assert!(may_create(
            &icbc,
            &new(Role::BankAdmin, Some("37"), Some(1), None),
            None,
            None
        ));
        assert!(!may_create(
            &icbc_sd,
            &new(Role::BankAdmin, Some("11"), Some(1), None),
            None,
            None
        ));
        assert!(!may_create(
            &icbc,
            &new(Role::HqAdmin, None, None, None),
            None,
            None
        ));
        let staff = user(Role::BranchStaff, Some("37"), Some(1));
        assert!(!may_create(&staff, &manager_sd, Some("37"), Some(1)));
    }
}
