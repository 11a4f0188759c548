use super::*;
use proptest::prelude::*;

fn at(html: &str) -> HeadEnd {
    find(html.as_bytes())
}

/// Where lol_html puts content appended before the first `</head>`: the oracle.
fn oracle(html: &str) -> Option<usize> {
    use lol_html::html_content::ContentType;
    use lol_html::{HtmlRewriter, Settings, element};
    use std::cell::Cell;
    use std::rc::Rc;
    const MARK: &str = "\u{1}MARK\u{1}";
    let done = Rc::new(Cell::new(false));
    let flag = done.clone();
    let mut out = Vec::new();
    let settings = Settings {
        element_content_handlers: vec![element!("head", move |el| {
            if flag.get() {
                return Ok(());
            }
            flag.set(true);
            if let Some(handlers) = el.end_tag_handlers() {
                let h: lol_html::EndTagHandler<'static> = Box::new(|end| {
                    end.before(MARK, ContentType::Html);
                    Ok(())
                });
                handlers.push(h);
            }
            Ok(())
        })],
        ..Settings::new()
    };
    let mut rw = HtmlRewriter::new(settings, |c: &[u8]| out.extend_from_slice(c));
    rw.write(html.as_bytes()).unwrap();
    rw.end().unwrap();
    let out = String::from_utf8(out).unwrap();
    out.find(MARK)
}

#[test]
fn the_real_end_of_head_is_found_past_everything_that_can_hide_one() {
    // `|` marks where the head ends; it is taken out before scanning.
    let cases = [
        "<html><head><title>x</title>|</head><body>",
        "<HTML><HEAD><META charset=utf-8>|</HEAD>",
        "<head><!-- </head> -->|</head>",
        "<head><!-->|</head>",
        "<head><!--->|</head>",
        "<head><script>var s = '</head>';</script>|</head>",
        "<head><script>a</SCRIPT >b|</head>",
        "<head><style>/* </head> */</style>|</head>",
        "<head><title></head></title>|</head>",
        "<head><meta content=\"</head>\">|</head>",
        "<head><meta content='a>b'>|</head>",
        "<head><meta a=b\"c>|</head>",
        "<head><!doctype html>|</head>",
        "<head><?php x ?>|</head>",
        "<head></>a < b|</head>",
        "<head></headline>|</head >",
        "<head>|</head\t>",
    ];
    for case in cases {
        let want = case.find('|').unwrap();
        let html = case.replace('|', "");
        assert_eq!(at(&html), HeadEnd::At(want), "{case}");
        assert_eq!(oracle(&html), Some(want), "lol_html disagrees on {case}");
    }
}

#[test]
fn a_body_or_plain_text_first_means_no_explicit_end() {
    assert_eq!(
        at("<html><head><title>x</title><body></head>"),
        HeadEnd::Never
    );
    assert_eq!(at("<head><plaintext></head>"), HeadEnd::Never);
    assert_eq!(at("<p>no head</p>"), HeadEnd::NotYet);
}

#[test]
fn an_unfinished_construct_asks_for_more() {
    let page = "<head><!-- c --><script>x='</head>'</script><meta a='</head>'></head>";
    let HeadEnd::At(end) = at(page) else {
        panic!("found")
    };
    for cut in 0..end + "</head".len() {
        assert_eq!(
            at(&page[..cut]),
            HeadEnd::NotYet,
            "prefix {:?}",
            &page[..cut]
        );
    }
}

/// Pieces a real head is made of, the tricky ones included.
const PIECES: [&str; 22] = [
    "<meta charset=\"utf-8\">",
    "<title>Entrena </head> con Ana</title>",
    "<!-- </head> -->",
    "<!---->",
    "<!-->",
    "<script>var s=\"</head>\";if(a<b){}</script>",
    "<script src=\"/a.js\" async></script>",
    "<style>p>a{color:red}/*</head>*/</style>",
    "<link rel=stylesheet href='/a.css?x=1>2'>",
    "<meta name=\"d\" content=\"</head>\">",
    "<meta property=og:title content=Hola>",
    "<base href=/>",
    "texto suelto < y > ",
    "\n  ",
    "<!DOCTYPE html>",
    "<?xml version=\"1.0\"?>",
    "</p>",
    "</ x>",
    "<template><p>t</p></template>",
    "<textarea></head></textarea>",
    "<iframe>a</head>b</iframe>",
    "<script>document.write('<scr'+'ipt></scr'+'ipt>')</script>",
];

proptest! {
    #[test]
    fn it_agrees_with_lol_html(pieces in proptest::collection::vec(0..PIECES.len(), 0..12), upper in any::<bool>()) {
        let head: String = pieces.iter().map(|i| PIECES[*i]).collect();
        let close = if upper { "</HEAD>" } else { "</head>" };
        let page = format!("<html><head>{head}{close}<body><p>cuerpo</p></body></html>");
        let want = oracle(&page).expect("lol_html finds the end of head");
        prop_assert_eq!(find(page.as_bytes()), HeadEnd::At(want));
        // Streaming: no prefix ever claims an earlier end.
        for cut in [want / 3, want / 2, want, want + 3] {
            let verdict = find(&page.as_bytes()[..cut.min(page.len())]);
            prop_assert!(verdict == HeadEnd::NotYet || verdict == HeadEnd::At(want), "{:?} at {}", verdict, cut);
        }
    }
}
