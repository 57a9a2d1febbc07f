package actas

import "context"

// ElectionStore keeps elections and their stations. The geography (areas) is
// derived from the stations' area paths.
type ElectionStore interface {
	// CreateElection stores an election with all its stations in one
	// transaction. Every station's area must pass CheckStationArea.
	// Errors: ECONFLICT if an election with that id exists; EINVALID when
	// Validate fails, for an empty or duplicate station code, negative
	// registered voters or machines, or a malformed area path.
	CreateElection(ctx context.Context, e *Election, stations []Station) error

	// Election returns the election with the given id. Errors: ENOTFOUND.
	Election(ctx context.Context, id string) (*Election, error)

	// Elections returns every stored election, ordered by id.
	Elections(ctx context.Context) ([]*Election, error)

	// Stations returns the election's stations in the order they were
	// created. Errors: ENOTFOUND for an unknown election.
	Stations(ctx context.Context, election string) ([]Station, error)
}

// SubmissionStore keeps submissions, append-only: no method changes or
// deletes a stored submission.
type SubmissionStore interface {
	// Submit stores subs in one transaction: all of them or none. Each
	// submission must name the election's station and contest, a source of
	// Sources, and a sheet that passes CheckForm; Flags and Received are
	// stored as given. The store sets Election and Seq on every submission
	// it stores and leaves the others as they were. A
	// submission whose source already stated the same numbers (same
	// Sheet.Digest) for that station and contest, earlier or in this batch,
	// is not stored and its outcome is Present; otherwise the store assigns
	// the next Seq and the outcome is New, or Differing when that source
	// stated other numbers before. progress, when not nil, is called now and
	// then with the number of submissions handled so far.
	// Errors: ENOTFOUND for an unknown election; EINVALID for an unknown
	// station, contest or source, or a sheet failing CheckForm (nothing is
	// stored).
	Submit(ctx context.Context, election string, subs []*Submission, progress func(done int)) ([]Outcome, error)

	// Submissions calls fn with every submission of the election whose Seq
	// is greater than after, in Seq order, stopping at fn's first error,
	// which it returns. Errors: ENOTFOUND for an unknown election.
	Submissions(ctx context.Context, election string, after int64, fn func(*Submission) error) error

	// StationSubmissions returns every submission for a station, in Seq
	// order. Errors: ENOTFOUND for an unknown election or station.
	StationSubmissions(ctx context.Context, election, station string) ([]*Submission, error)
}

// OfficialStore keeps area-level official totals and turnout snapshots,
// append-only like submissions. A figure is identified by its key (for a
// total: contest, bulletin, area and choice; for a snapshot: scope, time and
// source); adding a value stated before for the key (at any time, so that
// importing an old file again changes nothing) is Present; another value is
// stored as Differing and becomes the current value. Lists are ordered by
// byte-wise comparison of the keys. Errors of every method: ENOTFOUND for an
// unknown election.
type OfficialStore interface {
	// AddTotals stores totals in one transaction. Errors: ENOTFOUND for an
	// unknown election; EINVALID for an unknown contest, area or choice.
	AddTotals(ctx context.Context, election string, totals []OfficialTotal) (Report, error)

	// Totals returns the current value of every official total of the
	// election, ordered by contest, bulletin, area and choice.
	Totals(ctx context.Context, election string) ([]OfficialTotal, error)

	// AddSnapshots stores snapshots in one transaction. Errors: ENOTFOUND
	// for an unknown election; EINVALID for an unknown station or area.
	AddSnapshots(ctx context.Context, election string, snaps []Snapshot) (Report, error)

	// Snapshots returns the current value of every snapshot of the election,
	// ordered by scope, time and source.
	Snapshots(ctx context.Context, election string) ([]Snapshot, error)
}

// Store is everything a storage backend provides. Every backend passes the
// storetest conformance suite.
type Store interface {
	ElectionStore
	SubmissionStore
	OfficialStore
	Close() error
}
