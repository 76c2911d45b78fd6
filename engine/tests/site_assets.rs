//! On-site PV and a stationary battery (`engine::site`): the clear-sky model's geometry and
//! monthly scaling, measured profiles and their CSV errors, and dispatch with the fleet —
//! structured IPM against the reference LP, the plan against the scheduler's checker and the
//! programme's own limits, PV never raising the optimum, no vehicle export in V2B.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use voltlex_engine::schedule::check::{check_with, CheckOptions};
use voltlex_engine::schedule::{Charger, Mode, Problem, Session};
use voltlex_engine::site::pv::{parse_pv_csv, SolarGeometry};
use voltlex_engine::site::{
    add_to_problem, read_pv_csv, tokyo_monthly_yield, PvProfile, PvSystem, SiteAssetsAdded,
    SiteError, StationaryBattery,
};
use voltlex_engine::v2g::generate::tiny_random_v2g;
use voltlex_engine::v2g::reference::solve_microlp;
use voltlex_engine::v2g::{dispatch, V2gCost, V2gPlan, V2gProblem, V2gSession};

const SEEDS: u64 = 150;

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap()
}

fn close(a: f64, b: f64, relative: f64) -> bool {
    (a - b).abs() <= relative * a.abs().max(b.abs()).max(1.0)
}

const TOKYO: SolarGeometry = SolarGeometry {
    latitude_deg: 35.68,
    longitude_deg: 139.77,
    utc_offset_hours: 9.0,
};

fn tokyo_pv(kwp: f64, tilt_deg: f64) -> PvSystem {
    PvSystem {
        kwp,
        profile: PvProfile::ClearSkyMonthly {
            latitude_deg: TOKYO.latitude_deg,
            longitude_deg: TOKYO.longitude_deg,
            utc_offset_hours: TOKYO.utc_offset_hours,
            tilt_deg,
            azimuth_deg: 180.0,
            monthly_yield_kwh_per_kwp: tokyo_monthly_yield(),
        },
    }
}

// ---------------------------------------------------------------- clear sky

#[test]
fn clear_sky_is_zero_at_night_and_peaks_near_solar_noon() {
    let pv = tokyo_pv(100.0, 30.0);
    for (month, day) in [(1, 15), (4, 10), (7, 1), (10, 20)] {
        let start = at(2024, month, day, 0, 0);
        let kw = pv.generation_kw(start, 10, 144).unwrap();
        let mut brightest = 0;
        for (slot, &value) in kw.iter().enumerate() {
            let from = start + Duration::minutes(10 * slot as i64);
            let dark = (0..=10).all(|m| {
                TOKYO
                    .sun_position(from + Duration::minutes(m))
                    .elevation_deg
                    < 0.0
            });
            if dark {
                assert_eq!(value, 0.0, "{from}: {value} kW with the sun down");
            } else {
                assert!(value >= 0.0);
            }
            if value > kw[brightest] {
                brightest = slot;
            }
        }
        // Solar noon: the minute of highest elevation.
        let noon = (0..24 * 60)
            .map(|m| start + Duration::minutes(m))
            .max_by(|a, b| {
                TOKYO
                    .sun_position(*a)
                    .elevation_deg
                    .total_cmp(&TOKYO.sun_position(*b).elevation_deg)
            })
            .unwrap();
        let peak = start + Duration::minutes(10 * brightest as i64 + 5);
        assert!(
            (peak - noon).num_minutes().abs() <= 20,
            "{month}/{day}: peak at {peak}, solar noon {noon}"
        );
        assert!(
            kw[brightest] > 0.3 * 100.0,
            "{month}/{day}: peak {}",
            kw[brightest]
        );
    }
}

