//! Every fragment parses as XML, and its structure carries the data: points per value, bar
//! heights proportional to values, text escaped.

// A test that cannot parse its fragment fails with the fragment in the message.
#![allow(clippy::panic)]

use roxmltree::{Document, Node};
use voltlex_html::{Align, BarChart, Histogram, LineChart, Marker, Series, Table};

fn parse(text: &str) -> Document<'_> {
    match Document::parse(text) {
        Ok(document) => document,
        Err(error) => panic!("not well-formed XML: {error}\n{text}"),
    }
}

fn number(node: &Node<'_, '_>, name: &str) -> f64 {
    node.attribute(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} is not a number on {node:?}"))
}

fn with_class<'a, 'input>(document: &'a Document<'input>, class: &str) -> Vec<Node<'a, 'input>> {
    document
        .descendants()
        .filter(|n| n.attribute("class") == Some(class))
        .collect()
}

#[test]
fn table_escapes_text_and_right_aligns_numbers() {
    let html = Table::new(["item <b>", "amount & tax"])
        .caption("Plan \"A\" & <B>")
        .align([Align::Left, Align::Right])
        .row(["energy <peak>", "1,234"])
        .row(["fuel & \"adjustment\""])
        .footer(["total", "1,234"])
        .to_html();
    let document = parse(&html);
    let caption = document
        .descendants()
        .find(|n| n.has_tag_name("caption"))
        .and_then(|n| n.text());
    assert_eq!(caption, Some("Plan \"A\" & <B>"));
    let cells: Vec<Node<'_, '_>> = document
        .descendants()
        .filter(|n| n.has_tag_name("td"))
        .collect();
    // Two body rows of two cells (the short one padded) and a footer of two.
    assert_eq!(cells.len(), 6);
    assert_eq!(cells[0].text(), Some("energy <peak>"));
    assert_eq!(cells[2].text(), Some("fuel & \"adjustment\""));
    assert_eq!(cells[3].text(), None);
    for (index, cell) in cells.iter().enumerate() {
        let right = cell
            .attribute("style")
            .is_some_and(|s| s.contains("text-align:right"));
        assert_eq!(right, index % 2 == 1, "cell {index}");
    }
    // No element was injected by the cell text.
    assert!(!document
        .descendants()
        .any(|n| n.has_tag_name("b") || n.has_tag_name("peak")));
}

#[test]
fn line_chart_has_one_point_per_value_and_gaps_split_lines() {
    let load: Vec<f64> = (0..48).map(|i| 100.0 + f64::from(i)).collect();
    let mut with_gap = load.clone();
    with_gap[10] = f64::NAN;
    let svg = LineChart::new("Load & PV <day>", "kW")
        .x_labels((0..48).map(|i| format!("{i}")))
        .series(Series::new("load", load.clone()))
        .series(Series::new("with \"gap\"", with_gap))
        .to_svg();
    let document = parse(&svg);
    let lines = with_class(&document, "series");
    assert_eq!(lines.len(), 3);
    let points = |node: &Node<'_, '_>| -> Vec<(f64, f64)> {
        node.attribute("points")
            .unwrap_or("")
            .split(' ')
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap_or(("nan", "nan"));
                (x.parse().unwrap_or(f64::NAN), y.parse().unwrap_or(f64::NAN))
            })
            .collect()
    };
    assert_eq!(points(&lines[0]).len(), load.len());
    assert_eq!(
        points(&lines[1]).len() + points(&lines[2]).len(),
        load.len() - 1
    );
    assert_eq!(lines[1].attribute("data-series"), Some("with \"gap\""));
    // Rising values are drawn rising (smaller y) and x grows left to right.
    let first = points(&lines[0]);
    assert!(first.windows(2).all(|w| w[1].0 > w[0].0 && w[1].1 < w[0].1));
    // Legend names both series; the title is the escaped text.
    let legend: Vec<_> = with_class(&document, "legend");
    assert_eq!(legend.len(), 2);
    let title = with_class(&document, "title")[0].text();
    assert_eq!(title, Some("Load & PV <day>"));
    // Crowded labels are thinned, not dropped entirely.
    let labels = with_class(&document, "x-label").len();
    assert!((2..=8).contains(&labels), "{labels}");
}

