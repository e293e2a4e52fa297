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
    /// Whether the role reads the audit log (HQ and bureaus).
    pub sees_audit: bool,
    /// Whether the role takes part in the list round (HQ and bureaus).
    pub sees_lists: bool,
    /// Whether the role administers users (HQ admins, bureaus, bank admins).
    pub manages_users: bool,
    /// Whether the role manages banks' API tokens (bank admins of a legal entity: their
    /// own; HQ admins: any bank's).
    pub manages_tokens: bool,
    /// Whether the role handles invitation code batches (HQ, bureaus, banks, branches).
    pub handles_codes: bool,
    /// Whether the role gives enterprises to customer managers (bank admins, branches).
    pub assigns_managers: bool,
    /// Whether the role has the workbench (customer managers).
    pub works: bool,
    /// Whether the role supervises banks (HQ and bureaus: progress ranking and pressing).
    pub supervises: bool,
    /// Whether the role sees the quality rules' results (all but associations).
    pub sees_quality: bool,
    /// Whether the role reads and answers reminders (bank admins).
    pub answers_reminders: bool,
}

impl Nav {
    pub fn new(user: &User, csrf: &str, org: String) -> Nav {
        Nav {
            display_name: user.display_name.clone(),
            role_label: user.role.label_zh(),
            org,
            csrf: csrf.to_owned(),
            sees_rows: user.role != yinqi_store::Role::AssociationViewer,
            manages_tokens: (user.role == yinqi_store::Role::BankAdmin
                && user.affiliation.bureau_code.is_none())
                || user.role == yinqi_store::Role::HqAdmin,
            manages_users: matches!(
                user.role,
                yinqi_store::Role::HqAdmin
                    | yinqi_store::Role::BureauStaff
                    | yinqi_store::Role::BankAdmin
            ),
            handles_codes: matches!(
                user.role,
                yinqi_store::Role::HqAdmin
                    | yinqi_store::Role::HqStaff
                    | yinqi_store::Role::BureauStaff
                    | yinqi_store::Role::BankAdmin
                    | yinqi_store::Role::BranchStaff
            ),
            works: user.role == yinqi_store::Role::CustomerManager,
            assigns_managers: matches!(
                user.role,
                yinqi_store::Role::BankAdmin | yinqi_store::Role::BranchStaff
            ),
            sees_audit: matches!(
                user.role,
                yinqi_store::Role::HqAdmin
                    | yinqi_store::Role::HqStaff
                    | yinqi_store::Role::BureauStaff
            ),
            sees_lists: matches!(
                user.role,
                yinqi_store::Role::HqAdmin
                    | yinqi_store::Role::HqStaff
                    | yinqi_store::Role::BureauStaff
            ),
            supervises: matches!(
                user.role,
                yinqi_store::Role::HqAdmin
                    | yinqi_store::Role::HqStaff
                    | yinqi_store::Role::BureauStaff
            ),
            sees_quality: user.role != yinqi_store::Role::AssociationViewer,
            answers_reminders: user.role == yinqi_store::Role::BankAdmin,
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
    /// Reminders from the regulator the bank has not answered yet.
    pub open_reminders: usize,
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
    pub branch: &'a str,
    pub manager: &'a str,
    pub bank: &'a str,
    pub show_bureau: bool,
    /// HQ and bureaus filter by bank (legal entity) name.
    pub show_bank: bool,
    /// Customer managers the caller may give the listed enterprises to (bank side).
    pub managers: Vec<(i64, String)>,
    pub csrf: &'a str,
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
pub struct EnterprisePage<'a> {
    pub nav: Option<Nav>,
    pub e: Detail,
    pub csrf: &'a str,
    /// The contact is shown in full (an audited reveal).
    pub revealed: bool,
    pub code: CodeView,
    /// The customer manager now holding it, and those the caller may give it to
    /// (id, label, whether it is the one holding it).
    pub manager: Option<i64>,
    pub managers: Vec<(i64, String, bool)>,
    pub notice: Option<&'a str>,
    /// The questionnaires answered, visits, solutions and pushes (issue 4).
    pub work: crate::work_templates::EnterpriseWork,
}

/// An enterprise's invitation code as its page shows it.
#[derive(Default)]
pub struct CodeView {
    /// In words: not issued, or where its batch is.
    pub status: String,
    /// The code, its link and the standard SMS, for those who read codes.
    pub code: Option<String>,
    pub link: String,
    pub sms: String,
    /// Whether the caller may revoke and reissue it.
    pub may_revoke: bool,
}

/// One code batch as listed.
pub struct BatchRow {
    pub id: i64,
    pub bureau: String,
    pub bank: String,
    pub holder: &'static str,
    pub codes: i64,
    pub handed_at: String,
    /// The next holder, when the caller may hand the batch on.
    pub next: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "codes.html")]
pub struct CodesPage<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub rows: Vec<BatchRow>,
    /// Bureaus HQ may issue codes for: (code, name); empty for everyone else.
    pub bureaus: Vec<(&'static str, &'static str)>,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
}

