//! The page's first frame, drawn before the WebAssembly arrives: `index.html` carries the five
//! servers of a first visit on their ring, as static SVG in the page's frame, so the cluster is
//! on screen as soon as the HTML and the stylesheet are (on a slow link the module takes
//! seconds more). The module replaces it when it starts (`shell::app::start`). This function
//! draws that SVG with the app's own geometry, classes and colours, and a test checks that
//! `index.html` holds exactly what it draws, so the two cannot drift apart.

use super::geometry::{SIZE, server_position, server_radius, term_hue};
use crate::ui::core::num::px;

/// Servers of a first visit.
const SERVERS: usize = 5;

/// The static markup: the page's frame (title, toolbar's place) around the cluster's SVG.
pub fn first_frame_html() -> String {
    let mut svg = format!(
        "<svg class=\"cluster\" viewBox=\"0 0 {0} {0}\" role=\"img\" aria-label=\"Raft cluster: five servers, loading\">",
        SIZE as u32
    );
    svg += "<g class=\"links\">";
    for i in 0..SERVERS {
        for j in i + 1..SERVERS {
            let (a, b) = (server_position(i, SERVERS), server_position(j, SERVERS));
            svg += &format!(
                "<g class=\"link\"><line class=\"wire\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/></g>",
                px(a.x),
                px(a.y),
                px(b.x),
                px(b.y)
            );
        }
    }
    svg += "</g><g class=\"servers\">";
    let r = server_radius(SERVERS);
    for i in 0..SERVERS {
        let p = server_position(i, SERVERS);
        svg += &format!(
            "<g class=\"server follower\"><circle class=\"body\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"hsl({} 65% 86%)\"/>\
             <text class=\"term\" x=\"{}\" y=\"{}\" font-size=\"{}\">0</text>\
             <text class=\"name\" x=\"{}\" y=\"{}\">n{} · follower</text></g>",
            px(p.x),
            px(p.y),
            px(r),
            term_hue(0),
            px(p.x),
            px(p.y + r * 0.18),
            px(r * 0.62),
            px(p.x),
            px(p.y + r + 14.0),
            i + 1
        );
    }
    svg += "</g></svg>";
    format!(
        "<div class=\"app first-frame\" id=\"first-frame\"><header class=\"masthead\"><h1>Raft Playground</h1>\
         <span class=\"muted\">starting…</span></header><div class=\"toolbar\" aria-hidden=\"true\"></div>\
         <main class=\"layout\"><div class=\"stage\">{svg}</div></main></div>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `index.html` carries the first frame exactly as the app's geometry draws it. After a
    /// change to the drawing, paste `first_frame_html()`'s output between the markers.
    #[test]
    fn index_html_holds_the_first_frame_the_app_draws() {
        let page = include_str!("../../../index.html");
        let frame = first_frame_html();
        assert!(page.contains(&frame), "index.html's first frame differs from the drawing; it should be:\n{frame}");
        assert!(!frame.contains("data-node"), "the tests wait for [data-node] as the app's sign of life");
    }
}
