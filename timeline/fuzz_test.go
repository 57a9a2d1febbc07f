package timeline_test

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/timeline"
)

// FuzzAnalyze feeds Analyze snapshots as a file could state them (any
// scope, time and count): it must never panic, must refuse with an
// application error rather than an internal one, and every interval it
// returns must agree with its own figures.
func FuzzAnalyze(f *testing.F) {
	f.Add(uint8(20), int8(0), []byte{0, 70, 0, 10, 3, 70, 1, 0, 3, 90, 1, 200})
	f.Add(uint8(40), int8(-1), []byte{0, 180, 0, 255, 1, 200, 7, 7, 5, 240, 0, 1})
	f.Add(uint8(0), int8(30), []byte{2, 0, 0, 0, 2, 0, 0, 1, 6, 100, 0, 1})
	scopes := []actas.Snapshot{
		{Scope: ""}, {Scope: "North"}, {Scope: `South/A\/B`}, {Scope: "s1", Station: true},
		{Scope: "s2", Station: true}, {Scope: "s3", Station: true}, {Scope: "nowhere"}, {Scope: "national"},
	}
	f.Fuzz(func(t *testing.T, spv uint8, queue int8, data []byte) {
		var snaps []actas.Snapshot
		for len(data) >= 4 {
			sn := scopes[int(data[0])%len(scopes)]
			sn.Time = int(data[1]) * 6 // up to 25:30: past midnight must be refused
			sn.Voters = int64(int16(binary.BigEndian.Uint16(data[2:4])))
			sn.Source = actas.Sources[int(data[0]/16)%len(actas.Sources)]
			snaps = append(snaps, sn)
			data = data[4:]
		}
		opt := timeline.Options{SecondsPerVoter: float64(spv), QueueMinutes: int(queue)}
		rep, err := timeline.Analyze(small.election, small.stations, snaps, opt)
		if err != nil {
			if code := actas.ErrorCode(err); code != actas.EINVALID && code != actas.ENOTFOUND {
				t.Fatalf("error %v has code %s", err, code)
			}
			return
		}
		for _, s := range rep.Series {
			infeasible := 0
			for _, iv := range s.Intervals {
				if iv.Capacity < 0 || iv.Minutes < 0 || iv.Feasible != (iv.Votes <= iv.Capacity) || iv.Decrease != (iv.Votes < 0) {
					t.Fatalf("%s: inconsistent interval %+v", s.Scope, iv)
				}
				if iv.Capacity > 0 && float64(iv.Ratio) != float64(iv.Votes)/float64(iv.Capacity) {
					t.Fatalf("%s: ratio %v of %+v", s.Scope, iv.Ratio, iv)
				}
				if iv.Capacity == 0 && iv.Votes > 0 && !math.IsInf(float64(iv.Ratio), 1) {
					t.Fatalf("%s: votes with no capacity, ratio %v", s.Scope, iv.Ratio)
				}
				if !iv.Feasible {
					infeasible++
				}
			}
			if s.Flag != (infeasible > 0) || s.Infeasible != infeasible {
				t.Fatalf("%s: flag %v with %d infeasible intervals", s.Scope, s.Flag, infeasible)
			}
		}
		if _, err := json.Marshal(rep); err != nil {
			t.Fatalf("JSON: %v", err)
		}
	})
}

// FuzzCheckExactness: any figures either are refused as invalid or give
// chances within [0, 1] and distances within half the resolution.
func FuzzCheckExactness(f *testing.F) {
	f.Add(int64(5_150_092), int64(4_445_978), int64(462_704), int64(10_058_774), 0.001)
	f.Add(int64(0), int64(-1), int64(7), int64(7), 0.0)
	f.Add(int64(1), int64(2), int64(3), int64(1), 0.5)
	f.Add(int64(1), int64(2), int64(3), int64(100), 5e-324)
	f.Fuzz(func(t *testing.T, a, b, c, total int64, res float64) {
		x, err := timeline.CheckExactness([]string{"a", "b", "c"}, []int64{a, b, c}, total, timeline.ExactnessOptions{Resolution: res})
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("error %v is not EINVALID", err)
			}
			return
		}
		if !(x.PValue >= 0 && x.PValue <= 1) || !(x.Chance >= 0 && x.Chance <= 1) {
			t.Fatalf("p %v chance %v", x.PValue, x.Chance)
		}
		if x.Flag && !(x.PValue < x.Alpha) {
			t.Fatalf("flagged with p %v ≥ alpha %v", x.PValue, x.Alpha)
		}
		for _, d := range x.Shares {
			if d.Tested && d.Distance > x.Resolution/2*(1+1e-9) {
				t.Fatalf("%s: distance %v beyond half the resolution %v", d.Choice, d.Distance, x.Resolution)
			}
		}
		if _, err := json.Marshal(x); err != nil {
			t.Fatalf("JSON: %v", err)
		}
	})
}
