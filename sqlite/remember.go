package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/actasproject/actas"
)

// checkRequests checks the keys and log indexes of requests to remember.
// Errors: EINVALID.
func checkRequests(reqs []*actas.RememberedRequest) error {
	for i, r := range reqs {
		if r == nil {
			return actas.Errorf(actas.EINVALID, "request %d is missing", i+1)
		}
		if err := actas.CheckIdempotencyKey(r.Key); err != nil {
			return err
		}
		if r.Seq < 0 {
			return actas.Errorf(actas.EINVALID, "idempotency key: log index %d is negative", r.Seq)
		}
	}
	return nil
}

// checkAccount makes sure account id exists, reading the file (with
// exists, SELECT 1 FROM accounts WHERE id = ?) only for an account not seen
// before: accounts are never deleted. Errors: ENOTFOUND.
func (db *DB) checkAccount(ctx context.Context, exists *sql.Stmt, id int64) error {
	if _, ok := db.accounts.Load(id); ok {
		return nil
	}
	var one int
	switch err := exists.QueryRowContext(ctx, id).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return noAccount(id)
	case err != nil:
		return fmt.Errorf("sqlite: account %d: %w", id, err)
	}
	db.accounts.Store(id, struct{}{})
	return nil
}

// keyKeeper keeps the idempotency keys of a batch's requests in the
// batch's transaction (SubmitRemembering).
type keyKeeper struct {
	db   *DB
	st   *prepared
	reqs []*actas.RememberedRequest
	// first[i] is -1 when request i's key was kept before the batch (its
	// Kept fields are set), i when it is new, and the index of the first
	// request with the same key otherwise.
	first []int
}

type accountKey struct {
	account int64
	key     string
}

// lookupKeys finds which requests' keys are kept already, in the batch's
// transaction, and marks their submissions to be skipped. Errors: ENOTFOUND
// for an unknown account.
func (b *batch) lookupKeys(ctx context.Context, db *DB, reqs []*actas.RememberedRequest) (*keyKeeper, error) {
	kk := &keyKeeper{db: db, st: b.st, reqs: reqs, first: make([]int, len(reqs))}
	b.skip = make([]bool, len(reqs))
	seen := make(map[accountKey]int, len(reqs))
	var req []byte
	for i, r := range reqs {
		if err := db.checkAccount(ctx, b.st.accountExists, r.Account); err != nil {
			return nil, err
		}
		k := accountKey{r.Account, r.Key}
		if j, ok := seen[k]; ok {
			kk.first[i] = j
			b.skip[i] = true
			continue
		}
		seen[k] = i
		kk.first[i] = i
		switch err := b.st.lookupKey.QueryRowContext(ctx, r.Account, r.Key).Scan(&r.KeptSeq, &req); {
		case err == nil:
			if len(req) != len(r.KeptRequest) {
				return nil, actas.Errorf(actas.EINTERNAL, "sqlite: idempotency key of account %d: request hash of %d bytes", r.Account, len(req))
			}
			copy(r.KeptRequest[:], req)
			kk.first[i] = -1
			b.skip[i] = true
		case !errors.Is(err, sql.ErrNoRows):
			return nil, fmt.Errorf("sqlite: submit to %s: idempotency key: %w", b.m.code, err)
		}
	}
	return kk, nil
}

// keep stores the keys of the requests whose submissions the batch
// handled, answered by the entries their submissions have: order lists
// the stored ones, the k-th with Seq size+k.
func (kk *keyKeeper) keep(ctx context.Context, b *batch, order []int32, size int64) error {
	seqOf := make(map[int32]int64, len(order))
	for k, i := range order {
		seqOf[i] = size + int64(k)
	}
	created := formatTime(time.Now())
	for i, r := range kk.reqs {
		switch j := kk.first[i]; {
		case j < 0:
			continue // kept before: its Kept fields are set
		case j < i:
			r.KeptSeq, r.KeptRequest = kk.reqs[j].KeptSeq, kk.reqs[j].KeptRequest
			continue
		}
		seq, stored := seqOf[int32(i)]
		if !stored {
			// Present: answered by the entry that stated the same numbers.
			k := b.key(i)
			ref, ok := b.match(k, b.known[k], &b.digests[i])
			switch {
			case !ok:
				return fmt.Errorf("sqlite: submit to %s: station %s: a submission found present matches no known one", b.m.code, b.subs[i].Sheet.Station)
			case ref < 0:
				seq = b.priorSeq[-1-ref]
			default:
				seq = seqOf[ref]
			}
		}
		if _, err := kk.st.insertKey.ExecContext(ctx, r.Account, r.Key, r.Request[:], seq, created); err != nil {
			return fmt.Errorf("sqlite: submit to %s: idempotency key: %w", b.m.code, err)
		}
		r.KeptSeq, r.KeptRequest = seq, r.Request
	}
	return nil
}