#[test]
fn each_month_sums_to_kwp_times_its_yield() {
    let yields = tokyo_monthly_yield();
    for tilt in [0.0, 30.0, 90.0] {
        let pv = tokyo_pv(37.5, tilt);
        for year in [2023, 2024] {
            for month in 1..=12 {
                let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap();
                let next = if month == 12 {
                    NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap()
                } else {
                    NaiveDate::from_ymd_opt(year, month + 1, 1).unwrap()
                };
                let slots = (next - first).num_minutes() as usize / 30;
                let kw = pv
                    .generation_kw(first.and_hms_opt(0, 0, 0).unwrap(), 30, slots)
                    .unwrap();
                let kwh: f64 = kw.iter().sum::<f64>() * 0.5;
                let expected = 37.5 * yields[month as usize - 1];
                assert!(
                    (kwh - expected).abs() <= 1e-6 * expected,
                    "tilt {tilt} {year}-{month}: {kwh} kWh, expected {expected}"
                );
            }
        }
        let annual = pv.annual_kwh(2024).unwrap();
        let expected = 37.5 * yields.iter().sum::<f64>();
        assert!((annual - expected).abs() <= 1e-6 * expected);
    }
}

#[test]
fn slots_across_a_month_boundary_split_by_month() {
    // Hourly slots from 30 June 20:00 to 1 July 20:00 equal the 30-minute ones summed.
    let pv = tokyo_pv(10.0, 30.0);
    let start = at(2024, 6, 30, 20, 0);
    let hourly = pv.generation_kw(start, 60, 24).unwrap();
    let half = pv.generation_kw(start, 30, 48).unwrap();
    for (h, &kw) in hourly.iter().enumerate() {
        assert!((kw - (half[2 * h] + half[2 * h + 1]) / 2.0).abs() < 1e-9);
    }
    assert!(matches!(
        pv.generation_kw(start + Duration::seconds(5), 30, 2),
        Err(SiteError::Unaligned { .. })
    ));
}

#[test]
fn a_south_tilt_catches_more_than_flat_in_winter() {
    for (month, day) in [(12, 21), (1, 15), (2, 1)] {
        let start = at(2024, month, day, 0, 0);
        let day_sum = |tilt: f64| -> f64 {
            (0..24 * 60)
                .map(|m| {
                    TOKYO.plane_irradiance_kw_per_m2(start + Duration::minutes(m), tilt, 180.0)
                })
                .sum::<f64>()
                / 60.0
        };
        let flat = day_sum(0.0);
        let tilted = day_sum(30.0);
        assert!(
            tilted > 1.2 * flat,
            "{month}/{day}: tilted {tilted} kWh/m², flat {flat}"
        );
        // A north-facing tilt gets less than flat.
        let north: f64 = (0..24 * 60)
            .map(|m| TOKYO.plane_irradiance_kw_per_m2(start + Duration::minutes(m), 30.0, 0.0))
            .sum::<f64>()
            / 60.0;
        assert!(north < flat);
    }
    // Clear-sky global horizontal irradiance near noon in June is within the physical range.
    let june = TOKYO.plane_irradiance_kw_per_m2(at(2024, 6, 21, 11, 45), 0.0, 180.0);
    assert!((0.8..1.1).contains(&june), "{june}");
}

// ---------------------------------------------------------------- measured profiles

#[test]
fn a_measured_profile_is_looked_up_and_averaged() {
    let pv = PvSystem {
        kwp: 20.0,
        profile: PvProfile::Measured {
            start: at(2024, 5, 1, 6, 0),
            interval_minutes: 30,
            kw_per_kwp: vec![0.0, 0.1, 0.3, 0.5, 0.6, 0.7],
        },
    };
    let half = pv.generation_kw(at(2024, 5, 1, 6, 30), 30, 3).unwrap();
    assert_eq!(half, vec![2.0, 6.0, 10.0]);
    let hourly = pv.generation_kw(at(2024, 5, 1, 6, 0), 60, 3).unwrap();
    for (got, want) in hourly.iter().zip([1.0, 8.0, 13.0]) {
        assert!((got - want).abs() < 1e-12, "{hourly:?}");
    }
    let quarter = pv.generation_kw(at(2024, 5, 1, 8, 15), 15, 3).unwrap();
    assert_eq!(quarter, vec![12.0, 14.0, 14.0]);
    match pv.generation_kw(at(2024, 5, 1, 8, 0), 60, 2) {
        Err(SiteError::OutsideProfile { at: slot, end, .. }) => {
            assert_eq!(slot, at(2024, 5, 1, 9, 0));
            assert_eq!(end, at(2024, 5, 1, 9, 0));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        pv.generation_kw(at(2024, 5, 1, 5, 30), 30, 1),
        Err(SiteError::OutsideProfile { .. })
    ));
    assert!(matches!(
        pv.annual_kwh(2024),
        Err(SiteError::OutsideProfile { .. })
    ));
}

