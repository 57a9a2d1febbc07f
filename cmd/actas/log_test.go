package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/tabulate"
	"github.com/actasproject/actas/translog"
	"github.com/actasproject/actas/web"
	"golang.org/x/mod/sumdb/tlog"
	_ "modernc.org/sqlite" // the tests edit database files behind the program's back
)

// runActasEnv is runActas with an environment of the test's own.
func runActasEnv(tb testing.TB, vars map[string]string, args ...string) result {
	tb.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return vars[k] }}
	err := Run(context.Background(), env, args)
	r := result{stdout: out.String(), stderr: errb.String(), err: err}
	if err != nil {
		r.status = reportError(&errb, err)
		r.stderr = errb.String()
	}
	return r
}

// MustLoggedElection simulates an election with official sheets falsified
// in places, and loads its witness and official sheets, official totals and
// turnout snapshots with init and import, which sign checkpoints as they go.
// It returns the files' directory, the database and the log's verifier key.
func MustLoggedElection(tb testing.TB, stations int) (dir, db, vkey string) {
	tb.Helper()
	dir, db = MustSimulated(tb, "--stations", fmt.Sprint(stations), "--seed", "7", "--fraud", "shift:0.2")
	MustRun(tb, "import", "--db", db, "--kind", "totals", filepath.Join(dir, "official-totals.csv"))
	MustRun(tb, "import", "--db", db, "--kind", "snapshots", filepath.Join(dir, "snapshots.csv"))
	vkey = strings.TrimSpace(MustRun(tb, "log", "key", "--db", db))
	return dir, db, vkey
}

