//! Text escaping and number formatting shared by tables and charts.

/// `text` with the five XML special characters replaced by entities, safe inside element
/// content and inside single- or double-quoted attributes.
///
/// ```
/// assert_eq!(voltlex_html::escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
///     "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab/newline are not allowed in XML 1.0.
            c if c.is_control() && c != '\t' && c != '\n' && c != '\r' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// `value` with `decimals` decimals and thousands separators (`1,234,567.8`); `–` for a
/// value that is not finite.
///
/// ```
/// use voltlex_html::format_number;
/// assert_eq!(format_number(1234567.891, 2), "1,234,567.89");
/// assert_eq!(format_number(-950.0, 0), "-950");
/// assert_eq!(format_number(f64::NAN, 1), "–");
/// ```
pub fn format_number(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "–".to_string();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole.to_string(), Some(fraction.to_string())),
        None => (text.clone(), None),
    };
    let digits: Vec<char> = whole.chars().collect();
    let mut grouped = String::new();
    for (position, digit) in digits.iter().enumerate() {
        if position > 0 && (digits.len() - position).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(*digit);
    }
    // "-0" and "-0.00" read as noise: a value that rounds to zero has no sign.
    let is_zero = text.chars().all(|c| c == '0' || c == '.');
    let sign = if value < 0.0 && !is_zero { "-" } else { "" };
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}

/// An exact decimal as written (`12345.67` → `12,345.67`), grouped like [`format_number`]
/// but without rounding: bill amounts are shown to the yen or cent the engine computed.
///
/// ```
/// use voltlex_html::format_decimal;
/// assert_eq!(format_decimal("42874788"), "42,874,788");
/// assert_eq!(format_decimal("-1234.50"), "-1,234.50");
/// assert_eq!(format_decimal("n/a"), "n/a");
/// ```
pub fn format_decimal(text: &str) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = match digits.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (digits, None),
    };
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) {
        return text.to_string();
    }
    let count = whole.chars().count();
    let mut grouped = String::new();
    for (position, digit) in whole.chars().enumerate() {
        if position > 0 && (count - position).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match fraction {
        Some(fraction) => format!("{sign}{grouped}.{fraction}"),
        None => format!("{sign}{grouped}"),
    }
}
