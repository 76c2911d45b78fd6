//! The vehicle/charger catalogue: the embedded file, lookups, errors, overlays and the
//! fleet CSVs' `model` column.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use rust_decimal::Decimal;
use voltlex_engine::read::{chargers_csv, chargers_csv_from_reader, vehicles_csv_from_reader};
use voltlex_engine::tco::catalogue::{Catalogue, CatalogueError, Source};

fn builtin() -> &'static Catalogue {
    Catalogue::builtin().expect("the embedded catalogue parses")
}

fn check_sources(what: &str, sources: &[Source]) {
    assert!(!sources.is_empty(), "{what} has no source");
    for source in sources {
        assert!(source.url.starts_with("http"), "{what}: {source}");
        assert!(!source.note.trim().is_empty(), "{what}: empty note");
    }
}

#[test]
fn embedded_file_parses_with_every_section() {
    let catalogue = builtin();
    assert!(catalogue.vehicles.len() >= 7);
    assert!(catalogue.chargers.len() >= 4);
    assert!(catalogue.ice.len() >= 3);
    assert!(catalogue.class_costs.len() >= 3);
}

#[test]
fn every_entry_has_a_source_with_a_url() {
    let catalogue = builtin();
    for vehicle in &catalogue.vehicles {
        check_sources(&vehicle.name, &vehicle.sources);
    }
    for charger in &catalogue.chargers {
        check_sources(&charger.name, &charger.sources);
    }
    for ice in &catalogue.ice {
        check_sources(&ice.name, &ice.sources);
    }
    for costs in &catalogue.class_costs {
        check_sources(&costs.class, &costs.sources);
    }
    check_sources("emission factors", &catalogue.emission_factors.sources);
}

#[test]
fn figures_are_plausible() {
    let catalogue = builtin();
    for vehicle in &catalogue.vehicles {
        let name = &vehicle.name;
        assert!((10.0..=300.0).contains(&vehicle.battery_kwh), "{name}");
        assert!((0.1..=1.5).contains(&vehicle.kwh_per_km), "{name}");
        assert!(vehicle.list_price > Decimal::ZERO, "{name}");
        assert!(
            ["LFP", "NMC"].contains(&vehicle.chemistry.as_str()),
            "{name}"
        );
        assert!(
            vehicle.max_ac_kw > 0.0 && vehicle.max_ac_kw <= 22.0,
            "{name}"
        );
        assert!(
            vehicle.max_dc_kw > 0.0 && vehicle.max_dc_kw <= 350.0,
            "{name}"
        );
        assert!((0.5..=25.0).contains(&vehicle.gross_weight_t), "{name}");
        // A range between 50 and 700 km.
        let range_km = vehicle.battery_kwh / vehicle.kwh_per_km;
        assert!((50.0..=700.0).contains(&range_km), "{name}: {range_km} km");
        assert!(vehicle.v2h || !vehicle.v2g, "{name}: V2G without V2H");
    }
    for charger in &catalogue.chargers {
        let name = &charger.name;
        assert!(
            charger.efficiency > 0.8 && charger.efficiency < 1.0,
            "{name}"
        );
        assert!(charger.equipment_price > Decimal::ZERO, "{name}");
        assert!(charger.works_price > Decimal::ZERO, "{name}");
        assert_eq!(charger.kind == "normal", charger.max_kw <= 22.0, "{name}");
    }
    for ice in &catalogue.ice {
        assert!((3.0..=40.0).contains(&ice.litres_per_100km), "{}", ice.name);
        assert!(ice.price > Decimal::ZERO && ice.maintenance_per_km > Decimal::ZERO);
    }
    for costs in &catalogue.class_costs {
        assert!(
            costs.ev_maintenance_per_km > Decimal::ZERO,
            "{}",
            costs.class
        );
        assert!(costs.insurance_per_year > Decimal::ZERO, "{}", costs.class);
        assert!(
            !costs.residual_share_after_years.is_empty(),
            "{}",
            costs.class
        );
        // EVs are cheaper to maintain than the class's comparator, where there is one.
        if let Ok(ice) = catalogue.ice_for_class(&costs.class) {
            assert!(costs.ev_maintenance_per_km < ice.maintenance_per_km);
        }
    }
    let factors = &catalogue.emission_factors;
    assert!((0.2..=0.7).contains(&factors.grid_kg_per_kwh));
    assert_eq!(
        (factors.diesel_kg_per_litre, factors.petrol_kg_per_litre),
        (2.58, 2.32)
    );
    // Every vehicle class used has class costs.
    for vehicle in &catalogue.vehicles {
        assert!(
            catalogue.class_costs(&vehicle.class).is_ok(),
            "{}",
            vehicle.class
        );
    }
}

