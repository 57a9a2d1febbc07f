package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sqlite"
)

// MustOpenDB opens the database a command wrote, closing it when tb ends.
func MustOpenDB(tb testing.TB, db string) *sqlite.DB {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// MustListAccounts runs `actas accounts list --format json`.
func MustListAccounts(tb testing.TB, db string) []*actas.Account {
	tb.Helper()
	var out []*actas.Account
	if err := json.Unmarshal([]byte(MustRun(tb, "accounts", "list", "--db", db, "--format", "json")), &out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// MustSecret runs a command that prints a secret and checks that it
// prints it alone on standard output and says it cannot be shown again.
func MustSecret(tb testing.TB, args ...string) string {
	tb.Helper()
	r := runActas(tb, args...)
	if r.err != nil {
		tb.Fatalf("actas %s: %v\n%s", strings.Join(args, " "), r.err, r.stderr)
	}
	secret := strings.TrimSuffix(r.stdout, "\n")
	if !actas.ValidSecret(secret) {
		tb.Fatalf("actas %s printed %q, want one secret on a line", strings.Join(args, " "), r.stdout)
	}
	if !strings.Contains(r.stderr, "cannot be shown again") || strings.Contains(r.stderr, secret) {
		tb.Fatalf("actas %s: stderr %q must say the secret cannot be shown again, without repeating it", strings.Join(args, " "), r.stderr)
	}
	return secret
}

func TestAccountsAddAndList(t *testing.T) {
	_, db := MustSmallElection(t)
	out := MustRun(t, "accounts", "add", "--db", db, "--role", "admin", "Ana Admin", "ANA@example.org")
	if !strings.HasPrefix(out, "account 1: admin Ana Admin <ana@example.org>") {
		t.Fatalf("add printed %q", out)
	}
	MustRun(t, "accounts", "add", "--db", db, "--role", "coordinator", "--scope", `North;South/Río\/Mar`, "Carla", "+58 412 555 0101")
	MustRun(t, "accounts", "add", "--db", db, "Wil", "0414-555-0102", "--role", "witness", "--scope", "101; 102")
	got := MustListAccounts(t, db)
	want := []struct {
		role  actas.Role
		scope string
	}{{actas.RoleAdmin, ""}, {actas.RoleCoordinator, `North|South/Río\/Mar`}, {actas.RoleWitness, "101|102"}}
	if len(got) != len(want) {
		t.Fatalf("list shows %d accounts, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Role != w.role || strings.Join(got[i].Scope, "|") != w.scope || got[i].Election != "town-2026" {
			t.Fatalf("account %d: %+v, want role %s scope %s", i+1, got[i], w.role, w.scope)
		}
	}
	table := MustRun(t, "accounts", "list", "--db", db)
	for _, s := range []string{"ID", "coordinator", "+584125550101", "101; 102", "active"} {
		if !strings.Contains(table, s) {
			t.Fatalf("list table lacks %q:\n%s", s, table)
		}
	}

	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"no role", []string{"Zed", "z@example.org"}, 2, "--role is required"},
		{"no contact", []string{"--role", "admin", "Zed"}, 2, "give NAME and CONTACT"},
		{"an unknown role", []string{"--role", "boss", "Zed", "z@example.org"}, 1, `role "boss" is not one of`},
		{"a witness of an unknown station", []string{"--role", "witness", "--scope", "999", "Zed", "z@example.org"}, 1, `no station "999"`},
		{"a coordinator of an unknown area", []string{"--role", "coordinator", "--scope", "East", "Zed", "z@example.org"}, 1, `no area "East"`},
		{"a contact already taken", []string{"--role", "keyer", "Zed", "ana@EXAMPLE.org"}, 1, "already has an account (1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runActas(t, append([]string{"accounts", "add", "--db", db}, tc.args...)...)
			if r.status != tc.status || !strings.Contains(r.stderr, tc.stderr) {
				t.Fatalf("status %d, stderr %q; want %d and %q", r.status, r.stderr, tc.status, tc.stderr)
			}
		})
	}
	if n := len(MustListAccounts(t, db)); n != 3 {
		t.Fatalf("after refused adds, %d accounts, want 3", n)
	}
}

