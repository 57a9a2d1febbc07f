package actas

import (
	"context"
	"fmt"
	"time"
)

// ElectionStore keeps elections and their stations. The geography (areas) is
// derived from the stations' area paths.
type ElectionStore interface {
	// CreateElection stores an election with all its stations in one
	// transaction, with the first entry of its log (the definition and the
	// stations' digest, see LogStore). Every station's area must pass
	// CheckStationArea.
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
	// it stores and leaves the others as they were. Each stored submission
	// is appended to the election's log in the same transaction (see
	// LogStore); its Seq is its entry's index, so Seqs increase in the order
	// submissions were stored but skip the indexes of other entries. A
	// submission whose source already stated the same numbers (same
	// Sheet.Digest) for that station and contest, earlier or in this batch,
	// is not stored and its outcome is Present; otherwise the store assigns
	// a Seq and the outcome is New, or Differing when that source
	// stated other numbers before. progress, when not nil, is called now and
	// then with the number of submissions handled so far.
	// Evidence of kind "photo" must name (SHA256) a file stored for the
	// election (see EvidenceStore), whatever the submission's outcome.
	// Errors: ENOTFOUND for an unknown election; EINVALID for an unknown
	// station, contest or source, a sheet failing CheckForm, flags without a
	// name, evidence that is not UTF-8, a photo whose name is not
	// ValidSHA256, or a photo the election does not store (naming the
	// station and the hash, with a *MissingPhotoError as the cause);
	// nothing is stored. EINTERNAL when the election's log is damaged (its
	// rows and hashes disagree).
	Submit(ctx context.Context, election string, subs []*Submission, progress func(done int)) ([]Outcome, error)

	// SubmitRemembering is Submit for submissions that each came in a
	// request with an idempotency key, keeping the keys (as
	// RememberRequests) in Submit's one transaction: the submissions and
	// their keys are stored all or none, with one commit. reqs[i] is the
	// request of subs[i]: its Account, Key and Request (Seq is ignored).
	// A request whose key is kept already, before this call or by an
	// earlier request of reqs, stores nothing: its outcome is Present.
	// Every other submission is stored as Submit stores it, and its key is
	// kept answered by its entry or, when it is Present, by the entry of
	// the stored submission of its source with the same numbers. The store
	// sets every request's KeptSeq and KeptRequest to what is kept for its
	// key: a KeptRequest other than Request means that the key was used
	// for other content (the caller refuses the request).
	// Errors: those of Submit and RememberRequests; EINVALID when reqs and
	// subs differ in length.
	SubmitRemembering(ctx context.Context, election string, subs []*Submission, reqs []*RememberedRequest) ([]Outcome, error)

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
	// AddTotals stores totals in one transaction, each stored (not Present)
	// total appended to the log with its Index set. Errors: EINTERNAL for a
	// damaged log (see Submit); ENOTFOUND for an
	// unknown election; EINVALID for an unknown contest, area or choice.
	AddTotals(ctx context.Context, election string, totals []OfficialTotal) (Report, error)

	// Totals returns the current value of every official total of the
	// election, with its Index, ordered by contest, bulletin, area and choice.
	Totals(ctx context.Context, election string) ([]OfficialTotal, error)

	// AddSnapshots stores snapshots in one transaction, each stored (not
	// Present) snapshot appended to the log with its Index set. Errors: ENOTFOUND
	// for an unknown election; EINVALID for an unknown station or area.
	AddSnapshots(ctx context.Context, election string, snaps []Snapshot) (Report, error)

	// Snapshots returns the current value of every snapshot of the election,
	// with its Index, ordered by scope, time and source.
	Snapshots(ctx context.Context, election string) ([]Snapshot, error)
}