#[test]
fn money_is_read_exactly() {
    let sakura = builtin().vehicle("Nissan Sakura X").unwrap();
    assert_eq!(sakura.list_price, Decimal::from(2_363_000));
    assert_eq!(sakura.list_price.scale(), 0);
}

#[test]
fn lookups_exact_case_insensitive_and_unknown() {
    let catalogue = builtin();
    assert_eq!(
        catalogue
            .vehicle("Nissan Leaf X 40kWh")
            .unwrap()
            .battery_kwh,
        40.0
    );
    assert_eq!(
        catalogue
            .vehicle("  nissan LEAF x 40kwh ")
            .unwrap()
            .battery_kwh,
        40.0
    );
    assert_eq!(
        catalogue.charger("dc fast 50 kw chademo").unwrap().max_kw,
        50.0
    );
    assert_eq!(
        catalogue.ice_for_class("light-truck").unwrap().fuel,
        "diesel"
    );

    let error = catalogue.vehicle("Leaf").unwrap_err();
    let closest = error.closest();
    assert!(closest.len() >= 2, "{error}");
    assert!(
        closest.iter().take(2).all(|name| name.contains("Leaf")),
        "{error}"
    );
    assert!(matches!(error, CatalogueError::Unknown { .. }));
    assert!(error
        .to_string()
        .starts_with("no vehicle \"Leaf\" in the catalogue; closest: "));

    let error = catalogue.vehicle("Nissan Sakra X").unwrap_err();
    assert_eq!(error.closest()[0], "Nissan Sakura X");

    let error = catalogue.charger("zzzzzzzzzzzzzzzzzzzz").unwrap_err();
    assert_eq!(
        error.to_string(),
        "no charger \"zzzzzzzzzzzzzzzzzzzz\" in the catalogue"
    );

    let error = catalogue.ice_for_class("trucks").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("ICE comparator for class \"trucks\""),
        "{error}"
    );
}

const FACTORS: &str = r#"
[emission_factors]
grid_kg_per_kwh = 0.45
diesel_kg_per_litre = 2.58
petrol_kg_per_litre = 2.32
sources = [{ url = "https://example.org", note = "test" }]
"#;

fn vehicle_text(name: &str, price: &str) -> String {
    format!(
        r#"
[[vehicle]]
name = "{name}"
maker = "Test"
class = "kei-van"
powertrain = "BEV"
battery_kwh = 20
chemistry = "LFP"
kwh_per_km = 0.12
max_ac_kw = 3
max_dc_kw = 30
v2h = true
v2g = false
list_price = {price}
gross_weight_t = 1.5
sources = [{{ url = "https://example.org/{name}", note = "test" }}]
"#
    )
}

fn error_of(text: &str) -> String {
    Catalogue::from_toml(text, "mine.toml")
        .unwrap_err()
        .to_string()
}

#[test]
fn from_toml_reads_a_complete_file() {
    let text = format!("{}{FACTORS}", vehicle_text("Van A", "1_500_000.50"));
    let catalogue = Catalogue::from_toml(&text, "mine.toml").unwrap();
    assert_eq!(
        catalogue.vehicles[0].list_price,
        Decimal::new(150_000_050, 2)
    );
    assert_eq!(
        catalogue.vehicles[0].sources[0].url,
        "https://example.org/Van A"
    );
}

