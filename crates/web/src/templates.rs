//! The pages' templates (askama, in `templates/`) and the data each one shows. Text shown
//! to users lives in the templates; handlers fill in values.

use askama::Template;
use yinqi_store::{ListCounts, User};

/// The header of every logged-in page.
pub struct Nav {
    pub display_name: String,
    pub role_label: &'static str,
    pub org: String,
    pub csrf: String,
    /// Whether the role sees enterprise rows (associations see aggregates only).
    pub sees_rows: bool,
}

impl Nav {
    pub fn new(user: &User, csrf: &str, org: String) -> Nav {
        Nav {
            display_name: user.display_name.clone(),
            role_label: user.role.label_zh(),
            org,
            csrf: csrf.to_owned(),
            sees_rows: user.role != yinqi_store::Role::AssociationViewer,
        }
    }
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub username: &'a str,
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage<'a> {
    pub nav: Option<Nav>,
    pub heading: &'a str,
    pub campaign: &'a str,
    pub counts: Option<ListCounts>,
    pub unassigned: Vec<(&'static str, u64)>,
}

/// One row of the list page (contacts already masked).
pub struct ListRow {
    pub uscc: String,
    pub name: String,
    pub bureau: String,
    pub status: &'static str,
    pub branch: String,
    pub contact: String,
}

#[derive(Template)]
#[template(path = "enterprises.html")]
pub struct EnterprisesPage<'a> {
    pub nav: Option<Nav>,
    pub q: &'a str,
    pub eligible: &'a str,
    pub assignment: &'a str,
    pub bureau: &'a str,
    pub show_bureau: bool,
    pub rows: Vec<ListRow>,
    pub next_link: Option<String>,
}

/// One enterprise as the detail page shows it.
pub struct Detail {
    pub uscc: String,
    pub name: String,
    pub bureau: String,
    pub region: String,
    pub industry: String,
    pub size: String,
    pub tax_credit: String,
    pub status: &'static str,
    pub reasons: String,
    pub branch: String,
    pub contact: String,
}

#[derive(Template)]
#[template(path = "enterprise.html")]
pub struct EnterprisePage {
    pub nav: Option<Nav>,
    pub e: Detail,
}

#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub error: Option<&'a str>,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    /// Always `None`: error pages may be shown to anyone.
    pub nav: Option<Nav>,
    pub status: u16,
    pub message: &'a str,
}

/// Renders a page; a template that fails to render is a bug, shown as a bare message.
pub fn render(page: &impl Template) -> String {
    page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "template failed");
        "页面生成失败".to_owned()
    })
}