#[test]
fn pv_csv_is_read_from_a_file() {
    let dir = std::env::temp_dir().join(format!("voltlex-site-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pv.csv");
    std::fs::write(
        &path,
        "\u{feff}start,kw_per_kwp\r\n2024-07-01T10:00,0.5\r\n2024-07-01T11:00,0.625\r\n\r\n",
    )
    .unwrap();
    let profile = read_pv_csv(&path).unwrap();
    assert_eq!(
        profile,
        PvProfile::Measured {
            start: at(2024, 7, 1, 10, 0),
            interval_minutes: 60,
            kw_per_kwp: vec![0.5, 0.625],
        }
    );
    let missing = read_pv_csv(dir.join("absent.csv")).unwrap_err();
    assert!(matches!(missing, SiteError::Io { .. }), "{missing}");
    assert!(missing.to_string().contains("absent.csv: cannot read"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pv_csv_errors_say_where_what_was_expected_and_what_was_found() {
    let cases: &[(&str, &str)] = &[
        (
            "time,kw\n2024-07-01 10:00,0.5\n",
            "pv.csv:1:1: expected the header `start,kw_per_kwp` or `start,kwh_per_kwp`, found `time,kw`",
        ),
        ("", "pv.csv:1:1: expected the header `start,kw_per_kwp` or `start,kwh_per_kwp`, found an empty file"),
        (
            "start,kw_per_kwp\n2024-07-01 10:00,0.5,1\n",
            "pv.csv:2:1: expected 2 fields: start,kw_per_kwp, found 3 fields",
        ),
        (
            "start,kw_per_kwp\n2024-07-01 10:00,0.5\n2024-07-32 10:30,0.5\n",
            "pv.csv:3:1: expected a start time like `2024-07-01 00:00`, found `2024-07-32 10:30`",
        ),
        (
            "start,kw_per_kwp\n2024-07-01 10:00,0.5\n2024-07-01 10:45,0.5\n",
            "pv.csv:3:1: expected a start 30 or 60 minutes after the previous row's, found 45 minutes after 2024-07-01 10:00:00",
        ),
        (
            "start,kw_per_kwp\n2024-07-01 10:00,0.5\n2024-07-01 10:30,0.5\n\n2024-07-01 11:30,0.5\n",
            "pv.csv:5:1: expected a start 30 minutes after the previous row's (2024-07-01 10:30:00), found 60 minutes after",
        ),
        (
            "start,kw_per_kwp\n2024-07-01 10:00,0.5\n2024-07-01 10:30, -0.1\n",
            "pv.csv:3:18: expected a number of kW per kWp (0 to 2), found `-0.1`",
        ),
        (
            "start,kwh_per_kwp\n2024-07-01 10:00,0.5\n2024-07-01 10:30,1.5\n",
            "pv.csv:3:18: expected a number of kWh per kWp (0 to 2 kW per kWp over the interval), found `1.5`",
        ),
        (
            "start,kw_per_kwp\n2024-07-01 10:00,NaN\n2024-07-01 10:30,0.5\n",
            "pv.csv:2:18: expected a number of kW per kWp (0 to 2), found `NaN`",
        ),
        (
            "start,kw_per_kwp\n2024-07-01 10:00,0.5\n",
            "pv.csv:2:1: expected at least two data rows (the interval is read from the first two starts), found 1 data rows",
        ),
    ];
    for (text, message) in cases {
        let error = parse_pv_csv(text, "pv.csv").unwrap_err();
        assert!(matches!(error, SiteError::Csv { .. }), "{error:?}");
        assert_eq!(&error.to_string(), message, "for {text:?}");
    }
}

// ---------------------------------------------------------------- dispatch helpers

/// A small deterministic stream for test inputs.
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1_u64 << 53) as f64
    }

    fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.next()
    }
}

