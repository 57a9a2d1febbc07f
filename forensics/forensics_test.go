package forensics_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/forensics"
	"github.com/actasproject/actas/simulate"
)

// The JSON a user downloads: the keys DESIGN.md promises, every test
// named, with its caveat.
func TestRunJSON(t *testing.T) {
	ds, _ := MustSimulate(t, simulate.Config{Stations: 3000, Seed: 9, Fraud: []simulate.Fraud{{Model: simulate.Extreme}}})
	p := MustPanel(t, ds, actas.Official)
	r, err := forensics.Run(p, forensics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Contest string `json:"contest"`
		Source  string `json:"source"`
		Caveat  string `json:"caveat"`
		Tests   []map[string]any
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Contest != ds.Election.Contests[0].ID || doc.Source != "official" || doc.Caveat == "" {
		t.Errorf("contest %q, source %q, caveat %q", doc.Contest, doc.Source, doc.Caveat)
	}
	want := []string{"fingerprint", "integer-percent", "last-digit", "adjacent-pair", "second-digit", "impossible-sheets"}
	if len(doc.Tests) != len(want) {
		t.Fatalf("%d tests, want %d: %s", len(doc.Tests), len(want), b)
	}
	for i, test := range doc.Tests {
		if test["name"] != want[i] {
			t.Errorf("test %d is %v, want %s", i, test["name"], want[i])
		}
		for _, key := range []string{"statistic", "p_value", "excess", "sd", "flag", "note"} {
			if _, ok := test[key]; !ok {
				t.Errorf("%s lacks %q", want[i], key)
			}
		}
		if note, _ := test["note"].(string); !strings.Contains(note, "not proof") {
			t.Errorf("%s: the note does not say a flag is not proof: %q", want[i], note)
		}
	}
	if doc.Tests[0]["flag"] != true {
		t.Errorf("extreme stuffing at 3%% of stations: fingerprint not flagged: %v", doc.Tests[0]["note"])
	}
	if doc.Tests[5]["p_value"] != nil {
		t.Errorf("impossible sheets have no p-value, got %v", doc.Tests[5]["p_value"])
	}
}

func TestRunErrors(t *testing.T) {
	p := MustHandPanel(t, actas.Witness, row{"s1", 500, 1, sheet(200, 100, 5, 5, 310, 310)})
	empty := MustHandPanel(t, actas.Witness, row{"s1", 500, 1, nil})
	for _, tc := range []struct {
		name  string
		panel *actas.Panel
		opt   forensics.Options
		code  string
		says  string
	}{
		{"no panel", nil, forensics.Options{}, actas.EINVALID, "no panel"},
		{"no sheet", empty, forensics.Options{}, actas.ENOTFOUND, "no witness sheet"},
		{"unknown leader", p, forensics.Options{Leader: "z"}, actas.EINVALID, "use one of a, b"},
		{"too few replicates", p, forensics.Options{Replicates: 10}, actas.EINVALID, "replicates 10 must be between 100 and 100000"},
		{"bootstrap too large", p, forensics.Options{Bootstrap: 1_000_000}, actas.EINVALID, "bootstrap"},
		{"confidence of 95", p, forensics.Options{Confidence: 95}, actas.EINVALID, "confidence 95 must be between 0 and 1"},
		{"alpha of 1", p, forensics.Options{Alpha: 1}, actas.EINVALID, "alpha"},
		{"minimum count below 10", p, forensics.Options{MinCount: 5}, actas.EINVALID, "at least 10"},
		{"too many bins", p, forensics.Options{Bins: 5000}, actas.EINVALID, "bins 5000"},
		{"corner of 1", p, forensics.Options{Corner: 1}, actas.EINVALID, "corner"},
		{"negative workers", p, forensics.Options{Workers: -1}, actas.EINVALID, "workers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := forensics.Run(tc.panel, tc.opt)
			if err == nil {
				t.Fatalf("no error; report %+v", r)
			}
			if actas.ErrorCode(err) != tc.code || !strings.Contains(actas.ErrorMessage(err), tc.says) {
				t.Errorf("error %q (%s), want %s saying %q", err, actas.ErrorCode(err), tc.code, tc.says)
			}
		})
	}
	t.Run("a malformed sheet", func(t *testing.T) {
		bad := MustHandPanel(t, actas.Witness, row{"s1", 500, 1, sheet(-3, 100, 5, 5, 310, 310)})
		if _, err := forensics.Run(bad, forensics.Options{}); actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("negative votes: error %v, want EINVALID", err)
		}
	})
}

// A panel too small for some tests still gets the others, and says why
// the rest were skipped.
func TestRunSkipsWhatThePanelCannotSupport(t *testing.T) {
	p := MustHandPanel(t, actas.Witness,
		row{"s1", 500, 1, sheet(200, 100, 5, 5, 310, 310)},
		row{"s2", 80, 1, sheet(9, 3, 0, 0, 12, 12)},
	)
	r, err := forensics.Run(p, forensics.Options{})
	if err != nil {
		t.Fatal(err)
	}
	skipped := map[string]bool{}
	for _, test := range r.Tests {
		if test.Skipped != "" {
			skipped[test.Name] = true
			if !strings.Contains(test.Note, test.Skipped) || test.Flag {
				t.Errorf("%s: note %q, flag %v", test.Name, test.Note, test.Flag)
			}
		}
	}
	for _, name := range []string{"last-digit", "adjacent-pair", "second-digit"} {
		if !skipped[name] {
			t.Errorf("%s ran on two vote counts", name)
		}
	}
	if skipped["fingerprint"] || skipped["integer-percent"] || skipped["impossible-sheets"] {
		t.Errorf("skipped %v; the fingerprint, integer percentages and sheet checks need one station", skipped)
	}
	if r.LastDigit != nil || r.Fingerprint == nil {
		t.Errorf("last digit %v, fingerprint %v", r.LastDigit, r.Fingerprint)
	}
}
