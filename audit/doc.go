// Package audit is the mathematics of a risk-limiting audit of an official
// result by polling station: a batch-comparison audit in which each
// station is a batch, its official sheet the reported result and a hand
// count of its ballots the audited one. It reproduces VotingWorks' Arlo
// (github.com/votingworks/arlo, server/audit_math/) bit for bit, so that
// anyone can recompute an actas audit's sample and risk with Arlo's code,
// and it imports only the root package.
//
// # Method
//
// MACRO (Stark, "Conservative statistical post-election audits", Annals of
// Applied Statistics 2(2), 2008; "Efficient post-election audits of
// multiple contests: 2009 California tests", 2009), one contest at a time as
// in Arlo's macro.py. With reported winners W and losers L, T_c the reported
// total of choice c, v the reported votes of a batch, a its hand count and
// b_p its reported ballots:
//
//	V_wl = T_w − T_l − (votes in the reported totals that no batch holds)
//	u_p  = max over (w, l) of ((v_w − v_l) + b_p) / V_wl        error bound
//	U    = Σ_p u_p
//	e_p  = the largest (v_w − v_l − a_w + a_l)/V_wl over pairs where it is
//	       not 0, or 0 when that largest value is negative
//	t_p  = e_p / u_p                                             taint
//	P    = Π over draws (1 − 1/U) / (1 − t_p)                    risk
//
// The sample is drawn with replacement with probability u_p/U per draw
// (PPEB, Aslam, Popa & Rivest 2008); a batch drawn k times counts k times
// in P. The audit stops when P ≤ α; otherwise the next round draws
// ⌈(ln α − ln P)/ln(1 − 1/U)⌉ + 1 more batches; a taint of 1 or more, or a
// round that would reach every batch, escalates to a full hand count.
//
// # Arithmetic and randomness, exactly as Arlo
//
// Arlo computes u_p, U, taints and P with Python's decimal module (28
// significant digits, round half to even) and this package does the same
// (decimal.go), so risks agree to the last bit. Arlo draws the sample with
// NumPy: default_rng(int(sha256_hex(seed), 16)).choice(batches, n, p=u/U,
// replace=True), a PCG64 generator seeded through a SeedSequence; this
// package reproduces those (numpy.go). Each draw's ticket number comes from
// Rivest's consistent sampler (sampler.go): SHA-256 of the hex SHA-256 of
// the seed followed by the batch id, its decimal digits reversed after "0.",
// trimmed to 18 digits; a batch's later draws take NextFraction of its
// previous ticket. Arlo's tests and snapshots are the known answers
// (arlo_test.go, sampler_test.go).
//
// # Using it
//
// Build the batches from the official panel (FromPanel), check the seed
// (ParseSeed: at least 20 decimal digits, typically dice rolled in public),
// then New. Risk with no draws gives the first round's size; Draw draws
// it; after the hand counts, Risk says Confirmed, Continue (with the next
// round's size), FullCount or, once every batch is counted, Overturned.
// Rounds pass all earlier draws to Draw, which extends the sample and
// refuses (ECONFLICT) a previous sample the seed does not give.
package audit
