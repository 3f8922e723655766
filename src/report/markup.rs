//! Escaping text for XML and HTML, shared by the JUnit and HTML renderers: both carry
//! messages about cloud objects, whose names may contain any character.

/// Escapes markup characters; control characters that XML 1.0 forbids even when escaped
/// become U+FFFD. `'` is written `&#39;`, which XML and every HTML version know.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if !xml_char(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// XML 1.0's `Char` production: what may appear in a document at all.
fn xml_char(c: char) -> bool {
    matches!(c as u32, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape("a<b & \"c\" 'd'\u{1}\u{FFFF}\ttab"),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;\u{FFFD}\u{FFFD}\ttab"
        );
    }
}
