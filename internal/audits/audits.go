// Package audits runs risk-limiting audits (package audit) on a store.
//
// Everything an audit does is a record (actas.Record) in the election's
// log, its subject the audit's id: the setup (KindSetup), each round's draws
// (KindRound), each keyer's hand count of a sampled station (KindCount) and
// the risk computed after a round (KindRisk). The state of an audit is what
// those records say; nothing else is kept, so anyone holding the log can
// recompute it. When two keyers' counts of a station agree, the count is
// also stored as a sheet of source audit, so that station pages show the
// hand count beside the reported one.
package audits

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/audit"
)

// Record kinds of an audit.
const (
	KindSetup = "audit"
	KindRound = "audit-round"
	KindCount = "audit-count"
	KindRisk  = "audit-risk"
)

// SetupBody is the body of a KindSetup record: the audit's setup and the
// reported results it audits, pinned by log position and digest.
type SetupBody struct {
	audit.Setup
	// Pinned is the log's size when the audit was set up: the batches are
	// the latest official sheets of the contest among entries before it,
	// so official sheets stored later do not change the audit.
	Pinned        int64  `json:"pinned"`
	Batches       int    `json:"batches"`
	BatchesSHA256 string `json:"batches_sha256"` // of WriteBatches' output
}

// RoundBody is the body of a KindRound record.
type RoundBody struct {
	Round int          `json:"round"` // 1, 2, …
	Draws []audit.Draw `json:"draws"` // this round's draws, after every earlier round's
}

// CountBody is the body of a KindCount record: one keyer's hand count of a
// sampled station, as a whole sheet.
type CountBody struct {
	Station string  `json:"station"`
	Votes   []int64 `json:"votes"` // per choice, in ballot order
	Blank   int64   `json:"blank"`
	Null    int64   `json:"null"`
	Ballots int64   `json:"ballots"`
}

// RiskBody is the body of a KindRisk record: the audit's result after a
// round's hand counts.
type RiskBody struct {
	Round int `json:"round"`
	audit.Result
}

// Round is one round as logged.
type Round struct {
	RoundBody
	Index   int64     `json:"log_index"`
	Account string    `json:"account"`
	Time    time.Time `json:"time"`
}

// Count is one keyer's count as logged.
type Count struct {
	CountBody
	Index   int64     `json:"log_index"`
	Account string    `json:"account"`
	Time    time.Time `json:"time"`
}

// Risk is one risk computation as logged.
type Risk struct {
	RiskBody
	Index   int64     `json:"log_index"`
	Account string    `json:"account"`
	Time    time.Time `json:"time"`
}

// Status says where the hand count of a sampled station stands.
type Status string

const (
	Waiting   Status = "waiting"   // no keyer's count yet
	Single    Status = "single"    // one keyer's count: it needs a second, independent one
	Agreed    Status = "agreed"    // two keyers' latest counts agree
	Disagreed Status = "disagreed" // keyers' latest counts differ and no two agree
)

// State is an audit as its records say.
type State struct {
	ID       string
	Election *actas.Election
	Contest  *actas.Contest
	Setup    SetupBody
	SetupAt  int64 // the setup record's log index
	Audit    *audit.Audit
	Batches  []audit.Batch
	Rounds   []Round
	Counts   map[string][]Count // by station, in log order
	Risks    []Risk
}

// Draws returns every round's draws, in order.
func (s *State) Draws() []audit.Draw {
	var out []audit.Draw
	for _, r := range s.Rounds {
		out = append(out, r.Draws...)
	}
	return out
}

// Sampled returns the distinct stations drawn, in order of first draw.
func (s *State) Sampled() []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range s.Draws() {
		if !seen[d.ID] {
			seen[d.ID] = true
			out = append(out, d.ID)
		}
	}
	return out
}

// HandCount returns the station's agreed count and its status: the count
// that the latest counts of at least two accounts share. Keyers correct a
// count by entering it again; only their latest counts are compared.
func (s *State) HandCount(station string) (CountBody, Status) {
	counts := s.Counts[station]
	if len(counts) == 0 {
		return CountBody{}, Waiting
	}
	latest := map[string]CountBody{}
	var order []string
	for _, c := range counts {
		if _, ok := latest[c.Account]; !ok {
			order = append(order, c.Account)
		}
		latest[c.Account] = c.CountBody
	}
	if len(order) == 1 {
		return latest[order[0]], Single
	}
	var agreed []CountBody
	for i, a := range order {
		for _, b := range order[i+1:] {
			if sameCount(latest[a], latest[b]) && !slices.ContainsFunc(agreed, func(c CountBody) bool { return sameCount(c, latest[a]) }) {
				agreed = append(agreed, latest[a])
			}
		}
	}
	if len(agreed) == 1 {
		return agreed[0], Agreed
	}
	return CountBody{}, Disagreed
}

