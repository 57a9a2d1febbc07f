package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/storeutil"
)

// accountColumns reads an account with its election's id and whether it is
// disabled; scanAccount scans them.
const accountColumns = `SELECT a.id, e.code, a.name, a.contact, a.role, a.scope, a.created, d.account IS NOT NULL
	FROM accounts a JOIN elections e ON e.id = a.election
	LEFT JOIN account_disablements d ON d.account = a.id `

type rowScanner interface{ Scan(dest ...any) error }

func scanAccount(r rowScanner) (*actas.Account, error) {
	var a actas.Account
	var role, scope, created string
	if err := r.Scan(&a.ID, &a.Election, &a.Name, &a.Contact, &role, &scope, &created, &a.Disabled); err != nil {
		return nil, err
	}
	a.Role = actas.Role(role)
	if err := json.Unmarshal([]byte(scope), &a.Scope); err != nil {
		return nil, fmt.Errorf("account %d: scope: %w", a.ID, err)
	}
	if len(a.Scope) == 0 {
		a.Scope = nil
	}
	t, err := parseTime(created)
	if err != nil {
		return nil, fmt.Errorf("account %d: created: %w", a.ID, err)
	}
	a.Created = t
	return &a, nil
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

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
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: create accounts: %w", err)
	}
	defer rollback(tx)
	scope, err := newScopeChecker(ctx, tx, m)
	if err != nil {
		return err
	}
	defer scope.close()
	created := time.Now().UTC()
	ids := make([]int64, len(norm))
	for i := range norm {
		a := &norm[i]
		if err := scope.check(ctx, a); err != nil {
			return err
		}
		var other int64
		switch err := tx.QueryRowContext(ctx, `SELECT id FROM accounts WHERE election = ? AND contact = ?`, m.id, a.Contact).Scan(&other); {
		case err == nil:
			return actas.Errorf(actas.ECONFLICT, "account %q: election %s already has an account (%d) with contact %s", a.Name, election, other, a.Contact)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("sqlite: create account: %w", err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO accounts (election, name, contact, role, scope, created) VALUES (?, ?, ?, ?, ?, ?)`,
			m.id, a.Name, a.Contact, string(a.Role), scopes[i], formatTime(created))
		if err != nil {
			return fmt.Errorf("sqlite: create account: %w", err)
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return fmt.Errorf("sqlite: create account: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: create accounts: %w", err)
	}
	for i, a := range accounts {
		*a = norm[i]
		a.ID, a.Created, a.Disabled = ids[i], created, false
	}
	return nil
}

// scopeChecker checks that a witness's stations and a coordinator's areas
// are the election's.
type scopeChecker struct {
	m               *electionMeta
	stations, areas *sql.Stmt
}

func newScopeChecker(ctx context.Context, tx *sql.Tx, m *electionMeta) (*scopeChecker, error) {
	st, err := tx.PrepareContext(ctx, `SELECT 1 FROM stations WHERE election = ? AND code = ?`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: account scope: %w", err)
	}
	ar, err := tx.PrepareContext(ctx, `SELECT 1 FROM areas WHERE election = ? AND path = ?`)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("sqlite: account scope: %w", err)
	}
	return &scopeChecker{m: m, stations: st, areas: ar}, nil
}

func (c *scopeChecker) close() { c.stations.Close(); c.areas.Close() }

// check returns EINVALID naming the first entry of a's scope that is not
// the election's.
func (c *scopeChecker) check(ctx context.Context, a *actas.Account) error {
	st, what := c.stations, "station"
	switch a.Role {
	case actas.RoleWitness:
	case actas.RoleCoordinator:
		st, what = c.areas, "area"
	default:
		return nil
	}
	for _, s := range a.Scope {
		var one int
		switch err := st.QueryRowContext(ctx, c.m.id, s).Scan(&one); {
		case errors.Is(err, sql.ErrNoRows):
			return actas.Errorf(actas.EINVALID, "account %q: election %s has no %s %q", a.Name, a.Election, what, s)
		case err != nil:
			return fmt.Errorf("sqlite: account scope: %w", err)
		}
	}
	return nil
}

// DisableAccount disables an account. See actas.AccountStore.
func (db *DB) DisableAccount(ctx context.Context, id int64) error {
	res, err := db.w.ExecContext(ctx, `INSERT INTO account_disablements (account, at)
		SELECT id, ? FROM accounts WHERE id = ? ON CONFLICT (account) DO NOTHING`, formatTime(time.Now()), id)
	if err != nil {
		return fmt.Errorf("sqlite: disable account %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return nil
	}
	// Nothing inserted: already disabled, or no such account.
	_, err = db.Account(ctx, id)
	return err
}

// Account returns an account. See actas.AccountStore.
func (db *DB) Account(ctx context.Context, id int64) (*actas.Account, error) {
	st, err := db.rs.stmt(ctx, accountColumns+`WHERE a.id = ?`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: account %d: %w", id, err)
	}
	a, err := scanAccount(st.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noAccount(id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: account %d: %w", id, err)
	}
	return a, nil
}

// Accounts returns the election's accounts. See actas.AccountStore.
func (db *DB) Accounts(ctx context.Context, election string) ([]*actas.Account, error) {
	m, err := db.meta(ctx, election)
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, accountColumns+`WHERE a.election = ? ORDER BY a.id`, m.id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: accounts of %s: %w", election, err)
	}
	defer rows.Close()
	out := []*actas.Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: accounts of %s: %w", election, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: accounts of %s: %w", election, err)
	}
	return out, nil
}

// activeAccount returns the account for issuing a credential. Errors:
// ENOTFOUND, ECONFLICT when disabled.
func activeAccount(ctx context.Context, tx *sql.Tx, id int64) (*actas.Account, error) {
	a, err := scanAccount(tx.QueryRowContext(ctx, accountColumns+`WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noAccount(id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: account %d: %w", id, err)
	}
	if a.Disabled {
		return nil, actas.Errorf(actas.ECONFLICT, "account %d (%s) is disabled", a.ID, a.Name)
	}
	return a, nil
}

// issue stores a new secret's hash for an active account with insert, whose
// arguments are the hash, the account and then args, and returns the secret.
func (db *DB) issue(ctx context.Context, what string, account int64, insert string, args ...any) (string, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("sqlite: %s: %w", what, err)
	}
	defer rollback(tx)
	if _, err := activeAccount(ctx, tx, account); err != nil {
		return "", err
	}
	plain, hash := actas.NewSecret()
	if _, err := tx.ExecContext(ctx, insert, append([]any{hash[:], account}, args...)...); err != nil {
		return "", fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return plain, nil
}

// IssueCode makes a one-time sign-in code. See actas.AccountStore.
func (db *DB) IssueCode(ctx context.Context, account int64, expires time.Time) (string, error) {
	now := time.Now()
	if err := storeutil.CheckExpiry("sign-in code", expires, now); err != nil {
		return "", err
	}
	return db.issue(ctx, "issue sign-in code", account,
		`INSERT INTO sign_in_codes (hash, account, issued, expires) VALUES (?, ?, ?, ?)`, formatTime(now), formatTime(expires))
}

// RedeemCode uses up a sign-in code. See actas.AccountStore.
func (db *DB) RedeemCode(ctx context.Context, election, plain string, now time.Time) (*actas.Account, error) {
	if !actas.ValidSecret(plain) {
		return nil, actas.Errorf(actas.EINVALID, "a sign-in code is %d letters, digits, '-' and '_'", actas.SecretLength)
	}
	hash := actas.HashSecret(plain)
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: redeem sign-in code: %w", err)
	}
	defer rollback(tx)
	var stored []byte
	var account int64
	var expires string
	var used bool
	err = tx.QueryRowContext(ctx, `SELECT c.hash, c.account, c.expires, u.code IS NOT NULL
		FROM sign_in_codes c LEFT JOIN sign_in_code_uses u ON u.code = c.hash WHERE c.hash = ?`, hash[:]).Scan(&stored, &account, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noCredential()
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: redeem sign-in code: %w", err)
	}
	a, err := scanAccount(tx.QueryRowContext(ctx, accountColumns+`WHERE a.id = ?`, account))
	if err != nil {
		return nil, fmt.Errorf("sqlite: redeem sign-in code: account %d: %w", account, err)
	}
	exp, err := parseTime(expires)
	if err != nil {
		return nil, fmt.Errorf("sqlite: redeem sign-in code: expiry: %w", err)
	}
	if !storeutil.SameHash(stored, hash) || used || !now.Before(exp) || a.Disabled || a.Election != election {
		return nil, noCredential()
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sign_in_code_uses (code, at) VALUES (?, ?)`, hash[:], formatTime(now)); err != nil {
		return nil, fmt.Errorf("sqlite: redeem sign-in code: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: redeem sign-in code: %w", err)
	}
	return a, nil
}

// CreateSession starts a session. See actas.AccountStore.
func (db *DB) CreateSession(ctx context.Context, account int64, expires time.Time) (string, error) {
	now := time.Now()
	if err := storeutil.CheckExpiry("session", expires, now); err != nil {
		return "", err
	}
	return db.issue(ctx, "create session", account,
		`INSERT INTO sessions (hash, account, created, expires) VALUES (?, ?, ?, ?)`, formatTime(now), formatTime(expires))
}

// SessionAccount returns a valid session's account. See actas.AccountStore.
func (db *DB) SessionAccount(ctx context.Context, hash [32]byte, now time.Time) (*actas.Account, error) {
	var stored []byte
	var account int64
	var expires string
	var revoked bool
	err := db.r.QueryRowContext(ctx, `SELECT s.hash, s.account, s.expires, r.session IS NOT NULL
		FROM sessions s LEFT JOIN session_revocations r ON r.session = s.hash WHERE s.hash = ?`, hash[:]).Scan(&stored, &account, &expires, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noCredential()
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: session: %w", err)
	}
	exp, err := parseTime(expires)
	if err != nil {
		return nil, fmt.Errorf("sqlite: session: expiry: %w", err)
	}
	if !storeutil.SameHash(stored, hash) || revoked || !now.Before(exp) {
		return nil, noCredential()
	}
	return db.credentialAccount(ctx, account)
}

// credentialAccount returns the account of a valid credential, refusing a
// disabled one like any other invalid credential.
func (db *DB) credentialAccount(ctx context.Context, id int64) (*actas.Account, error) {
	a, err := db.Account(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: credential's account: %w", err)
	}
	if a.Disabled {
		return nil, noCredential()
	}
	return a, nil
}

// RevokeSession ends a session. See actas.AccountStore.
func (db *DB) RevokeSession(ctx context.Context, hash [32]byte) error {
	res, err := db.w.ExecContext(ctx, `INSERT INTO session_revocations (session, at)
		SELECT hash, ? FROM sessions WHERE hash = ? ON CONFLICT (session) DO NOTHING`, formatTime(time.Now()), hash[:])
	if err != nil {
		return fmt.Errorf("sqlite: revoke session: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return nil
	}
	var one int
	switch err := db.r.QueryRowContext(ctx, `SELECT 1 FROM sessions WHERE hash = ?`, hash[:]).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return actas.Errorf(actas.ENOTFOUND, "no such session")
	case err != nil:
		return fmt.Errorf("sqlite: revoke session: %w", err)
	}
	return nil
}

// IssueToken makes an API token. See actas.AccountStore.
func (db *DB) IssueToken(ctx context.Context, account int64, name string) (string, error) {
	if err := actas.CheckTokenName(name); err != nil {
		return "", err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("sqlite: issue token: %w", err)
	}
	defer rollback(tx)
	if _, err := activeAccount(ctx, tx, account); err != nil {
		return "", err
	}
	var one int
	switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM api_tokens WHERE account = ? AND name = ?`, account, name).Scan(&one); {
	case err == nil:
		return "", actas.Errorf(actas.ECONFLICT, "account %d already has a token named %q", account, name)
	case !errors.Is(err, sql.ErrNoRows):
		return "", fmt.Errorf("sqlite: issue token: %w", err)
	}
	plain, hash := actas.NewSecret()
	if _, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (hash, account, name, created) VALUES (?, ?, ?, ?)`,
		hash[:], account, name, formatTime(time.Now())); err != nil {
		return "", fmt.Errorf("sqlite: issue token: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("sqlite: issue token: %w", err)
	}
	return plain, nil
}

// TokenAccount returns an API token's account. See actas.AccountStore.
func (db *DB) TokenAccount(ctx context.Context, hash [32]byte) (*actas.Account, error) {
	var stored []byte
	var account int64
	st, err := db.rs.stmt(ctx, `SELECT hash, account FROM api_tokens WHERE hash = ?`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: token: %w", err)
	}
	err = st.QueryRowContext(ctx, hash[:]).Scan(&stored, &account)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noCredential()
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: token: %w", err)
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
// transaction. See actas.AccountStore.
func (db *DB) RememberRequests(ctx context.Context, reqs []*actas.RememberedRequest) error {
	if err := storeutil.CheckRequests(reqs, true); err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: remember request: %w", err)
	}
	defer rollback(tx)
	insert, err := db.ws.txStmt(ctx, tx, rememberSQL)
	if err != nil {
		return fmt.Errorf("sqlite: remember request: %w", err)
	}
	exists, lookup := tx.StmtContext(ctx, db.wq.accountExists), tx.StmtContext(ctx, db.wq.lookupKey)
	created := formatTime(time.Now())
	for _, r := range reqs {
		if err := db.checkAccount(ctx, exists, r.Account); err != nil {
			return err
		}
		// The first answer stays: a concurrent retry that lost the race
		// reads it.
		var seq int64
		switch err := insert.QueryRowContext(ctx, r.Account, r.Key, r.Request[:], r.Seq, created).Scan(&seq); {
		case err == nil:
			r.KeptSeq, r.KeptRequest = seq, r.Request
		case errors.Is(err, sql.ErrNoRows): // kept before
			if r.KeptSeq, r.KeptRequest, err = rememberedRequest(ctx, lookup, r.Account, r.Key); err != nil {
				return err
			}
		default:
			return fmt.Errorf("sqlite: remember request: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: remember request: %w", err)
	}
	return nil
}

// RememberedRequest returns an idempotency key's answer. See actas.AccountStore.
func (db *DB) RememberedRequest(ctx context.Context, account int64, key string) (int64, [32]byte, error) {
	if err := actas.CheckIdempotencyKey(key); err != nil {
		return 0, [32]byte{}, err
	}
	st, err := db.rs.stmt(ctx, lookupKeySQL)
	if err != nil {
		return 0, [32]byte{}, fmt.Errorf("sqlite: idempotency key: %w", err)
	}
	return rememberedRequest(ctx, st, account, key)
}

// lookupKeySQL reads an idempotency key's kept answer; rememberSQL keeps
// one unless the key is kept already.
const (
	lookupKeySQL = `SELECT seq, request FROM idempotency WHERE account = ? AND key = ?`
	rememberSQL  = `INSERT INTO idempotency (account, key, request, seq, created) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account, key) DO NOTHING RETURNING seq`
)

// rememberedRequest reads the kept answer of the account's key with
// lookup, a statement of lookupKeySQL.
func rememberedRequest(ctx context.Context, lookup *sql.Stmt, account int64, key string) (int64, [32]byte, error) {
	var seq int64
	var req []byte
	var out [32]byte
	err := lookup.QueryRowContext(ctx, account, key).Scan(&seq, &req)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, out, actas.Errorf(actas.ENOTFOUND, "no request of account %d with that idempotency key", account)
	}
	if err != nil {
		return 0, out, fmt.Errorf("sqlite: idempotency key: %w", err)
	}
	if len(req) != len(out) {
		return 0, out, actas.Errorf(actas.EINTERNAL, "sqlite: idempotency key of account %d: request hash of %d bytes", account, len(req))
	}
	copy(out[:], req)
	return seq, out, nil
}
