//! Vehicle, charger and ICE comparator catalogue (being written, issue 6).
