//! Monthly bills from interval data under a compiled tariff (being written).
