package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/storeutil"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SubmitRemembering stores subs and keeps their requests' idempotency keys
// in Submit's one transaction. See actas.SubmissionStore. The keys are
// looked up with what the batch reads once it holds the election's log
// lock, so a retry sent to another instance at the same moment waits for
// the first and finds its key.
func (db *DB) SubmitRemembering(ctx context.Context, election string, subs []*actas.Submission, reqs []*actas.RememberedRequest) ([]actas.Outcome, error) {
	if len(reqs) != len(subs) {
		return nil, actas.Errorf(actas.EINVALID, "%d requests for %d submissions: one request each", len(reqs), len(subs))
	}
	if err := storeutil.CheckRequests(reqs, false); err != nil {
		return nil, err
	}
	return db.submit(ctx, election, subs, reqs, nil)
}

// batchKeys is what a batch with requests (SubmitRemembering) knows of their
// idempotency keys.
type batchKeys struct {
	reqs     []*actas.RememberedRequest
	marked   *storeutil.Kept
	accounts map[int64]bool // the accounts found
	kept     map[accountKey]keptRequest
}

type accountKey struct {
	account int64
	key     string
}

type keptRequest struct {
	seq int64
	req []byte
}

// queue queues in q, which runs after the log's lock is taken, the reads of
// the requests' accounts and of their keys kept before.
func (k *batchKeys) queue(q *pgx.Batch) {
	accounts := make([]int64, 0, len(k.reqs))
	keyAccounts := make([]int64, len(k.reqs))
	keys := make([]string, len(k.reqs))
	for i, r := range k.reqs {
		accounts = append(accounts, r.Account)
		keyAccounts[i], keys[i] = r.Account, r.Key
	}
	slices.Sort(accounts)
	accounts = slices.Compact(accounts)
	k.accounts = map[int64]bool{}
	k.kept = map[accountKey]keptRequest{}
	q.Queue(`SELECT id FROM accounts WHERE id = ANY($1::bigint[])`, accounts).Query(func(rows pgx.Rows) error {
		var id int64
		_, err := pgx.ForEachRow(rows, []any{&id}, func() error { k.accounts[id] = true; return nil })
		return err
	})
	q.Queue(`SELECT i.account, i.key, i.seq, i.request FROM idempotency i
		JOIN unnest($1::bigint[], $2::text[]) AS r (account, key) ON i.account = r.account AND i.key = r.key`,
		keyAccounts, keys).Query(func(rows pgx.Rows) error {
		var ak accountKey
		var kr keptRequest
		_, err := pgx.ForEachRow(rows, []any{&ak.account, &ak.key, &kr.seq, &kr.req}, func() error {
			k.kept[ak] = keptRequest{kr.seq, slices.Clone(kr.req)}
			return nil
		})
		return err
	})
}

// mark decides, from what queue read, which requests store nothing (their
// key kept before, or sent earlier in the batch), setting skip. Errors:
// ENOTFOUND for an unknown account.
func (k *batchKeys) mark(skip []bool) error {
	var err error
	k.marked, err = storeutil.MarkRequests(k.reqs, skip,
		func(id int64) error {
			if !k.accounts[id] {
				return noAccount(id)
			}
			return nil
		},
		func(r *actas.RememberedRequest) (bool, error) {
			kr, ok := k.kept[accountKey{r.Account, r.Key}]
			if !ok {
				return false, nil
			}
			if len(kr.req) != len(r.KeptRequest) {
				return false, actas.Errorf(actas.EINTERNAL, "postgres: idempotency key of account %d: request hash of %d bytes", r.Account, len(kr.req))
			}
			r.KeptSeq = kr.seq
			copy(r.KeptRequest[:], kr.req)
			return true, nil
		})
	return err
}

// prepare sets the Kept fields of the requests whose keys are new, answered
// by the entries their submissions have (stored: the k-th of order with log
// index size+k; present: the stored one with the same numbers), and returns
// them in (account, key) order, to be inserted by queueInsert.
func (k *batchKeys) prepare(b *batch, order []int32, size int64) ([]*actas.RememberedRequest, error) {
	seqOf := make(map[int32]int64, len(order))
	for n, i := range order {
		seqOf[i] = size + int64(n)
	}
	var fresh []*actas.RememberedRequest
	err := k.marked.New(k.reqs, func(i int, r *actas.RememberedRequest) error {
		seq, stored := seqOf[int32(i)]
		if !stored {
			var ok bool
			if seq, ok = b.known.Answer(b.key(i), i, seqOf); !ok {
				return fmt.Errorf("postgres: submit to %s: station %s: a submission found present matches no stored one", b.m.code, b.Subs[i].Sheet.Station)
			}
		}
		r.KeptSeq, r.KeptRequest = seq, r.Request
		fresh = append(fresh, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// In one order, so that two transactions keeping the same keys
	// (RememberRequests holds no log lock) wait instead of deadlocking.
	slices.SortFunc(fresh, func(a, b *actas.RememberedRequest) int {
		if c := cmp.Compare(a.Account, b.Account); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return fresh, nil
}

// queueInsert queues in q the insert of the fresh keys; *raced is set when
// one of them was kept meanwhile (by RememberRequests), which finish then
// reads back.
func (k *batchKeys) queueInsert(q *pgx.Batch, fresh []*actas.RememberedRequest, raced *bool) {
	if len(fresh) == 0 {
		return
	}
	accounts := make([]int64, len(fresh))
	keys := make([]string, len(fresh))
	requests := make([][]byte, len(fresh))
	seqs := make([]int64, len(fresh))
	for n, r := range fresh {
		accounts[n], keys[n], requests[n], seqs[n] = r.Account, r.Key, r.Request[:], r.KeptSeq
	}
	q.Queue(`INSERT INTO idempotency (account, key, request, seq, created)
		SELECT a, k, r, s, $5 FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::bigint[]) AS t (a, k, r, s)
		ON CONFLICT (account, key) DO NOTHING`, accounts, keys, requests, seqs, now()).Exec(func(tag pgconn.CommandTag) error {
		*raced = tag.RowsAffected() != int64(len(fresh))
		return nil
	})
}

// finish reads back, when raced, what is kept for the fresh keys, and gives
// each request sent twice the Kept fields of its first.
func (k *batchKeys) finish(ctx context.Context, tx pgx.Tx, fresh []*actas.RememberedRequest, raced bool) error {
	if raced {
		for _, r := range fresh {
			var err error
			if r.KeptSeq, r.KeptRequest, err = rememberedRequest(ctx, tx, r.Account, r.Key); err != nil {
				return err
			}
		}
	}
	k.marked.Follow(k.reqs)
	return nil
}
