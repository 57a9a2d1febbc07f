package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/storeutil"
)

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
	kept *storeutil.Kept
}

// lookupKeys finds which requests' keys are kept already, in the batch's
// transaction, and marks their submissions to be skipped. Errors: ENOTFOUND
// for an unknown account.
func (b *batch) lookupKeys(ctx context.Context, db *DB, reqs []*actas.RememberedRequest) (*keyKeeper, error) {
	b.skip = make([]bool, len(reqs))
	var req []byte
	kept, err := storeutil.MarkRequests(reqs, b.skip,
		func(id int64) error { return db.checkAccount(ctx, b.st.accountExists, id) },
		func(r *actas.RememberedRequest) (bool, error) {
			switch err := b.st.lookupKey.QueryRowContext(ctx, r.Account, r.Key).Scan(&r.KeptSeq, &req); {
			case errors.Is(err, sql.ErrNoRows):
				return false, nil
			case err != nil:
				return false, fmt.Errorf("sqlite: submit to %s: idempotency key: %w", b.m.code, err)
			case len(req) != len(r.KeptRequest):
				return false, actas.Errorf(actas.EINTERNAL, "sqlite: idempotency key of account %d: request hash of %d bytes", r.Account, len(req))
			}
			copy(r.KeptRequest[:], req)
			return true, nil
		})
	if err != nil {
		return nil, err
	}
	return &keyKeeper{db: db, st: b.st, reqs: reqs, kept: kept}, nil
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
	err := kk.kept.New(kk.reqs, func(i int, r *actas.RememberedRequest) error {
		seq, stored := seqOf[int32(i)]
		if !stored {
			// Present: answered by the entry that stated the same numbers.
			var ok bool
			if seq, ok = b.known.Answer(b.key(i), i, seqOf); !ok {
				return fmt.Errorf("sqlite: submit to %s: station %s: a submission found present matches no stored one", b.m.code, b.Subs[i].Sheet.Station)
			}
		}
		if _, err := kk.st.insertKey.ExecContext(ctx, r.Account, r.Key, r.Request[:], seq, created); err != nil {
			return fmt.Errorf("sqlite: submit to %s: idempotency key: %w", b.m.code, err)
		}
		r.KeptSeq, r.KeptRequest = seq, r.Request
		return nil
	})
	if err != nil {
		return err
	}
	kk.kept.Follow(kk.reqs)
	return nil
}
