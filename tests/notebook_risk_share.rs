//! The notebook's `RiskShare` on the example deal and study: it settles what
//! `voltlex risk-share` settles, and its HTML shows every party with its figures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use voltlex::prelude::*;
use voltlex::risk_share::{read_deal, run, RiskShareOptions};

const DEAL: &str = "tariff-rules/examples-risk-sharing";
const STUDY: &str = "workbooks/examples/fleet/v2g-risk-share.json";

#[test]
fn example_deal_shows_every_party_as_the_cli_settles_it() {
    let result = RiskShare::deal(DEAL)
        .scenario(STUDY)
        .scenarios(50)
        .seed(7)
        .run()
        .unwrap();
    let outcome = &result.report.outcome;
    assert_eq!(outcome.scenarios, 50);
    let names: Vec<&str> = outcome.parties.iter().map(|p| p.party.as_str()).collect();
    assert_eq!(names, ["fleet", "aggregator", "oem", "insurer"]);

    // The same numbers as the CLI's function with the same choices.
    let deal = read_deal(Path::new(DEAL), None).unwrap();
    let direct = run(
        &deal,
        Path::new(STUDY),
        &RiskShareOptions {
            scenarios: Some(50),
            seed: Some(7),
            ..RiskShareOptions::default()
        },
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(outcome, &direct.outcome);
    assert_eq!(result.report.fairness, direct.fairness);

    let html = result.to_html();
    assert!(html.starts_with("<div class=\"voltlex\">") && html.ends_with("</div>"));
    for party in &outcome.parties {
        assert!(
            html.contains(&format!("<td>{}</td>", party.party)),
            "no row for {}",
            party.party
        );
        assert!(html.contains(&voltlex_html::format_number(party.expected, 0)));
        assert!(html.contains(&format!(
            "{}: net over the horizon in each of 50 scenarios",
            party.party
        )));
        assert_eq!(result.party(&party.party), Some(party));
    }
    // A histogram per party (24 bins each) and the cash line per party.
    assert_eq!(
        html.matches("class=\"bar\"").count(),
        24 * outcome.parties.len()
    );
    assert_eq!(html.matches("<polyline").count(), outcome.parties.len());
    // The example deal has two free parameters: the fairness view and its grid.
    let view = result.report.fairness.as_ref().unwrap();
    assert!(html.contains(&format!(
        "{} of {} grid points",
        view.feasible.len(),
        view.grid_points
    )));
    assert!(html.contains("Fairness grid"));
    assert!(html.contains(&result.report.terms[0]));
}

#[test]
fn a_deal_text_without_its_wear_plugin_follows_the_chemistry() {
    // What the notebook does (built without wasm): the example's text minus the plugin line.
    let text = std::fs::read_to_string(format!("{DEAL}/sharing.vlx")).unwrap();
    let without: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("wear plugin"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(without.lines().count(), text.lines().count());
    let result = RiskShare::text("sharing.vlx", &without)
        .scenario(STUDY)
        .scenarios(20)
        .months(6)
        .run()
        .unwrap();
    assert!(
        result.report.wear_model.contains("log-normal spread"),
        "{}",
        result.report.wear_model
    );
    assert_eq!(result.report.outcome.months, 6);
    assert_eq!(result.report.outcome.parties.len(), 4);
}

#[test]
fn mistakes_are_explained() {
    let no_study = RiskShare::deal(DEAL).run().unwrap_err().to_string();
    assert!(no_study.contains(".scenario(path)"), "{no_study}");

    let broken = RiskShare::text(
        "broken.vlx",
        "risk_sharing \"D\" { parties fleet owner oem }",
    )
    .scenario(STUDY)
    .run()
    .unwrap_err()
    .to_string();
    assert!(broken.contains("broken.vlx"), "{broken}");

    let wrong_name = RiskShare::deal(DEAL)
        .name("No such deal")
        .scenario(STUDY)
        .run()
        .unwrap_err();
    assert!(
        format!("{wrong_name:#}").contains("Depot V2G three-party deal"),
        "{wrong_name:#}"
    );
}
