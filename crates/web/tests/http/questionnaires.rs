//! The questionnaires rendered as forms (the staff preview): every question is there with
//! its input, conditional ones carry their rule for the script and a note for pages without
//! it, and a page with its stylesheet and script stays under 30 KB.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::harness::{World, body_text};

#[tokio::test]
async fn every_question_renders_with_its_rule_and_the_page_is_light() {
    let world = World::sqlite();
    let session = world.login("hq-staff").await;
    let css = body_text(
        world
            .send(Request::get("/static/app.css").body(Body::empty()).unwrap())
            .await,
    )
    .await;
    let js = world
        .send(Request::get("/static/q.js").body(Body::empty()).unwrap())
        .await;
    assert_eq!(
        js.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let js = body_text(js).await;
    for def in yinqi_domain::questionnaire::builtin() {
        let r = world
            .send(session.get(&format!("/questionnaires/{}", def.id)))
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", def.id);
        let html = body_text(r).await;
        assert!(html.contains(&def.title));
        for q in &def.questions {
            assert!(
                html.contains(&format!("name=\"{}\"", q.id)),
                "{} has an input for {}",
                def.id,
                q.id
            );
            let fieldset = html
                .split(&format!("id=\"q-{}\"", q.id))
                .nth(1)
                .and_then(|rest| rest.split("</fieldset>").next())
                .unwrap_or_default()
                .to_owned();
            let opening = html
                .split(&format!("id=\"q-{}\"", q.id))
                .nth(1)
                .and_then(|rest| rest.split('>').next())
                .unwrap_or_default()
                .to_owned();
            match &q.show_if {
                Some(_) => {
                    assert!(
                        opening.contains("data-show-if="),
                        "{}: rule for the script",
                        q.id
                    );
                    assert!(
                        fieldset.contains("仅当"),
                        "{}: a note when there is no script",
                        q.id
                    );
                }
                None => assert!(!opening.contains("data-show-if"), "{}", q.id),
            }
            for c in q.kind.choices().unwrap_or_default() {
                assert!(
                    fieldset.contains(&format!("value=\"{}\"", c.code)),
                    "{} choice {}",
                    q.id,
                    c.code
                );
            }
        }
        // The bound is 30 KB compressed (what a phone downloads); the uncompressed
        // bound keeps the page from growing unnoticed even where compression is off.
        let weight = gzipped(&html) + gzipped(&css) + gzipped(&js);
        assert!(
            weight <= 30 * 1024,
            "{} weighs {weight} bytes compressed",
            def.id
        );
        let raw = html.len() + css.len() + js.len();
        assert!(
            raw <= 40 * 1024,
            "{} weighs {raw} bytes uncompressed",
            def.id
        );
    }
    let unknown = world.send(session.get("/questionnaires/q9")).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let anonymous = world
        .send(
            Request::get("/questionnaires/q1")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
}

/// The size of `text` compressed with gzip at the default level.
fn gzipped(text: &str) -> usize {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap().len()
}
