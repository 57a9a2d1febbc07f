// Package timeline checks official turnout figures against what the polling
// stations could physically process, and official percentages against the
// chance of their being as round as they are.
//
// # Turnout against capacity
//
// A turnout snapshot says how many people had voted in a scope (the whole
// election, an area, one station) at a time of day. Between two snapshots
// of a scope the count rises by the votes cast in that interval; the
// scope's voting machines (or tables, booths) could process at most
//
//	capacity = machines × voting seconds in the interval ÷ seconds per voter
//
// voters in it. An interval whose votes exceed its capacity (ratio =
// votes ÷ capacity above 1) is infeasible: the figures cannot all be true
// unless the machines were faster than assumed, there were more of them,
// or voting went on longer than assumed. Analyze builds the intervals of
// every scope with snapshots (Report) and flags the infeasible ones; Model
// computes the intervals of one series of counts.
//
// Voting seconds are those of the interval that fall within voting hours:
// from the opening to the close plus a closing queue (voters in line at the
// close may still vote: Options.QueueMinutes, or Options.QueueFraction of
// the day). A series' last interval that ends at or after the close is the
// final count, which may include every voter of the queue, so it is
// credited up to the end of the queue even when stamped earlier.
//
// # Exact percentages
//
// CheckExactness measures how close each share of an announced result lies
// to a round percentage (a multiple of 0.1% by default) and the chance of
// all of them lying that close if their last digits were uniform: a
// bulletin whose shares are all, to a millionth of a point, round
// percentages suggests totals computed from percentages rather than
// counted.
//
// Both are flags, not proof: each result carries its assumptions and what
// it cannot show. The method note (docs/methods.md, "Timeline") gives the
// formulas, the published cases they reproduce and the references.
package timeline