func sameCount(a, b CountBody) bool {
	return a.Station == b.Station && slices.Equal(a.Votes, b.Votes) && a.Blank == b.Blank && a.Null == b.Null && a.Ballots == b.Ballots
}

// Agreed returns the agreed hand counts of the sampled stations, and how
// many sampled stations have none yet.
func (s *State) Agreed() (map[string]audit.HandCount, int) {
	out := map[string]audit.HandCount{}
	missing := 0
	for _, id := range s.Sampled() {
		c, st := s.HandCount(id)
		if st != Agreed {
			missing++
			continue
		}
		out[id] = audit.HandCount{Ballots: c.Ballots, Votes: c.Votes}
	}
	return out, missing
}

// Last returns the latest risk record, or nil.
func (s *State) Last() *Risk {
	if len(s.Risks) == 0 {
		return nil
	}
	return &s.Risks[len(s.Risks)-1]
}

// Finished reports whether the audit has ended: confirmed, or a full hand
// count that is complete.
func (s *State) Finished() bool {
	r := s.Last()
	return r != nil && len(s.Rounds) == r.Round && (r.Decision == audit.Confirmed || r.Decision == audit.Overturned)
}

// IDs returns the ids of the election's audits, in the order they were set
// up. Errors: ENOTFOUND for an unknown election.
func IDs(ctx context.Context, store actas.RecordStore, election string) ([]string, error) {
	var out []string
	err := store.Records(ctx, election, KindSetup, func(r *actas.Record) error {
		if !slices.Contains(out, r.Subject) {
			out = append(out, r.Subject)
		}
		return nil
	})
	return out, err
}

