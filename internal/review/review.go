// Package review runs double entry and the coordinators' review of
// stations on a store.
//
// A keyer is shown the photo of a witness's sheet, never its numbers, and
// types the sheet again (KindKeying). When the keyer's numbers equal the
// witness's, the sheet is verified by an independent entry; otherwise, like
// a station whose sheets conflict, it enters the review queue of the
// coordinators of its area, who decide (KindDecision): accept one
// submission, reject them all, or ask for a recount, always saying why.
//
// Both are records (actas.Record) of the election's log, their subject the
// station's code and their account the id of who made them: append-only,
// with who, when and why, so that anyone holding the log can recompute
// every status. A decision also changes the reconciled view (Apply feeds it
// to tabulate).
package review

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
)

// Record kinds.
const (
	KindKeying   = "keying"
	KindDecision = "decision"
)

// KeyingBody is the body of a KindKeying record: one keyer's independent
// entry of a station's sheet from the photo of one submission.
type KeyingBody struct {
	Station string  `json:"station"`
	Contest string  `json:"contest"`
	Keyed   int64   `json:"keyed"` // the Seq of the submission whose photo was keyed
	Votes   []int64 `json:"votes"` // per choice, in ballot order
	Blank   int64   `json:"blank"`
	Null    int64   `json:"null"`
	Ballots int64   `json:"ballots"`
	Voters  int64   `json:"voters"` // actas.Unknown when the keyer left it empty
	// Matches says whether the numbers equal the keyed submission's, as
	// found when the keying was recorded (anyone may recompute it).
	Matches bool `json:"matches"`
}

// Sheet returns the keyed numbers as a sheet.
func (k *KeyingBody) Sheet() actas.Sheet {
	return actas.Sheet{Station: k.Station, Contest: k.Contest, Votes: slices.Clone(k.Votes),
		Blank: k.Blank, Null: k.Null, Ballots: k.Ballots, Voters: k.Voters}
}

// Verdict is what a decision says of a station's sheets.
type Verdict string

// The verdicts.
const (
	Accept       Verdict = "accept"        // one submission is the station's sheet
	RejectAll    Verdict = "reject-all"    // no submission can be stood behind
	NeedsRecount Verdict = "needs-recount" // none can, until the ballots are counted again
)

// Verdicts lists the verdicts in the order forms offer them.
var Verdicts = []Verdict{Accept, RejectAll, NeedsRecount}

// MaxReason bounds a decision's reason, in bytes.
const MaxReason = 2000

// DecisionBody is the body of a KindDecision record.
type DecisionBody struct {
	Station string  `json:"station"`
	Contest string  `json:"contest"`
	Verdict Verdict `json:"verdict"`
	// Accepted and Source name the accepted submission (Accept only), so
	// that the log alone says what the reconciled view takes.
	Accepted int64        `json:"accepted,omitempty"`
	Source   actas.Source `json:"source,omitempty"`
	Reason   string       `json:"reason"`
}

// Keying is a keying as logged.
type Keying struct {
	KeyingBody
	Index   int64     `json:"log_index"`
	Account string    `json:"account"`
	Time    time.Time `json:"time"`
}

// Decision is a decision as logged.
type Decision struct {
	DecisionBody
	Index   int64     `json:"log_index"`
	Account string    `json:"account"`
	Time    time.Time `json:"time"`
}

// Matches reports whether a keyer's numbers are the sheet's: every count,
// voters included (a keyer who leaves voters empty does not confirm the
// witness's number).
func Matches(k *KeyingBody, s *actas.Sheet) bool {
	return k.Station == s.Station && k.Contest == s.Contest && slices.Equal(k.Votes, s.Votes) &&
		k.Blank == s.Blank && k.Null == s.Null && k.Ballots == s.Ballots && k.Voters == s.Voters
}

// hasPhoto reports whether a submission has a stored photo to key from.
func hasPhoto(s *actas.Submission) bool {
	return slices.ContainsFunc(s.Evidence, func(e actas.Evidence) bool { return e.Kind == "photo" && e.SHA256 != "" })
}

// Photos returns the names (SHA-256) of a submission's stored photos.
func Photos(s *actas.Submission) []string {
	var out []string
	for _, e := range s.Evidence {
		if e.Kind == "photo" && e.SHA256 != "" {
			out = append(out, e.SHA256)
		}
	}
	return out
}

// Task is a sheet for a keyer: where it is and its photos, never its
// numbers.
type Task struct {
	Station string
	Contest string
	Seq     int64 // the submission to key
	Photos  []string
}