pub struct HandoverRow {
    pub at: String,
    pub from: &'static str,
    pub to: &'static str,
    pub codes: i64,
    pub actor: String,
    pub detail: String,
}

/// One code of a batch as its page shows it (contacts masked).
pub struct CodeSample {
    pub uscc: String,
    pub name: String,
    pub contact: String,
    pub code: String,
    pub link: String,
}

#[derive(Template)]
#[template(path = "batch.html")]
pub struct BatchPage<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub batch: BatchRow,
    pub handovers: Vec<HandoverRow>,
    pub reads_codes: bool,
    pub sample: Vec<CodeSample>,
}

#[derive(Template)]
#[template(path = "entry.html")]
pub struct EntryPage<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub typed: &'a str,
    pub error: Option<&'a str>,
}

/// One recorded visit on the enterprise's page, with its confirmation or the form for it.
pub struct VisitView {
    pub response_id: i64,
    pub date: String,
    pub mode: String,
    pub bank: String,
    /// What the enterprise said, once it has.
    pub confirmed: Option<String>,
    /// The form as posted (kept when refused) and its messages.
    pub took_place: String,
    pub comment: String,
    pub stars: Vec<(u8, bool)>,
    pub error: String,
    pub took_place_error: String,
    pub rating_error: String,
    pub comment_error: String,
}

/// `/q/{code}`: the enterprise, its questionnaire's state, its visits.
#[derive(Template)]
#[template(path = "enterprise_home.html")]
pub struct EnterpriseHomePage<'a> {
    pub nav: Option<Nav>,
    pub name: &'a str,
    pub uscc: &'a str,
    pub bank: &'a str,
    pub branch: &'a str,
    pub code: &'a str,
    /// `/q/{code}`: the start of the enterprise's other pages.
    pub base: &'a str,
    pub csrf: &'a str,
    /// `new`, `draft` or `submitted`.
    pub q1_state: &'a str,
    pub q1_when: String,
    pub visits: Vec<VisitView>,
}

/// `/q/{code}/q1`: questionnaire 1 to fill in.
#[derive(Template)]
#[template(path = "enterprise_q1.html")]
pub struct EnterpriseQ1Page<'a> {
    pub nav: Option<Nav>,
    pub form: crate::questionnaire_form::FormView,
    pub name: &'a str,
    pub action: &'a str,
    pub home: &'a str,
    pub csrf: &'a str,
    pub client_id: &'a str,
    pub opened_at: i64,
    pub notice: Option<String>,
    /// Messages not tied to one question (shown at the top).
    pub errors: Vec<String>,
    pub has_field_errors: bool,
}

/// `/q/{code}/done`: the confirmation with what was submitted.
#[derive(Template)]
#[template(path = "enterprise_done.html")]
pub struct EnterpriseDonePage<'a> {
    pub nav: Option<Nav>,
    pub name: &'a str,
    pub submitted_at: String,
    pub next_steps: Vec<String>,
    pub summary: Vec<crate::questionnaire_form::SummaryRow>,
    pub home: &'a str,
}

/// Why an enterprise page cannot be shown (a revoked code, another enterprise's browser).
#[derive(Template)]
#[template(path = "enterprise_notice.html")]
pub struct EnterpriseNoticePage<'a> {
    pub nav: Option<Nav>,
    pub title: &'a str,
    pub message: &'a str,
    pub link: &'a str,
    pub link_text: &'a str,
}

#[derive(Template)]
#[template(path = "activate.html")]
pub struct ActivatePage<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub error: Option<&'a str>,
    /// The username of the account just activated.
    pub done: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "poster.html")]
pub struct PosterPage<'a> {
    pub nav: Option<Nav>,
    /// Trusted: drawn by our own QR renderer.
    pub qr_svg: String,
    pub url: &'a str,
}

pub struct ManagerRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub branch: String,
    pub enterprises: i64,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "managers.html")]
pub struct ManagersPage<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub rows: Vec<ManagerRow>,
    /// Whether the viewer (a bank admin) issues activation codes.
    pub issues_codes: bool,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
}

/// One audit log entry as shown.
pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub subject: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage<'a> {
    pub nav: Option<Nav>,
    pub whose: &'a str,
    pub rows: Vec<AuditRow>,
    pub next_link: Option<String>,
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

