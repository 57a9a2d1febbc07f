package actas

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

func incidentElection() *Election {
	return &Election{ID: "e", Name: "E", Levels: []string{"state"}, Contests: []Contest{{ID: "p", Name: "P", Choices: []Choice{{ID: "a", Name: "A"}}}}}
}

func TestIncidentCategories(t *testing.T) {
	cases := []struct {
		name string
		cats []string
		ok   bool
	}{
		{"none means the default list", nil, true},
		{"an election's own list", []string{"violence", "ballot-stuffing"}, true},
		{"a category that is not an id", []string{"Violence"}, false},
		{"a category twice", []string{"violence", "violence"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := incidentElection()
			e.IncidentCategories = c.cats
			if err := e.Validate(); (err == nil) != c.ok {
				t.Fatalf("Validate: %v, want ok=%v", err, c.ok)
			}
		})
	}
	t.Run("an election without categories keeps its definition's encoding", func(t *testing.T) {
		b, _ := json.Marshal(incidentElection())
		if strings.Contains(string(b), "incident") {
			t.Fatalf("definition %s names incident categories", b)
		}
		if got := incidentElection().IncidentCategoryList(); !slices.Equal(got, DefaultIncidentCategories) {
			t.Fatalf("categories %v", got)
		}
	})
}

func TestCheckIncident(t *testing.T) {
	e := incidentElection()
	good := func() *Incident {
		return &Incident{Election: "e", Station: "001", Category: "violence", Severity: SeverityHigh, Time: time.Now(), Text: "  golpes  ", Account: 1}
	}
	photo := strings.Repeat("ab", 32)
	cases := []struct {
		name string
		edit func(*Incident)
		ok   bool
	}{
		{"a report at a station", func(*Incident) {}, true},
		{"a report about an area", func(in *Incident) { in.Station, in.Area = "", "Zulia" }, true},
		{"a report about the whole election", func(in *Incident) { in.Station, in.Area = "", National }, true},
		{"a photo without text", func(in *Incident) { in.Text, in.Photos = "", []string{photo} }, true},
		{"text of exactly 4 KiB", func(in *Incident) { in.Text = strings.Repeat("a", MaxIncidentText) }, true},
		{"text over 4 KiB", func(in *Incident) { in.Text = strings.Repeat("a", MaxIncidentText+1) }, false},
		{"neither text nor photo", func(in *Incident) { in.Text = " \n " }, false},
		{"a control character", func(in *Incident) { in.Text = "a\x00b" }, false},
		{"another election", func(in *Incident) { in.Election = "f" }, false},
		{"unknown category", func(in *Incident) { in.Category = "weather" }, false},
		{"severity 0", func(in *Incident) { in.Severity = 0 }, false},
		{"no time", func(in *Incident) { in.Time = time.Time{} }, false},
		{"eleven photos", func(in *Incident) {
			for i := 0; i < 11; i++ {
				in.Photos = append(in.Photos, strings.Repeat(string(rune('a'+i%6)), 64))
			}
		}, false},
		{"the same photo twice", func(in *Incident) { in.Photos = []string{photo, photo} }, false},
		{"a photo name that is not a hash", func(in *Incident) { in.Photos = []string{"x.jpg"} }, false},
		{"no account", func(in *Incident) { in.Account = 0 }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := good()
			c.edit(in)
			err := CheckIncident(e, in)
			if (err == nil) != c.ok {
				t.Fatalf("CheckIncident: %v, want ok=%v", err, c.ok)
			}
			if err != nil && ErrorCode(err) != EINVALID {
				t.Fatalf("code %s, want invalid", ErrorCode(err))
			}
		})
	}
}