/// PV up to 1.5 × the largest base load (so there is surplus in some slots) and a battery.
fn random_site(problem: &V2gProblem, seed: u64) -> (Vec<f64>, StationaryBattery) {
    let mut rng = Stream(seed ^ 0x005E_ED0F_5175);
    let top = problem
        .charging
        .base_kw
        .iter()
        .fold(1.0_f64, |a, &b| a.max(b));
    let pv = problem
        .charging
        .base_kw
        .iter()
        .map(|_| {
            if rng.next() < 0.25 {
                0.0
            } else {
                (rng.range(0.0, 1.5 * top) * 10.0).round() / 10.0
            }
        })
        .collect();
    let min_soc = (rng.range(0.0, 30.0)).round();
    let battery = StationaryBattery {
        capacity_kwh: rng.range(5.0, 60.0).round(),
        power_kw: rng.range(2.0, 30.0).round(),
        round_trip_efficiency: if rng.next() < 0.2 {
            1.0
        } else {
            rng.range(0.8, 0.98)
        },
        min_soc_pct: min_soc,
        initial_soc_pct: rng.range(min_soc, 100.0).round().max(min_soc),
        degradation_per_kwh: if rng.next() < 0.2 {
            0.01
        } else {
            rng.range(0.5, 10.0)
        },
    };
    (pv, battery)
}

/// Site import and export per slot of `plan`.
fn site_flows(problem: &V2gProblem, plan: &V2gPlan) -> Vec<(f64, f64)> {
    let mut net = problem.charging.base_kw.clone();
    for (i, session) in problem.charging.sessions.iter().enumerate() {
        for (k, (c, d)) in plan.charge_kw[i]
            .iter()
            .zip(&plan.discharge_kw[i])
            .enumerate()
        {
            net[session.first_slot + k] += c - d;
        }
    }
    net.iter().map(|&n| (n.max(0.0), (-n).max(0.0))).collect()
}

/// Everything a plan with site assets must satisfy: the scheduler's checker with V2G options
/// (which accept the negative base load of a PV surplus), the import cap and export limit
/// recomputed here from the site's flows, every battery within [floor, capacity], the
/// stationary battery back at its initial energy.
fn assert_site_plan_is_right(
    problem: &V2gProblem,
    added: &SiteAssetsAdded,
    plan: &V2gPlan,
    mode: Mode,
    tag: &str,
) {
    let report = check_with(
        &problem.charging,
        &plan.to_schedule(),
        mode,
        CheckOptions::v2g(),
    );
    assert!(
        report.is_ok(),
        "{tag}: checker says {:?}",
        report.violations
    );
    let cap = problem.charging.import_cap_kw;
    for (slot, (import, export)) in site_flows(problem, plan).into_iter().enumerate() {
        assert!(
            import <= cap + 1e-6 * cap.max(1.0),
            "{tag}: slot {slot} imports {import}"
        );
        let limit = problem.export_limit_kw(slot);
        assert!(
            export <= limit + 1e-6 * limit.max(1.0),
            "{tag}: slot {slot} exports {export} > {limit}"
        );
    }
    for (i, session) in problem.charging.sessions.iter().enumerate() {
        let floor = problem.floor_of(i);
        let tolerance = 1e-6 * session.battery_kwh.max(1.0);
        for kwh in plan.battery_kwh(problem, i) {
            assert!(
                kwh >= floor - tolerance,
                "{tag}: session {i} at {kwh} < {floor}"
            );
            assert!(
                kwh <= session.battery_kwh + tolerance,
                "{tag}: session {i} over"
            );
        }
    }
    if let Some(b) = added.battery_session {
        let end = *plan.battery_kwh(problem, b).last().unwrap();
        let arrival = problem.charging.sessions[b].arrival_kwh;
        assert!(
            end >= arrival - 1e-6 * arrival.max(1.0),
            "{tag}: battery ends at {end} < {arrival}"
        );
    }
}

// ---------------------------------------------------------------- dispatch