// LogStore keeps each election's transparency log (package translog). Entry
// 0 is the election's definition, appended by CreateElection; every stored
// submission, official total, snapshot and record is one more entry, appended with
// the Merkle tree hashes it adds in the transaction that stores it, so that
// nothing is stored without its entry and no entry exists without what it
// records. The entry of a thing is re-derived from what the store holds
// each time it is read: changing a stored number changes its entry, and the
// hashes and signed checkpoints then disagree.
type LogStore interface {
	// LogSize returns the number of entries in the election's log. Where
	// the rows and the stored hashes disagree (a damaged store) it reports
	// the larger, so that a deleted last row shows as a missing entry rather
	// than a shorter log. Errors: ENOTFOUND for an unknown election.
	LogSize(ctx context.Context, election string) (int64, error)

	// LogEntries calls fn with each entry whose index is in [from, to), in
	// index order, as its canonical text (translog), stopping at fn's first
	// error, which it returns. fn may keep the entry. Errors: ENOTFOUND for an unknown election;
	// EINVALID for a range outside the log; EINTERNAL naming the index when
	// an entry cannot be re-derived (e.g. its row was deleted).
	LogEntries(ctx context.Context, election string, from, to int64, fn func(index int64, entry []byte) error) error

	// LogHashes returns the stored Merkle hashes at the given stored-hash
	// indexes (golang.org/x/mod/sumdb/tlog numbering), in the same order.
	// Errors: ENOTFOUND for an unknown election; EINVALID for an index
	// beyond what the log stores.
	LogHashes(ctx context.Context, election string, indexes []int64) ([][32]byte, error)

	// AddCheckpoint keeps a signed checkpoint of the election's log and sets
	// its Created; adding the latest one again succeeds and keeps it once.
	// Errors: ENOTFOUND for an unknown election; EINVALID for a note that
	// is not a signed checkpoint of this election's log stating Size and
	// Root; ECONFLICT for a checkpoint smaller than the latest one kept, of
	// the same size with another root, larger than the log, or whose root
	// is not the log's at that size.
	AddCheckpoint(ctx context.Context, election string, cp *Checkpoint) error

	// Checkpoints returns every checkpoint kept for the election, oldest
	// (smallest) first. Errors: ENOTFOUND for an unknown election.
	Checkpoints(ctx context.Context, election string) ([]*Checkpoint, error)

	// LatestCheckpoint returns the latest (largest) checkpoint kept for the
	// election and how many are kept, reading only that one: signers and
	// servers ask for it every second. Errors: ENOTFOUND for an unknown
	// election, or when no checkpoint is kept (count 0).
	LatestCheckpoint(ctx context.Context, election string) (cp *Checkpoint, count int, err error)
}

// Checkpoint is a signed statement of an election log's size and root
// hash, as kept by a store: the signed note is what verifiers check.
type Checkpoint struct {
	Size    int64     `json:"size"`
	Root    [32]byte  `json:"root"`
	Note    []byte    `json:"note"`    // the signed checkpoint (translog.Sign)
	Created time.Time `json:"created"` // when it was kept (UTC)
}

// EvidenceStore keeps the files that back submissions (photos of sheets),
// by content: a file is named by the lowercase hex SHA-256 of its bytes,
// stored once per election, and never changed or deleted. A submission's
// log entry commits to the names of its photos, so the entry and the file
// vouch for each other.
type EvidenceStore interface {
	// PutEvidence stores data as a file of the election and returns its
	// name. Storing the same bytes again returns the same name and stores
	// nothing. Errors: ENOTFOUND for an unknown election; EINVALID when
	// EvidenceType refuses data (empty, larger than MaxEvidenceSize, or not
	// of a type of EvidenceTypes).
	PutEvidence(ctx context.Context, election string, data []byte) (sha256 string, err error)

	// Evidence returns the election's file named sha256 and its media type
	// (one of EvidenceTypes), after checking that the bytes still hash to
	// the name. Errors: EINVALID for a name that is not ValidSHA256;
	// ENOTFOUND for an unknown election or file; EINTERNAL naming the file
	// when its bytes or media type no longer match (the store was changed
	// behind the program's back).
	Evidence(ctx context.Context, election, sha256 string) (mediaType string, data []byte, err error)
}

// MissingPhotoError is the cause of the EINVALID error Submit returns for
// a photo the election does not store, so that a caller can tell its user
// how to store it.
type MissingPhotoError struct {
	Election string
	Station  string // of the first submission naming the photo
	SHA256   string
}

func (e *MissingPhotoError) Error() string {
	return fmt.Sprintf("station %s: photo sha256:%s is not stored in election %s", e.Station, e.SHA256, e.Election)
}

