package estimate_test

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/estimate"
)

// fuzzPanel decodes bytes into a small panel: up to 40 stations in two
// levels, each byte run giving a station's place, registered voters and
// (maybe) its sheet, suspicious sheets included.
func fuzzPanel(data []byte) *actas.Panel {
	e := &actas.Election{ID: "fz", Name: "Fuzz", Levels: []string{"region", "town"},
		Contests: []actas.Contest{{ID: "c", Name: "C", Choices: []actas.Choice{{ID: "x", Name: "X"}, {ID: "y", Name: "Y"}, {ID: "z", Name: "Z"}}}}}
	p := &actas.Panel{Election: e, Contest: &e.Contests[0], Source: actas.Witness}
	for k := 0; k+7 <= len(data) && len(p.Stations) < 40; k += 7 {
		b := data[k : k+7]
		st := actas.Station{Code: fmt.Sprint("s", len(p.Stations)), Area: fmt.Sprintf("R%d/T%d", b[0]%3, b[0]/3%4), Registered: int64(b[1]) * 3}
		p.Stations = append(p.Stations, st)
		var sh *actas.Sheet
		if b[2]%4 != 0 {
			sh = &actas.Sheet{Station: st.Code, Contest: "c", Votes: []int64{int64(b[3]), int64(b[4]), int64(b[5] % 16)},
				Null: int64(b[6] % 8), Voters: actas.Unknown}
			sh.Ballots = sh.Valid() + sh.Null
			if b[2]%4 == 3 {
				sh.Ballots = int64(b[6]) // a sheet that does not add up
			}
		}
		p.Sheets = append(p.Sheets, sh)
		p.Flags = append(p.Flags, 0)
	}
	return p
}

// FuzzProject feeds arbitrary small panels and options to Project: it must
// return an estimate or an EINVALID error, never panic, and every estimate
// must be a finite interval around a non-negative share that JSON can
// carry.
func FuzzProject(f *testing.F) {
	f.Add([]byte("\x00\x64\x01\x28\x1e\x05\x02\x01\x50\x01\x3c\x14\x03\x01\x03\x64\x02\x10\x30\x00\x00\x04\x20\x00\x00\x00\x00\x00"), uint8(0))
	f.Add([]byte("\x05\x00\x03\xff\xff\xff\xff\x05\x00\x03\x00\x00\x00\x00\x0b\xff\x01\x00\x00\x00\x00"), uint8(7))
	f.Add([]byte("\x01\x02\x01\x03\x04\x05\x06"), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, opt uint8) {
		p := fuzzPanel(data)
		if len(p.Stations) == 0 {
			return
		}
		levels := []string{"", actas.National, "region", "town"}
		opts := estimate.Options{Level: levels[opt%4], Strata: levels[opt/4%4], Replicates: 100, NoFPC: opt&16 != 0}
		if opt&32 != 0 {
			opts.Denominator = estimate.Ballots
		}
		pr, err := estimate.Project(p, opts)
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if _, err := json.Marshal(pr); err != nil {
			t.Fatalf("the projection does not encode: %v", err)
		}
		check := func(where string, e estimate.Estimate) {
			for _, v := range []float64{e.Share, e.Low, e.High, e.SE, e.Votes} {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("%s: %+v is not finite", where, e)
				}
			}
			if !(0 <= e.Low && e.Low <= e.Share+1e-12 && e.Share <= e.High+1e-12) {
				t.Fatalf("%s: interval [%v, %v] around %v", where, e.Low, e.High, e.Share)
			}
		}
		for id, e := range pr.Estimates {
			check(id, e)
		}
		for _, a := range pr.Areas {
			for id, e := range a.Estimates {
				check(a.Area+" "+id, e)
			}
		}
	})
}

// FuzzQuickCountSample feeds arbitrary sample files to QuickCount: a sample
// is read back from a file anyone may have edited, so anything in it must
// be refused with EINVALID or projected, never panic.
func FuzzQuickCountSample(f *testing.F) {
	e, st := tinyElection()
	p := MustPanel(f, e, st, tinySheets)
	good, err := estimate.DrawSample(p, estimate.SampleOptions{Size: 5, Strata: "region", Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	b, err := json.Marshal(good)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"election":"tiny","strata_level":"town","strata":[{"area":"R1/T1","stations":2,"sampled":2}],"stations":["s1","s2"]}`))
	f.Add([]byte(`{"election":"tiny","strata_level":"national","strata":[{"area":"national","stations":7,"sampled":3}],"stations":["s1","s5","s7"]}`))
	f.Add([]byte(`{"election":"tiny","strata_level":"region","strata":[{"area":"R1","stations":-4,"sampled":2},{"area":"R2","stations":1e9,"sampled":0}],"stations":["s1","s2"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s estimate.Sample
		if json.Unmarshal(data, &s) != nil {
			return
		}
		pr, err := estimate.QuickCount(p, &s, estimate.Options{Replicates: 100})
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if _, err := json.Marshal(pr); err != nil {
			t.Fatalf("the projection does not encode: %v", err)
		}
	})
}
