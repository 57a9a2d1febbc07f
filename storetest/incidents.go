package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

// Incident returns a report of election e by account at station (or, with
// station "", in area), of category violence.
func Incident(e string, account int64, station, area, text string) *actas.Incident {
	return &actas.Incident{Election: e, Station: station, Area: area, Category: "violence", Severity: actas.SeverityHigh,
		Time: time.Date(2024, 7, 28, 17, 30, 0, 123456789, time.FixedZone("VET", -4*3600)), Text: text, Account: account,
		Received: received}
}

// MustReportIncident stores in.
func MustReportIncident(tb testing.TB, s actas.Store, in *actas.Incident) *actas.Incident {
	tb.Helper()
	if err := s.ReportIncident(tb.Context(), in); err != nil {
		tb.Fatalf("ReportIncident(%s %q): %v", in.Election, in.Text, err)
	}
	return in
}

// MustIncidents returns the incidents f selects.
func MustIncidents(tb testing.TB, s actas.Store, e string, f actas.IncidentFilter) []*actas.Incident {
	tb.Helper()
	incs, err := s.Incidents(tb.Context(), e, f)
	if err != nil {
		tb.Fatalf("Incidents(%s, %+v): %v", e, f, err)
	}
	return incs
}

func incidentIDs(incs []*actas.Incident) []int64 {
	ids := []int64{}
	for _, in := range incs {
		ids = append(ids, in.ID)
	}
	return ids
}

