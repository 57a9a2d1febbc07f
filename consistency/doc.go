// Package consistency runs every verification analysis of one election
// and contest with documented defaults, and says in one line per analysis
// what it found: the answer to "is the official result consistent with
// what was counted?". The command line (actas compare, bound, project,
// forensics, timeline) and the public page both use it, so the defaults and
// the wording of the verdicts live here once.
//
// The analyses are those of the pure packages compare, estimate, timeline
// and forensics; a Report carries each one's own result beside a Section:
// a status, a headline with the numbers, a one-line caveat, what it ran on,
// and, when it could not run, why (an input that is missing, such as
// official totals or turnout snapshots).
//
// Which sheets each analysis reads, unless the options say otherwise:
//
//   - compare: every pair of sources with sheets (witness against official
//     first), station by station;
//   - bulletins: the reconciled sheets beside every official bulletin;
//   - bound: the reconciled sheets against the latest national bulletin
//     (by announcement time; bulletins without a time come first, then by
//     name);
//   - project: the reconciled sheets, national estimates, strata the
//     election's first level; a bootstrap beside the analytic interval
//     while the counted stations are few enough for it to be quick
//     (BootstrapLimit);
//   - forensics: the official sheets, or the reconciled ones when there
//     is no official sheet;
//   - timeline: the official turnout snapshots, each station's series
//     ending at its official sheet's count (timeline.SheetFinal);
//   - exactness: the shares of every national bulletin whose total is
//     known (every choice stated, or given in the options).
//
// The package does no I/O: the caller passes the tabulation (an
// actas.ResultService, which builds the panels) and the stored official
// totals and snapshots. Panels are built once per Runner and shared by the
// analyses.
package consistency
