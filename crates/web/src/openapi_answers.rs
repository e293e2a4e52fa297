//! The OpenAPI description of the answers API (`routes::answers_api`): reading an
//! enterprise's questionnaire answers, creating and updating financing solutions.

use serde_json::{Map, Value, json};

use crate::openapi::err;

fn uscc() -> Value {
    json!({ "name": "uscc", "in": "path", "required": true, "schema": { "type": "string" }, "description": "Unified social credit code." })
}

fn id() -> Value {
    json!({ "name": "id", "in": "path", "required": true, "schema": { "type": "integer" }, "description": "The solution's id (an answer set of questionnaire 3)." })
}

fn csrf() -> Value {
    json!({ "name": "X-CSRF-Token", "in": "header", "description": "Required with a session cookie.", "schema": { "type": "string" } })
}

fn refused() -> Value {
    json!({ "description": "Refused answers: one entry per question (`question` null for a problem not tied to one, such as an unknown version or a malformed client_id). Nothing was saved.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Refused" } } } })
}

fn solution(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Solution" } } } })
}

pub fn schemas() -> Map<String, Value> {
    let answer = json!({
        "type": "object",
        "properties": {
            "id": { "type": "integer" },
            "questionnaire": { "type": "string", "enum": ["q1", "q2", "q3"] },
            "version": { "type": "integer", "description": "The questionnaire version the answers were given against." },
            "status": { "type": "string", "enum": ["draft", "submitted"] },
            "client_id": { "type": "string" },
            "answers": { "type": "object", "description": "Question id → normalised answer (codes for choices; whole numbers as integers, other amounts as two-decimal strings; dates YYYY-MM-DD). respondent_name and respondent_mobile are masked unless contacts=full." },
            "solution_status": { "type": ["string", "null"], "description": "q3 once submitted: proposed, applied, under_review, approved, disbursed, closed, declined, withdrawn, no_need, referred." },
            "opened_at": { "type": "integer", "description": "When the form was opened, milliseconds since the Unix epoch (as are the other times)." },
            "saved_at": { "type": "integer" },
            "submitted_at": { "type": ["integer", "null"] },
            "duration_ms": { "type": ["integer", "null"], "description": "From opening to submitting." },
            "user_id": { "type": ["integer", "null"], "description": "The platform user who saved it (none for an enterprise or an API token)." }
        }
    });
    let mut solution = answer.clone();
    solution["properties"]["enterprise_id"] = json!({ "type": "integer" });
    solution["properties"]["history"] = json!({
        "type": "array",
        "description": "Every status change, oldest first; the first submission is the change from null.",
        "items": { "type": "object", "properties": {
            "from": { "type": ["string", "null"] },
            "to": { "type": "string" },
            "reason": { "type": ["string", "null"] },
            "actor": { "type": "string" },
            "user_id": { "type": ["integer", "null"] },
            "at": { "type": "integer" }
        } }
    });
    let refused = json!({
        "type": "object",
        "required": ["error", "errors"],
        "properties": {
            "error": { "type": "object", "properties": { "code": { "const": "invalid" }, "message": { "type": "string" } } },
            "errors": { "type": "array", "items": { "type": "object", "properties": {
                "question": { "type": ["string", "null"] },
                "message": { "type": "string", "description": "In Chinese, to show next to the question." }
            } } }
        }
    });
    let mut out = Map::new();
    out.insert("Answer".into(), answer);
    out.insert("Solution".into(), solution);
    out.insert("Refused".into(), refused);
    out
}

