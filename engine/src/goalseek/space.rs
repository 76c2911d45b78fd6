//! The decision space: named dimensions, each a list of choices, and their Cartesian product.
//!
//! Candidates are numbered in odometer order: the first dimension varies slowest, the last
//! fastest. That number is the "candidate order" the search breaks its last ties with.

use std::fmt;

use serde::Serialize;

/// One value a dimension can take.
///
/// ```
/// use voltlex_engine::goalseek::Choice;
/// assert_eq!(Choice::Count(20).to_string(), "20");
/// assert_eq!(Choice::Flag(true).to_string(), "on");
/// assert_eq!(Choice::Label("optimal".into()).to_string(), "optimal");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Choice {
    /// A whole number of things (vehicles, chargers).
    Count(u32),
    /// A size (kWp, kWh).
    Number(f64),
    /// On or off (V2G).
    Flag(bool),
    /// A named option (a charger model, a charging strategy).
    Label(String),
}

impl fmt::Display for Choice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Choice::Count(count) => write!(f, "{count}"),
            Choice::Number(number) => write!(f, "{number}"),
            Choice::Flag(true) => f.write_str("on"),
            Choice::Flag(false) => f.write_str("off"),
            Choice::Label(label) => f.write_str(label),
        }
    }
}

/// A named decision and the choices it may take.
///
/// ```
/// use voltlex_engine::goalseek::{Choice, Dimension};
/// let ev_count = Dimension::new("ev_count", [0, 10, 20].map(Choice::Count));
/// assert_eq!(ev_count.choices.len(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dimension {
    /// Its name, as candidates are described (`ev_count`, `pv_kwp`).
    pub name: String,
    /// The values it may take, in the order candidates enumerate them.
    pub choices: Vec<Choice>,
}

impl Dimension {
    /// A dimension named `name` with these choices.
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Choice, Dimension};
    /// let v2g = Dimension::new("v2g", [Choice::Flag(false), Choice::Flag(true)]);
    /// assert_eq!(v2g.name, "v2g");
    /// ```
    pub fn new(name: impl Into<String>, choices: impl IntoIterator<Item = Choice>) -> Self {
        Dimension {
            name: name.into(),
            choices: choices.into_iter().collect(),
        }
    }
}

/// The Cartesian product of its dimensions: every combination is a [`Candidate`].
///
/// ```
/// use voltlex_engine::goalseek::{Choice, DecisionSpace, Dimension};
/// let space = DecisionSpace {
///     dimensions: vec![
///         Dimension::new("ev_count", [10, 20].map(Choice::Count)),
///         Dimension::new("strategy", ["uncontrolled", "optimal"].map(|s| Choice::Label(s.into()))),
///     ],
/// };
/// assert_eq!(space.size(), 4);
/// let described: Vec<String> = space.candidates().map(|c| c.describe(&space)).collect();
/// assert_eq!(described[1], "ev_count=10, strategy=optimal");
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct DecisionSpace {
    /// The decisions, the first varying slowest in candidate order.
    pub dimensions: Vec<Dimension>,
}