/// The audit log's action codes in words.
pub fn action_label(action: &str) -> &'static str {
    match action {
        "login" => "登录",
        "login.failed" => "登录失败",
        "login.throttled" => "登录被限制",
        "logout" => "退出",
        "user.create" => "创建用户",
        "user.password" => "修改密码",
        "api_token.create" => "创建接口令牌",
        "api_token.revoke" => "吊销接口令牌",
        "association.create" => "登记银行业协会",
        "bank_registry.import" => "导入银行机构名录",
        "enterprise_list.import" => "导入企业名单",
        "enterprise_list.release" => "发布名单给银行",
        "codes.issue" => "发放邀请码",
        "codes.hand_over" => "移交邀请码批次",
        "codes.export" => "导出邀请码（短信文件）",
        "code.revoke" => "作废邀请码",
        "code.reissue" => "作废并重发邀请码",
        "manager_code.issue" => "发放客户经理激活码",
        "manager.activate" => "客户经理激活账号",
        "enterprise.assign_manager" => "指派客户经理",
        "enterprise.unassign_manager" => "收回客户经理指派",
        "enterprise_list.upload" => "网页上传企业名单",
        "enterprise_list.submit" => "提交名单",
        "enterprise_list.check" => "总部核对名单",
        "enterprise_list.return" => "总部退回名单",
        "enterprise_list.freeze" => "总部冻结名单（发布给银行）",
        "export.error_report" => "导出名单错误报告",
        "enterprise.override" => "调整企业是否纳入",
        "enterprise.reveal" => "查看完整联系方式",
        "bureau.options" => "修改纳税信用级别选项",
        "code.push" => "推送问卷链接",
        "answers.correct" => "更正问卷答案",
        "answers.reveal" => "查看问卷中的个人信息",
        "reminder.create" => "督促银行",
        "reminder.reply" => "银行回复督促",
        "supervision.settings" => "修改督导日程与质量阈值",
        _ => "其他操作",
    }
}

/// One user in the user list.
pub struct UserRow {
    pub username: String,
    pub name: String,
    pub role: &'static str,
    pub org: String,
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersPage<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub rows: Vec<UserRow>,
    /// The roles this viewer may create: (code, label).
    pub roles: Vec<(&'static str, &'static str)>,
    pub error: Option<&'a str>,
    pub notice: Option<&'a str>,
}

/// One API token as listed.
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_by: String,
    pub created_at: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub rows: Vec<TokenRow>,
    /// A token just created, shown this once.
    pub created: Option<&'a str>,
    pub error: Option<&'a str>,
    /// HQ chooses the bank by its registry name; `bank` is the one chosen.
    pub chooses_bank: bool,
    pub bank: &'a str,
    pub has_bank: bool,
}

/// One bureau's list in HQ's overview.
pub struct BureauRow {
    pub code: String,
    pub name: &'static str,
    pub status: &'static str,
    pub status_code: &'static str,
    pub listed: u64,
    pub eligible: u64,
    pub assigned: u64,
    pub duplicates: u64,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "lists.html")]
pub struct ListsPage<'a> {
    pub nav: Option<Nav>,
    pub campaign: &'a str,
    pub rows: Vec<BureauRow>,
    /// How many lists are in each status: (label, count).
    pub by_status: Vec<(&'static str, usize)>,
    pub listed: u64,
    pub duplicates: u64,
}

/// One status change of a list.
pub struct HistoryRow {
    pub at: String,
    pub actor: String,
    pub from: &'static str,
    pub to: &'static str,
    pub remarks: String,
}

/// An enterprise two bureaus listed.
pub struct DuplicateRow {
    pub uscc: String,
    pub name: String,
    pub claimant: String,
    pub owner: String,
    pub line: i64,
}

/// One upload of the list.
pub struct JobRow {
    pub id: i64,
    pub file_name: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub created_by: String,
    pub created_at: String,
}

#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage<'a> {
    pub nav: Option<Nav>,
    pub csrf: &'a str,
    pub campaign: &'a str,
    pub bureau_code: &'a str,
    pub bureau_name: &'static str,
    pub status: &'static str,
    pub status_code: &'static str,
    pub remarks: Option<String>,
    pub updated: String,
    pub counts: ListCounts,
    /// Not eligible rows by first reason: (label, count).
    pub excluded: Vec<(&'static str, u64)>,
    pub duplicates: Vec<DuplicateRow>,
    pub more_duplicates: usize,
    pub history: Vec<HistoryRow>,
    pub jobs: Vec<JobRow>,
    pub is_hq: bool,
    pub can_upload: bool,
    pub can_submit: bool,
    pub can_check: bool,
    pub can_return: bool,
    pub can_freeze: bool,
    pub error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "job.html")]
pub struct JobPage<'a> {
    pub nav: Option<Nav>,
    pub id: i64,
    pub bureau_code: &'a str,
    pub file_name: &'a str,
    pub status: &'static str,
    pub status_code: &'static str,
    pub finished: bool,
    /// Percent done, when the total is known.
    pub percent: Option<u32>,
    pub progress_text: String,
    pub error: Option<&'a str>,
    /// The import summary: (label, value).
    pub summary: Vec<(String, String)>,
    pub report: Option<(String, String)>,
    /// The report's name when housekeeping has dropped it (kept `KEEP_ERROR_REPORTS_DAYS`).
    pub report_expired: Option<String>,
    pub report_keep_days: i64,
    pub created_by: &'a str,
    pub created_at: String,
}

#[derive(Template)]
#[template(path = "questionnaire.html")]
pub struct QuestionnairePage<'a> {
    pub nav: Option<Nav>,
    pub form: crate::questionnaire_form::FormView,
    /// A preview: shown, never submitted.
    pub preview: bool,
    pub action: &'a str,
    pub csrf: &'a str,
}
