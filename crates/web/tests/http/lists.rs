//! The list round through the pages: a bureau uploads a file (a background job with its
//! progress page and error report), submits; HQ checks, returns with remarks, freezes.
//! Everyone else gets 404.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use yinqi_store::{JobStatus, Scope};

use crate::harness::{Session, World, body_bytes, body_text, qingdao_icbc};

/// The store, for checks outside the pages: the PostgreSQL client blocks, so calls leave
/// the async worker first.
struct Blocking<'a>(&'a World);

fn db(world: &World) -> Blocking<'_> {
    Blocking(world)
}

impl Blocking<'_> {
    fn job(&self, id: i64) -> yinqi_store::Job {
        tokio::task::block_in_place(|| self.0.store.job(&Scope::Nation, id)).unwrap()
    }
    fn campaign_id(&self) -> i64 {
        tokio::task::block_in_place(|| self.0.store.campaign(None))
            .unwrap()
            .id
    }
    fn listed(&self, bureau: &str) -> u64 {
        let id = self.campaign_id();
        tokio::task::block_in_place(|| self.0.store.list_counts(&Scope::Bureau(bureau.into()), id))
            .unwrap()
            .listed
    }
    fn newest_audit(&self, bureau: &str) -> String {
        tokio::task::block_in_place(|| self.0.store.audit_entries(&Scope::Bureau(bureau.into()), 1))
            .unwrap()[0]
            .action
            .clone()
    }
    fn history(&self, bureau: &str) -> Vec<yinqi_store::ListEvent> {
        let id = self.campaign_id();
        tokio::task::block_in_place(|| self.0.store.list_history(&Scope::Nation, id, bureau))
            .unwrap()
    }
}

const BOUNDARY: &str = "----yinqi-test-boundary";

/// A valid credit code registered in `region`, numbered `n` (clear of the fixture's).
fn credit_code(region: &str, n: u32) -> String {
    let body = format!("{n:08}");
    let org = yinqi_domain::uscc::org_code_check_char(body.as_bytes()).unwrap() as char;
    yinqi_domain::uscc::Uscc::from_first17(&format!("91{region}{body}{org}"))
        .unwrap()
        .as_str()
        .to_owned()
}

/// A list for bureau 37 in the unified format: two new enterprises, one unreadable credit
/// code, and Qingdao's enterprise (held back: bureau 3702 listed it first).
fn small_list() -> Vec<u8> {
    let header: Vec<&str> = yinqi_domain::listing::Field::ALL
        .iter()
        .map(|f| f.header_zh())
        .collect();
    let row = |code: &str, region: &str| {
        [
            code,
            "测试科技有限公司",
            region,
            "I6510",
            "12",
            "300",
            "200",
            "B",
            "法人企业",
            "",
            "否",
            "102451000018",
            "李明",
            "13912345678",
        ]
        .join(",")
    };
    let lines = [
        header.join(","),
        row(&credit_code("370102", 101), "370102"),
        row(&credit_code("370102", 102), "370102"),
        row("91370102XXXXXXXXX1", "370102"),
        row(&qingdao_icbc(), "370102"),
    ];
    (lines.join("\n") + "\n").into_bytes()
}

fn multipart(session: &Session, uri: &str, csrf: &str, name: &str, file: &[u8]) -> Request<Body> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Request::post(uri)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::COOKIE, format!("yinqi_session={}", session.cookie))
        .body(Body::from(body))
        .unwrap()
}

fn form(session: &Session, uri: &str, fields: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("yinqi_session={}", session.cookie))
        .body(Body::from(format!("csrf={}&{fields}", session.csrf)))
        .unwrap()
}

/// Uploads `file` as `session` to bureau 37's list; returns the job id from the redirect.
async fn upload(world: &World, session: &Session, name: &str, file: &[u8]) -> i64 {
    let r = world
        .send(multipart(
            session,
            "/lists/37/upload",
            &session.csrf,
            name,
            file,
        ))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", body_text(r).await);
    let to = r.headers()[header::LOCATION].to_str().unwrap().to_owned();
    to.strip_prefix("/jobs/").unwrap().parse().unwrap()
}