// key names a station's sheet of one contest.
type key struct{ station, contest string }

// KeyerQueue returns up to limit sheets the account may key, oldest first:
// the current witness submission of each station and contest that has a
// photo, was not sent by the account, was not keyed by it already, and has
// no matching keying by anyone other than its sender. Errors: ENOTFOUND for
// an unknown election.
func KeyerQueue(ctx context.Context, store actas.Store, election, account string, limit int) ([]Task, error) {
	// Only what the queue needs of each current witness submission: an
	// election's submissions are not all held at once.
	type witnessSheet struct {
		Seq       int64
		Submitter string
		Photos    []string
	}
	current := map[key]*witnessSheet{}
	err := store.Submissions(ctx, election, 0, func(s *actas.Submission) error {
		if s.Source == actas.Witness {
			current[key{s.Sheet.Station, s.Sheet.Contest}] = &witnessSheet{Seq: s.Seq, Submitter: s.Submitter, Photos: Photos(s)}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("keyer queue: %w", err)
	}
	done := map[int64]bool{} // submissions this account keyed or someone verified
	err = store.Records(ctx, election, KindKeying, func(r *actas.Record) error {
		var b KeyingBody
		if err := json.Unmarshal(r.Body, &b); err != nil {
			return bad(r, err)
		}
		s := current[key{b.Station, b.Contest}]
		if s == nil || s.Seq != b.Keyed {
			return nil
		}
		if r.Account == account || (b.Matches && r.Account != s.Submitter) {
			done[b.Keyed] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("keyer queue: %w", err)
	}
	var out []Task
	for k, s := range current {
		if len(s.Photos) > 0 && s.Submitter != account && !done[s.Seq] {
			out = append(out, Task{Station: k.station, Contest: k.contest, Seq: s.Seq, Photos: s.Photos})
		}
	}
	slices.SortFunc(out, func(a, b Task) int { return cmp.Compare(a.Seq, b.Seq) })
	return out[:min(limit, len(out))], nil
}

// TaskOf returns the keyer's task for one submission, checking that the
// account may key it (see AddKeying). Errors: ENOTFOUND for an unknown
// election or station, or a submission the station does not have;
// EINVALID for a submission without a photo; EFORBIDDEN for the account's
// own submission; ECONFLICT for a superseded submission.
func TaskOf(ctx context.Context, store actas.Store, election, station string, seq int64, account string) (*Task, *actas.Submission, error) {
	subs, err := store.StationSubmissions(ctx, election, station)
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(subs, func(s *actas.Submission) bool { return s.Seq == seq })
	if i < 0 {
		return nil, nil, actas.Errorf(actas.ENOTFOUND, "station %s has no submission %d", station, seq)
	}
	s := subs[i]
	if !hasPhoto(s) {
		return nil, nil, actas.Errorf(actas.EINVALID, "submission %d of station %s has no photo to key from", seq, station)
	}
	if s.Submitter == account {
		return nil, nil, actas.Errorf(actas.EFORBIDDEN, "submission %d was sent by this account: a keyer keys other people's sheets, so that two entries are independent", seq)
	}
	for _, o := range subs[i+1:] {
		if o.Source == s.Source && o.Sheet.Contest == s.Sheet.Contest {
			return nil, nil, actas.Errorf(actas.ECONFLICT, "submission %d of station %s was corrected by submission %d: key that one", seq, station, o.Seq)
		}
	}
	return &Task{Station: station, Contest: s.Sheet.Contest, Seq: seq, Photos: Photos(s)}, s, nil
}

// AddKeying records a keyer's entry of the submission k.Keyed, after
// checking its form against the contest (voters may be actas.Unknown), and
// reports whether it matches the submission (the sheet is then verified;
// otherwise its station enters the review queue). k.Matches is set here.
// A keyer keys a submission once: a second entry could be tuned until it
// matches. Errors: as TaskOf; EINVALID for numbers that are not a sheet
// of the contest or a contest other than the submission's; ECONFLICT when
// the account keyed the submission before.
func AddKeying(ctx context.Context, store actas.Store, election string, k KeyingBody, account string, now time.Time) (*Keying, error) {
	e, err := store.Election(ctx, election)
	if err != nil {
		return nil, err
	}
	_, sub, err := TaskOf(ctx, store, election, k.Station, k.Keyed, account)
	if err != nil {
		return nil, err
	}
	if k.Contest != sub.Sheet.Contest {
		return nil, actas.Errorf(actas.EINVALID, "submission %d is a sheet of contest %s, not %s", k.Keyed, sub.Sheet.Contest, k.Contest)
	}
	c, err := e.Contest(k.Contest)
	if err != nil {
		return nil, err
	}
	sh := k.Sheet()
	if err := actas.CheckForm(&sh, c); err != nil {
		return nil, err
	}
	err = store.Records(ctx, election, KindKeying, func(r *actas.Record) error {
		var b KeyingBody
		if err := json.Unmarshal(r.Body, &b); err != nil {
			return bad(r, err)
		}
		if r.Account == account && b.Keyed == k.Keyed && b.Station == k.Station {
			return actas.Errorf(actas.ECONFLICT, "this account keyed submission %d already (log entry %d)", k.Keyed, r.Index)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	k.Matches = Matches(&k, &sub.Sheet)
	rec, err := actas.NewRecord(KindKeying, k.Station, account, now, k)
	if err != nil {
		return nil, err
	}
	if err := store.AddRecords(ctx, election, []*actas.Record{rec}); err != nil {
		return nil, err
	}
	return &Keying{KeyingBody: k, Index: rec.Index, Account: account, Time: rec.Time}, nil
}

// CheckReason checks a decision's reason: 1 to MaxReason bytes of text
// that is not only spaces, without control characters but line breaks.
// Errors: EINVALID.
func CheckReason(s string) error {
	if strings.TrimSpace(s) == "" {
		return actas.Errorf(actas.EINVALID, "a decision needs a reason: say why, for whoever reads the log")
	}
	if len(s) > MaxReason || !utf8.ValidString(s) {
		return actas.Errorf(actas.EINVALID, "the reason must be text of at most %d bytes", MaxReason)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return actas.Errorf(actas.EINVALID, "the reason contains a control character")
		}
	}
	return nil
}

// Decide records a coordinator's or admin's decision on a station's sheets
// of one contest. An Accept names (Accepted) a submission of the station
// and contest that is still its source's current one; the source is filled
// in. Who may decide is the caller's to check. Errors: ENOTFOUND for an
// unknown election or station; EINVALID for an unknown contest or verdict,
// a missing reason, an acceptance without a submission or a rejection with
// one, or a station without submissions for the contest; ECONFLICT for an
// accepted submission its source has corrected since.
func Decide(ctx context.Context, store actas.Store, election string, d DecisionBody, account string, now time.Time) (*Decision, error) {
	e, err := store.Election(ctx, election)
	if err != nil {
		return nil, err
	}
	if _, err := e.Contest(d.Contest); err != nil || d.Contest == "" {
		return nil, actas.Errorf(actas.EINVALID, "election %s has no contest %q", election, d.Contest)
	}
	if !slices.Contains(Verdicts, d.Verdict) {
		return nil, actas.Errorf(actas.EINVALID, "verdict %q is not one of accept, reject-all, needs-recount", d.Verdict)
	}
	d.Reason = strings.TrimSpace(d.Reason)
	if err := CheckReason(d.Reason); err != nil {
		return nil, err
	}
	subs, err := store.StationSubmissions(ctx, election, d.Station)
	if err != nil {
		return nil, err
	}
	subs = slices.DeleteFunc(subs, func(s *actas.Submission) bool { return s.Sheet.Contest != d.Contest })
	if len(subs) == 0 {
		return nil, actas.Errorf(actas.EINVALID, "station %s has no sheet of contest %s to decide on", d.Station, d.Contest)
	}
	d.Source = ""
	switch {
	case d.Verdict == Accept:
		i := slices.IndexFunc(subs, func(s *actas.Submission) bool { return s.Seq == d.Accepted })
		if i < 0 {
			return nil, actas.Errorf(actas.EINVALID, "station %s has no submission %d of contest %s to accept", d.Station, d.Accepted, d.Contest)
		}
		for _, o := range subs[i+1:] {
			if o.Source == subs[i].Source {
				return nil, actas.Errorf(actas.ECONFLICT, "submission %d was corrected by submission %d of the same source: decide on that one", d.Accepted, o.Seq)
			}
		}
		d.Source = subs[i].Source
	case d.Accepted != 0:
		return nil, actas.Errorf(actas.EINVALID, "a %s decision accepts no submission", d.Verdict)
	}
	rec, err := actas.NewRecord(KindDecision, d.Station, account, now, d)
	if err != nil {
		return nil, err
	}
	if err := store.AddRecords(ctx, election, []*actas.Record{rec}); err != nil {
		return nil, err
	}
	return &Decision{DecisionBody: d, Index: rec.Index, Account: account, Time: rec.Time}, nil
}

// History is what people did about one station: keyings and decisions,
// each in log order.
type History struct {
	Keyings   []Keying
	Decisions []Decision
}

// Verified returns the keyings that match submission seq and were made by
// someone other than its sender.
func (h *History) Verified(seq int64, submitter string) []Keying {
	var out []Keying
	for _, k := range h.Keyings {
		if k.Keyed == seq && k.Matches && k.Account != submitter {
			out = append(out, k)
		}
	}
	return out
}

// Latest returns the contest's latest decision, or nil.
func (h *History) Latest(contest string) *Decision {
	for i := len(h.Decisions) - 1; i >= 0; i-- {
		if h.Decisions[i].Contest == contest {
			return &h.Decisions[i]
		}
	}
	return nil
}

// StationHistory reads a station's keyings and decisions. Errors:
// ENOTFOUND for an unknown election; EINTERNAL for a record whose body
// does not parse.
func StationHistory(ctx context.Context, store actas.RecordStore, election, station string) (*History, error) {
	hs, err := Histories(ctx, store, election, []string{station})
	if err != nil {
		return nil, err
	}
	return hs[station], nil
}

// Histories reads the keyings and decisions of several stations at once,
// reading the records once; every station named has a History. Errors: as
// StationHistory.
func Histories(ctx context.Context, store actas.RecordStore, election string, stations []string) (map[string]*History, error) {
	hs := make(map[string]*History, len(stations))
	for _, st := range stations {
		hs[st] = &History{}
	}
	err := store.Records(ctx, election, KindKeying, func(r *actas.Record) error {
		h := hs[r.Subject]
		if h == nil {
			return nil
		}
		var b KeyingBody
		if err := json.Unmarshal(r.Body, &b); err != nil {
			return bad(r, err)
		}
		h.Keyings = append(h.Keyings, Keying{KeyingBody: b, Index: r.Index, Account: r.Account, Time: r.Time})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = store.Records(ctx, election, KindDecision, func(r *actas.Record) error {
		h := hs[r.Subject]
		if h == nil {
			return nil
		}
		d, err := decisionOf(r)
		if err != nil {
			return err
		}
		h.Decisions = append(h.Decisions, *d)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return hs, nil
}

func decisionOf(r *actas.Record) (*Decision, error) {
	var b DecisionBody
	if err := json.Unmarshal(r.Body, &b); err != nil {
		return nil, bad(r, err)
	}
	return &Decision{DecisionBody: b, Index: r.Index, Account: r.Account, Time: r.Time}, nil
}

func bad(r *actas.Record, err error) error {
	return actas.Errorf(actas.EINTERNAL, "log entry %d (%s record of %s) does not parse: %v", r.Index, r.Kind, r.Subject, err)
}

// Item is a station in the review queue.
type Item struct {
	Station  actas.Station
	Contest  string
	Conflict bool // its submissions conflict in the tabulation
	// Unsettled: in conflict and the rules take no sheet, so the station
	// is not counted until someone decides.
	Unsettled bool
	Disagree  []int64 // log indexes of keyings that do not match the current submission they keyed
}

// conflicter lists a tabulation's conflicts without building a result per
// station (*tabulate.Tabulator does).
type conflicter interface {
	Conflicts(election, contest, path string, limit int) ([]*actas.StationResult, int, error)
}

// ReviewQueue returns up to limit stations within areas (area paths; ""
// for the whole election) that need a person's decision: those in conflict
// in the tabulation, and those with a keying that does not match a
// submission its source has not corrected since, unless decided after
// their latest submission and keying. Stations the tabulation cannot count
// until someone decides come first, then those with a differing keying,
// then conflicts the rules settle; within each, stations in conflict in
// the order of the election's stations, then the others by code. Errors:
// ENOTFOUND for an unknown election or area.
func ReviewQueue(ctx context.Context, store actas.Store, results actas.ResultService, election string, areas []string, limit int) ([]Item, error) {
	e, err := store.Election(ctx, election)
	if err != nil {
		return nil, err
	}
	within := func(path string) bool {
		for _, a := range areas {
			if a == "" || path == a || strings.HasPrefix(path, a+"/") {
				return true
			}
		}
		return false
	}
	// Keyings that do not match, and decisions, by station and contest.
	disagree := map[key][]Keying{}
	err = store.Records(ctx, election, KindKeying, func(r *actas.Record) error {
		var b KeyingBody
		if err := json.Unmarshal(r.Body, &b); err != nil {
			return bad(r, err)
		}
		if !b.Matches {
			k := key{b.Station, b.Contest}
			disagree[k] = append(disagree[k], Keying{KeyingBody: b, Index: r.Index, Account: r.Account, Time: r.Time})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	decided := map[key]int64{}
	err = store.Records(ctx, election, KindDecision, func(r *actas.Record) error {
		d, err := decisionOf(r)
		if err != nil {
			return err
		}
		k := key{d.Station, d.Contest}
		decided[k] = max(decided[k], d.Index)
		return nil
	})
	if err != nil {
		return nil, err
	}
	items := map[key]*Item{}
	order := map[string]int{}
	consider := func(res *actas.StationResult, contest string) {
		k := key{res.Station.Code, contest}
		var newest int64
		for _, seq := range res.Current {
			newest = max(newest, seq)
		}
		var against []int64
		for _, kg := range disagree[k] {
			// Only keyings of a submission that is still current count.
			for _, seq := range res.Current {
				if seq == kg.Keyed {
					against = append(against, kg.Index)
					newest = max(newest, kg.Index)
				}
			}
		}
		conflict := res.State == actas.StateConflict
		if (!conflict && len(against) == 0) || decided[k] > newest {
			return
		}
		items[k] = &Item{Station: res.Station, Contest: contest, Conflict: conflict, Unsettled: conflict && res.Sheet == nil, Disagree: against}
	}
	for i := range e.Contests {
		c := e.Contests[i].ID
		// Conflicts, area by area: the tabulation holds every station's state.
		for _, a := range areas {
			var stations []*actas.StationResult
			if cf, ok := results.(conflicter); ok {
				stations, _, err = cf.Conflicts(election, c, a, math.MaxInt)
			} else {
				stations, err = results.Stations(election, c, a)
			}
			if err != nil {
				return nil, err
			}
			for _, res := range stations {
				if _, seen := order[res.Station.Code]; !seen {
					order[res.Station.Code] = len(order)
				}
				if res.State == actas.StateConflict {
					consider(res, c)
				}
			}
		}
		var keyed []key
		for k := range disagree {
			if k.contest == c && items[k] == nil {
				keyed = append(keyed, k)
			}
		}
		slices.SortFunc(keyed, func(a, b key) int { return strings.Compare(a.station, b.station) })
		for _, k := range keyed {
			res, err := results.Station(election, c, k.station)
			if err != nil {
				return nil, err
			}
			if within(res.Station.Area) {
				if _, seen := order[res.Station.Code]; !seen {
					order[res.Station.Code] = len(order)
				}
				consider(res, c)
			}
		}
	}
	out := make([]Item, 0, len(items))
	for _, it := range items {
		out = append(out, *it)
	}
	rank := func(it *Item) int {
		switch {
		case it.Unsettled:
			return 0
		case len(it.Disagree) > 0:
			return 1
		}
		return 2
	}
	slices.SortFunc(out, func(a, b Item) int {
		if d := rank(&a) - rank(&b); d != 0 {
			return d
		}
		if d := order[a.Station.Code] - order[b.Station.Code]; d != 0 {
			return d
		}
		return strings.Compare(a.Contest, b.Contest)
	})
	return out[:min(limit, len(out))], nil
}

// Decider is the tabulation a decision changes (*tabulate.Tabulator).
type Decider interface {
	Decide(election string, d tabulate.Decision) error
}

// Tabulated returns the decision as the reconciled view takes it.
func (d *Decision) Tabulated() tabulate.Decision {
	td := tabulate.Decision{Index: d.Index, Station: d.Station, Contest: d.Contest}
	if d.Verdict == Accept {
		td.Source, td.Seq = d.Source, d.Accepted
	}
	return td
}

// Apply gives a decision record to the tabulation: the accepted
// submission, or none, becomes the station's reconciled sheet (see
// tabulate.Tabulator.Decide). Records of other kinds are ignored. Errors:
// those of Decide, and EINTERNAL for a body that does not parse.
func Apply(tab Decider, election string, r *actas.Record) error {
	if r.Kind != KindDecision {
		return nil
	}
	d, err := decisionOf(r)
	if err != nil {
		return err
	}
	return tab.Decide(election, d.Tabulated())
}

// ApplyAll gives every decision of the election stored so far to the
// tabulation, skipping those it has (ECONFLICT): at start-up, and then to
// follow what other processes decide.
func ApplyAll(ctx context.Context, store actas.RecordStore, tab Decider, election string) error {
	err := store.Records(ctx, election, KindDecision, func(r *actas.Record) error {
		if err := Apply(tab, election, r); err != nil && actas.ErrorCode(err) != actas.ECONFLICT {
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("decisions of %s: %w", election, err)
	}
	return nil
}