impl DecisionSpace {
    /// A space of these dimensions.
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Choice, DecisionSpace, Dimension};
    /// let space = DecisionSpace::new([Dimension::new("pv_kwp", [0.0, 50.0].map(Choice::Number))]);
    /// assert_eq!(space.size(), 2);
    /// ```
    pub fn new(dimensions: impl IntoIterator<Item = Dimension>) -> Self {
        DecisionSpace {
            dimensions: dimensions.into_iter().collect(),
        }
    }

    /// The number of candidates: the product of the dimensions' lengths (1 for no dimension,
    /// 0 when a dimension has no choice). Saturates at `usize::MAX` — such a space is refused
    /// by the search ([`SeekError::TooLarge`](super::SeekError::TooLarge)).
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Choice, DecisionSpace, Dimension};
    /// let space = DecisionSpace::new([
    ///     Dimension::new("a", [1, 2, 3].map(Choice::Count)),
    ///     Dimension::new("b", [true, false].map(Choice::Flag)),
    /// ]);
    /// assert_eq!(space.size(), 6);
    /// ```
    pub fn size(&self) -> usize {
        self.checked_size().unwrap_or(usize::MAX)
    }

    /// The number of candidates, or `None` when it does not fit a `usize`.
    ///
    /// ```
    /// use voltlex_engine::goalseek::DecisionSpace;
    /// assert_eq!(DecisionSpace::default().checked_size(), Some(1));
    /// ```
    pub fn checked_size(&self) -> Option<usize> {
        self.dimensions.iter().try_fold(1usize, |size, dimension| {
            size.checked_mul(dimension.choices.len())
        })
    }

    /// The candidate numbered `index` in odometer order (the last dimension fastest), or
    /// `None` past the end.
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Choice, DecisionSpace, Dimension};
    /// let space = DecisionSpace::new([
    ///     Dimension::new("a", [1, 2, 3].map(Choice::Count)),
    ///     Dimension::new("b", [true, false].map(Choice::Flag)),
    /// ]);
    /// assert_eq!(space.candidate(3).map(|c| c.choices), Some(vec![1, 1]));
    /// assert!(space.candidate(6).is_none());
    /// ```
    pub fn candidate(&self, index: usize) -> Option<Candidate> {
        if index >= self.checked_size()? {
            return None;
        }
        let mut rest = index;
        let mut choices = vec![0; self.dimensions.len()];
        for (slot, dimension) in choices.iter_mut().zip(&self.dimensions).rev() {
            let length = dimension.choices.len();
            *slot = rest % length;
            rest /= length;
        }
        Some(Candidate { choices })
    }

    /// The number of `candidate` in odometer order, or `None` when it is not of this space
    /// (wrong number of dimensions, a choice out of range).
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Candidate, Choice, DecisionSpace, Dimension};
    /// let space = DecisionSpace::new([
    ///     Dimension::new("a", [1, 2, 3].map(Choice::Count)),
    ///     Dimension::new("b", [true, false].map(Choice::Flag)),
    /// ]);
    /// assert_eq!(space.index_of(&Candidate { choices: vec![2, 1] }), Some(5));
    /// ```
    pub fn index_of(&self, candidate: &Candidate) -> Option<usize> {
        if candidate.choices.len() != self.dimensions.len() {
            return None;
        }
        candidate.choices.iter().zip(&self.dimensions).try_fold(
            0usize,
            |index, (&choice, dimension)| {
                let length = dimension.choices.len();
                (choice < length)
                    .then(|| index.checked_mul(length)?.checked_add(choice))
                    .flatten()
            },
        )
    }

    /// Every candidate, in odometer order.
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Choice, DecisionSpace, Dimension};
    /// let space = DecisionSpace::new([Dimension::new("a", [1, 2].map(Choice::Count))]);
    /// assert_eq!(space.candidates().count(), 2);
    /// ```
    pub fn candidates(&self) -> impl Iterator<Item = Candidate> + '_ {
        (0..self.checked_size().unwrap_or(0)).filter_map(|index| self.candidate(index))
    }

    /// The dimension named `name` and its position.
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Choice, DecisionSpace, Dimension};
    /// let space = DecisionSpace::new([Dimension::new("a", [1, 2].map(Choice::Count))]);
    /// assert_eq!(space.dimension("a").map(|(position, _)| position), Some(0));
    /// ```
    pub fn dimension(&self, name: &str) -> Option<(usize, &Dimension)> {
        self.dimensions
            .iter()
            .enumerate()
            .find(|(_, dimension)| dimension.name == name)
    }
}

/// One combination: the index of its choice in each dimension of its space.
///
/// ```
/// use voltlex_engine::goalseek::{Candidate, Choice, DecisionSpace, Dimension};
/// let space = DecisionSpace::new([
///     Dimension::new("ev_count", [10, 20].map(Choice::Count)),
///     Dimension::new("pv_kwp", [0.0, 50.0].map(Choice::Number)),
/// ]);
/// let candidate = Candidate { choices: vec![1, 1] };
/// assert_eq!(candidate.get(&space, "ev_count"), Some(&Choice::Count(20)));
/// assert_eq!(candidate.number(&space, "pv_kwp"), Some(50.0));
/// assert_eq!(candidate.describe(&space), "ev_count=20, pv_kwp=50");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Candidate {
    /// Index into each dimension's choices, in the space's dimension order.
    pub choices: Vec<usize>,
}