/// A day in July at a Tokyo depot: 20 kW of base load, 100 kWp of PV (surplus at midday), a
/// 17:00–20:00 price peak, one van plugged in from 18:00 to 07:00 next morning (charge
/// only), a 60 kWh / 30 kW battery. V2B only.
fn sunny_depot() -> (V2gProblem, Vec<f64>, StationaryBattery) {
    let start = at(2024, 7, 1, 7, 0);
    let slots = 48;
    let energy_price: Vec<f64> = (0..slots)
        .map(|t| {
            let hour = 7 + t / 2;
            match hour % 24 {
                17..=19 => 45.0,
                23 | 0..=6 => 12.0,
                _ => 22.0,
            }
        })
        .collect();
    let charging = Problem {
        start,
        slot_minutes: 30,
        base_kw: vec![20.0; slots],
        import_cap_kw: 100.0,
        ratchet_kw: 40.0,
        energy_price,
        demand_price_per_kw: 1_500.0,
        unmet_price_per_kwh: 100.0,
        chargers: vec![Charger {
            id: "C1".into(),
            max_kw: 11.0,
            efficiency: 0.92,
            v2g: false,
        }],
        sessions: vec![Session {
            vehicle: "VAN1".into(),
            charger: 0,
            first_slot: 22,
            end_slot: 48,
            max_kw: 11.0,
            energy_kwh: 40.0,
            reserved_kwh: 20.0,
            priority: 0,
            battery_kwh: 75.0,
            arrival_kwh: 20.0,
        }],
    };
    let mut problem = V2gProblem::charge_only(charging);
    problem.export_price = vec![9.0; slots];
    let pv = tokyo_pv(100.0, 30.0)
        .generation_kw(start, 30, slots)
        .unwrap();
    let battery = StationaryBattery {
        capacity_kwh: 60.0,
        power_kw: 30.0,
        round_trip_efficiency: 0.9,
        min_soc_pct: 10.0,
        initial_soc_pct: 30.0,
        degradation_per_kwh: 2.0,
    };
    (problem, pv, battery)
}

#[test]
fn the_battery_stores_midday_surplus_and_covers_the_evening_peak() {
    let (mut problem, pv, battery) = sunny_depot();
    let before = problem.clone();
    let added = add_to_problem(&mut problem, &pv, Some(&battery)).unwrap();
    assert!(added.largest_surplus_kw > 10.0, "{added:?}");
    assert!(added.export_priced_at_zero);
    assert_eq!(added.battery_session, Some(1));
    assert_eq!(added.battery_charger, Some(1));
    assert!(problem.export_price.iter().all(|&p| p == 0.0));
    assert_eq!(problem.export_cap_kw, 0.0);
    for (slot, (&b, &p)) in problem.charging.base_kw.iter().zip(&pv).enumerate() {
        assert!((b - (before.charging.base_kw[slot] - p)).abs() < 1e-12);
    }

    for mode in [Mode::Availability, Mode::Cost] {
        let result = dispatch(&problem, mode).unwrap();
        let reference = solve_microlp(&problem, mode).unwrap();
        assert!(
            close(result.cost.total, reference.objective, 1e-6),
            "{mode:?}: IPM {} vs reference {}",
            result.cost.total,
            reference.objective
        );
        assert!(close(result.objective, result.cost.total, 1e-6));
        assert_site_plan_is_right(&problem, &added, &result.plan, mode, &format!("{mode:?}"));

        let (charge, discharge) = added.battery_flows(&result.plan).unwrap();
        let surplus_slots: Vec<usize> = (0..48)
            .filter(|&t| problem.charging.base_kw[t] < -1.0)
            .collect();
        let peak_slots: Vec<usize> = (0..48)
            .filter(|&t| problem.charging.energy_price[t] == 45.0)
            .collect();
        let stored: f64 = surplus_slots.iter().map(|&t| charge[t]).sum::<f64>() * 0.5;
        let released: f64 = peak_slots.iter().map(|&t| discharge[t]).sum::<f64>() * 0.5;
        assert!(stored > 10.0, "{mode:?}: stored {stored} kWh of surplus");
        assert!(
            released > 10.0,
            "{mode:?}: released {released} kWh at the peak"
        );
        // Nothing is discharged while PV is being curtailed.
        for (t, (_, export)) in site_flows(&problem, &result.plan).into_iter().enumerate() {
            if export > 1e-6 {
                assert!(discharge[t] < 1e-6, "{mode:?}: slot {t}");
            }
        }
        // Cheaper than without the assets.
        let without = dispatch(&before, mode).unwrap();
        assert!(result.cost.total < without.cost.total - 100.0);
    }
}