// Load reads the audit's records and the reported results they pin.
// Errors: ENOTFOUND for an unknown election or audit; EINTERNAL when the
// records do not make sense (a round before the setup).
func Load(ctx context.Context, store actas.Store, election, id string) (*State, error) {
	e, err := store.Election(ctx, election)
	if err != nil {
		return nil, err
	}
	st := &State{ID: id, Election: e, Counts: map[string][]Count{}}
	found := false
	err = store.Records(ctx, election, "", func(r *actas.Record) error {
		if r.Subject != id {
			return nil
		}
		bad := func(err error) error {
			return actas.Errorf(actas.EINTERNAL, "audit %s: log entry %d (%s): %v", id, r.Index, r.Kind, err)
		}
		switch r.Kind {
		case KindSetup:
			if len(st.Rounds) > 0 {
				return bad(fmt.Errorf("a setup after the first round"))
			}
			var b SetupBody
			if err := json.Unmarshal(r.Body, &b); err != nil {
				return bad(err)
			}
			st.Setup, st.SetupAt, found = b, r.Index, true
		case KindRound:
			var b RoundBody
			if err := json.Unmarshal(r.Body, &b); err != nil {
				return bad(err)
			}
			if !found || b.Round != len(st.Rounds)+1 {
				return bad(fmt.Errorf("round %d after %d rounds", b.Round, len(st.Rounds)))
			}
			st.Rounds = append(st.Rounds, Round{RoundBody: b, Index: r.Index, Account: r.Account, Time: r.Time})
		case KindCount:
			var b CountBody
			if err := json.Unmarshal(r.Body, &b); err != nil {
				return bad(err)
			}
			st.Counts[b.Station] = append(st.Counts[b.Station], Count{CountBody: b, Index: r.Index, Account: r.Account, Time: r.Time})
		case KindRisk:
			var b RiskBody
			if err := json.Unmarshal(r.Body, &b); err != nil {
				return bad(err)
			}
			st.Risks = append(st.Risks, Risk{RiskBody: b, Index: r.Index, Account: r.Account, Time: r.Time})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, actas.Errorf(actas.ENOTFOUND, "election %s has no audit %q", election, id)
	}
	if st.Contest, err = e.Contest(st.Setup.Contest); err != nil {
		return nil, actas.Errorf(actas.EINTERNAL, "audit %s names contest %q, which election %s does not have", id, st.Setup.Contest, election)
	}
	if st.Batches, err = Batches(ctx, store, e, st.Contest, st.Setup.Pinned); err != nil {
		return nil, err
	}
	if got := batchesDigest(st.Batches); got != st.Setup.BatchesSHA256 {
		return nil, actas.Errorf(actas.EINTERNAL, "audit %s: the official sheets before entry %d now digest to %s, but the setup recorded %s", id, st.Setup.Pinned, got, st.Setup.BatchesSHA256)
	}
	if st.Audit, err = audit.New(st.Setup.Setup, st.Batches); err != nil {
		return nil, err
	}
	return st, nil
}

// Batches returns the reported per-station results the audit takes: for
// every station of the election with an official sheet of the contest
// among log entries before pinned, the latest such sheet, in the order of
// the election's stations.
func Batches(ctx context.Context, store actas.Store, e *actas.Election, c *actas.Contest, pinned int64) ([]audit.Batch, error) {
	latest := map[string]*actas.Sheet{}
	err := store.Submissions(ctx, e.ID, 0, func(s *actas.Submission) error {
		if s.Seq >= pinned {
			return errStop
		}
		if s.Source == actas.Official && s.Sheet.Contest == c.ID {
			sh := s.Sheet
			latest[sh.Station] = &sh
		}
		return nil
	})
	if err != nil && err != errStop {
		return nil, err
	}
	stations, err := store.Stations(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	out := make([]audit.Batch, 0, len(latest))
	for _, st := range stations {
		if sh := latest[st.Code]; sh != nil {
			out = append(out, audit.Batch{ID: st.Code, Ballots: sh.Ballots, Votes: sh.Votes})
		}
	}
	return out, nil
}

var errStop = fmt.Errorf("stop")

// WriteBatches writes batches as CSV: id, ballots, then one column per
// choice (header: the choice ids). It is the file the public audit page
// offers and `actas audit compute` reads.
func WriteBatches(w io.Writer, choices []string, batches []audit.Batch) error {
	cw := csv.NewWriter(w)
	cw.Write(append([]string{"id", "ballots"}, choices...))
	var row []string
	for _, b := range batches {
		row = append(row[:0], b.ID, strconv.FormatInt(b.Ballots, 10))
		for _, v := range b.Votes {
			row = append(row, strconv.FormatInt(v, 10))
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// WriteCounts writes the agreed hand counts of the sampled stations in the
// columns of WriteBatches, in order of first draw: the file that, with the
// batches, recomputes the risk.
func (s *State) WriteCounts(w io.Writer) error {
	var rows []audit.Batch
	for _, id := range s.Sampled() {
		if c, st := s.HandCount(id); st == Agreed {
			rows = append(rows, audit.Batch{ID: id, Ballots: c.Ballots, Votes: c.Votes})
		}
	}
	return WriteBatches(w, s.Contest.ChoiceIDs(), rows)
}

func batchesDigest(batches []audit.Batch) string {
	h := sha256.New()
	// The choice header does not matter to the digest: batches are votes.
	WriteBatches(h, nil, batches)
	return hex.EncodeToString(h.Sum(nil))
}

// SetupOptions are what `actas audit new` takes.
type SetupOptions struct {
	ID        string
	Contest   string   // "" for the election's first
	RiskLimit int      // percent
	Seed      string   // at least 20 digits
	Winners   []string // nil: the leaders of the batches' totals (Seats of them)
	Seats     int      // with Winners nil; 0 means 1
	Account   string
	Now       time.Time
}

// New sets up an audit, or sets it up again while no round is drawn. It
// returns the audit's state. Errors: EINVALID for a bad id, seed, risk
// limit or winners, or a contest without official sheets; ECONFLICT when
// the audit has drawn its first sample already.
func New(ctx context.Context, store actas.Store, election string, o SetupOptions) (*State, error) {
	if !actas.ValidID(o.ID) {
		return nil, actas.Errorf(actas.EINVALID, "audit id %q is not an id (lower-case letters, digits, '-', '_', '.')", o.ID)
	}
	e, err := store.Election(ctx, election)
	if err != nil {
		return nil, err
	}
	if prev, err := Load(ctx, store, election, o.ID); err == nil && len(prev.Rounds) > 0 {
		return nil, actas.Errorf(actas.ECONFLICT, "audit %s has drawn its first sample (log entry %d): its setup cannot change; set up another audit", o.ID, prev.Rounds[0].Index)
	} else if err != nil && actas.ErrorCode(err) != actas.ENOTFOUND {
		return nil, err
	}
	c := &e.Contests[0]
	if o.Contest != "" {
		if c, err = e.Contest(o.Contest); err != nil {
			return nil, err
		}
	}
	pinned, err := store.LogSize(ctx, election)
	if err != nil {
		return nil, err
	}
	batches, err := Batches(ctx, store, e, c, pinned)
	if err != nil {
		return nil, err
	}
	if len(batches) == 0 {
		return nil, actas.Errorf(actas.EINVALID, "contest %s of election %s has no official per-station sheets: an audit checks the authority's reported result station by station", c.ID, election)
	}
	winners := o.Winners
	if winners == nil {
		totals := make([]int64, len(c.Choices))
		for _, b := range batches {
			for i, v := range b.Votes {
				totals[i] += v
			}
		}
		if winners, err = audit.ReportedWinners(c.ChoiceIDs(), totals, max(1, o.Seats)); err != nil {
			return nil, err
		}
	}
	body := SetupBody{
		Setup:         audit.Setup{Contest: c.ID, Choices: c.ChoiceIDs(), Winners: winners, RiskLimit: o.RiskLimit, Seed: o.Seed},
		Pinned:        pinned,
		Batches:       len(batches),
		BatchesSHA256: batchesDigest(batches),
	}
	if _, err := audit.New(body.Setup, batches); err != nil {
		return nil, err
	}
	rec, err := actas.NewRecord(KindSetup, o.ID, o.Account, o.Now, body)
	if err != nil {
		return nil, err
	}
	if err := store.AddRecords(ctx, election, []*actas.Record{rec}); err != nil {
		return nil, err
	}
	return Load(ctx, store, election, o.ID)
}

// DrawRound draws the next round: size draws, or (size 0) as many as the
// last risk computation asks for (the first round's size from the setup
// alone). Errors: ECONFLICT when the audit has finished, or the previous
// round's hand counts or risk are missing.
func DrawRound(ctx context.Context, store actas.Store, st *State, size int, account string, now time.Time) (*Round, error) {
	if st.Finished() {
		return nil, actas.Errorf(actas.ECONFLICT, "audit %s has finished: %s", st.ID, st.Last().Decision)
	}
	n := len(st.Rounds)
	if n > 0 {
		last := st.Last()
		if last == nil || last.Round != n {
			return nil, actas.Errorf(actas.ECONFLICT, "audit %s: compute the risk of round %d (all its stations hand counted) before drawing round %d", st.ID, n, n+1)
		}
	}
	if size == 0 {
		if n == 0 {
			res, err := st.Audit.Risk(nil, nil)
			if err != nil {
				return nil, err
			}
			size = res.Next
		} else {
			size = st.Last().Next
		}
	}
	if size <= 0 {
		return nil, actas.Errorf(actas.EINVALID, "audit %s: sample size %d: nothing to draw", st.ID, size)
	}
	draws, err := st.Audit.Draw(size, st.Draws())
	if err != nil {
		return nil, err
	}
	body := RoundBody{Round: n + 1, Draws: draws}
	rec, err := actas.NewRecord(KindRound, st.ID, account, now, body)
	if err != nil {
		return nil, err
	}
	if err := store.AddRecords(ctx, st.Election.ID, []*actas.Record{rec}); err != nil {
		return nil, err
	}
	r := Round{RoundBody: body, Index: rec.Index, Account: account, Time: rec.Time}
	st.Rounds = append(st.Rounds, r)
	return &r, nil
}

// AddCount records one keyer's hand count of a sampled station and, when
// it makes two keyers agree, stores the agreed count as a sheet of source
// audit. It returns the station's status after it. Errors: EINVALID for a
// station not in the sample or a count that is not a sheet of the contest;
// ECONFLICT when the audit has finished.
func AddCount(ctx context.Context, store actas.Store, st *State, c CountBody, account string, now time.Time) (Status, error) {
	if st.Finished() {
		return "", actas.Errorf(actas.ECONFLICT, "audit %s has finished: %s", st.ID, st.Last().Decision)
	}
	if !slices.Contains(st.Sampled(), c.Station) {
		return "", actas.Errorf(actas.EINVALID, "station %q is not in audit %s's sample: only sampled stations are hand counted", c.Station, st.ID)
	}
	sheet := actas.Sheet{Station: c.Station, Contest: st.Contest.ID, Votes: c.Votes, Blank: c.Blank, Null: c.Null, Ballots: c.Ballots, Voters: actas.Unknown}
	if err := actas.CheckForm(&sheet, st.Contest); err != nil {
		return "", err
	}
	if sheet.Valid()+c.Blank+c.Null > c.Ballots {
		return "", actas.Errorf(actas.EINVALID, "station %s: %d votes, blank and null ballots but %d ballots: a hand count cannot find more votes than ballots", c.Station, sheet.Valid()+c.Blank+c.Null, c.Ballots)
	}
	rec, err := actas.NewRecord(KindCount, st.ID, account, now, c)
	if err != nil {
		return "", err
	}
	if err := store.AddRecords(ctx, st.Election.ID, []*actas.Record{rec}); err != nil {
		return "", err
	}
	st.Counts[c.Station] = append(st.Counts[c.Station], Count{CountBody: c, Index: rec.Index, Account: account, Time: rec.Time})
	agreed, status := st.HandCount(c.Station)
	if status == Agreed {
		if err := submitAgreed(ctx, store, st, agreed, now); err != nil {
			return status, err
		}
	}
	return status, nil
}

// submitAgreed stores an agreed hand count as a sheet of source audit;
// storing it again is Present, so a retry after a crash is harmless.
func submitAgreed(ctx context.Context, store actas.Store, st *State, c CountBody, now time.Time) error {
	var keyers []string
	for _, k := range st.Counts[c.Station] {
		if sameCount(k.CountBody, c) && !slices.Contains(keyers, k.Account) {
			keyers = append(keyers, k.Account)
		}
	}
	sub := &actas.Submission{
		Source:    actas.Audit,
		Sheet:     actas.Sheet{Station: c.Station, Contest: st.Contest.ID, Votes: c.Votes, Blank: c.Blank, Null: c.Null, Ballots: c.Ballots, Voters: actas.Unknown},
		Submitter: "audit " + st.ID,
		Origin:    fmt.Sprintf("audit %s: hand count entered independently by accounts %q", st.ID, keyers),
		Received:  now.UTC(),
	}
	stations, err := store.Stations(ctx, st.Election.ID)
	if err != nil {
		return err
	}
	for i := range stations {
		if stations[i].Code == c.Station {
			sub.Flags = actas.Check(&sub.Sheet, &stations[i], st.Election.Capacity(&stations[i]))
		}
	}
	_, err = store.Submit(ctx, st.Election.ID, []*actas.Submission{sub}, nil)
	return err
}

// ComputeRisk computes the risk after the latest round's hand counts and
// logs it. Errors: ECONFLICT when no round is drawn, the latest round's
// risk is computed already, or a sampled station has no agreed count.
func ComputeRisk(ctx context.Context, store actas.Store, st *State, account string, now time.Time) (*Risk, error) {
	n := len(st.Rounds)
	if n == 0 {
		return nil, actas.Errorf(actas.ECONFLICT, "audit %s has not drawn a sample yet", st.ID)
	}
	if last := st.Last(); last != nil && last.Round == n {
		return nil, actas.Errorf(actas.ECONFLICT, "audit %s: the risk of round %d is computed (log entry %d): draw the next round", st.ID, n, last.Index)
	}
	counts, missing := st.Agreed()
	if missing > 0 {
		return nil, actas.Errorf(actas.ECONFLICT, "audit %s: %d sampled stations have no agreed hand count yet (two keyers' independent counts must agree)", st.ID, missing)
	}
	res, err := st.Audit.Risk(st.Draws(), counts)
	if err != nil {
		return nil, err
	}
	body := RiskBody{Round: n, Result: *res}
	rec, err := actas.NewRecord(KindRisk, st.ID, account, now, body)
	if err != nil {
		return nil, err
	}
	if err := store.AddRecords(ctx, st.Election.ID, []*actas.Record{rec}); err != nil {
		return nil, err
	}
	r := Risk{RiskBody: body, Index: rec.Index, Account: account, Time: rec.Time}
	st.Risks = append(st.Risks, r)
	return &r, nil
}