impl Candidate {
    /// Its choice in the dimension named `name`, or `None` when the space has no such
    /// dimension (or the candidate is not of this space).
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Candidate, Choice, DecisionSpace, Dimension};
    /// let space = DecisionSpace::new([Dimension::new("v2g", [false, true].map(Choice::Flag))]);
    /// assert_eq!(Candidate { choices: vec![1] }.get(&space, "v2g"), Some(&Choice::Flag(true)));
    /// assert_eq!(Candidate { choices: vec![1] }.get(&space, "pv"), None);
    /// ```
    pub fn get<'s>(&self, space: &'s DecisionSpace, name: &str) -> Option<&'s Choice> {
        let (position, dimension) = space.dimension(name)?;
        dimension.choices.get(*self.choices.get(position)?)
    }

    /// Its choice in `name` when that is a [`Choice::Count`].
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Candidate, Choice, DecisionSpace, Dimension};
    /// let space = DecisionSpace::new([Dimension::new("n", [3].map(Choice::Count))]);
    /// assert_eq!(Candidate { choices: vec![0] }.count(&space, "n"), Some(3));
    /// ```
    pub fn count(&self, space: &DecisionSpace, name: &str) -> Option<u32> {
        match self.get(space, name)? {
            Choice::Count(count) => Some(*count),
            _ => None,
        }
    }

    /// Its choice in `name` as a number: a [`Choice::Number`], or a [`Choice::Count`] widened.
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Candidate, Choice, DecisionSpace, Dimension};
    /// let space = DecisionSpace::new([Dimension::new("n", [3].map(Choice::Count))]);
    /// assert_eq!(Candidate { choices: vec![0] }.number(&space, "n"), Some(3.0));
    /// ```
    pub fn number(&self, space: &DecisionSpace, name: &str) -> Option<f64> {
        match self.get(space, name)? {
            Choice::Number(number) => Some(*number),
            Choice::Count(count) => Some(f64::from(*count)),
            _ => None,
        }
    }

    /// Its choice in `name` when that is a [`Choice::Flag`].
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Candidate, Choice, DecisionSpace, Dimension};
    /// let space = DecisionSpace::new([Dimension::new("v2g", [true].map(Choice::Flag))]);
    /// assert_eq!(Candidate { choices: vec![0] }.flag(&space, "v2g"), Some(true));
    /// ```
    pub fn flag(&self, space: &DecisionSpace, name: &str) -> Option<bool> {
        match self.get(space, name)? {
            Choice::Flag(flag) => Some(*flag),
            _ => None,
        }
    }

    /// Its choice in `name` when that is a [`Choice::Label`].
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Candidate, Choice, DecisionSpace, Dimension};
    /// let space = DecisionSpace::new([Dimension::new("s", [Choice::Label("optimal".into())])]);
    /// assert_eq!(Candidate { choices: vec![0] }.label(&space, "s"), Some("optimal"));
    /// ```
    pub fn label<'s>(&self, space: &'s DecisionSpace, name: &str) -> Option<&'s str> {
        match self.get(space, name)? {
            Choice::Label(label) => Some(label),
            _ => None,
        }
    }

    /// `name=value` for each dimension, comma-separated (`?` for an index out of range).
    ///
    /// ```
    /// use voltlex_engine::goalseek::{Candidate, Choice, DecisionSpace, Dimension};
    /// let space = DecisionSpace::new([
    ///     Dimension::new("ev_count", [20].map(Choice::Count)),
    ///     Dimension::new("v2g", [false].map(Choice::Flag)),
    /// ]);
    /// assert_eq!(Candidate { choices: vec![0, 0] }.describe(&space), "ev_count=20, v2g=off");
    /// ```
    pub fn describe(&self, space: &DecisionSpace) -> String {
        space
            .dimensions
            .iter()
            .zip(&self.choices)
            .map(|(dimension, &index)| match dimension.choices.get(index) {
                Some(choice) => format!("{}={choice}", dimension.name),
                None => format!("{}=?", dimension.name),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}