func testIncidents(t *testing.T, b Backend) {
	const e = "ve-2024"
	setup := func(t *testing.T) (actas.Store, string, int64) {
		s, addr := MustOpen(t, b)
		MustCreateElection(t, s, Election(e), Stations())
		w := MustCreateAccount(t, s, WitnessAccount(e, "Ana", "+584125550101", "001"))
		return s, addr, w.ID
	}

	t.Run("a report is stored privately, outside the log, and read back as sent", func(t *testing.T) {
		s, addr, w := setup(t)
		before := MustLog(t, s, e).Size
		photo := MustPutPhoto(t, s, e, 1)
		in := Incident(e, w, "001", "", "Un grupo armado rodeó el centro a las 17:30.")
		in.Photos = []string{photo}
		MustReportIncident(t, s, in)
		if in.ID <= 0 || in.Area != Chiquinquira || in.Status != actas.IncidentPending {
			t.Fatalf("after ReportIncident: id %d, area %q, status %q; want an id, the station's area %q, pending", in.ID, in.Area, in.Status, Chiquinquira)
		}
		if l := MustLog(t, s, e); l.Size != before {
			t.Errorf("the log grew from %d to %d entries: a report must not enter the public log", before, l.Size)
		}
		s.Close()
		s = MustOpenAt(t, b, addr)
		got := MustIncidents(t, s, e, actas.IncidentFilter{})
		if len(got) != 1 {
			t.Fatalf("Incidents: %d, want 1", len(got))
		}
		want := *in
		want.Time = want.Time.UTC().Truncate(time.Microsecond)
		want.Received = received.UTC().Truncate(time.Microsecond)
		if g := *got[0]; !reflect.DeepEqual(g, want) {
			t.Errorf("read back\n%+v\nwant\n%+v", g, want)
		}
	})

	t.Run("a report about an area names an area of the election", func(t *testing.T) {
		s, _, w := setup(t)
		MustReportIncident(t, s, Incident(e, w, "", "Zulia/Maracaibo", "Cortes de luz en todo el municipio."))
		MustReportIncident(t, s, Incident(e, w, "", actas.National, "Bloqueo de internet nacional."))
		got := MustIncidents(t, s, e, actas.IncidentFilter{})
		if len(got) != 2 || got[0].Area != "Zulia/Maracaibo" || got[1].Area != "" {
			t.Errorf("areas read back: %+v", got)
		}
	})

	t.Run("malformed or impossible reports are refused and nothing is stored", func(t *testing.T) {
		s, _, w := setup(t)
		MustCreateElection(t, s, Election("other"), Stations())
		ow := MustCreateAccount(t, s, WitnessAccount("other", "Bea", "+584125550102", "001"))
		long := make([]byte, actas.MaxIncidentText+1)
		for i := range long {
			long[i] = 'a'
		}
		tooMany := make([]string, actas.MaxIncidentPhotos+1)
		for i := range tooMany {
			tooMany[i] = nameOf(Photo(i))
		}
		cases := []struct {
			name string
			edit func(*actas.Incident)
			code string
		}{
			{"unknown election", func(in *actas.Incident) { in.Election = "nope" }, actas.ENOTFOUND},
			{"unknown station", func(in *actas.Incident) { in.Station = "999" }, actas.EINVALID},
			{"unknown area", func(in *actas.Incident) { in.Station, in.Area = "", "Zulia/Nowhere" }, actas.EINVALID},
			{"area that is not the station's", func(in *actas.Incident) { in.Area = Petare }, actas.EINVALID},
			{"category not in the election's list", func(in *actas.Incident) { in.Category = "weather" }, actas.EINVALID},
			{"severity out of range", func(in *actas.Incident) { in.Severity = 4 }, actas.EINVALID},
			{"no time", func(in *actas.Incident) { in.Time = time.Time{} }, actas.EINVALID},
			{"text over 4 KiB", func(in *actas.Incident) { in.Text = string(long) }, actas.EINVALID},
			{"neither text nor photo", func(in *actas.Incident) { in.Text = "  " }, actas.EINVALID},
			{"more than 10 photos", func(in *actas.Incident) { in.Photos = tooMany }, actas.EINVALID},
			{"photo the election does not store", func(in *actas.Incident) { in.Photos = []string{nameOf(Photo(7))} }, actas.EINVALID},
			{"account of another election", func(in *actas.Incident) { in.Account = ow.ID }, actas.EINVALID},
			{"unknown account", func(in *actas.Incident) { in.Account = 99999 }, actas.EINVALID},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				in := Incident(e, w, "001", "", "texto")
				c.edit(in)
				err := s.ReportIncident(t.Context(), in)
				if got := actas.ErrorCode(err); got != c.code {
					t.Errorf("ReportIncident: %v (code %q), want code %q", err, got, c.code)
				}
			})
		}
		if got := MustIncidents(t, s, e, actas.IncidentFilter{}); len(got) != 0 {
			t.Errorf("%d incidents stored after refusals, want 0", len(got))
		}
	})

	t.Run("incidents are selected by area, station and moderation status", func(t *testing.T) {
		s, _, w := setup(t)
		a := MustReportIncident(t, s, Incident(e, w, "001", "", "en Chiquinquirá"))
		bb := MustReportIncident(t, s, Incident(e, w, "003", "", "en Bolívar"))
		c := MustReportIncident(t, s, Incident(e, w, "P01", "", "en Petare"))
		d := MustReportIncident(t, s, Incident(e, w, "", "Zulia", "en todo Zulia"))
		el := Election(e)
		pub, err := actas.NewIncidentDecision(el, a, "5", time.Now(), actas.IncidentDecision{Decision: actas.DecisionPublish, Text: "redactado"})
		if err != nil {
			t.Fatal(err)
		}
		rej, err := actas.NewIncidentDecision(el, bb, "5", time.Now(), actas.IncidentDecision{Decision: actas.DecisionReject, Reason: "duplicado"})
		if err != nil {
			t.Fatal(err)
		}
		// c is published, then withdrawn: the latest decision counts.
		pubC, _ := actas.NewIncidentDecision(el, c, "5", time.Now(), actas.IncidentDecision{Decision: actas.DecisionPublish})
		rejC, _ := actas.NewIncidentDecision(el, c, "5", time.Now(), actas.IncidentDecision{Decision: actas.DecisionReject, Reason: "pone en riesgo a un testigo"})
		if err := s.AddRecords(t.Context(), e, []*actas.Record{pub, rej, pubC, rejC}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name string
			f    actas.IncidentFilter
			want []int64
		}{
			{"all", actas.IncidentFilter{}, []int64{a.ID, bb.ID, c.ID, d.ID}},
			{"national is all", actas.IncidentFilter{Area: actas.National}, []int64{a.ID, bb.ID, c.ID, d.ID}},
			{"a state and below", actas.IncidentFilter{Area: "Zulia"}, []int64{a.ID, bb.ID, d.ID}},
			{"a municipality", actas.IncidentFilter{Area: "Zulia/Maracaibo"}, []int64{a.ID, bb.ID}},
			{"a prefix of a name is not an area", actas.IncidentFilter{Area: "Zul"}, []int64{}},
			{"a station", actas.IncidentFilter{Station: "003"}, []int64{bb.ID}},
			{"published", actas.IncidentFilter{Status: actas.IncidentPublished}, []int64{a.ID}},
			{"rejected, also after publication", actas.IncidentFilter{Status: actas.IncidentRejected}, []int64{bb.ID, c.ID}},
			{"pending", actas.IncidentFilter{Status: actas.IncidentPending}, []int64{d.ID}},
			{"pending in Zulia", actas.IncidentFilter{Area: "Zulia", Status: actas.IncidentPending}, []int64{d.ID}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				if got := incidentIDs(MustIncidents(t, s, e, tc.f)); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("Incidents(%+v) = %v, want %v", tc.f, got, tc.want)
				}
			})
		}
		if _, err := s.Incidents(t.Context(), e, actas.IncidentFilter{Status: "hidden"}); actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("unknown status: %v, want EINVALID", err)
		}
		if _, err := s.Incidents(t.Context(), "nope", actas.IncidentFilter{}); actas.ErrorCode(err) != actas.ENOTFOUND {
			t.Errorf("unknown election: %v, want ENOTFOUND", err)
		}
	})
}
