//! Inverse life-cycle cost: the cheapest decision that meets a target (being written, issue 6).
