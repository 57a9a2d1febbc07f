// Package simulate produces synthetic elections with a known truth:
// seeded, deterministic, of any size from one station to millions. The
// demo serves one, benchmarks load one at the scale target, and the
// statistical tests of later analyses (projections, forensics, audits)
// check what those analyses say against what really happened.
//
// Run returns an actas.Dataset, which looks like what a real election
// would give the project (witness and official sheets, official totals,
// turnout snapshots), and a Truth: the true result, the official one, and
// every falsified sheet with what was changed. Everything follows from
// Config.Seed. Each stage draws from its own random streams, so fraud
// changes the official figures only: with or without it, a seed gives the
// same country, true sheets and witness sample. Elections are named
// "(simulada, semilla N)" and their places are invented, so that a
// simulated result is never mistaken for a real one.
//
// # The model
//
// Geography. Levels are state, [district,] municipality, parish, center
// (2 to 5 of them; the lowest is always the voting center). There are
// about 6·log10(stations) states; the counts of the levels in between grow
// geometrically from the states to the centers (which hold 2.2 stations on
// average). Each area splits its stations among its children by log-normal
// weights (log-sd 0.9 for states, 0.8 below), so a few areas are large and
// many small; the number of children varies by a log-sd of 0.25 around its
// expectation.
// Municipalities are urban with a chance that grows with their size;
// parishes follow their municipality, one in seven differing. Urban centers
// hold 2 to 16 stations (log-normal around 5) of about 560 registered voters
// (sd 130, 250 to 900); rural centers 1 to 4 stations (mostly one) of about
// 280 (log-sd 0.45, 100 to 700). Tables of one center split its register
// evenly, the last one often smaller; every station has 100 to 900
// registered voters and one machine, two for urban stations above 700.
// Names are invented from Spanish-like word lists, with accents, unique
// among siblings; about one municipality in twenty and one center in fifty
// has a '/' in its name. A station's code is its center's position at
// every level, zero-padded, then its table number ("0103020007-02").
//
// Preferences. Two main choices (the two largest configured shares) and
// minor ones. A lean accumulates down the levels as normal random effects
// (sd 0.30 state, 0.15 district, 0.20 municipality, 0.12 parish, 0.12
// center; +0.25 in urban centers, for the larger main choice) that raise
// one main choice's log-weight and lower the other's by as much, which
// gives both sides strongholds. Each minor choice gets its own effects (sd
// 0.35, 0.20, 0.25, 0.15, 0.15) and a home state where it gains 1.2. A
// center's shares are the softmax of its summed effects plus national
// terms fitted so that the expected national shares equal Config.Shares
// (iterative proportional fitting).
//
// Turnout. A station's turnout is logistic(national term + state, district,
// municipality, parish and center effects (sd 0.20, 0.10, 0.15, 0.08, 0.12)
// + 0.15 × the lean + a station effect (sd 0.10)); the national term is
// fitted so that expected ballots over registered equal Config.Turnout.
//
// True sheet. ballots ~ Binomial(registered, turnout); ballots split
// multinomially among the choices, blank and null, with each center's
// blank and null rates logit-normal around 1.2% and 1.8% (sd 0.4, null
// higher in rural centers); voters = ballots, except in 0.3% of stations
// where they differ by 1 or 2. Every true sheet adds up. Binomials are
// exact (inversion, or Hörmann's BTRS rejection for larger means).
//
// Arrivals. Voters arrive through the day (06:00 to 19:00: voting closes
// at 18:00, but stations with a queue keep voting) following a mix, per
// center, of an early profile (rural: weight 0.5 to 1) and a spread-out one
// with an evening rise (urban: weight 0 to 0.6 on the early profile).
// Honest stations use at most about half of their machines' capacity in
// any interval (at actas.DefaultSecondsPerVoter). Snapshots are
// cumulative voters at every hour from 07:00 to 17:00, then at 17:30,
// 18:00 and 19:00: national, per state, and per station for
// Config.StationSample stations drawn uniformly.
//
// Witnesses. A station has a witness sheet with probability
// logistic(a + WitnessBias × (the observers' expected share at its center −
// its national mean)), a fitted so that the expected coverage is
// WitnessCoverage: observers are strongest where their side is, so the
// witness sample over-represents it. With the defaults (coverage 0.8, bias
// 4), coverage runs from about 64% of the stations in the fifth where the
// observers' side is weakest to about 92% where it is strongest. A witness
// sheet states the true counts, except that with probability WitnessErrors
// one digit of one count (a choice, blank, null or ballots) is miscopied:
// changed (mostly to a neighbouring digit), swapped, dropped or doubled,
// which leaves the sheet not adding up.
//
// # Fraud
//
// Official sheets are the true ones, falsified in some stations. Each
// Fraud picks stations among those no earlier Fraud picked, with a chance
// proportional to (0.25 + the beneficiary's true share) × a propensity of
// the station's municipality (log-normal, log-sd 0.8): fraud clusters
// where the falsifier controls the tables. The chance is scaled so that the
// expected number picked is Fraction × stations. Falsified sheets stay
// internally consistent (they add up, and voters move with ballots), as
// real falsified protocols usually do. With B the beneficiary and n the
// station's non-voters (registered − ballots):
//
//   - incremental (ballot stuffing and vote stealing, Klimek, Yegorov, Hanel
//     & Thurner, "Statistical detection of systematic election
//     irregularities", PNAS 109(41), 2012): with x = 0.05 + |N(0, 0.3)|, at
//     most 0.9, a share x of n is added to B as ballots and a share x/2 of
//     every other choice's votes is moved to B. Turnout and B's share rise
//     together.
//   - extreme (the same paper's extreme stuffing): with x = 1 − |N(0,
//     0.01)|, at least 0.97, a share x of n is added to B and a share x of
//     every other choice's votes and of blank and null is moved to B:
//     turnout and B's share end near 100%.
//   - shift: a share uniform in [0.15, 0.6) of the main opponent's votes
//     (the largest other configured share) is moved to B; ballots and
//     voters are unchanged.
//   - late-turnout: a share uniform in [0.6, 0.95) of n is added to B as
//     ballots recorded between 17:30 and 18:00, but no more than 1.1 to 1.6
//     times what the station's machines can take in that half hour (90
//     voters per machine at actas.DefaultSecondsPerVoter): where the
//     station has enough non-voters (most have), its snapshots show more
//     voters in the last half hour than its machines could process.
//     Official national and state snapshots show the surge.
//
// Added voters of incremental and extreme arrive through the day like the
// real ones, so snapshots do not betray them.
package simulate