// AccountStore keeps the people who sign in to elections and their
// credentials. Accounts, sign-in codes, sessions and tokens are never changed
// or deleted: redeeming a code, revoking a session and disabling an account
// are recorded beside them, once. Secrets are made by the store (NewSecret),
// returned once, and kept only as their hash.
//
// The methods that accept a credential (RedeemCode, SessionAccount,
// TokenAccount) refuse one that is unknown, used, expired, revoked or whose
// account is disabled with the same ENOTFOUND error, whose message says
// nothing of which it was, so that a caller cannot learn which codes or
// accounts exist.
type AccountStore interface {
	// CreateAccount stores a new account of a.Election after a.Normalize,
	// and sets a's ID and Created (UTC) and a canonical Contact and Scope.
	// Errors: ENOTFOUND for an unknown election; EINVALID when Normalize
	// fails or the scope names a station (witness) or an area (coordinator)
	// the election does not have; ECONFLICT when the election has an
	// account with the same contact.
	CreateAccount(ctx context.Context, a *Account) error

	// CreateAccounts stores accounts of one election (a roster) in one
	// transaction, all or none, as CreateAccount would one after the other:
	// two of them with the same contact are ECONFLICT. Errors: those of
	// CreateAccount, naming the account; EINVALID for accounts of several
	// elections.
	CreateAccounts(ctx context.Context, accounts []*Account) error

	// DisableAccount disables the account from now on: its codes, sessions
	// and tokens stop working. Disabling it again changes nothing.
	// Errors: ENOTFOUND for an unknown account.
	DisableAccount(ctx context.Context, id int64) error

	// Account returns the account with the given id. Errors: ENOTFOUND.
	Account(ctx context.Context, id int64) (*Account, error)

	// Accounts returns the election's accounts in the order they were
	// created. Errors: ENOTFOUND for an unknown election.
	Accounts(ctx context.Context, election string) ([]*Account, error)

	// IssueCode makes a one-time sign-in code for the account, valid until
	// expires, and returns it; earlier codes stay valid until used or
	// expired. Errors: ENOTFOUND for an unknown account; EINVALID for an
	// expiry not in the future or more than MaxCodeValidity away;
	// ECONFLICT for a disabled account.
	IssueCode(ctx context.Context, account int64, expires time.Time) (plain string, err error)

	// RedeemCode uses up the election's sign-in code plain, valid at now,
	// and returns its account: a code signs in once. Errors: EINVALID when
	// plain does not have the form of a secret (ValidSecret); ENOTFOUND for
	// any other refusal (see the type's comment).
	RedeemCode(ctx context.Context, election, plain string, now time.Time) (*Account, error)

	// CreateSession starts a session of the account until expires and
	// returns its secret (the cookie). Errors: as IssueCode's, the expiry
	// bounded by MaxCodeValidity too.
	CreateSession(ctx context.Context, account int64, expires time.Time) (plain string, err error)

	// SessionAccount returns the account of the session whose secret hashes
	// to hash, when it is valid at now. Errors: ENOTFOUND (see the type's
	// comment).
	SessionAccount(ctx context.Context, hash [32]byte, now time.Time) (*Account, error)

	// RevokeSession ends the session whose secret hashes to hash (signing
	// out). Revoking it again changes nothing. Errors: ENOTFOUND for an
	// unknown session.
	RevokeSession(ctx context.Context, hash [32]byte) error

	// IssueToken makes an API token for the account, named name (1 to
	// MaxTokenNameLength bytes of text, unique among the account's tokens),
	// and returns it. Tokens do not expire; they stop working when their
	// account is disabled. Errors: ENOTFOUND for an unknown account;
	// EINVALID for a bad name; ECONFLICT for a name the account's tokens
	// have or a disabled account.
	IssueToken(ctx context.Context, account int64, name string) (plain string, err error)

	// TokenAccount returns the account of the API token whose secret
	// hashes to hash. Errors: ENOTFOUND (see the type's comment).
	TokenAccount(ctx context.Context, hash [32]byte) (*Account, error)

	// RememberRequest keeps, once and for good, that the account's request
	// named by the client's idempotency key (1 to MaxIdempotencyKey bytes),
	// whose content hashes to request, was answered by log entry seq, and
	// returns what is kept for the key: the given seq and request the first
	// time, the earlier ones after (the caller compares them). A retry whose
	// answer was lost, even across a restart, thus finds it instead of
	// storing twice. Errors: ENOTFOUND for an unknown account; EINVALID for
	// a bad key or a negative seq.
	RememberRequest(ctx context.Context, account int64, key string, request [32]byte, seq int64) (keptSeq int64, keptRequest [32]byte, err error)

	// RememberRequests is RememberRequest for many requests in one
	// transaction, all kept or none (the server's group commit keeps a
	// batch's keys at once); it sets each request's KeptSeq and
	// KeptRequest. Errors: as RememberRequest's, for any of them.
	RememberRequests(ctx context.Context, reqs []*RememberedRequest) error

	// RememberedRequest returns what RememberRequest kept for the account's
	// key. Errors: ENOTFOUND when nothing is kept; EINVALID for a bad key.
	RememberedRequest(ctx context.Context, account int64, key string) (seq int64, request [32]byte, err error)
}

// RememberedRequest is one request for RememberRequests: what to keep for
// the account's idempotency key, and (set by the store) what is kept.
type RememberedRequest struct {
	Account int64
	Key     string
	Request [32]byte
	Seq     int64

	KeptSeq     int64
	KeptRequest [32]byte
}

// MaxIdempotencyKey bounds an idempotency key, in bytes: room for a UUID or
// a hash, not for a document.
const MaxIdempotencyKey = 128

// CheckIdempotencyKey checks a client's idempotency key: 1 to
// MaxIdempotencyKey bytes of printable ASCII. Errors: EINVALID.
func CheckIdempotencyKey(key string) error {
	if key == "" || len(key) > MaxIdempotencyKey {
		return Errorf(EINVALID, "idempotency key must be 1 to %d characters", MaxIdempotencyKey)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c <= ' ' || c > '~' {
			return Errorf(EINVALID, "idempotency key %q holds a character other than printable ASCII", clip(key))
		}
	}
	return nil
}

// Store is everything a storage backend provides. Every backend passes the
// storetest conformance suite.
type Store interface {
	ElectionStore
	SubmissionStore
	OfficialStore
	LogStore
	EvidenceStore
	AccountStore
	RecordStore
	IncidentStore
	Close() error
}