#[test]
fn structured_ipm_matches_the_reference_lp_with_pv_and_a_battery() {
    let mut battery_cycled = 0;
    for seed in 0..SEEDS {
        let mut problem = tiny_random_v2g(seed);
        let (pv, battery) = random_site(&problem, seed);
        let added = add_to_problem(&mut problem, &pv, Some(&battery)).unwrap();
        for mode in [Mode::Availability, Mode::Cost] {
            let tag = format!("seed {seed} {mode:?}");
            let result = dispatch(&problem, mode).unwrap_or_else(|e| panic!("{tag}: {e}"));
            let reference = solve_microlp(&problem, mode).unwrap_or_else(|e| panic!("{tag}: {e}"));
            assert!(
                close(result.cost.total, reference.objective, 1e-6),
                "{tag}: IPM {} vs reference {}",
                result.cost.total,
                reference.objective
            );
            assert!(close(
                V2gCost::of(&problem, &reference.plan).total,
                reference.objective,
                1e-6
            ));
            assert_site_plan_is_right(&problem, &added, &result.plan, mode, &tag);
            assert_site_plan_is_right(
                &problem,
                &added,
                &reference.plan,
                mode,
                &format!("{tag} ref"),
            );
            if mode == Mode::Availability {
                let (_, discharge) = added.battery_flows(&result.plan).unwrap();
                battery_cycled += usize::from(discharge.iter().any(|&d| d > 1e-3));
            }
        }
    }
    eprintln!("the battery discharges in {battery_cycled} of {SEEDS} instances");
    assert!(
        battery_cycled >= 20,
        "only {battery_cycled} instances use the battery"
    );
}

#[test]
fn adding_pv_never_raises_the_optimal_cost() {
    for seed in 0..SEEDS {
        let original = tiny_random_v2g(seed);
        let (pv, battery) = random_site(&original, seed);
        for with_battery in [false, true] {
            let mut without_pv = original.clone();
            add_to_problem(
                &mut without_pv,
                &vec![0.0; pv.len()],
                with_battery.then_some(&battery),
            )
            .unwrap();
            let mut with_pv = original.clone();
            add_to_problem(&mut with_pv, &pv, with_battery.then_some(&battery)).unwrap();
            for mode in [Mode::Availability, Mode::Cost] {
                let a = solve_microlp(&without_pv, mode).unwrap().objective;
                let b = solve_microlp(&with_pv, mode).unwrap().objective;
                assert!(
                    b <= a + 1e-6 * a.abs().max(1.0),
                    "seed {seed} battery {with_battery} {mode:?}: with PV {b} > without {a}"
                );
            }
        }
    }
}

#[test]
fn in_v2b_no_vehicle_discharges_to_export() {
    let mut curtailing = 0;
    for seed in 0..SEEDS {
        let mut problem = tiny_random_v2g(seed);
        problem.export_cap_kw = 0.0;
        // A tempting export price above every import price (capped by sell_price before the
        // assets are added): add_to_problem must make it worthless.
        problem.export_price = vec![1_000.0; problem.charging.slots()];
        let (pv, battery) = random_site(&problem, seed);
        let added = add_to_problem(&mut problem, &pv, Some(&battery)).unwrap();
        assert!(added.export_priced_at_zero);
        for mode in [Mode::Availability, Mode::Cost] {
            let result = dispatch(&problem, mode).unwrap();
            assert!(result.cost.export_revenue.abs() < 1e-9, "seed {seed}");
            for (slot, (_, export)) in site_flows(&problem, &result.plan).into_iter().enumerate() {
                // Export is at most the PV surplus: nothing a vehicle or the battery
                // discharges leaves the site.
                let surplus = (-problem.charging.base_kw[slot]).max(0.0);
                assert!(
                    export <= surplus + 1e-6,
                    "seed {seed} slot {slot}: {export} > {surplus}"
                );
                curtailing += usize::from(export > 1e-3);
            }
        }
    }
    assert!(curtailing > 20, "only {curtailing} slots curtail PV");
}

