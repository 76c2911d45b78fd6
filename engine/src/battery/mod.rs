//! Battery degradation: calendar and cycle ageing, rainflow cycle counting, and the cost of
//! wear per kWh of throughput and per schedule.
