//! Market risk: seeded Monte Carlo of spot prices, VaR and CVaR, historical stress cases.