#[test]
fn a_zero_sell_price_never_pays_for_discharge() {
    // One vehicle full of energy with nothing to do, free wear, big PV surplus, V2B: the
    // optimum is no discharge at all (a positive wear makes any discharge strictly worse;
    // with zero wear discharge could only be to export at price 0, and the export limit is
    // the surplus).
    for wear in [0.0, 1.0] {
        let start = at(2024, 5, 1, 10, 0);
        let charging = Problem {
            start,
            slot_minutes: 60,
            base_kw: vec![5.0, 5.0, 5.0],
            import_cap_kw: 50.0,
            ratchet_kw: 50.0,
            energy_price: vec![30.0, 30.0, 30.0],
            demand_price_per_kw: 0.0,
            unmet_price_per_kwh: 0.0,
            chargers: vec![Charger {
                id: "B".into(),
                max_kw: 20.0,
                efficiency: 1.0,
                v2g: true,
            }],
            sessions: vec![Session {
                vehicle: "EV".into(),
                charger: 0,
                first_slot: 0,
                end_slot: 3,
                max_kw: 20.0,
                energy_kwh: 0.0,
                reserved_kwh: 0.0,
                priority: 0,
                battery_kwh: 60.0,
                arrival_kwh: 60.0,
            }],
        };
        let mut problem = V2gProblem {
            charging,
            export_price: vec![50.0; 3],
            export_cap_kw: 0.0,
            sessions: vec![V2gSession {
                discharge_kw: 20.0,
                floor_kwh: 0.0,
                degradation_per_kwh: wear,
                max_discharge_kwh: f64::INFINITY,
            }],
        };
        add_to_problem(&mut problem, &[30.0, 30.0, 30.0], None).unwrap();
        let result = dispatch(&problem, Mode::Cost).unwrap();
        assert!(result.cost.total.abs() < 1e-6, "{:?}", result.cost);
        assert!(result.cost.export_revenue.abs() < 1e-12);
        if wear > 0.0 {
            assert!(result.cost.discharged_kwh < 1e-6, "{:?}", result.plan);
        }
        let reference = solve_microlp(&problem, Mode::Cost).unwrap();
        assert!(reference.objective.abs() < 1e-6);
    }
}

#[test]
fn add_to_problem_rejects_bad_inputs_and_leaves_the_problem_unchanged() {
    let (problem, pv, battery) = sunny_depot();
    let mut copy = problem.clone();
    assert!(matches!(
        add_to_problem(&mut copy, &pv[1..], Some(&battery)),
        Err(SiteError::SeriesLength {
            expected: 48,
            found: 47
        })
    ));
    let mut negative = pv.clone();
    negative[3] = -1.0;
    assert!(matches!(
        add_to_problem(&mut copy, &negative, None),
        Err(SiteError::BadValue { .. })
    ));
    for broken in [
        StationaryBattery {
            capacity_kwh: 0.0,
            ..battery.clone()
        },
        StationaryBattery {
            round_trip_efficiency: 1.2,
            ..battery.clone()
        },
        StationaryBattery {
            initial_soc_pct: 5.0,
            ..battery.clone()
        },
        StationaryBattery {
            min_soc_pct: f64::NAN,
            ..battery.clone()
        },
        StationaryBattery {
            degradation_per_kwh: -1.0,
            ..battery.clone()
        },
    ] {
        let error = add_to_problem(&mut copy, &pv, Some(&broken)).unwrap_err();
        assert!(error.to_string().contains("stationary battery"), "{error}");
    }
    assert_eq!(copy, problem);
    // With an export contract the export price is kept: surplus PV is sold.
    let mut v2g = problem.clone();
    v2g.export_cap_kw = 10.0;
    let added = add_to_problem(&mut v2g, &pv, None).unwrap();
    assert!(!added.export_priced_at_zero);
    assert!(v2g.export_price.iter().all(|&p| p == 9.0));
    assert_eq!(added.battery_session, None);
    let month = problem.charging.start.month();
    assert_eq!(month, 7);
}
