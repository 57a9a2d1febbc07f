package postgres

import (
	"context"

	"github.com/actasproject/actas"
)

// SubmitRemembering stores subs and keeps their requests' idempotency keys.
// See actas.SubmissionStore.
//
// For now it runs in two transactions, Submit and then RememberRequests,
// with every check that can fail made before the first: a crash between
// the two commits leaves submissions stored without their keys (a retry
// then finds its numbers present, and is answered by their entry), which is
// what the server did before this method existed. Moving the keys into
// Submit's transaction is to be done in submit.go.
func (db *DB) SubmitRemembering(ctx context.Context, election string, subs []*actas.Submission, reqs []*actas.RememberedRequest) ([]actas.Outcome, error) {
	if len(reqs) != len(subs) {
		return nil, actas.Errorf(actas.EINVALID, "%d requests for %d submissions: one request each", len(reqs), len(subs))
	}
	type accountKey struct {
		account int64
		key     string
	}
	// first[i]: -1 when request i's key is kept already, i when it is new,
	// the index of the earlier request with the same key otherwise.
	first := make([]int, len(reqs))
	seen := make(map[accountKey]int, len(reqs))
	accounts := map[int64]bool{}
	for i, r := range reqs {
		if r == nil {
			return nil, actas.Errorf(actas.EINVALID, "request %d is missing", i+1)
		}
		if err := actas.CheckIdempotencyKey(r.Key); err != nil {
			return nil, err
		}
		if !accounts[r.Account] {
			if _, err := db.Account(ctx, r.Account); err != nil {
				return nil, err
			}
			accounts[r.Account] = true
		}
		k := accountKey{r.Account, r.Key}
		if j, ok := seen[k]; ok {
			first[i] = j
			continue
		}
		seen[k] = i
		first[i] = i
		switch seq, req, err := db.RememberedRequest(ctx, r.Account, r.Key); {
		case err == nil:
			r.KeptSeq, r.KeptRequest = seq, req
			first[i] = -1
		case actas.ErrorCode(err) != actas.ENOTFOUND:
			return nil, err
		}
	}
	var fresh []*actas.Submission
	var at []int // index in subs of fresh[k]
	for i := range subs {
		if first[i] == i {
			fresh = append(fresh, subs[i])
			at = append(at, i)
		}
	}
	outcomes := make([]actas.Outcome, len(subs))
	for i := range outcomes {
		outcomes[i] = actas.Present
	}
	freshOut, err := db.Submit(ctx, election, fresh, nil)
	if err != nil {
		return nil, err
	}
	var remember []*actas.RememberedRequest
	for k, i := range at {
		outcomes[i] = freshOut[k]
		seq := subs[i].Seq
		if freshOut[k] == actas.Present {
			if seq, err = db.presentSeq(ctx, election, subs[i]); err != nil {
				return nil, err
			}
		}
		reqs[i].Seq = seq
		remember = append(remember, reqs[i])
	}
	if len(remember) > 0 {
		if err := db.RememberRequests(ctx, remember); err != nil {
			return nil, err
		}
	}
	for i, r := range reqs {
		if j := first[i]; j >= 0 && j < i {
			r.KeptSeq, r.KeptRequest = reqs[j].KeptSeq, reqs[j].KeptRequest
		}
	}
	return outcomes, nil
}

// presentSeq returns the Seq of the stored submission that made sub
// Present: the first of its source stating the same numbers.
func (db *DB) presentSeq(ctx context.Context, election string, sub *actas.Submission) (int64, error) {
	stored, err := db.StationSubmissions(ctx, election, sub.Sheet.Station)
	if err != nil {
		return 0, err
	}
	for _, old := range stored {
		if old.Source == sub.Source && old.Sheet.Equal(&sub.Sheet) {
			return old.Seq, nil
		}
	}
	return 0, actas.Errorf(actas.EINTERNAL, "station %s: the store found the sheet present but holds no such submission", sub.Sheet.Station)
}
