//! Portable draws from a ChaCha stream, written out so that the numbers depend on nothing but
//! the seed: uniform, standard normal (Box–Muller) and Poisson (inversion).

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The random stream of scenario `index` under `seed`: a ChaCha8 key from the seed and the
/// scenario index as the stream number, so scenario k is the same whatever else is drawn.
pub(crate) fn scenario_rng(seed: u64, index: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64);
    rng
}

/// Draws built on one generator.
pub(crate) struct Draws<R> {
    rng: R,
    /// The second normal of the last Box–Muller pair.
    spare_normal: Option<f64>,
}

impl<R: RngCore> Draws<R> {
    pub(crate) fn new(rng: R) -> Self {
        Draws {
            rng,
            spare_normal: None,
        }
    }

    /// Uniform in the open interval (0, 1): 53 random bits, centred in their cell so that
    /// neither 0 nor 1 can occur (the logarithms below need that).
    pub(crate) fn uniform(&mut self) -> f64 {
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        ((self.rng.next_u64() >> 11) as f64 + 0.5) * SCALE
    }

    /// Uniform index in `0..count` (`count > 0`) by a 128-bit multiply: the bias is below
    /// count / 2^64, far under anything a Monte Carlo can see, and there is no rejection loop.
    pub(crate) fn index(&mut self, count: usize) -> usize {
        ((u128::from(self.rng.next_u64()) * count as u128) >> 64) as usize
    }

    /// Standard normal by Box–Muller; pairs are used in full.
    pub(crate) fn normal(&mut self) -> f64 {
        if let Some(spare) = self.spare_normal.take() {
            return spare;
        }
        let radius = (-2.0 * self.uniform().ln()).sqrt();
        let angle = std::f64::consts::TAU * self.uniform();
        self.spare_normal = Some(radius * angle.sin());
        radius * angle.cos()
    }

    /// Poisson count of mean `mean` by inversion of the CDF (one uniform); meant for the
    /// small means of daily jump counts. The loop stops when the remaining mass is below
    /// double precision, so it ends for any finite mean.
    pub(crate) fn poisson(&mut self, mean: f64) -> u32 {
        if mean <= 0.0 {
            return 0;
        }
        let target = self.uniform();
        let mut probability = (-mean).exp();
        let mut cumulative = probability;
        let mut count = 0u32;
        while cumulative < target && probability > 0.0 {
            count += 1;
            probability *= mean / f64::from(count);
            cumulative += probability;
        }
        count
    }
}
