package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/storeutil"
	"github.com/jackc/pgx/v5"
)

// accountColumns reads an account with its election's id and whether it is
// disabled; scanAccount scans them.
const accountColumns = `SELECT a.id, e.code, a.name, a.contact, a.role, a.scope::text, a.created, d.account IS NOT NULL
	FROM accounts a JOIN elections e ON e.id = a.election
	LEFT JOIN account_disablements d ON d.account = a.id `

func scanAccount(r pgx.Row) (*actas.Account, error) {
	var a actas.Account
	var role string
	var scope []byte
	if err := r.Scan(&a.ID, &a.Election, &a.Name, &a.Contact, &role, &scope, &a.Created, &a.Disabled); err != nil {
		return nil, err
	}
	a.Role = actas.Role(role)
	if err := json.Unmarshal(scope, &a.Scope); err != nil {
		return nil, fmt.Errorf("account %d: scope: %w", a.ID, err)
	}
	if len(a.Scope) == 0 {
		a.Scope = nil
	}
	a.Created = a.Created.UTC()
	return &a, nil
}

// now returns the time as PostgreSQL keeps it: UTC, to the microsecond.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func noAccount(id int64) error { return actas.Errorf(actas.ENOTFOUND, "no account %d", id) }

// noCredential is every refusal of a credential: see actas.AccountStore.
func noCredential() error { return actas.Errorf(actas.ENOTFOUND, "%s", actas.ErrNoCredential) }

// CreateAccount stores a new account. See actas.AccountStore.
func (db *DB) CreateAccount(ctx context.Context, a *actas.Account) error {
	return db.CreateAccounts(ctx, []*actas.Account{a})
}

// CreateAccounts stores accounts in one transaction. See actas.AccountStore.
func (db *DB) CreateAccounts(ctx context.Context, accounts []*actas.Account) error {
	if len(accounts) == 0 {
		return nil
	}
	election := accounts[0].Election
	m, err := db.meta(ctx, election)
	if err != nil {
		return err
	}
	norm, scopes, err := storeutil.PrepareAccounts(accounts)
	if err != nil {
		return err
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: create accounts: %w", err)
	}
	defer rollback(ctx, tx)
	created := now()
	ids := make([]int64, len(norm))
	for i := range norm {
		a := &norm[i]
		if err := checkScope(ctx, tx, m, a); err != nil {
			return err
		}
		var other int64
		switch err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE election = $1 AND contact = $2`, m.id, a.Contact).Scan(&other); {
		case err == nil:
			return actas.Errorf(actas.ECONFLICT, "account %q: election %s already has an account (%d) with contact %s", a.Name, election, other, a.Contact)
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("postgres: create account: %w", err)
		}
		err := tx.QueryRow(ctx, `INSERT INTO accounts (election, name, contact, role, scope, created) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			m.id, a.Name, a.Contact, string(a.Role), scopes[i], created).Scan(&ids[i])
		if isUniqueViolation(err, "") {
			// Another transaction stored the contact meanwhile.
			return actas.Errorf(actas.ECONFLICT, "account %q: election %s already has an account with contact %s", a.Name, election, a.Contact)
		}
		if err != nil {
			return fmt.Errorf("postgres: create account: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		if isUniqueViolation(err, "") {
			return actas.Errorf(actas.ECONFLICT, "election %s already has an account with one of these contacts", election)
		}
		return fmt.Errorf("postgres: create accounts: %w", err)
	}
	for i, a := range accounts {
		*a = norm[i]
		a.ID, a.Created, a.Disabled = ids[i], created, false
	}
	return nil
}

// checkScope returns EINVALID naming the first entry of a's scope that is
// not the election's: a witness's stations, a coordinator's areas.
func checkScope(ctx context.Context, tx pgx.Tx, m *electionMeta, a *actas.Account) error {
	var query, what string
	switch a.Role {
	case actas.RoleWitness:
		query, what = `SELECT code FROM stations WHERE election = $1 AND code = ANY($2::text[])`, "station"
	case actas.RoleCoordinator:
		query, what = `SELECT path FROM areas WHERE election = $1 AND path = ANY($2::text[])`, "area"
	default:
		return nil
	}
	if len(a.Scope) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, query, m.id, a.Scope)
	if err != nil {
		return fmt.Errorf("postgres: account scope: %w", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("postgres: account scope: %w", err)
	}
	have := make(map[string]bool, len(found))
	for _, s := range found {
		have[s] = true
	}
	for _, s := range a.Scope {
		if !have[s] {
			return actas.Errorf(actas.EINVALID, "account %q: election %s has no %s %q", a.Name, a.Election, what, s)
		}
	}
	return nil
}