#[test]
fn from_toml_errors_say_where_what_and_found() {
    // Missing emission factors in a complete catalogue.
    let text = vehicle_text("Van A", "1");
    assert!(error_of(&text).contains(": expected an [emission_factors] table"));

    // A misspelled field, with its line and column and a did-you-mean.
    let charger =
        "\n[[charger]]\nname = \"X\"\nkind = \"normal\"\nmax_kw = 6\ndc = false\nv2g = false\n";
    let text = format!("{FACTORS}{charger}efficency = 0.9\n");
    assert_eq!(
        error_of(&text),
        "mine.toml:14:1: expected only the fields name, kind, max_kw, dc, v2g, efficiency, \
         equipment_price, works_price, sources in a [[charger]], found \"efficency\" \
         (did you mean \"efficiency\"?)"
    );
    // A missing field, at its table's header.
    let text = format!("{FACTORS}{charger}");
    assert_eq!(
        error_of(&text),
        "mine.toml:8:1: expected a field efficiency in this [[charger]], found none"
    );
    // A value of the wrong type, at the value.
    let text = vehicle_text("Van A", "1").replace("battery_kwh = 20", "battery_kwh = \"20\"");
    assert_eq!(
        error_of(&text),
        "mine.toml:7:15: expected battery_kwh: a number, found the string \"20\""
    );

    // Unknown field after all required ones.
    let text = vehicle_text("Van A", "1")
        .replace("gross_weight_t = 1.5", "gross_weight_t = 1.5\ncolour = 1");
    assert_eq!(
        error_of(&text),
        "mine.toml:16:1: expected only the fields name, maker, class, powertrain, battery_kwh, \
         chemistry, kwh_per_km, max_ac_kw, max_dc_kw, v2h, v2g, list_price, gross_weight_t, \
         sources in a [[vehicle]], found \"colour\""
    );

    // Class outside the vocabulary.
    let text = vehicle_text("Van A", "1").replace("kei-van", "kei van");
    assert_eq!(
        error_of(&text),
        "mine.toml:5:9: expected class: one of kei-van, van, light-truck, truck, car, found \"kei van\" (did you mean \"kei-van\"?)"
    );

    // A malformed value.
    assert_eq!(
        error_of("[emission_factors]\ngrid_kg_per_kwh = 0.4.5\n"),
        "mine.toml:2:19: expected valid TOML (invalid float), found \"0.4.5\""
    );
    // An unterminated string.
    assert_eq!(
        error_of("[[charger]]\nname = \"X\n"),
        "mine.toml:2:10: expected `\"` (invalid basic string), found the end of the line"
    );
    // A field before any table.
    assert!(error_of("name = \"X\"\n").starts_with("mine.toml:1:1: expected a table header"));
    // An unknown section.
    assert_eq!(
        error_of("[[vehicles]]\n"),
        "mine.toml:1:1: expected [[vehicle]], [[charger]], [[ice]], [[class_costs]] or [emission_factors], found [[vehicles]] (did you mean \"vehicle\"?)"
    );
    // A known section as the wrong kind of table.
    assert_eq!(
        error_of("\n[charger]\nname = \"X\"\n"),
        "mine.toml:2:1: expected [[vehicle]], [[charger]], [[ice]], [[class_costs]] or [emission_factors], found [charger]"
    );
    // A key twice in one table.
    assert_eq!(
        error_of("[emission_factors]\ngrid_kg_per_kwh = 1\ngrid_kg_per_kwh = 2\n"),
        "mine.toml:3:1: expected each key once per table, found \"grid_kg_per_kwh\" again"
    );
    // A negative price.
    let text = format!("{}{FACTORS}", vehicle_text("Van A", "-5"));
    assert_eq!(
        error_of(&text),
        "mine.toml:14:14: expected list_price: an amount of JPY ≥ 0 (e.g. 2_363_000), found the number -5"
    );
    // Money given as a string.
    let text = format!("{}{FACTORS}", vehicle_text("Van A", "\"5\""));
    assert_eq!(
        error_of(&text),
        "mine.toml:14:14: expected list_price: an amount of JPY ≥ 0 (e.g. 2_363_000), found the string \"5\""
    );
    // A repeated name, case-insensitively.
    let text = format!(
        "{}{}{FACTORS}",
        vehicle_text("Van A", "1"),
        vehicle_text("VAN a", "2")
    );
    assert_eq!(
        error_of(&text),
        "mine.toml:18:1: expected each vehicle once (the first is on line 2), found vehicle \"VAN a\" again"
    );
    // Sources must be there, with URLs.
    let text = format!("{}{FACTORS}", vehicle_text("Van A", "1"))
        .replace("https://example.org/Van A", "example.org");
    assert_eq!(
        error_of(&text),
        "mine.toml:16:20: expected url: an address starting with https:// or http://, found \"example.org\""
    );
    // An unknown field in a source.
    let text = format!("{}{FACTORS}", vehicle_text("Van A", "1")).replacen(
        "note = \"test\"",
        "note = \"test\", page = 3",
        1,
    );
    assert_eq!(
        error_of(&text),
        "mine.toml:16:64: expected only the fields url, note in a source, found \"page\""
    );
    // Residual pairs must have increasing years.
    let text = format!(
        "{FACTORS}\n[[class_costs]]\nclass = \"van\"\nev_maintenance_per_km = 4\ninsurance_per_year = 1\nev_annual_tax = 1\nice_annual_tax = 1\nresidual_share_after_years = [[8, 0.2], [5, 0.35]]\nsources = [{{ url = \"https://x.org\", note = \"n\" }}]\n"
    );
    assert_eq!(
        error_of(&text),
        "mine.toml:14:41: expected residual_share_after_years: an array of [years, share] pairs, \
         years increasing, 0 ≤ share ≤ 1 (e.g. [[5, 0.35], [8, 0.2]]), found the pair [5, 0.35]"
    );
}

