package sqlite_test

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/storetest"
)

// TestSecretsAreStoredHashedOnly looks for every secret handed out in the
// bytes of the database and its write-ahead log, in text and as raw bytes:
// someone who copies the file must find none.
func TestSecretsAreStoredHashedOnly(t *testing.T) {
	db := MustOpenWithElection(t, "e")
	w := storetest.MustCreateAccount(t, db, storetest.WitnessAccount("e", "W", "w@example.org", "001"))
	var secrets []string
	secrets = append(secrets, storetest.MustIssueCode(t, db, w.ID))
	sess, err := db.CreateSession(t.Context(), w.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := db.IssueToken(t.Context(), w.ID, "app")
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, sess, tok)
	var files []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(db.Path() + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		files = append(files, b...)
	}
	for _, s := range secrets {
		h := actas.HashSecret(s)
		if !bytes.Contains(files, h[:]) {
			t.Fatalf("the store's files do not hold the hash of a secret: the search below would prove nothing")
		}
		if bytes.Contains(files, []byte(s)) {
			t.Fatalf("the store's files hold the secret %q in plain text", s)
		}
	}
}

// TestAccountTablesAreAppendOnly checks that plain SQL cannot un-use a
// code, un-revoke a session or re-enable an account.
func TestAccountTablesAreAppendOnly(t *testing.T) {
	db := MustOpenWithElection(t, "e")
	w := storetest.MustCreateAccount(t, db, storetest.WitnessAccount("e", "W", "w@example.org", "001"))
	code := storetest.MustIssueCode(t, db, w.ID)
	if _, err := db.RedeemCode(t.Context(), "e", code, time.Now()); err != nil {
		t.Fatal(err)
	}
	sess, err := db.CreateSession(t.Context(), w.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeSession(t.Context(), actas.HashSecret(sess)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.IssueToken(t.Context(), w.ID, "app"); err != nil {
		t.Fatal(err)
	}
	if err := db.DisableAccount(t.Context(), w.ID); err != nil {
		t.Fatal(err)
	}
	plain := MustPlainSQL(t, db.Path())
	for _, stmt := range []string{
		`DELETE FROM sign_in_code_uses`,
		`UPDATE sign_in_codes SET expires = '2999-01-01T00:00:00Z'`,
		`DELETE FROM session_revocations`,
		`UPDATE sessions SET expires = '2999-01-01T00:00:00Z'`,
		`DELETE FROM account_disablements`,
		`UPDATE accounts SET role = 'admin'`,
		`DELETE FROM accounts`,
		`UPDATE api_tokens SET name = 'x'`,
	} {
		t.Run(stmt, func(t *testing.T) {
			_, err := plain.Exec(stmt)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Fatalf("%s: error %v, want a refusal naming append-only", stmt, err)
			}
		})
	}
}