// DisableAccount disables an account. See actas.AccountStore.
func (db *DB) DisableAccount(ctx context.Context, id int64) error {
	tag, err := db.pool.Exec(ctx, `INSERT INTO account_disablements (account, at)
		SELECT id, $1 FROM accounts WHERE id = $2 ON CONFLICT (account) DO NOTHING`, now(), id)
	if err != nil {
		return fmt.Errorf("postgres: disable account %d: %w", id, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	// Nothing inserted: already disabled, or no such account.
	_, err = db.Account(ctx, id)
	return err
}

// Account returns an account. See actas.AccountStore.
func (db *DB) Account(ctx context.Context, id int64) (*actas.Account, error) {
	a, err := scanAccount(db.pool.QueryRow(ctx, accountColumns+`WHERE a.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, noAccount(id)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: account %d: %w", id, err)
	}
	return a, nil
}

// Accounts returns the election's accounts. See actas.AccountStore.
func (db *DB) Accounts(ctx context.Context, election string) ([]*actas.Account, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, accountColumns+`WHERE a.election = $1 ORDER BY a.id`, m.id)
	if err != nil {
		return nil, fmt.Errorf("postgres: accounts of %s: %w", election, err)
	}
	defer rows.Close()
	out := []*actas.Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: accounts of %s: %w", election, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: accounts of %s: %w", election, err)
	}
	return out, nil
}

// activeAccount returns the account for issuing a credential. Errors:
// ENOTFOUND, ECONFLICT when disabled.
func activeAccount(ctx context.Context, tx pgx.Tx, id int64) (*actas.Account, error) {
	a, err := scanAccount(tx.QueryRow(ctx, accountColumns+`WHERE a.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, noAccount(id)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: account %d: %w", id, err)
	}
	if a.Disabled {
		return nil, actas.Errorf(actas.ECONFLICT, "account %d (%s) is disabled", a.ID, a.Name)
	}
	return a, nil
}

// issue stores a new secret's hash for an active account with insert, whose
// arguments are the hash, the account and then args, and returns the secret.
func (db *DB) issue(ctx context.Context, what string, account int64, insert string, args ...any) (string, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return "", fmt.Errorf("postgres: %s: %w", what, err)
	}
	defer rollback(ctx, tx)
	if _, err := activeAccount(ctx, tx, account); err != nil {
		return "", err
	}
	plain, hash := actas.NewSecret()
	if _, err := tx.Exec(ctx, insert, append([]any{hash[:], account}, args...)...); err != nil {
		return "", fmt.Errorf("postgres: %s: %w", what, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return "", fmt.Errorf("postgres: %s: %w", what, err)
	}
	return plain, nil
}

// IssueCode makes a one-time sign-in code. See actas.AccountStore. The
// expiry is kept to the microsecond, rounded down.
func (db *DB) IssueCode(ctx context.Context, account int64, expires time.Time) (string, error) {
	t := time.Now()
	if err := storeutil.CheckExpiry("sign-in code", expires, t); err != nil {
		return "", err
	}
	return db.issue(ctx, "issue sign-in code", account,
		`INSERT INTO sign_in_codes (hash, account, issued, expires) VALUES ($1, $2, $3, $4)`, now(), expires.UTC().Truncate(time.Microsecond))
}

// RedeemCode uses up a sign-in code. See actas.AccountStore. Of two
// processes redeeming one code at once, the second waits for the first and
// is refused.
func (db *DB) RedeemCode(ctx context.Context, election, plain string, at time.Time) (*actas.Account, error) {
	if !actas.ValidSecret(plain) {
		return nil, actas.Errorf(actas.EINVALID, "a sign-in code is %d letters, digits, '-' and '_'", actas.SecretLength)
	}
	hash := actas.HashSecret(plain)
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: redeem sign-in code: %w", err)
	}
	defer rollback(ctx, tx)
	var stored []byte
	var account int64
	var expires time.Time
	var used bool
	err = tx.QueryRow(ctx, `SELECT c.hash, c.account, c.expires, u.code IS NOT NULL
		FROM sign_in_codes c LEFT JOIN sign_in_code_uses u ON u.code = c.hash WHERE c.hash = $1`, hash[:]).Scan(&stored, &account, &expires, &used)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, noCredential()
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: redeem sign-in code: %w", err)
	}
	a, err := scanAccount(tx.QueryRow(ctx, accountColumns+`WHERE a.id = $1`, account))
	if err != nil {
		return nil, fmt.Errorf("postgres: redeem sign-in code: account %d: %w", account, err)
	}
	if !storeutil.SameHash(stored, hash) || used || !at.Before(expires) || a.Disabled || a.Election != election {
		return nil, noCredential()
	}
	if _, err := tx.Exec(ctx, `INSERT INTO sign_in_code_uses (code, at) VALUES ($1, $2)`, hash[:], at.UTC()); err != nil {
		if isUniqueViolation(err, "") {
			return nil, noCredential() // redeemed meanwhile
		}
		return nil, fmt.Errorf("postgres: redeem sign-in code: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		if isUniqueViolation(err, "") {
			return nil, noCredential()
		}
		return nil, fmt.Errorf("postgres: redeem sign-in code: %w", err)
	}
	return a, nil
}

// CreateSession starts a session. See actas.AccountStore.
func (db *DB) CreateSession(ctx context.Context, account int64, expires time.Time) (string, error) {
	t := time.Now()
	if err := storeutil.CheckExpiry("session", expires, t); err != nil {
		return "", err
	}
	return db.issue(ctx, "create session", account,
		`INSERT INTO sessions (hash, account, created, expires) VALUES ($1, $2, $3, $4)`, now(), expires.UTC().Truncate(time.Microsecond))
}

// SessionAccount returns a valid session's account. See actas.AccountStore.
func (db *DB) SessionAccount(ctx context.Context, hash [32]byte, at time.Time) (*actas.Account, error) {
	var stored []byte
	var account int64
	var expires time.Time
	var revoked bool
	err := db.pool.QueryRow(ctx, `SELECT s.hash, s.account, s.expires, r.session IS NOT NULL
		FROM sessions s LEFT JOIN session_revocations r ON r.session = s.hash WHERE s.hash = $1`, hash[:]).Scan(&stored, &account, &expires, &revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, noCredential()
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: session: %w", err)
	}
	if !storeutil.SameHash(stored, hash) || revoked || !at.Before(expires) {
		return nil, noCredential()
	}
	return db.credentialAccount(ctx, account)
}

// credentialAccount returns the account of a valid credential, refusing a
// disabled one like any other invalid credential.
func (db *DB) credentialAccount(ctx context.Context, id int64) (*actas.Account, error) {
	a, err := db.Account(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: credential's account: %w", err)
	}
	if a.Disabled {
		return nil, noCredential()
	}
	return a, nil
}

// RevokeSession ends a session. See actas.AccountStore.
func (db *DB) RevokeSession(ctx context.Context, hash [32]byte) error {
	tag, err := db.pool.Exec(ctx, `INSERT INTO session_revocations (session, at)
		SELECT hash, $1 FROM sessions WHERE hash = $2 ON CONFLICT (session) DO NOTHING`, now(), hash[:])
	if err != nil {
		return fmt.Errorf("postgres: revoke session: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var one int
	switch err := db.pool.QueryRow(ctx, `SELECT 1 FROM sessions WHERE hash = $1`, hash[:]).Scan(&one); {
	case errors.Is(err, pgx.ErrNoRows):
		return actas.Errorf(actas.ENOTFOUND, "no such session")
	case err != nil:
		return fmt.Errorf("postgres: revoke session: %w", err)
	}
	return nil
}

// IssueToken makes an API token. See actas.AccountStore.
func (db *DB) IssueToken(ctx context.Context, account int64, name string) (string, error) {
	if err := actas.CheckTokenName(name); err != nil {
		return "", err
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return "", fmt.Errorf("postgres: issue token: %w", err)
	}
	defer rollback(ctx, tx)
	if _, err := activeAccount(ctx, tx, account); err != nil {
		return "", err
	}
	taken := func() error {
		return actas.Errorf(actas.ECONFLICT, "account %d already has a token named %q", account, name)
	}
	var one int
	switch err := tx.QueryRow(ctx, `SELECT 1 FROM api_tokens WHERE account = $1 AND name = $2`, account, name).Scan(&one); {
	case err == nil:
		return "", taken()
	case !errors.Is(err, pgx.ErrNoRows):
		return "", fmt.Errorf("postgres: issue token: %w", err)
	}
	plain, hash := actas.NewSecret()
	if _, err := tx.Exec(ctx, `INSERT INTO api_tokens (hash, account, name, created) VALUES ($1, $2, $3, $4)`,
		hash[:], account, name, now()); err != nil {
		if isUniqueViolation(err, "api_tokens_account_name_key") {
			return "", taken() // issued meanwhile
		}
		return "", fmt.Errorf("postgres: issue token: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return "", fmt.Errorf("postgres: issue token: %w", err)
	}
	return plain, nil
}

// TokenAccount returns an API token's account. See actas.AccountStore.
func (db *DB) TokenAccount(ctx context.Context, hash [32]byte) (*actas.Account, error) {
	var stored []byte
	var account int64
	err := db.pool.QueryRow(ctx, `SELECT hash, account FROM api_tokens WHERE hash = $1`, hash[:]).Scan(&stored, &account)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, noCredential()
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: token: %w", err)
	}
	if !storeutil.SameHash(stored, hash) {
		return nil, noCredential()
	}
	return db.credentialAccount(ctx, account)
}

// RememberRequest keeps an idempotency key's answer. See actas.AccountStore.
func (db *DB) RememberRequest(ctx context.Context, account int64, key string, request [32]byte, seq int64) (int64, [32]byte, error) {
	r := &actas.RememberedRequest{Account: account, Key: key, Request: request, Seq: seq}
	if err := db.RememberRequests(ctx, []*actas.RememberedRequest{r}); err != nil {
		return 0, [32]byte{}, err
	}
	return r.KeptSeq, r.KeptRequest, nil
}

// RememberRequests keeps many requests' idempotency keys in one
// transaction. See actas.AccountStore. Of two processes remembering one key
// at once, the second waits for the first's commit and reads what it kept;
// keys are inserted in one order (account, key) so that two batches sharing
// keys wait for each other instead of deadlocking.
func (db *DB) RememberRequests(ctx context.Context, reqs []*actas.RememberedRequest) error {
	if err := storeutil.CheckRequests(reqs, true); err != nil {
		return err
	}
	sorted := slices.Clone(reqs)
	slices.SortStableFunc(sorted, func(a, b *actas.RememberedRequest) int {
		if c := cmp.Compare(a.Account, b.Account); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: remember request: %w", err)
	}
	defer rollback(ctx, tx)
	known := map[int64]bool{}
	created := now()
	kept := make([]struct {
		seq int64
		req [32]byte
	}, len(sorted))
	for i, r := range sorted {
		if !known[r.Account] {
			var one int
			switch err := tx.QueryRow(ctx, `SELECT 1 FROM accounts WHERE id = $1`, r.Account).Scan(&one); {
			case errors.Is(err, pgx.ErrNoRows):
				return noAccount(r.Account)
			case err != nil:
				return fmt.Errorf("postgres: remember request: %w", err)
			}
			known[r.Account] = true
		}
		// The first answer stays: a concurrent retry that lost the race
		// reads it.
		if _, err := tx.Exec(ctx, `INSERT INTO idempotency (account, key, request, seq, created) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (account, key) DO NOTHING`, r.Account, r.Key, r.Request[:], r.Seq, created); err != nil {
			return fmt.Errorf("postgres: remember request: %w", err)
		}
		if kept[i].seq, kept[i].req, err = rememberedRequest(ctx, tx, r.Account, r.Key); err != nil {
			return err
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: remember request: %w", err)
	}
	for i, r := range sorted {
		r.KeptSeq, r.KeptRequest = kept[i].seq, kept[i].req
	}
	return nil
}

// RememberedRequest returns an idempotency key's answer. See actas.AccountStore.
func (db *DB) RememberedRequest(ctx context.Context, account int64, key string) (int64, [32]byte, error) {
	if err := actas.CheckIdempotencyKey(key); err != nil {
		return 0, [32]byte{}, err
	}
	return rememberedRequest(ctx, db.pool, account, key)
}

func rememberedRequest(ctx context.Context, q querier, account int64, key string) (int64, [32]byte, error) {
	var seq int64
	var req []byte
	var out [32]byte
	err := q.QueryRow(ctx, `SELECT seq, request FROM idempotency WHERE account = $1 AND key = $2`, account, key).Scan(&seq, &req)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, out, actas.Errorf(actas.ENOTFOUND, "no request of account %d with that idempotency key", account)
	}
	if err != nil {
		return 0, out, fmt.Errorf("postgres: idempotency key: %w", err)
	}
	if len(req) != len(out) {
		return 0, out, actas.Errorf(actas.EINTERNAL, "postgres: idempotency key of account %d: request hash of %d bytes", account, len(req))
	}
	copy(out[:], req)
	return seq, out, nil
}