func TestIncidentDecisions(t *testing.T) {
	e := incidentElection()
	t0 := time.Date(2024, 7, 28, 21, 0, 0, 0, time.UTC)
	in := &Incident{ID: 7, Election: "e", Station: "001", Area: "Zulia/Maracaibo", Category: "violence", Severity: SeverityHigh, Time: t0, Text: "Pedro Pérez golpeó al testigo", Account: 3}
	other := &Incident{ID: 8, Election: "e", Area: "Mérida", Category: "other", Severity: SeverityLow, Time: t0, Text: "x", Account: 3}
	must := func(r *Record, err error) *Record {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	pub := must(NewIncidentDecision(e, in, "5", t0, IncidentDecision{Decision: DecisionPublish, Text: "Un hombre golpeó al testigo"}))
	t.Run("a publish decision states what the public reads, filled from the report but for the text", func(t *testing.T) {
		_, d, err := ParseIncidentDecision(pub)
		if err != nil || d.Category != "violence" || d.Severity != SeverityHigh || d.Station != "001" || d.Area != "Zulia/Maracaibo" ||
			d.Text != "Un hombre golpeó al testigo" || d.Time != "2024-07-28T21:00:00Z" || pub.Subject != "7" || pub.Kind != RecordIncident {
			t.Fatalf("decision %+v, %v (record %+v)", d, err, pub)
		}
	})
	t.Run("a rejection keeps only its reason", func(t *testing.T) {
		rej := must(NewIncidentDecision(e, in, "5", t0, IncidentDecision{Decision: DecisionReject, Reason: "rumor", Text: in.Text, Category: "violence"}))
		if strings.Contains(string(rej.Body), "Pedro") || string(rej.Body) != `{"decision":"reject","reason":"rumor"}` {
			t.Fatalf("body %s", rej.Body)
		}
	})
	bad := []struct {
		name string
		d    IncidentDecision
	}{
		{"a rejection without a reason", IncidentDecision{Decision: DecisionReject}},
		{"an unknown decision", IncidentDecision{Decision: "hide"}},
		{"an unknown category", IncidentDecision{Decision: DecisionPublish, Category: "weather"}},
		{"a bad severity", IncidentDecision{Decision: DecisionPublish, Severity: 9}},
		{"a bad time", IncidentDecision{Decision: DecisionPublish, Time: "yesterday"}},
		{"text over 4 KiB", IncidentDecision{Decision: DecisionPublish, Text: strings.Repeat("a", MaxIncidentText+1)}},
	}
	for _, c := range bad {
		t.Run(c.name+" is refused", func(t *testing.T) {
			if _, err := NewIncidentDecision(e, in, "5", t0, c.d); ErrorCode(err) != EINVALID {
				t.Fatalf("err %v, want invalid", err)
			}
		})
	}
	t.Run("the latest decision counts, per area", func(t *testing.T) {
		pub.Index = 10
		pub2 := must(NewIncidentDecision(e, other, "5", t0, IncidentDecision{Decision: DecisionPublish}))
		pub2.Index = 11
		withdraw := must(NewIncidentDecision(e, in, "5", t0, IncidentDecision{Decision: DecisionReject, Reason: "riesgo"}))
		withdraw.Index = 12
		junk := &Record{Index: 13, Kind: RecordIncident, Subject: "x", Body: []byte(`{}`)}
		recs := []*Record{pub, pub2}
		if got := PublishedIncidents(recs, ""); len(got) != 2 || got[0].ID != 8 || got[1].ID != 7 || got[1].LogIndex != 10 {
			t.Fatalf("published %+v, want 8 then 7 (newest decision first)", got)
		}
		if got := PublishedIncidents(recs, "Zulia"); len(got) != 1 || got[0].ID != 7 {
			t.Fatalf("published in Zulia %+v", got)
		}
		if got := PublishedIncidents(recs, "Zul"); len(got) != 0 {
			t.Fatalf("a prefix of a name selects %+v", got)
		}
		recs = append(recs, withdraw, junk)
		if got := PublishedIncidents(recs, ""); len(got) != 1 || got[0].ID != 8 {
			t.Fatalf("after withdrawal %+v", got)
		}
		incs := []*Incident{in, other, {ID: 9}}
		SetIncidentStatus(incs, IncidentDecisions(recs))
		if incs[0].Status != IncidentRejected || incs[1].Status != IncidentPublished || incs[2].Status != IncidentPending {
			t.Fatalf("statuses %s %s %s", incs[0].Status, incs[1].Status, incs[2].Status)
		}
	})
}

// FuzzParseIncidentDecision: a record body read back from a store (or a
// log mirror) never panics the parser, and whatever it accepts is a known
// decision.
func FuzzParseIncidentDecision(f *testing.F) {
	f.Add("7", `{"decision":"publish","category":"violence","severity":3,"area":"Zulia","time":"2024-07-28T21:00:00Z","text":"x"}`)
	f.Add("8", `{"decision":"reject","reason":"rumor"}`)
	f.Add("x", `{}`)
	f.Add("-1", `[]`)
	f.Fuzz(func(t *testing.T, subject, body string) {
		r := &Record{Kind: RecordIncident, Subject: subject, Body: []byte(body)}
		id, d, err := ParseIncidentDecision(r)
		if err != nil {
			return
		}
		if id <= 0 || (d.Decision != DecisionPublish && d.Decision != DecisionReject) {
			t.Fatalf("accepted id %d decision %q", id, d.Decision)
		}
		_ = PublishedIncidents([]*Record{r}, "")
	})
}
