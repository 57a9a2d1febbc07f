package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAuditCommands runs an audit of a simulated honest election from the
// command line: set up, draw, two keyers' hand counts, risk; then
// recomputes the sample and the risk from the public files alone with
// `actas audit compute`, as anyone could.
func TestAuditCommands(t *testing.T) {
	dir, db := MustSimulated(t, "--stations", "1200", "--seed", "5")
	const seed = "12345678901234567890"
	MustRun(t, "audit", "new", "--db", db, "--id", "rla", "--seed", seed, "--risk-limit", "10")
	list := filepath.Join(dir, "round1.csv")
	MustRun(t, "audit", "draw", "--db", db, "--id", "rla", "--out", list)
	sampled := csvColumn(t, list, "station")
	if len(sampled) == 0 {
		t.Fatal("round 1 drew no station")
	}
	// The hand count finds what the official sheets say (no fraud).
	hand := filepath.Join(dir, "hand.csv")
	writeRows(t, hand, filepath.Join(dir, "official.csv"), sampled)

	r := runActas(t, "audit", "risk", "--db", db, "--id", "rla")
	if r.err == nil || !strings.Contains(r.stderr, "no agreed hand count") {
		t.Fatalf("risk before any hand count: %v %s", r.err, r.stderr)
	}
	r = runActas(t, "audit", "count", "--db", db, "--id", "rla", "--keyer", "ana", filepath.Join(dir, "official.csv"))
	if r.err == nil || !strings.Contains(r.stderr, "is not in audit rla's sample") {
		t.Fatalf("counts of stations not sampled: %v %s", r.err, r.stderr)
	}
	MustRun(t, "audit", "count", "--db", db, "--id", "rla", "--keyer", "ana", hand)
	out := MustRun(t, "audit", "count", "--db", db, "--id", "rla", "--keyer", "luis", hand)
	if !strings.Contains(out, "0 sampled stations lack an agreed count") {
		t.Errorf("after two keyers: %s", out)
	}
	var v auditView
	if err := json.Unmarshal([]byte(MustRun(t, "audit", "risk", "--db", db, "--id", "rla", "--format", "json")), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Risks) != 1 || v.Risks[0].Decision != "confirmed" || v.Risks[0].Risk > 0.1 || !v.Finished {
		t.Fatalf("risks %+v, want confirmed at ≤ 10%%", v.Risks)
	}
	table := MustRun(t, "audit", "show", "--db", db, "--id", "rla")
	if !strings.Contains(table, "outcome confirmed at risk") || !strings.Contains(table, "recompute: actas audit compute") {
		t.Errorf("audit show:\n%s", table)
	}

	// Anyone recomputes it from batches.csv and counts.csv.
	pub := filepath.Join(dir, "public")
	MustRun(t, "audit", "files", "--db", db, "--id", "rla", "--dir", pub)
	batches, counts := filepath.Join(pub, "batches.csv"), filepath.Join(pub, "counts.csv")
	args := strings.Fields(strings.TrimPrefix(v.Recompute, "actas "))
	for i, a := range args {
		switch a {
		case "batches.csv":
			args[i] = batches
		case "counts.csv":
			args[i] = counts
		}
	}
	var again struct {
		Draws  []struct{ ID string } `json:"draws"`
		Result struct {
			Risk     float64 `json:"risk"`
			Decision string  `json:"decision"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(MustRun(t, append(args, "--format", "json")...)), &again); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range again.Draws {
		if !slices.Contains(ids, d.ID) {
			ids = append(ids, d.ID)
		}
	}
	if !slices.Equal(ids, sampled) || again.Result.Risk != v.Risks[0].Risk || again.Result.Decision != "confirmed" {
		t.Errorf("recomputed sample %v risk %v %s; the audit drew %v, risk %v", ids, again.Result.Risk, again.Result.Decision, sampled, v.Risks[0].Risk)
	}
}

func csvColumn(tb testing.TB, path, col string) []string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	k := slices.Index(rows[0], col)
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[k])
	}
	return out
}

// writeRows writes the header and the rows of src whose station is in keep.
func writeRows(tb testing.TB, dst, src string, keep []string) {
	tb.Helper()
	f, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		tb.Fatal(err)
	}
	out := [][]string{rows[0]}
	for _, r := range rows[1:] {
		if slices.Contains(keep, r[0]) {
			out = append(out, r)
		}
	}
	g, err := os.Create(dst)
	if err != nil {
		tb.Fatal(err)
	}
	w := csv.NewWriter(g)
	w.WriteAll(out)
	if err := g.Close(); err != nil {
		tb.Fatal(err)
	}
}
