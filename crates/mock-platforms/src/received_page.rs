//! `GET /_mock/received.html`: what each mock platform accepted, as a page a person reads during
//! a demo (the JSON of `GET /_mock/received`, in Spanish, refreshed every few seconds).
//!
//! It shows event names, counts and event ids only: never a request's headers or body, which
//! carry the platforms' access tokens.

use crate::state::{Accounts, Platform, Received};

/// The most event ids listed per account and event name (the newest ones).
const MAX_IDS: usize = 20;

/// The whole page for `received`.
pub(crate) fn render(received: &Received) -> String {
    let mut html = String::from(
        "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"3\">\
         <title>Lo que recibieron las plataformas (simuladas)</title>\
         <style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}\
         table{border-collapse:collapse;width:100%;margin-bottom:1rem}\
         th,td{border-bottom:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}\
         code{font-size:.85rem}</style></head><body>\
         <h1>Lo que recibieron las plataformas (simuladas)</h1>\
         <p>Eventos que Meta, TikTok y Google aceptaron de la app. La página se actualiza sola.</p>",
    );
    for (platform, title) in [
        (Platform::Meta, "Meta (API de conversiones)"),
        (Platform::Tiktok, "TikTok (Events API)"),
        (Platform::Google, "Google Ads (conversiones de clics)"),
    ] {
        let accounts = received.accounts(platform);
        html.push_str(&format!(
            "<section data-platform=\"{}\"><h2>{title}: <span class=\"total\">{}</span> eventos</h2>",
            platform.as_str(),
            received.total(platform)
        ));
        table(&mut html, accounts);
        html.push_str("</section>");
    }
    html.push_str("</body></html>");
    html
}

fn table(html: &mut String, accounts: &Accounts) {
    if accounts.is_empty() {
        html.push_str("<p>Nada todavía.</p>");
        return;
    }
    html.push_str(
        "<table><thead><tr><th>Cuenta</th><th>Evento</th><th>Cuántos</th><th>Últimos event_id</th>\
         </tr></thead><tbody>",
    );
    for (account, events) in accounts {
        for (event, tally) in events {
            let newest = tally.event_ids.iter().rev().take(MAX_IDS);
            let ids: Vec<String> = newest
                .map(|id| format!("<code>{}</code>", escape(id)))
                .collect();
            html.push_str(&format!(
                "<tr data-event=\"{}\"><td>{}</td><td>{}</td><td class=\"count\">{}</td><td>{}</td></tr>",
                escape(event),
                escape(account),
                escape(event),
                tally.count,
                ids.join(" ")
            ));
        }
    }
    html.push_str("</tbody></table>");
}

/// Names and ids come from the app's requests, so they are text, never markup.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_each_platforms_events_with_counts_and_ids() {
        let mut r = Received::default();
        r.add(
            Platform::Meta,
            "1234567890123",
            "Purchase",
            Some("order-A-1"),
        );
        r.add(
            Platform::Meta,
            "1234567890123",
            "Purchase",
            Some("order-A-2"),
        );
        r.add(Platform::Google, "1234567890", "987654321", Some("A-1"));
        let html = render(&r);
        assert!(html.contains("Meta (API de conversiones): <span class=\"total\">2</span>"));
        assert!(html.contains("<td class=\"count\">2</td>"));
        assert!(html.contains("<code>order-A-2</code> <code>order-A-1</code>"));
        assert!(html.contains("TikTok (Events API): <span class=\"total\">0</span>"));
        assert!(html.contains("Nada todavía."));
    }

    // An event name or id is whatever the app (or anyone posting to the mock) sent: a script
    // in one must show as text, not run in the demo's browser.
    #[test]
    fn markup_in_names_and_ids_is_shown_as_text() {
        let mut r = Received::default();
        r.add(
            Platform::Tiktok,
            "<b>acct</b>",
            "\"><script>alert(1)</script>",
            Some("<img src=x onerror=alert(1)>"),
        );
        let html = render(&r);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>acct"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }
}