/// Follows the job's page until it is finished; returns the last page.
async fn until_finished(world: &World, session: &Session, id: i64) -> String {
    for _ in 0..300 {
        let r = world.send(session.get(&format!("/jobs/{id}"))).await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = body_text(r).await;
        if !html.contains("http-equiv=\"refresh\"") {
            return html;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {id} did not finish");
}

async fn upload_and_report(world: &World) {
    let bureau = world.login("bureau-37").await;
    let page = body_text(world.send(bureau.get("/lists")).await).await;
    assert!(page.contains("上传名单") && page.contains("草稿"), "{page}");

    let id = upload(world, &bureau, "山东名单.csv", &small_list()).await;
    let html = until_finished(world, &bureau, id).await;
    assert!(html.contains("已完成"), "{html}");
    let job = db(world).job(id);
    assert_eq!(job.status, JobStatus::Done);
    let r = job.result.unwrap();
    assert_eq!(
        [
            &r["rows"],
            &r["accepted"],
            &r["rejected"],
            &r["inserted"],
            &r["duplicates"]
        ],
        [4, 3, 1, 2, 1],
        "{r}"
    );
    assert!(r["error_report"].is_null(), "no server path is shown: {r}");
    assert_eq!(job.file_name, "山东名单.csv");
    assert_eq!(job.report_name.as_deref(), Some("山东名单.errors.csv"));
    assert_eq!(db(world).listed("37"), 4, "two of the fixture and two new");

    // The error report: the bureau downloads it; nobody outside the bureau even sees it.
    assert!(html.contains(&format!("/jobs/{id}/report")), "{html}");
    let r = world.send(bureau.get(&format!("/jobs/{id}/report"))).await;
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment;") && disposition.contains("UTF-8''"),
        "{disposition}"
    );
    let report = String::from_utf8(body_bytes(r).await).unwrap();
    assert!(
        report.contains("错误原因") && report.contains("91370102XXXXXXXXX1"),
        "{report}"
    );
    assert!(
        report.contains(&qingdao_icbc()),
        "the held-back duplicate is reported"
    );
    assert_eq!(db(world).newest_audit("37"), "export.error_report");
    for outsider in ["bureau-3702", "icbc-admin", "association"] {
        let other = world.login(outsider).await;
        for uri in [format!("/jobs/{id}/report"), format!("/jobs/{id}")] {
            let r = world.send(other.get(&uri)).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{outsider} {uri}");
        }
    }
    // HQ may look at the job and its report.
    let hq = world.login("hq-staff").await;
    let r = world.send(hq.get(&format!("/jobs/{id}/report"))).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bureau_uploads_its_list_and_downloads_the_error_report() {
    upload_and_report(&World::sqlite_drafts()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_uploads_are_refused_with_the_imports_messages() {
    let world = World::sqlite_drafts();
    let bureau = world.login("bureau-37").await;
    // Without this session's CSRF token nothing is read.
    let r = world
        .send(multipart(
            &bureau,
            "/lists/37/upload",
            "forged",
            "a.csv",
            &small_list(),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Empty and non-table files become failed jobs with the reader's own words.
    for (name, bytes, words) in [
        ("空.csv", &b""[..], "文件是空的"),
        (
            "扫描件.pdf",
            &b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"[..],
            "PDF",
        ),
    ] {
        let id = upload(&world, &bureau, name, bytes).await;
        let html = until_finished(&world, &bureau, id).await;
        let job = db(&world).job(id);
        assert_eq!(job.status, JobStatus::Failed, "{name}");
        let error = job.error.unwrap();
        assert!(error.contains(words), "{name}: {error}");
        assert!(html.contains("导入失败") && html.contains(words), "{html}");
    }
    // No file chosen at all.
    let r = world
        .send(multipart(
            &bureau,
            "/lists/37/upload",
            &bureau.csrf,
            "",
            b"",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(r).await.contains("请选择"));
    // HQ does not upload for a bureau; another bureau cannot reach this list.
    let hq = world.login("hq-admin").await;
    let r = world
        .send(multipart(
            &hq,
            "/lists/37/upload",
            &hq.csrf,
            "a.csv",
            &small_list(),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let qingdao = world.login("bureau-3702").await;
    let r = world
        .send(multipart(
            &qingdao,
            "/lists/37/upload",
            &qingdao.csrf,
            "a.csv",
            &small_list(),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

async fn status_of(world: &World, session: &Session, uri: &str) -> (StatusCode, String) {
    let r = world.send(session.get(uri)).await;
    (r.status(), body_text(r).await)
}

async fn the_round(world: &World) {
    let bureau = world.login("bureau-37").await;
    let hq = world.login("hq-staff").await;
    let qingdao = world.login("bureau-3702").await;

    // The bureau may not take HQ's steps, nor HQ the bureau's.
    for action in ["check", "return", "freeze"] {
        let r = world
            .send(form(&bureau, &format!("/lists/37/{action}"), "remarks=x"))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{action}");
        assert!(body_text(r).await.contains("只有总部"));
    }
    let r = world.send(form(&hq, "/lists/37/submit", "")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A forged form changes nothing.
    let mut forged = form(&bureau, "/lists/37/submit", "");
    *forged.body_mut() = Body::from("csrf=forged");
    assert_eq!(world.send(forged).await.status(), StatusCode::FORBIDDEN);

    let r = world.send(form(&bureau, "/lists/37/submit", "")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = status_of(world, &bureau, "/lists").await;
    assert!(
        page.contains("已提交") && !page.contains("上传并导入"),
        "{page}"
    );
    let r = world
        .send(multipart(
            &bureau,
            "/lists/37/upload",
            &bureau.csrf,
            "a.csv",
            &small_list(),
        ))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(r).await.contains("不能再导入"));

    // HQ's overview shows every bureau with its status and totals.
    let (code, overview) = status_of(world, &hq, "/lists").await;
    assert_eq!(code, StatusCode::OK);
    assert!(overview.contains("/lists/37") && overview.contains("/lists/3702"));
    assert!(overview.contains("已提交"));
    let r = world.send(form(&hq, "/lists/37/return", "remarks=")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body_text(r).await.contains("意见"));
    let r = world
        .send(form(
            &hq,
            "/lists/37/return",
            "remarks=%E8%AF%B7%E8%A1%A5%E5%85%85%E8%81%94%E7%B3%BB%E4%BA%BA",
        ))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = status_of(world, &bureau, "/lists/37").await;
    assert!(
        page.contains("已退回") && page.contains("请补充联系人"),
        "{page}"
    );

    assert_eq!(
        world
            .send(form(&bureau, "/lists/37/submit", ""))
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    // Another bureau cannot act on it or see it.
    for action in ["submit", "check", "return", "freeze"] {
        let r = world
            .send(form(&qingdao, &format!("/lists/37/{action}"), "remarks=x"))
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{action}");
    }
    assert_eq!(
        status_of(world, &qingdao, "/lists/37").await.0,
        StatusCode::NOT_FOUND
    );
    // Freezing needs a check first.
    assert_eq!(
        world.send(form(&hq, "/lists/37/freeze", "")).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    for action in ["check", "freeze"] {
        let r = world
            .send(form(&hq, &format!("/lists/37/{action}"), "remarks="))
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{action}");
    }
    let (_, page) = status_of(world, &hq, "/lists/37").await;
    assert!(page.contains("已冻结"), "{page}");
    let history = db(world).history("37");
    assert_eq!(history.len(), 5);
    assert_eq!(history[1].remarks.as_deref(), Some("请补充联系人"));

    // Banks and associations have no list pages at all.
    for outsider in ["icbc-admin", "icbc-jinan-staff", "association"] {
        let s = world.login(outsider).await;
        for uri in ["/lists", "/lists/37"] {
            assert_eq!(
                status_of(world, &s, uri).await.0,
                StatusCode::NOT_FOUND,
                "{outsider} {uri}"
            );
        }
        let r = world.send(form(&s, "/lists/37/freeze", "")).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{outsider}");
        let home = status_of(world, &s, "/").await.1;
        assert!(!home.contains("名单报送"), "{outsider} sees no link");
    }
    assert!(status_of(world, &bureau, "/").await.1.contains("名单报送"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_round_through_the_pages() {
    the_round(&World::sqlite_drafts()).await;
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
    async fn a_bureau_uploads_its_list_and_downloads_the_error_report() {
        let world = tokio::task::spawn_blocking(World::postgres_drafts)
            .await
            .unwrap();
        upload_and_report(&world).await;
        tokio::task::spawn_blocking(move || drop(world))
            .await
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "needs PostgreSQL: set YINQI_TEST_POSTGRES and run with --ignored"]
    async fn the_round_through_the_pages() {
        let world = tokio::task::spawn_blocking(World::postgres_drafts)
            .await
            .unwrap();
        the_round(&world).await;
        tokio::task::spawn_blocking(move || drop(world))
            .await
            .unwrap();
    }
}