// MustCopyDB copies a database and its signing key into a new directory,
// so that a test can damage the copy.
func MustCopyDB(tb testing.TB, db string) string {
	tb.Helper()
	to := filepath.Join(tb.TempDir(), filepath.Base(db))
	for _, suffix := range []string{"", ".key"} {
		b, err := os.ReadFile(db + suffix)
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(to+suffix, b, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	return to
}

// MustTamper opens a database file with plain SQL, as an attacker with
// access to the file would: it drops the append-only triggers first, then
// runs the statements.
func MustTamper(tb testing.TB, db string, statements ...string) {
	tb.Helper()
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.Query(`SELECT name FROM sqlite_master WHERE type = 'trigger'`)
	if err != nil {
		tb.Fatal(err)
	}
	var triggers []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			tb.Fatal(err)
		}
		triggers = append(triggers, name)
	}
	rows.Close()
	for _, t := range triggers {
		if _, err := conn.Exec(`DROP TRIGGER ` + t); err != nil {
			tb.Fatal(err)
		}
	}
	for _, s := range statements {
		res, err := conn.Exec(s)
		if err != nil {
			tb.Fatalf("%s: %v", s, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			tb.Fatalf("%s changed nothing", s)
		}
	}
}

// MustEntries reads and parses the whole log of the only election.
func MustEntries(tb testing.TB, db string) []*translog.Entry {
	tb.Helper()
	store, err := openStore(tb.Context(), db, true)
	if err != nil {
		tb.Fatal(err)
	}
	defer store.Close()
	e, err := pickElection(tb.Context(), store, "")
	if err != nil {
		tb.Fatal(err)
	}
	size, err := store.LogSize(tb.Context(), e.ID)
	if err != nil {
		tb.Fatal(err)
	}
	var out []*translog.Entry
	err = store.LogEntries(tb.Context(), e.ID, 0, size, func(i int64, entry []byte) error {
		pe, err := translog.ParseEntry(entry)
		if err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
		out = append(out, pe)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// submissionsAt returns the indexes of the log's submission entries.
func submissionsAt(entries []*translog.Entry) []int64 {
	var out []int64
	for i, e := range entries {
		if e.Kind == translog.KindSubmission {
			out = append(out, int64(i))
		}
	}
	return out
}

func TestSigningKey(t *testing.T) {
	t.Run("init creates a key only its owner can read", func(t *testing.T) {
		_, db := MustSmallElection(t)
		fi, err := os.Stat(db + ".key")
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode %04o, want 0600", fi.Mode().Perm())
		}
		vkey := strings.TrimSpace(MustRun(t, "log", "key", "--db", db))
		if !strings.HasPrefix(vkey, defaultKeyName+"+") {
			t.Fatalf("log key printed %q, want a verifier key named %s", vkey, defaultKeyName)
		}
		if _, err := translog.NewVerifier(vkey); err != nil {
			t.Fatalf("log key printed %q: %v", vkey, err)
		}
		b, _ := os.ReadFile(db + ".key")
		if strings.Contains(vkey, strings.TrimSpace(string(b))) || !strings.HasPrefix(string(b), "PRIVATE+KEY+") {
			t.Fatalf("the key file holds %q; log key must print only the public key", b)
		}
	})

	t.Run("a key others may read is refused", func(t *testing.T) {
		dir, db := MustSmallElection(t)
		if err := os.Chmod(db+".key", 0o644); err != nil {
			t.Fatal(err)
		}
		sheets := MustWrite(t, dir, "w.csv", "station,ana,ben,blank,null,ballots\n101,200,100,5,5,310\n")
		for _, args := range [][]string{{"log", "key", "--db", db}, {"import", "--db", db, sheets}, {"log", "sign", "--db", db}} {
			r := runActas(t, args...)
			if r.err == nil || !strings.Contains(r.stderr, "may be read by other users (mode 0644)") || !strings.Contains(r.stderr, "chmod 600") {
				t.Errorf("actas %s with a key readable by others: err %v, stderr %s", args[0], r.err, r.stderr)
			}
		}
		if n := national(t, db, actas.Witness); n.StationsCounted != 0 {
			t.Fatalf("the import went ahead with a key it refused")
		}
	})

	t.Run("--log-name names the key and the log", func(t *testing.T) {
		dir, _ := MustSmallElection(t)
		db := filepath.Join(t.TempDir(), "named.db")
		MustRun(t, "init", "--db", db, "--election", filepath.Join(dir, "election.json"), "--stations", filepath.Join(dir, "stations.csv"), "--log-name", "observers-2026")
		vkey := strings.TrimSpace(MustRun(t, "log", "key", "--db", db))
		if !strings.HasPrefix(vkey, "observers-2026+") {
			t.Fatalf("verifier key %q is not named observers-2026", vkey)
		}
		out := MustRun(t, "log", "verify", "--db", db, "--key", vkey)
		if !strings.Contains(out, "origin observers-2026/town-2026") {
			t.Fatalf("verify does not name the origin observers-2026/town-2026:\n%s", out)
		}
	})

	t.Run("$ACTAS_LOG_KEY holds the key instead of a file", func(t *testing.T) {
		dir, _ := MustSmallElection(t)
		skey, vkey, err := translog.GenerateKey("env-key")
		if err != nil {
			t.Fatal(err)
		}
		env := map[string]string{logKeyEnv: skey}
		db := filepath.Join(t.TempDir(), "env.db")
		r := runActasEnv(t, env, "init", "--db", db, "--election", filepath.Join(dir, "election.json"), "--stations", filepath.Join(dir, "stations.csv"))
		if r.err != nil {
			t.Fatal(r.err, r.stderr)
		}
		if _, err := os.Stat(db + ".key"); err == nil {
			t.Fatal("init wrote a key file although $ACTAS_LOG_KEY holds the key")
		}
		if got := runActasEnv(t, env, "log", "key", "--db", db); strings.TrimSpace(got.stdout) != vkey {
			t.Fatalf("log key printed %q, want %q", got.stdout, vkey)
		}
		MustRun(t, "log", "verify", "--db", db, "--key", vkey)
	})

	t.Run("--key names the key file", func(t *testing.T) {
		dir, _ := MustSmallElection(t)
		tmp := t.TempDir()
		db, key := filepath.Join(tmp, "k.db"), filepath.Join(tmp, "secrets", "log.key")
		MustRun(t, "init", "--db", db, "--key", key, "--election", filepath.Join(dir, "election.json"), "--stations", filepath.Join(dir, "stations.csv"))
		if _, err := os.Stat(db + ".key"); err == nil {
			t.Fatal("init wrote DB.key although --key named another file")
		}
		vkey := strings.TrimSpace(MustRun(t, "log", "key", "--key", key))
		MustRun(t, "log", "verify", "--db", db, "--key", vkey)
	})

	t.Run("another --log-name than the existing key's is refused", func(t *testing.T) {
		dir, db := MustSmallElection(t)
		e2 := strings.Replace(MustRead(t, filepath.Join(dir, "election.json")), "town-2026", "town-2027", 1)
		p := MustWrite(t, dir, "election2.json", e2)
		r := runActas(t, "init", "--db", db, "--election", p, "--stations", filepath.Join(dir, "stations.csv"), "--log-name", "other")
		if r.err == nil || !strings.Contains(r.stderr, `is named "actas", not "other"`) {
			t.Fatalf("err %v, stderr %s", r.err, r.stderr)
		}
	})

	t.Run("import --format creates the key with the election", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "de.db")
		out := MustRun(t, "import", "--db", db, "--format", "openelections", testdata("us-de-2016", "20161108__de__general__precinct.csv"))
		if !strings.Contains(out, "created the log signing key") || !strings.Contains(out, "signed a checkpoint") {
			t.Fatalf("import --format said:\n%s", out)
		}
		MustRun(t, "log", "verify", "--db", db)
	})
}

func MustRead(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// The store is damaged behind the program's back, as someone with the file
// would do it; `actas log verify --db` must fail and name the entry.
func TestVerifyDetectsTampering(t *testing.T) {
	_, db, vkey := MustLoggedElection(t, 300)
	entries := MustEntries(t, db)
	subs := submissionsAt(entries)
	a, b := subs[10], subs[40]
	station := func(i int64) string { return entries[i].Submission.Sheet.Station }
	votes := func(i int64) string {
		var parts []string
		for _, v := range entries[i].Submission.Sheet.Votes {
			parts = append(parts, fmt.Sprint(v))
		}
		return strings.Join(parts, ",")
	}
	var total int64
	for i, e := range entries {
		if e.Kind == translog.KindTotal {
			total = int64(i)
			break
		}
	}
	if total == 0 || votes(a) == votes(b) {
		t.Fatalf("the fixture lacks an official total entry or two different sheets")
	}
	eid := entries[0].Election
	where := func(i int64) string {
		return fmt.Sprintf("seq = %d AND election = (SELECT id FROM elections WHERE code = '%s')", i, eid)
	}
	for _, tc := range []struct {
		name string
		sql  []string
		want []string // in the report
	}{
		{"an honest store", nil, []string{"verified: the log of " + eid}},
		{"a vote changed", []string{fmt.Sprintf("UPDATE submissions SET votes = '%s' WHERE %s", votes(b), where(a))},
			[]string{fmt.Sprintf("entry %d (station %s, contest president, source %s) differs from what was logged", a, station(a), entries[a].Submission.Source),
				"do not recount to the root signed"}},
		{"a submission deleted", []string{fmt.Sprintf("DELETE FROM submissions WHERE %s", where(a))},
			[]string{fmt.Sprintf("entry %d cannot be read from", a), fmt.Sprintf("entry %d could not be read", a)}},
		{"two rows' numbers swapped", []string{
			fmt.Sprintf("UPDATE submissions SET votes = '%s' WHERE %s", votes(b), where(a)),
			fmt.Sprintf("UPDATE submissions SET votes = '%s' WHERE %s", votes(a), where(b))},
			[]string{fmt.Sprintf("entry %d (station %s", a, station(a)), "2 entries in all differ from their stored hashes"}},
		{"an official total changed", []string{fmt.Sprintf("UPDATE totals SET votes = votes + 1000 WHERE log_index = %d", total)},
			[]string{fmt.Sprintf("entry %d (official total: contest president", total)}},
		{"the ballots of a sheet changed", []string{fmt.Sprintf("UPDATE submissions SET ballots = ballots + 1 WHERE %s", where(b))},
			[]string{fmt.Sprintf("entry %d (station %s", b, station(b))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			copyDB := MustCopyDB(t, db)
			if tc.sql != nil {
				MustTamper(t, copyDB, tc.sql...)
			}
			// From the file, and from a portal serving it.
			for _, from := range [][]string{{"--db", copyDB}, {"--url", MustServeDB(t, copyDB), "--state", filepath.Join(t.TempDir(), "s.json")}} {
				r := runActas(t, append([]string{"log", "verify", "--key", vkey}, from...)...)
				if tc.sql == nil {
					if r.err != nil {
						t.Fatalf("verify %s: an honest store fails verification: %v\n%s", from[0], r.err, r.stdout)
					}
				} else if r.status != 1 {
					t.Fatalf("verify %s: exit status %d, want 1: the damage went unnoticed\n%s", from[0], r.status, r.stdout)
				}
				for _, w := range tc.want {
					if !strings.Contains(r.stdout, w) {
						t.Errorf("verify %s: the report does not say %q:\n%s", from[0], w, r.stdout)
					}
				}
			}
		})
	}
}

// MustForge rewrites the whole stored tree from the entries the store now
// derives, as an attacker who understands the log would after changing a
// number: every stored hash then agrees with the changed entries.
func MustForge(tb testing.TB, db string) {
	tb.Helper()
	store, err := openStore(tb.Context(), db, true)
	if err != nil {
		tb.Fatal(err)
	}
	e, err := pickElection(tb.Context(), store, "")
	if err != nil {
		tb.Fatal(err)
	}
	size, err := store.LogSize(tb.Context(), e.ID)
	if err != nil {
		tb.Fatal(err)
	}
	var hashes []tlog.Hash
	app := translog.NewAppender(0, tlog.HashReaderFunc(func(ids []int64) ([]tlog.Hash, error) {
		return nil, fmt.Errorf("no stored hash before the first entry")
	}))
	err = store.LogEntries(tb.Context(), e.ID, 0, size, func(i int64, entry []byte) error {
		hs, err := app.Append(entry)
		hashes = append(hashes, hs...)
		return err
	})
	store.Close()
	if err != nil {
		tb.Fatal(err)
	}
	var stmts []string
	const perPage = 32 // hashes per row of sqlite's log_pages
	for p := 0; p*perPage < len(hashes); p++ {
		var blob []byte
		for _, h := range hashes[p*perPage : min(p*perPage+perPage, len(hashes))] {
			blob = append(blob, h[:]...)
		}
		stmts = append(stmts, fmt.Sprintf("UPDATE log_pages SET hashes = x'%x' WHERE page = %d AND election = (SELECT id FROM elections WHERE code = '%s')", blob, p, e.ID))
	}
	MustTamper(tb, db, stmts...)
}

func TestCheckpointerRefusesAFork(t *testing.T) {
	dir, db, vkey := MustLoggedElection(t, 200)
	entries := MustEntries(t, db)
	a := submissionsAt(entries)[5]
	copyDB := MustCopyDB(t, db)
	MustTamper(t, copyDB, fmt.Sprintf("UPDATE submissions SET votes = '1,2,3,4' WHERE seq = %d", a))
	MustForge(t, copyDB)

	// More entries arrive: the store appends them to the forged tree.
	more := MustWrite(t, dir, "late.csv", "station,a,b,c,d,blank,null,ballots\n"+entries[subs0(entries)].Submission.Sheet.Station+",1,1,1,1,0,0,4\n")
	r := runActas(t, "import", "--db", copyDB, "--source", "audit", more)
	if r.err == nil || !strings.Contains(r.stderr, "refusing to sign a checkpoint") || !strings.Contains(r.stderr, "not an extension of the checkpoint") {
		t.Fatalf("the import signed a forked log: err %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "1 new") {
		t.Fatalf("the import itself should be stored: %s", r.stdout)
	}
	r = runActas(t, "log", "sign", "--db", copyDB)
	if r.err == nil || !strings.Contains(r.stderr, "refusing to sign") {
		t.Fatalf("log sign signed a forked log: %v %s", r.err, r.stderr)
	}
	// The stored hashes now agree with the changed entry: the signed roots
	// are what betrays it, and verify says between which checkpoints.
	r = runActas(t, "log", "verify", "--db", copyDB, "--key", vkey)
	if r.status != 1 || !strings.Contains(r.stdout, "an entry from 1 to ") || !strings.Contains(r.stdout, "differs from what was signed") {
		t.Fatalf("verify of a forged tree: status %d\n%s", r.status, r.stdout)
	}
	if !strings.Contains(r.stdout, "the log was rewritten between them") {
		t.Errorf("verify does not report the inconsistent checkpoints:\n%s", r.stdout)
	}
}

// subs0 is the index of the first submission entry.
func subs0(entries []*translog.Entry) int { return int(submissionsAt(entries)[0]) }

// MustServeDB runs `actas serve` on the database on a free loopback port
// until the test ends, and returns its URL.
func MustServeDB(tb testing.TB, db string, args ...string) string {
	tb.Helper()
	u, _ := MustServeLogged(tb, db, args...)
	return u
}

// MustServeLogged is MustServeDB, also returning what serve prints.
func MustServeLogged(tb testing.TB, db string, args ...string) (string, *syncBuffer) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	out := &syncBuffer{}
	env := &Env{Stdout: out, Stderr: out, Getenv: func(string) string { return "" }, Ready: func(u string) { ready <- u }}
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, env, append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--checkpoint-every", "200ms"}, args...))
	}()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("serve ended with %v", err)
		}
	})
	select {
	case u := <-ready:
		return u, out
	case err := <-done:
		tb.Fatalf("serve stopped before serving: %v\n%s", err, out)
	case <-time.After(time.Minute):
		tb.Fatalf("serve not ready after a minute:\n%s", out)
	}
	return "", nil
}

