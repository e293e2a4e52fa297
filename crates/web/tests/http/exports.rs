//! Enterprise exports: the caller's rows only, as filtered, masked unless asked, audited
//! before a byte leaves; CSV streamed, XLSX readable.

use axum::http::StatusCode;
use yinqi_store::Scope;

use crate::harness::{World, body_bytes, jinan_ccb, jinan_icbc, qingdao_icbc};

#[tokio::test]
async fn exports_hold_the_callers_rows_masked_and_are_audited() {
    let world = World::sqlite();
    let cases = [
        ("bureau-37", "", vec![jinan_icbc(), jinan_ccb()]),
        ("bureau-37", "&bureau=3702", vec![]),
        ("icbc-admin", "", vec![jinan_icbc(), qingdao_icbc()]),
        ("icbc-jinan-manager", "", vec![jinan_icbc()]),
        ("hq-admin", "&bureau=3702", vec![qingdao_icbc()]),
    ];
    for (username, filter, expected) in cases {
        let session = world.login(username).await;
        let r = world
            .send(session.get(&format!("/enterprises/export?format=csv{filter}")))
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{username}");
        let csv = String::from_utf8(body_bytes(r).await).unwrap();
        assert!(csv.starts_with("\u{feff}统一社会信用代码,"), "header");
        for uscc in [jinan_icbc(), jinan_ccb(), qingdao_icbc()] {
            assert_eq!(
                csv.contains(&uscc),
                expected.contains(&uscc),
                "{username}{filter} {uscc}"
            );
        }
        assert_eq!(csv.lines().count(), expected.len() + 1);
        assert!(
            !csv.contains("13912345678") && !csv.contains("王小明"),
            "masked"
        );
    }
    let association = world.login("association").await;
    assert_eq!(
        world
            .send(association.get("/enterprises/export?format=csv"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // In full, on request; the log says so.
    let bureau = world.login("bureau-37").await;
    let full = world
        .send(bureau.get("/enterprises/export?format=csv&contacts=full"))
        .await;
    let csv = String::from_utf8(body_bytes(full).await).unwrap();
    assert!(csv.contains("13912345678") && csv.contains("王小明"));
    let xlsx = world
        .send(bureau.get("/enterprises/export?format=xlsx"))
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = body_bytes(xlsx).await;
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");
    let bad = world
        .send(bureau.get("/enterprises/export?format=pdf"))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let exports: Vec<_> = world
        .store
        .audit_entries(&Scope::Bureau("37".into()), 100)
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "export.enterprises")
        .collect();
    // Two CSV exports by bureau-37 above (plain and filtered), one in full, one XLSX.
    assert_eq!(exports.len(), 4, "{exports:?}");
    assert_eq!(
        exports
            .iter()
            .filter(|a| a.detail["full_contacts"] == true)
            .count(),
        1
    );
}

#[tokio::test]
async fn the_xlsx_export_reads_back() {
    let world = World::sqlite();
    let session = world.login("hq-admin").await;
    let r = world
        .send(session.get("/enterprises/export?format=xlsx"))
        .await;
    let bytes = body_bytes(r).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let mut reader = yinqi_files::TableReader::open(&path).unwrap();
    assert_eq!(reader.headers()[0], "统一社会信用代码");
    assert_eq!(reader.headers()[16], "联系电话");
    let mut row = yinqi_files::Row::new();
    let mut rows = Vec::new();
    while reader.read_row(&mut row).unwrap() {
        rows.push(row.iter().map(str::to_owned).collect::<Vec<_>>());
    }
    assert_eq!(rows.len(), 3, "three enterprises");
    assert!(rows.iter().any(|r| r[0] == jinan_icbc()));
    assert!(rows.iter().all(|r| r[16].contains('*')), "phones masked");
}