func TestAccountsImport(t *testing.T) {
	dir, db := MustSmallElection(t)
	MustRun(t, "accounts", "add", "--db", db, "--role", "admin", "Ana", "ana@example.org")
	for _, tc := range []struct {
		name, roster, stderr string
	}{
		{"a roster with a bad row", "name,phone_or_email,role,scope\nWil,w@example.org,witness,101\nBad,b@example.org,witness,999\n",
			`roster.csv:3:4: scope: the election has no station "999"`},
		{"a roster naming a contact the election has", "name,phone_or_email,role,scope\nWil,w@example.org,witness,101\nAnita,ANA@example.org,keyer,\n",
			"nothing stored"},
		{"a missing file", "", "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "missing.csv")
			if tc.roster != "" {
				path = MustWrite(t, dir, "roster.csv", tc.roster)
			}
			r := runActas(t, "accounts", "import", "--db", db, path)
			if r.status != 1 || !strings.Contains(r.stderr, tc.stderr) {
				t.Fatalf("status %d, stderr %q; want 1 and %q", r.status, r.stderr, tc.stderr)
			}
			if n := len(MustListAccounts(t, db)); n != 1 {
				t.Fatalf("after a refused roster, %d accounts, want 1", n)
			}
		})
	}
	roster := MustWrite(t, dir, "roster.csv", "name,phone_or_email,role,scope\n"+
		"Wil,w@example.org,witness,101;102\nCarla,+58 412 555 0101,coordinator,South\nKim,k@example.org,keyer,\n")
	out := MustRun(t, "accounts", "import", "--db", db, roster)
	if !strings.Contains(out, "3 accounts created (1 coordinator, 1 witness, 1 keyer), ids 2 to 4") {
		t.Fatalf("import printed %q", out)
	}
	if got := MustListAccounts(t, db); len(got) != 4 || got[2].Contact != "+584125550101" || got[2].Scope[0] != "South" {
		t.Fatalf("after import: %+v", got)
	}
}

func TestAccountsSecrets(t *testing.T) {
	_, db := MustSmallElection(t)
	MustRun(t, "accounts", "add", "--db", db, "--role", "witness", "--scope", "101", "Wil", "w@example.org")

	code := MustSecret(t, "accounts", "code", "--db", db, "1")
	short := MustSecret(t, "accounts", "code", "--db", db, "--valid", "2h", "1")
	tok := MustSecret(t, "accounts", "token", "--db", db, "1", "phone app")
	if code == short || code == tok {
		t.Fatal("two commands printed the same secret")
	}
	list := MustRun(t, "accounts", "list", "--db", db, "--format", "json")
	for _, s := range []string{code, short, tok} {
		if strings.Contains(list, s) {
			t.Fatalf("accounts list shows a secret")
		}
	}

	st := MustOpenDB(t, db)
	ctx := t.Context()
	// The default code lives 24 hours; the --valid 2h one, two.
	_, err := st.RedeemCode(ctx, "town-2026", short, time.Now().Add(2*time.Hour+time.Minute))
	if actas.ErrorCode(err) != actas.ENOTFOUND {
		t.Fatalf("the 2h code after 2 hours: %v, want refused", err)
	}
	if a, err := st.RedeemCode(ctx, "town-2026", code, time.Now().Add(23*time.Hour)); err != nil || a.ID != 1 {
		t.Fatalf("the default code after 23 hours = %v, %v; want account 1", a, err)
	}
	if a, err := st.TokenAccount(ctx, actas.HashSecret(tok)); err != nil || a.ID != 1 {
		t.Fatalf("the token = %v, %v; want account 1", a, err)
	}

	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"a code for an unknown account", []string{"code", "--db", db, "9"}, 1, "no account 9"},
		{"a code for a non-number", []string{"code", "--db", db, "wil"}, 2, "not an account id"},
		{"a code valid for no time", []string{"code", "--db", db, "--valid", "0s", "1"}, 2, "--valid"},
		{"a code valid too long", []string{"code", "--db", db, "--valid", "1000h", "1"}, 2, "--valid"},
		{"a token without a name", []string{"token", "--db", db, "1"}, 2, "NAME"},
		{"a token name taken", []string{"token", "--db", db, "1", "phone app"}, 1, "already has a token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runActas(t, append([]string{"accounts"}, tc.args...)...)
			if r.status != tc.status || !strings.Contains(r.stderr, tc.stderr) || r.stdout != "" {
				t.Fatalf("status %d, stdout %q, stderr %q; want %d, nothing, and %q", r.status, r.stdout, r.stderr, tc.status, tc.stderr)
			}
		})
	}

	MustRun(t, "accounts", "disable", "--db", db, "1")
	if _, err := st.TokenAccount(ctx, actas.HashSecret(tok)); actas.ErrorCode(err) != actas.ENOTFOUND {
		t.Fatalf("a disabled account's token: %v, want refused", err)
	}
	r := runActas(t, "accounts", "code", "--db", db, "1")
	if r.status != 1 || !strings.Contains(r.stderr, "disabled") || r.stdout != "" {
		t.Fatalf("a code for a disabled account: status %d, stdout %q, stderr %q", r.status, r.stdout, r.stderr)
	}
	if got := MustListAccounts(t, db); !got[0].Disabled {
		t.Fatalf("list after disabling: %+v", got[0])
	}
}

func TestAccountsUsage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		status int
		out    string
	}{
		{"no subcommand", []string{"accounts"}, 2, "name a command"},
		{"an unknown subcommand", []string{"accounts", "remove"}, 2, `unknown command "remove"`},
		{"help", []string{"accounts", "help"}, 0, "roster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runActas(t, tc.args...)
			if r.status != tc.status || !strings.Contains(r.stdout+r.stderr, tc.out) {
				t.Fatalf("status %d, output %q; want %d and %q", r.status, r.stdout+r.stderr, tc.status, tc.out)
			}
		})
	}
}
