//! The stylesheet and scripts, built into the binary. Scripts only enhance: every form works
//! without them.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const FILES: &[(&str, &str, &str)] = &[
    ("app.css", "text/css", include_str!("../assets/app.css")),
    (
        "mailbox.css",
        "text/css",
        include_str!("../assets/mailbox.css"),
    ),
    (
        "reading.css",
        "text/css",
        include_str!("../assets/reading.css"),
    ),
    (
        "password.js",
        "text/javascript",
        include_str!("../assets/password.js"),
    ),
    (
        "dialogs.js",
        "text/javascript",
        include_str!("../assets/dialogs.js"),
    ),
    (
        "live.js",
        "text/javascript",
        include_str!("../assets/live.js"),
    ),
    (
        "copy.js",
        "text/javascript",
        include_str!("../assets/copy.js"),
    ),
    (
        "compose.js",
        "text/javascript",
        include_str!("../assets/compose.js"),
    ),
    (
        "rows.js",
        "text/javascript",
        include_str!("../assets/rows.js"),
    ),
];

pub async fn asset(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(file, _, _)| *file == name) {
        Some((_, kind, body)) => (
            [
                (header::CONTENT_TYPE, *kind),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            *body,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
