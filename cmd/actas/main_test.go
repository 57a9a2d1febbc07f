package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

// result is what one in-process run of the command printed.
type result struct {
	stdout, stderr string
	err            error
	status         int
}

// runActas runs the command in-process, as `actas args...` would.
func runActas(tb testing.TB, args ...string) result {
	tb.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	err := Run(context.Background(), env, args)
	r := result{stdout: out.String(), stderr: errb.String(), err: err}
	if err != nil {
		r.status = reportError(&errb, err)
		r.stderr = errb.String()
	}
	return r
}

// MustRun runs the command and fails the test if it fails.
func MustRun(tb testing.TB, args ...string) string {
	tb.Helper()
	r := runActas(tb, args...)
	if r.err != nil {
		tb.Fatalf("actas %s: %v\nstderr: %s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r.stdout
}

// MustResults runs `actas results --format json` and decodes it.
func MustResults(tb testing.TB, args ...string) *actas.ResultsDocument {
	tb.Helper()
	out := MustRun(tb, append([]string{"results", "--format", "json"}, args...)...)
	var doc actas.ResultsDocument
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		tb.Fatalf("results JSON: %v\n%s", err, out)
	}
	return &doc
}

// MustSimulated writes a simulated election with `actas simulate` and loads
// it with `actas init` and `actas import`, returning the files' directory
// and the database path.
func MustSimulated(tb testing.TB, args ...string) (dir, db string) {
	tb.Helper()
	dir = tb.TempDir()
	MustRun(tb, append([]string{"simulate", "--out", dir}, args...)...)
	db = filepath.Join(dir, "test.db")
	MustRun(tb, "init", "--db", db, "--election", filepath.Join(dir, "election.json"), "--stations", filepath.Join(dir, "stations.csv"))
	MustRun(tb, "import", "--db", db, filepath.Join(dir, "witness.csv"))
	MustRun(tb, "import", "--db", db, "--source", "official", filepath.Join(dir, "official.csv"))
	return dir, db
}

func TestCommandLineErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	for _, tc := range []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"no command", nil, 2, "no command given"},
		{"unknown command", []string{"tally"}, 2, `unknown command "tally"`},
		{"unknown flag", []string{"results", "--colour"}, 2, "flag provided but not defined: -colour"},
		{"results without a database", []string{"results", "--db", missing}, 1, "no database at " + missing},
		{"import of a file that does not exist", []string{"import", "--db", missing, "--format", "ve-2024-actas", filepath.Join(dir, "nope.csv")}, 1, "nope.csv"},
		{"unknown layout", []string{"import", "--db", missing, "--format", "xx", "f.csv"}, 1, `"xx"`},
		{"layout with a source", []string{"import", "--format", "ve-2024-actas", "--source", "official", "f.csv"}, 2, "--source does not apply with --format"},
		{"init without files", []string{"init", "--db", missing}, 2, "--election and --stations are required"},
		{"unknown source", []string{"results", "--db", missing, "--source", "rumour"}, 1, `unknown source "rumour"`},
		{"bad fraud model", []string{"simulate", "--out", dir, "--fraud", "magic"}, 2, `unknown model "magic"`},
		{"help", []string{"results", "-h"}, 0, "Usage: actas results"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runActas(t, tc.args...)
			if r.status != tc.status {
				t.Errorf("exit status %d, want %d (err %v)", r.status, tc.status, r.err)
			}
			if !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("stderr does not mention %q:\n%s", tc.stderr, r.stderr)
			}
		})
	}
}