#[test]
fn builtin_with_overrides_by_name_and_appends() {
    let builtin = builtin();
    let price = "999_000";
    let mine = format!(
        "{}{}",
        vehicle_text("nissan sakura x", price),
        vehicle_text("My Van", "1_000_000")
    );
    let catalogue = Catalogue::builtin_with(&mine, "mine.toml").unwrap();
    assert_eq!(catalogue.vehicles.len(), builtin.vehicles.len() + 1);
    let sakura = catalogue.vehicle("Nissan Sakura X").unwrap();
    assert_eq!(sakura.list_price, Decimal::from(999_000));
    assert_eq!(sakura.class, "kei-van");
    // In place: the same position as in the built-in catalogue.
    let position = |catalogue: &Catalogue| {
        catalogue
            .vehicles
            .iter()
            .position(|vehicle| vehicle.name.eq_ignore_ascii_case("Nissan Sakura X"))
    };
    assert_eq!(position(&catalogue), position(builtin));
    assert_eq!(catalogue.vehicle("my van").unwrap().battery_kwh, 20.0);
    assert_eq!(catalogue.chargers, builtin.chargers);
    assert_eq!(catalogue.emission_factors, builtin.emission_factors);

    // merged: emission factors and ICE comparators by class come from the overlay.
    let mut other = Catalogue::from_toml(FACTORS, "f.toml").unwrap();
    other.emission_factors.grid_kg_per_kwh = 0.3;
    let mut ice = builtin.ice_for_class("van").unwrap().clone();
    ice.litres_per_100km = 8.0;
    other.ice.push(ice);
    let merged = builtin.clone().merged(other);
    assert_eq!(merged.emission_factors.grid_kg_per_kwh, 0.3);
    assert_eq!(merged.ice.len(), builtin.ice.len());
    assert_eq!(merged.ice_for_class("van").unwrap().litres_per_100km, 8.0);
}

const STAY: &str = "2024-04-15 18:00,2024-04-16 07:00,25,90";

