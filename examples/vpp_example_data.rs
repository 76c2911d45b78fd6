//! Writes the example VPP portfolio's data (`workbooks/examples/vpp/`): 200 vans over 8
//! depots, ten weeks of trips and base load before the planned day (2025-07-10); half the depots bill under the EV Depot TOU tariff
//! (`tariff-rules/ev-depot-tou`), the others at a day/night price pair, from the
//! engine's seeded synthetic generators.
//!
//! `cargo run --example vpp_example_data -- workbooks/examples/vpp`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::fmt::Write;

use chrono::NaiveDate;
use voltlex_engine::vpp::forecast::synthetic;

const VEHICLES: usize = 200;
const SITES: usize = 8;
const DAYS: usize = 70;
const SEED: u64 = 2024;

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "workbooks/examples/vpp".into());
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir).unwrap();
    let first = NaiveDate::from_ymd_opt(2025, 5, 1).unwrap();
    let vans: Vec<(String, String)> = (0..VEHICLES)
        .map(|i| (format!("V{i:03}"), format!("S{:02}", i % SITES)))
        .collect();

    let mut vehicles = String::from("vehicle,site,battery_kwh,max_kw,v2g,connection\n");
    let mut chargers = String::from("site,charger,max_kw,v2g\n");
    for (index, (vehicle, site)) in vans.iter().enumerate() {
        let battery = [40, 60, 75][index % 3];
        let v2g = index % 4 == 0;
        let connection = if index % 10 < 7 {
            "ocpp"
        } else {
            "proprietary"
        };
        writeln!(vehicles, "{vehicle},{site},{battery},11,{v2g},{connection}").unwrap();
        let bidirectional = index % 3 == 0;
        let kw = if bidirectional {
            10
        } else {
            [6, 11, 20][index % 3]
        };
        writeln!(chargers, "{site},{site}-C{index:03},{kw},{bidirectional}").unwrap();
    }
    let mut sites = String::from(
        "site,import_cap_kw,demand_price_per_kw,ratchet_kw,day_price,night_price,rules,tariff\n",
    );
    let mut base = String::from("site,timestamp,kw\n");
    for site in 0..SITES {
        let peak = 80.0 + 25.0 * site as f64;
        let id = format!("S{site:02}");
        let profile = synthetic::base_load(peak, first, DAYS, SEED + site as u64);
        // Room for two thirds of the site's chargers at full power above the base peak.
        let chargers_kw: f64 = (0..VEHICLES)
            .filter(|i| i % SITES == site)
            .map(|i| {
                if i % 3 == 0 {
                    10.0
                } else {
                    [6.0, 11.0, 20.0][i % 3]
                }
            })
            .sum();
        let base_peak = profile.kwh.iter().fold(0.0_f64, |m, kwh| m.max(kwh * 2.0));
        let tariff = if site % 2 == 0 {
            "../../../tariff-rules/ev-depot-tou,EV Depot TOU"
        } else {
            ","
        };
        writeln!(
            sites,
            "{id},{:.0},1650,{:.0},24.0,15.0,{tariff}",
            base_peak + chargers_kw * 2.0 / 3.0,
            base_peak
        )
        .unwrap();
        for (index, kwh) in profile.kwh.iter().enumerate() {
            let at = profile.interval_start(index);
            writeln!(
                base,
                "{id},{},{:.2}",
                at.format("%Y-%m-%d %H:%M"),
                kwh * 60.0 / f64::from(profile.interval_minutes)
            )
            .unwrap();
        }
    }
    let mut trips = String::from("vehicle,site,departure,arrival,energy_kwh\n");
    for trip in synthetic::trip_log(&vans, first, DAYS, SEED) {
        writeln!(
            trips,
            "{},{},{},{},{:.1}",
            trip.vehicle,
            trip.site,
            trip.departure.format("%Y-%m-%d %H:%M"),
            trip.arrival.format("%Y-%m-%d %H:%M"),
            trip.energy_kwh
        )
        .unwrap();
    }
    for (name, text) in [
        ("vehicles.csv", vehicles),
        ("chargers.csv", chargers),
        ("sites.csv", sites),
        ("base-load.csv", base),
        ("trips.csv", trips),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
}