// Entries stored by another process while serve runs are covered by a
// checkpoint serve signs within seconds; a server without the key serves
// the log and says it does not sign.
func TestServeSignsWhileEntriesArrive(t *testing.T) {
	dir, db := MustSimulated(t, "--stations", "100", "--seed", "13")
	key := filepath.Join(t.TempDir(), "serve.key")
	if err := os.Rename(db+".key", key); err != nil {
		t.Fatal(err)
	}
	vkey := strings.TrimSpace(MustRun(t, "log", "key", "--key", key))
	u := MustServeDB(t, db, "--key", key)

	r := runActas(t, "import", "--db", db, "--kind", "totals", filepath.Join(dir, "official-totals.csv"))
	if r.err != nil || !strings.Contains(r.stderr, "no log signing key") {
		t.Fatalf("an import without the key: %v, stderr %s", r.err, r.stderr)
	}
	want := int64(len(MustEntries(t, db)))
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(u + "log/sim-13/checkpoint")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		v, _ := translog.NewVerifier(vkey)
		c, err := translog.Open(b, "", v)
		if err == nil && c.Size == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not sign the new entries: latest checkpoint %q (%v), want %d entries", b, err, want)
		}
		time.Sleep(100 * time.Millisecond)
	}

	t.Run("without the key serve says so, and shows --log-key", func(t *testing.T) {
		u, out := MustServeLogged(t, db, "--key", filepath.Join(t.TempDir(), "none.key"), "--log-key", vkey)
		if !strings.Contains(out.String(), "no log signing key") {
			t.Errorf("serve without a key does not say so:\n%s", out)
		}
		resp, err := http.Get(u + "log/key")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.TrimSpace(string(b)) != vkey {
			t.Errorf("/log/key: %q, want %q", b, vkey)
		}
		MustRun(t, "log", "verify", "--url", u, "--key", vkey, "--state", filepath.Join(t.TempDir(), "s.json"))
	})
}