pub fn paths() -> Map<String, Value> {
    let answers = json!({ "get": {
        "summary": "An enterprise's questionnaire answers (drafts and submissions), oldest first",
        "description": "Within the caller's scope. Personal answers (the respondent's name and mobile) are masked; contacts=full shows them and is recorded in the audit log.",
        "parameters": [
            uscc(),
            { "name": "questionnaire", "in": "query", "schema": { "type": "string", "enum": ["q1", "q2", "q3"] } },
            { "name": "contacts", "in": "query", "schema": { "type": "string", "enum": ["masked", "full"], "default": "masked" } }
        ],
        "responses": {
            "200": { "description": "The answers.", "content": { "application/json": { "schema": {
                "type": "object", "properties": {
                    "uscc": { "type": "string" },
                    "items": { "type": "array", "items": { "$ref": "#/components/schemas/Answer" } }
                }
            } } } },
            "400": err("Bad parameters."),
            "401": err("Not logged in."),
            "404": err("No such enterprise in the caller's scope.")
        }
    } });
    let create = json!({ "post": {
        "summary": "Create (submit) a financing solution — questionnaire 3 — for an enterprise",
        "description": "The bank, its branch or the customer manager holding the enterprise. Validated like the form: every required visible question answered, nothing answered that the other answers hide. Idempotent by client_id: the same client_id again returns the same solution (201 again), never a second one.",
        "parameters": [uscc(), csrf()],
        "requestBody": { "required": true, "content": { "application/json": { "schema": {
            "type": "object", "required": ["client_id", "version", "answers"], "additionalProperties": false,
            "properties": {
                "client_id": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$", "description": "Generated once per solution by the calling system." },
                "version": { "type": "integer", "description": "The version of questionnaire 3 the answers follow." },
                "answers": { "type": "object", "description": "Question id → answer, as in the questionnaire definition." },
                "opened_at": { "type": "integer", "description": "When the user started (ms since the epoch), if known." }
            }
        } } } },
        "responses": {
            "201": solution("Created, or the one created before with this client_id. Location: /api/v1/solutions/{id}."),
            "400": err("Malformed body."),
            "401": err("Not logged in."),
            "403": err("Missing or wrong CSRF token."),
            "404": err("No such enterprise in the caller's scope, or the caller does not record solutions."),
            "409": err("The client_id is being saved by another request at this moment."),
            "413": err("Body over 64 KiB."),
            "422": refused()
        }
    } });
    let one = json!({ "get": {
        "summary": "One financing solution with its status history",
        "parameters": [id()],
        "responses": {
            "200": solution("The solution."),
            "401": err("Not logged in."),
            "404": err("No such solution in the caller's scope.")
        }
    } });
    let status = json!({ "post": {
        "summary": "Move a solution to another status (or update it on the same status)",
        "description": "proposed → applied → under_review → approved → disbursed → closed (steps may be skipped); declined once applied; withdrawn, no_need or referred before disbursement; nothing after a final status. The other answers keep their values unless given in `answers`; answers the new status hides are dropped. The whole form is validated again.",
        "parameters": [id(), csrf()],
        "requestBody": { "required": true, "content": { "application/json": { "schema": {
            "type": "object", "required": ["status"], "additionalProperties": false,
            "properties": {
                "status": { "type": "string" },
                "reason": { "type": "string", "description": "Kept in the history." },
                "answers": { "type": "object", "description": "Answers given or changed with this step, e.g. approved_amount, disbursed_amount, disbursed_date." }
            }
        } } } },
        "responses": {
            "200": solution("Updated."),
            "400": err("Malformed body."),
            "401": err("Not logged in."),
            "403": err("Missing or wrong CSRF token."),
            "404": err("No such solution in the caller's scope, or the caller does not record solutions."),
            "409": err("The status may not follow the current one, or the solution is still a draft."),
            "413": err("Body over 64 KiB."),
            "422": refused()
        }
    } });
    let mut out = Map::new();
    out.insert("/api/v1/enterprises/{uscc}/answers".into(), answers);
    out.insert("/api/v1/enterprises/{uscc}/solutions".into(), create);
    out.insert("/api/v1/solutions/{id}".into(), one);
    out.insert("/api/v1/solutions/{id}/status".into(), status);
    out
}
