// Package tabulate keeps, in memory, every election's geography, what each
// source stated for each station, the reconciled sheet of each station and
// contest, and the totals of every area for every source and for the
// reconciled view. It implements actas.ResultService.
//
// A Tabulator is updated once per accepted submission (Add) and never
// recounts: each Add recomputes one station's contribution and applies the
// difference to the station's area and every area above it. At start-up it is
// rebuilt by replaying the store's submissions in Seq order (Load).
//
// # What users see
//
// Per source. A station's sheet for source S is S's latest submission (the
// highest Seq) for that station and contest; the totals of source S count
// those sheets. A correction is a later submission of the same source: the
// per-source view shows it in place of the earlier one.
//
// Reconciled. Each station and contest is in one state, derived from all its
// submissions of every source:
//
//   - none: no submission. No sheet.
//   - single: exactly one submission. Its sheet counts.
//   - agreed: two or more submissions, all stating the same numbers. That
//     sheet counts.
//   - conflict: two submissions state different numbers, including two of
//     the same source (a correction leaves its station in conflict: both
//     sheets remain evidence). The highest-ranked source present (Rules.Rank)
//     settles it: if all of that source's submissions agree, its sheet counts;
//     if they differ among themselves, or no ranked source is present, the
//     station has no reconciled sheet and is not counted, because a person
//     must decide.
//
// A person's recorded decision (Decide) comes ahead of the rules: while no
// submission for the station is later than the decision, the submission it
// accepts is the reconciled sheet (if still its source's current one), and
// a decision accepting none leaves the station in conflict without a sheet.
//
// The reconciled sheet carries the Flags stored on the submission it was
// taken from (for agreed stations, the highest-ranked source present).
//
// Totals (actas.Totals). Stations and Registered cover every station of the
// area. StationsCounted, RegisteredCounted, Ballots, Blank, Null, Votes and
// Flagged cover the counted stations (those with a sheet in the view); Voters
// and VotersStations cover the counted sheets that state voters. Agreed,
// Single and Conflict count reconciled states and are zero in per-source
// views; Conflict includes the conflict stations that are not counted.
//
// Areas. The geography is built from the stations' area paths, one name per
// level, under the national area (path "", level "national", named after the
// election). Areas keep the order in which the stations first named them.
//
// Search. Station codes match by prefix, area names by substring, both
// ignoring case and accents ("chiquinquira" finds "Chiquinquirá"). Stations
// come first, in code order (so an exact code comes first); then areas whose
// name equals the query, then those whose name starts with it, then the rest,
// each group top level first and in order of first appearance.
//
// # Start-up and catching up
//
// Load reads every election from a store and replays its submissions in
// Seq order. Afterwards, call Add for each submission the store accepts
// (outcome New or Differing), or CatchUp to add what was stored since
// (MaxSeq says how far the tabulation got). Adding the same Seq twice is
// refused (ECONFLICT) and changes nothing; a submission may also arrive out
// of Seq order: the result is the same as in order.
//
// # Concurrency and size
//
// A Tabulator is safe for concurrent use: any number of readers and one
// writer per election at a time. Per station it keeps a few int32s per
// source present (numbers are stored as int32 unless a sheet states a count
// beyond that range), and totals only for the sources that have
// submissions; the station codes are kept in one string. An election of
// 1,050,000 stations, 5 levels and 12 choices with two sources needs about
// 430 MiB.
package tabulate