func TestVerifyAgainstServe(t *testing.T) {
	_, db, vkey := MustLoggedElection(t, 300)
	u := MustServeDB(t, db)
	state := filepath.Join(t.TempDir(), "state.json")

	t.Run("an honest server verifies", func(t *testing.T) {
		out := MustRun(t, "log", "verify", "--url", u, "--key", vkey, "--state", state)
		for _, want := range []string{"signature of the latest checkpoint", "published stations are those the first entry commits to",
			"recount to the root of every checkpoint", "first check of this log", "equal the recount of the log's submissions", "verified:"} {
			if !strings.Contains(out, want) {
				t.Errorf("the report lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("a second run checks consistency with the first", func(t *testing.T) {
		out := MustRun(t, "log", "verify", "--url", u, "--key", vkey, "--state", state)
		if !strings.Contains(out, "consistent with the checkpoint of") {
			t.Errorf("the second run does not check the checkpoint seen before:\n%s", out)
		}
	})

	t.Run("another key is refused", func(t *testing.T) {
		_, other, _ := translog.GenerateKey("actas")
		r := runActas(t, "log", "verify", "--url", u, "--key", other, "--state", filepath.Join(t.TempDir(), "s.json"))
		if r.status != 1 || !strings.Contains(r.stderr, "does not verify with key") {
			t.Fatalf("status %d, stderr %s", r.status, r.stderr)
		}
	})

	// A state file remembering checkpoints the log's key signed but the
	// log no longer extends: the log shrank, or forked.
	key, _, err := loadSigningKey(&Env{Getenv: func(string) string { return "" }}, db, "")
	if err != nil {
		t.Fatal(err)
	}
	latest := MustLatest(t, db)
	for _, tc := range []struct {
		name string
		size int64
		want string
	}{
		{"a log that shrank is reported", latest.Size + 5, "THE LOG SHRANK"},
		{"a log that forked is reported", latest.Size, "FORK"},
		{"a log whose past changed is reported", latest.Size - 3, "FORK"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			note, err := translog.Sign(translog.Checkpoint{Origin: translog.Origin(key.signer.Name(), "sim-7"), Size: tc.size, Hash: tlog.RecordHash([]byte(tc.name))}, key.signer)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(t.TempDir(), "state.json")
			st := &verifyState{Logs: map[string]*seenCheckpoint{}}
			st.Logs[vkey+" "+translog.Origin(key.signer.Name(), "sim-7")] = &seenCheckpoint{Key: vkey, Checkpoint: string(note), Seen: time.Now(), Source: u}
			if err := writeState(p, st); err != nil {
				t.Fatal(err)
			}
			r := runActas(t, "log", "verify", "--url", u, "--key", vkey, "--state", p)
			if r.status != 1 || !strings.Contains(r.stdout, tc.want) {
				t.Fatalf("status %d, want 1 and %q:\n%s", r.status, tc.want, r.stdout)
			}
			if after := MustRead(t, p); !strings.Contains(after, strings.ReplaceAll(string(note), "\n", "\\n")) {
				t.Errorf("the state file forgot the checkpoint that proves the fork:\n%s", after)
			}
		})
	}
}

// MustLatest is the latest checkpoint of the only election's log.
func MustLatest(tb testing.TB, db string) *actas.Checkpoint {
	tb.Helper()
	store, err := openStore(tb.Context(), db, true)
	if err != nil {
		tb.Fatal(err)
	}
	defer store.Close()
	e, err := pickElection(tb.Context(), store, "")
	if err != nil {
		tb.Fatal(err)
	}
	cp, err := latestCheckpoint(tb.Context(), store, e.ID)
	if err != nil || cp == nil {
		tb.Fatalf("latest checkpoint: %v", err)
	}
	return cp
}

func TestReceipts(t *testing.T) {
	dir, db := MustSimulated(t, "--stations", "200", "--seed", "11")
	vkey := strings.TrimSpace(MustRun(t, "log", "key", "--db", db))
	receipts := filepath.Join(t.TempDir(), "receipts.jsonl")
	audit := MustWrite(t, dir, "audit.csv", "station,a,b,c,d,blank,null,ballots\n"+firstStation(t, dir)+",10,20,30,40,0,0,100\n")
	out := MustRun(t, "import", "--db", db, "--source", "audit", "--receipts", receipts, audit)
	if !strings.Contains(out, "wrote 1 receipts") {
		t.Fatalf("import --receipts said %q", out)
	}
	sheets := filepath.Join(dir, "official-totals.csv")
	receipts2 := filepath.Join(t.TempDir(), "totals.jsonl")
	out = MustRun(t, "import", "--db", db, "--kind", "totals", "--receipts", receipts2, sheets)
	if !strings.Contains(out, "receipts to") {
		t.Fatalf("import --kind totals --receipts said %q", out)
	}

	t.Run("a receipt verifies offline", func(t *testing.T) {
		out := MustRun(t, "log", "check-receipt", "--key", vkey, receipts)
		if !strings.Contains(out, "source audit") || !strings.Contains(out, "1 receipt(s) verified offline") {
			t.Fatalf("check-receipt said:\n%s", out)
		}
		MustRun(t, "log", "check-receipt", "--key", vkey, receipts2)
	})

	t.Run("a receipt still verifies against a later checkpoint", func(t *testing.T) {
		MustRun(t, "import", "--db", db, "--kind", "snapshots", filepath.Join(dir, "snapshots.csv"))
		out := MustRun(t, "log", "check-receipt", "--key", vkey, "--db", db, receipts)
		if !strings.Contains(out, "and still in the latest of") {
			t.Fatalf("check-receipt --db said:\n%s", out)
		}
		u := MustServeDB(t, db)
		out = MustRun(t, "log", "check-receipt", "--key", vkey, "--url", u, receipts)
		if !strings.Contains(out, "still hold in the latest checkpoint of "+u) {
			t.Fatalf("check-receipt --url said:\n%s", out)
		}
	})

	var rc translog.Receipt
	if err := json.Unmarshal([]byte(strings.SplitN(MustRead(t, receipts), "\n", 2)[0]), &rc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(r *translog.Receipt)
		want   string
	}{
		{"a changed vote is refused", func(r *translog.Receipt) { r.Entry = strings.Replace(r.Entry, "votes 10 ", "votes 11 ", 1) }, "is not in the tree"},
		{"another index is refused", func(r *translog.Receipt) { r.Index-- }, "not entry"},
		{"a dropped proof node is refused", func(r *translog.Receipt) { r.Proof = r.Proof[1:] }, "is not in the tree"},
		{"a tampered checkpoint is refused", func(r *translog.Receipt) { r.Checkpoint = strings.Replace(r.Checkpoint, "\n", " \n", 1) }, "signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := rc
			bad.Proof = append([][]byte(nil), rc.Proof...)
			tc.change(&bad)
			b, _ := json.Marshal(&bad)
			p := MustWrite(t, t.TempDir(), "bad.jsonl", string(b)+"\n")
			r := runActas(t, "log", "check-receipt", "--key", vkey, p)
			if r.status != 1 || !strings.Contains(r.stdout+r.stderr, tc.want) {
				t.Fatalf("status %d, want 1 and %q: %s %s", r.status, tc.want, r.stdout, r.stderr)
			}
		})
	}

	t.Run("receipts need the signing key", func(t *testing.T) {
		copyDB := MustCopyDB(t, db)
		os.Remove(copyDB + ".key")
		r := runActas(t, "import", "--db", copyDB, "--source", "qr", "--receipts", filepath.Join(t.TempDir(), "r.jsonl"), audit)
		if r.err == nil || !strings.Contains(r.stderr, "--receipts needs a signed checkpoint") {
			t.Fatalf("err %v, stderr %s", r.err, r.stderr)
		}
	})
}

// firstStation is the code of the first station of a simulated election.
func firstStation(tb testing.TB, dir string) string {
	tb.Helper()
	f, err := os.Open(filepath.Join(dir, "stations.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	sc.Scan()
	return strings.SplitN(sc.Text(), ",", 2)[0]
}

// A portal whose results are not the tally of its log (here: reconciled by
// other rules, the authority's sheets first) is caught by verify --url,
// which names the first area that differs.
func TestVerifyReportsResultsThatDifferFromTheLog(t *testing.T) {
	_, db, vkey := MustLoggedElection(t, 300)
	store, err := openStore(t.Context(), db, true)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	tab, err := tabulate.Load(t.Context(), store, tabulate.Rules{Rank: []actas.Source{actas.Official, actas.Witness}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{Store: store, Results: tab, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), LogKey: vkey})
	if err != nil {
		t.Fatal(err)
	}
	u, err := srv.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve()
	t.Cleanup(func() { srv.Close() })
	r := runActas(t, "log", "verify", "--url", u, "--key", vkey, "--state", filepath.Join(t.TempDir(), "s.json"))
	if r.status != 1 {
		t.Fatalf("verify accepted results that are not the log's: status %d\n%s", r.status, r.stdout)
	}
	want := "the results served differ from the log's recount: contest president, reconciled, level national: area national: "
	if !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "in the log's recount") {
		t.Fatalf("the report does not name the first differing area:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "recount to the root of every checkpoint") {
		t.Errorf("the log itself should verify:\n%s", r.stdout)
	}
}