#[test]
fn bar_heights_are_proportional_to_values() {
    let values = [120.0, 60.0, 30.0, 90.0];
    let chart = values
        .iter()
        .enumerate()
        .fold(BarChart::new("Monthly totals", "JPY"), |chart, (i, v)| {
            chart.bar(format!("m{i}"), *v)
        });
    let svg = chart.to_svg();
    let document = parse(&svg);
    let bars = with_class(&document, "bar");
    assert_eq!(bars.len(), values.len());
    let unit = number(&bars[0], "height") / values[0];
    for (bar, value) in bars.iter().zip(values) {
        assert!((number(bar, "height") - unit * value).abs() < 0.02);
        assert_eq!(number(bar, "data-value"), value);
    }
    // All bars stand on one baseline (the zero line).
    let base = number(&bars[0], "y") + number(&bars[0], "height");
    for bar in &bars {
        assert!((number(bar, "y") + number(bar, "height") - base).abs() < 0.02);
    }
}

#[test]
fn negative_bars_hang_below_zero() {
    let svg = BarChart::new("t", "JPY")
        .bar("gain", 50.0)
        .bar("loss", -25.0)
        .to_svg();
    let document = parse(&svg);
    let bars = with_class(&document, "bar");
    let zero = number(&bars[0], "y") + number(&bars[0], "height");
    assert!((number(&bars[1], "y") - zero).abs() < 0.02);
    assert!((number(&bars[1], "height") * 2.0 - number(&bars[0], "height")).abs() < 0.05);
}

#[test]
fn waterfall_total_equals_the_sum() {
    let svg = BarChart::new("t", "JPY")
        .bar("a", 300.0)
        .bar("b", -100.0)
        .bar("c", 50.0)
        .waterfall("net")
        .to_svg();
    let document = parse(&svg);
    let bars = with_class(&document, "bar");
    assert_eq!(bars.len(), 4);
    assert_eq!(number(&bars[3], "data-value"), 250.0);
    let unit = number(&bars[0], "height") / 300.0;
    assert!((number(&bars[3], "height") - 250.0 * unit).abs() < 0.02);
    assert_eq!(with_class(&document, "connector").len(), 2);
}

#[test]
fn histogram_markers_sit_at_their_values() {
    let svg = Histogram::new(
        "Net",
        "JPY & <x>",
        vec![0.0, 25.0, 50.0, 75.0, 100.0],
        vec![2, 8, 6, 4],
    )
    .marker(Marker::new("VaR <95%>", 25.0))
    .marker(Marker::new("mean", 75.0))
    .to_svg();
    let document = parse(&svg);
    let bars = with_class(&document, "bar");
    assert_eq!(bars.len(), 4);
    let markers = with_class(&document, "marker");
    assert_eq!(markers.len(), 2);
    // The VaR marker stands on the first bar's right edge, the mean on the last bar's left.
    let right_of_first = number(&bars[0], "x") + number(&bars[0], "width");
    assert!((number(&markers[0], "x1") - right_of_first).abs() < 0.02);
    assert!((number(&markers[1], "x1") - number(&bars[3], "x")).abs() < 0.02);
    assert!(svg.contains("VaR &lt;95%&gt;"));
}

#[test]
fn crowded_bar_labels_are_slanted_and_keep_their_full_text() {
    let long = "balancing (ΔkW capacity + activation) <&>";
    let chart = (0..10).fold(BarChart::new("t", "JPY"), |chart, i| {
        chart.bar(
            if i == 3 {
                long.to_string()
            } else {
                format!("line {i}")
            },
            1.0,
        )
    });
    let svg = chart.to_svg();
    let document = parse(&svg);
    let labels = with_class(&document, "x-label");
    assert_eq!(labels.len(), 10);
    assert!(labels.iter().all(|l| l
        .attribute("transform")
        .is_some_and(|t| t.starts_with("rotate("))));
    // The shown text is shortened; the tooltip holds all of it, escaped.
    let tooltip = labels[3]
        .children()
        .find(|n| n.has_tag_name("title"))
        .and_then(|n| n.text());
    assert_eq!(tooltip, Some(long));
    let shown: String = labels[3]
        .children()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    assert!(
        shown.ends_with('…') && shown.chars().count() == 14,
        "{shown}"
    );
}
