//! QR codes of invitation links and of the entry page, drawn as SVG on the server (nothing
//! loaded from outside; prints sharp on posters).

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The QR code of `text` as an SVG document; medium error correction survives a smudged
/// print or a glare on a branch screen.
pub fn svg(text: &str) -> String {
    match QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M) {
        Ok(code) => code
            .render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
        // Only text longer than a QR code holds (kilobytes) fails; links never are.
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_an_svg_document() {
        let out = svg("http://127.0.0.1:8080/q/23456789ABCD");
        assert!(
            out.starts_with("<?xml") || out.starts_with("<svg"),
            "{}",
            &out[..40]
        );
        assert!(out.contains("<svg") && out.contains("</svg>"));
        // Different links give different pictures.
        assert_ne!(out, svg("http://127.0.0.1:8080/q/23456789ABCE"));
    }

    #[test]
    fn too_long_text_gives_nothing_rather_than_failing() {
        assert!(svg(&"x".repeat(10_000)).is_empty());
    }
}