#[test]
fn vehicles_csv_model_fills_empty_cells_and_written_cells_win() {
    let csv = format!(
        "id,model,battery_kwh,max_dc_kw,arrival,departure,arrival_soc_pct,target_soc_pct\n\
         V1,Nissan Sakura X,,,{STAY}\n\
         V2,honda n-van e:,25,,{STAY}\n\
         V3,,60,90,{STAY}\n\
         V1,NISSAN SAKURA X,,,2024-04-16 18:00,2024-04-17 07:00,25,90\n"
    );
    let vehicles = vehicles_csv_from_reader("vehicles.csv", csv.as_bytes()).unwrap();
    let sakura = builtin().vehicle("Nissan Sakura X").unwrap();
    let v1 = &vehicles[0];
    assert_eq!(
        (
            v1.battery_kwh,
            v1.chemistry.as_str(),
            v1.max_ac_kw,
            v1.max_dc_kw
        ),
        (
            sakura.battery_kwh,
            sakura.chemistry.as_str(),
            sakura.max_ac_kw,
            sakura.max_dc_kw
        )
    );
    assert_eq!(v1.stays.len(), 2);
    assert_eq!(v1.stays[0].target_kwh, sakura.battery_kwh * 0.9);
    let n_van = builtin().vehicle("Honda N-VAN e:").unwrap();
    assert_eq!(
        (vehicles[1].battery_kwh, vehicles[1].max_ac_kw),
        (25.0, n_van.max_ac_kw)
    );
    assert_eq!(vehicles[1].chemistry, n_van.chemistry);
    // No model: the defaults as before.
    assert_eq!(
        (
            vehicles[2].battery_kwh,
            vehicles[2].max_ac_kw,
            vehicles[2].max_dc_kw
        ),
        (60.0, 11.0, 90.0)
    );
    assert_eq!(vehicles[2].chemistry, "NMC");
}

#[test]
fn vehicles_csv_unknown_model_lists_close_names() {
    let csv = format!(
        "id,model,arrival,departure,arrival_soc_pct,target_soc_pct\n\
         # a comment line\n\
         V1,Nissan Sakra,{STAY}\n"
    );
    let error = vehicles_csv_from_reader("vehicles.csv", csv.as_bytes()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "vehicles.csv:3: column \"model\": expected a vehicle model of the built-in catalogue \
         (closest: \"Nissan Sakura X\"), found \"Nissan Sakra\""
    );
    // Without battery_kwh, a row with no model has nothing to go on.
    let csv = format!("id,model,arrival,departure,arrival_soc_pct,target_soc_pct\nV1,,{STAY}\n");
    let error = vehicles_csv_from_reader("vehicles.csv", csv.as_bytes()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("column \"model\": expected a vehicle model"),
        "{error}"
    );
    // A vehicle's rows must name the same model.
    let csv = format!(
        "id,model,arrival,departure,arrival_soc_pct,target_soc_pct\n\
         V1,Nissan Sakura X,{STAY}\n\
         V1,Honda N-VAN e:,2024-04-16 18:00,2024-04-17 07:00,25,90\n"
    );
    let error = vehicles_csv_from_reader("vehicles.csv", csv.as_bytes()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("vehicles.csv:3: column \"model\": expected the same as on line 2"),
        "{error}"
    );
}

#[test]
fn chargers_csv_model_column_from_a_file() {
    let path = std::env::temp_dir().join(format!(
        "voltlex-catalogue-chargers-{}.csv",
        std::process::id()
    ));
    std::fs::write(
        &path,
        "id,model,max_kw,efficiency,v2g\n\
         V2H-1,Nichicon EV Power Station VCG-663CN3,,,\n\
         DC-1,dc fast 50 kw chademo,40,95%,\n\
         AC-1,,7.4,,\n",
    )
    .unwrap();
    let chargers = chargers_csv(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let nichicon = builtin()
        .charger("Nichicon EV Power Station VCG-663CN3")
        .unwrap();
    assert_eq!(
        (
            chargers[0].max_kw,
            chargers[0].efficiency,
            chargers[0].v2g,
            chargers[0].dc
        ),
        (
            nichicon.max_kw,
            nichicon.efficiency,
            nichicon.v2g,
            nichicon.dc
        )
    );
    // Written cells win; the rest from the model.
    assert_eq!(
        (chargers[1].max_kw, chargers[1].efficiency, chargers[1].dc),
        (40.0, 0.95, true)
    );
    // No model: the old defaults.
    assert_eq!(
        (chargers[2].efficiency, chargers[2].v2g, chargers[2].dc),
        (0.92, false, false)
    );

    let error =
        chargers_csv_from_reader("chargers.csv", "id,model\nX,Nichicon\n".as_bytes()).unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("chargers.csv:2: column \"model\": expected a charger model of the built-in catalogue (closest: \"Nichicon EV Power Station VCG-663CN3\""), "{message}");
    // Without a model column, max_kw is still required.
    let error = chargers_csv_from_reader("chargers.csv", "id\nX\n".as_bytes()).unwrap_err();
    assert!(error.to_string().contains("max_kw"), "{error}");
}
