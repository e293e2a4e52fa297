//! The OpenAPI 3.1 description of `/api/v1`, served at `/api/v1/openapi.json`. Written by
//! hand and kept next to the routes; a test checks every API route is described.

use serde_json::{Value, json};

/// The paths this document describes, as the router spells them.
pub const PATHS: [&str; 10] = [
    "/api/v1/session",
    "/api/v1/me",
    "/api/v1/enterprises",
    "/api/v1/enterprises/{uscc}",
    "/api/v1/enterprises/{uscc}/contact",
    "/api/v1/enterprises/{uscc}/code",
    "/api/v1/enterprises/{uscc}/answers",
    "/api/v1/enterprises/{uscc}/solutions",
    "/api/v1/solutions/{id}",
    "/api/v1/solutions/{id}/status",
];

pub fn document() -> Value {
    let mut doc = base_document();
    let paths = doc["paths"].as_object_mut().expect("paths");
    paths.extend(crate::openapi_answers::paths());
    let schemas = doc["components"]["schemas"]
        .as_object_mut()
        .expect("schemas");
    schemas.extend(crate::openapi_answers::schemas());
    doc
}

/// The error response of `description`, for the documents' responses.
pub(crate) fn err(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn base_document() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "yinqi 银企对接系统 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Enterprises within the caller's scope. Authenticate with the session cookie (POST /api/v1/session; state-changing calls then need the X-CSRF-Token header) or a bank's API token (Authorization: Bearer). Rows outside the caller's scope are 404, also for ids that exist."
        },
        "components": {
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": "yinqi_session" },
                "bankToken": { "type": "http", "scheme": "bearer" }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": {
                        "code": { "type": "string", "examples": ["not_found", "unauthorized", "bad_request", "too_large", "csrf", "conflict", "invalid", "throttled"] },
                        "message": { "type": "string", "description": "In Chinese, for the person using the calling system." }
                    } } }
                },
                "Enterprise": {
                    "type": "object",
                    "properties": {
                        "id": { "type": "integer" },
                        "uscc": { "type": "string", "description": "Unified social credit code (18 characters)." },
                        "name": { "type": "string" },
                        "bureau_code": { "type": "string" },
                        "region_code": { "type": "string" },
                        "industry_code": { "type": "string" },
                        "employees": { "type": ["integer", "null"] },
                        "revenue_yuan": { "type": ["integer", "null"] },
                        "assets_yuan": { "type": ["integer", "null"] },
                        "size_class": { "type": ["string", "null"], "enum": ["large", "medium", "small", "micro", null] },
                        "tax_credit": { "type": ["string", "null"] },
                        "eligible": { "type": "boolean" },
                        "exclusions": { "type": "array", "items": { "type": "string" } },
                        "override": { "type": ["string", "null"] },
                        "branch_code": { "type": ["string", "null"] },
                        "bank_id": { "type": ["integer", "null"] },
                        "manager_id": { "type": ["integer", "null"], "description": "The customer manager (user id) the bank gave the enterprise to." },
                        "unassigned": { "type": ["string", "null"] },
                        "contact_name": { "type": ["string", "null"], "description": "Masked." },
                        "contact_phone": { "type": ["string", "null"], "description": "Masked." }
                    }
                }
            }
        },
        "security": [{ "session": [] }, { "bankToken": [] }],
        "paths": {
            "/api/v1/session": {
                "post": {
                    "summary": "Log in",
                    "security": [],
                    "requestBody": { "required": true, "content": { "application/json": { "schema": {
                        "type": "object", "required": ["username", "password"],
                        "properties": { "username": { "type": "string" }, "password": { "type": "string" } }
                    } } } },
                    "responses": {
                        "200": { "description": "Logged in; the session cookie is set.", "content": { "application/json": { "schema": {
                            "type": "object", "properties": { "user": { "type": "object" }, "csrf_token": { "type": "string" } }
                        } } } },
                        "400": err("Malformed body."),
                        "401": err("Wrong username or password."),
                        "429": err("Too many attempts from this client or for this account.")
                    }
                },
                "delete": {
                    "summary": "Log out",
                    "parameters": [{ "name": "X-CSRF-Token", "in": "header", "required": true, "schema": { "type": "string" } }],
                    "responses": { "204": { "description": "Logged out." }, "401": err("Not logged in."), "403": err("Missing or wrong CSRF token.") }
                }
            },
            "/api/v1/me": {
                "get": { "summary": "The caller and their scope", "responses": { "200": { "description": "The caller." }, "401": err("Not logged in.") } }
            },
            "/api/v1/enterprises": {
                "get": {
                    "summary": "Enterprises in the caller's scope, in id order (keyset paging)",
                    "parameters": [
                        { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 500, "default": 100 } },
                        { "name": "after", "in": "query", "description": "The next_after of the previous page.", "schema": { "type": "integer" } },
                        { "name": "q", "in": "query", "description": "A full credit code, or the start of a name.", "schema": { "type": "string" } },
                        { "name": "eligible", "in": "query", "schema": { "type": "boolean" } },
                        { "name": "bureau", "in": "query", "schema": { "type": "string" } },
                        { "name": "bank", "in": "query", "schema": { "type": "integer" } },
                        { "name": "branch", "in": "query", "schema": { "type": "string" } },
                        { "name": "manager", "in": "query", "description": "A customer manager's user id.", "schema": { "type": "integer" } },
                        { "name": "assignment", "in": "query", "schema": { "type": "string", "enum": ["assigned", "excluded", "bank_code_invalid", "bank_unknown"] } }
                    ],
                    "responses": {
                        "200": { "description": "A page.", "content": { "application/json": { "schema": {
                            "type": "object",
                            "properties": {
                                "items": { "type": "array", "items": { "$ref": "#/components/schemas/Enterprise" } },
                                "next_after": { "type": ["integer", "null"] }
                            }
                        } } } },
                        "400": err("Bad parameters."),
                        "401": err("Not logged in."),
                        "404": err("The caller's role sees no enterprise rows.")
                    }
                }
            },
            "/api/v1/enterprises/{uscc}/contact": {
                "post": {
                    "summary": "One enterprise's contact, unmasked (recorded in the audit log)",
                    "parameters": [
                        { "name": "uscc", "in": "path", "required": true, "schema": { "type": "string" } },
                        { "name": "X-CSRF-Token", "in": "header", "description": "Required with a session cookie.", "schema": { "type": "string" } }
                    ],
                    "responses": {
                        "200": { "description": "The contact.", "content": { "application/json": { "schema": {
                            "type": "object", "properties": { "uscc": { "type": "string" }, "contact_name": { "type": ["string", "null"] }, "contact_phone": { "type": ["string", "null"] } }
                        } } } },
                        "401": err("Not logged in."),
                        "403": err("Missing or wrong CSRF token."),
                        "404": err("No such enterprise in the caller's scope.")
                    }
                }
            },
            "/api/v1/enterprises/{uscc}/code": {
                "get": {
                    "summary": "One enterprise's invitation code, its link and the standard SMS text (规范话术), for the bank's own systems to push",
                    "description": "Only the bank side reads codes: the bank, its branch, or the customer manager holding the enterprise, once the code batch has been handed to them.",
                    "parameters": [{ "name": "uscc", "in": "path", "required": true, "schema": { "type": "string" } }],
                    "responses": {
                        "200": { "description": "The code in force.", "content": { "application/json": { "schema": {
                            "type": "object",
                            "properties": {
                                "uscc": { "type": "string" },
                                "code": { "type": "string", "examples": ["K7QM-3XPD-9RWC"] },
                                "link": { "type": "string" },
                                "sms": { "type": "string" }
                            }
                        } } } },
                        "401": err("Not logged in."),
                        "404": err("No such enterprise in the caller's scope, no code in force, or its batch has not reached the caller.")
                    }
                }
            },
            "/api/v1/enterprises/{uscc}": {
                "get": {
                    "summary": "One enterprise",
                    "parameters": [{ "name": "uscc", "in": "path", "required": true, "schema": { "type": "string" } }],
                    "responses": {
                        "200": { "description": "The enterprise.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Enterprise" } } } },
                        "401": err("Not logged in."),
                        "404": err("No such enterprise in the caller's scope.")
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_api_path_is_described_and_nothing_else() {
        let doc = super::document();
        let mut described: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut routes = super::PATHS.to_vec();
        described.sort_unstable();
        routes.sort_unstable();
        assert_eq!(described, routes);
    }
}
