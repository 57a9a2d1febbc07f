package timeline_test

import (
	"fmt"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/simulate"
	"github.com/actasproject/actas/timeline"
)

// The simulator's snapshots are what Analyze reads: official cumulative
// voters per station at 07:00 … 17:00, 17:30, 18:00 and 19:00, the last
// equal to the official sheet's voters.
func TestSimulatedSnapshots(t *testing.T) {
	ds, _ := MustSimulate(t, simulate.Config{Stations: 2000, Seed: 11, StationSample: 50,
		Fraud: []simulate.Fraud{{Model: simulate.LateTurnout, Fraction: 0.3}}})
	voters := map[string]int64{}
	for _, sub := range ds.Sheets {
		if sub.Source == actas.Official {
			voters[sub.Sheet.Station] = sub.Sheet.Voters
		}
	}
	times := map[string][]int{}
	last := map[string]int64{}
	for _, sn := range ds.Snapshots {
		if sn.Source != actas.Official {
			t.Fatalf("snapshot %+v is not official", sn)
		}
		if !sn.Station {
			continue
		}
		times[sn.Scope] = append(times[sn.Scope], sn.Time)
		last[sn.Scope] = sn.Voters
	}
	if len(times) != 50 {
		t.Fatalf("%d stations report snapshots, want 50", len(times))
	}
	want := fmt.Sprint([]int{420, 480, 540, 600, 660, 720, 780, 840, 900, 960, 1020, 1050, 1080, 1140})
	for code, ts := range times {
		if fmt.Sprint(ts) != want {
			t.Errorf("station %s reports at %v, want %s", code, ts, want)
		}
		if last[code] != voters[code] {
			t.Errorf("station %s: 19:00 count %d, official sheet's voters %d", code, last[code], voters[code])
		}
	}
}

// Late turnout adds, between 17:30 and 18:00, up to 1.1 to 1.6 times what
// a station's machines take in that half hour at 20 s per voter: at the
// default 20 s the flag must fire on every sampled station where the
// addition alone exceeds that capacity, and on no other station. At 40 s
// per voter (the Venezuela 2017 figure) it catches more, but the
// simulator's honest stations may use up to about their whole capacity at
// that speed, so a rare false alarm is allowed.
func TestSimulatedLateTurnout(t *testing.T) {
	late := []simulate.Fraud{{Model: simulate.LateTurnout}}
	for _, tc := range []struct {
		name      string
		fraud     []simulate.Fraud
		spv       float64
		detection float64 // least share of late-falsified sampled stations flagged
		falseRate float64 // most share of other sampled stations flagged
	}{
		{"an honest election", nil, 0, 0, 0},
		{"incremental stuffing spread over the day", []simulate.Fraud{{Model: simulate.Incremental}}, 0, 0, 0},
		{"late turnout in a tenth of the stations", late, 0, 0.5, 0},
		{"an honest election at 40 s per voter", nil, 40, 0, 0.001},
		{"late turnout at 40 s per voter", late, 40, 0.85, 0.001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var falsified, flagged, surge, others, falseAlarms int
			for seed := uint64(1); seed <= 3; seed++ {
				ds, truth := MustSimulate(t, simulate.Config{Stations: 20000, Seed: seed, StationSample: 3000, Fraud: tc.fraud})
				added := map[string]int64{}
				for _, f := range truth.Falsified {
					added[f.Station] = f.Late
				}
				machines := map[string]int64{}
				for _, st := range ds.Stations {
					machines[st.Code] = st.Machines
				}
				rep := MustAnalyze(t, ds.Election, ds.Stations, ds.Snapshots, timeline.Options{SecondsPerVoter: tc.spv})
				for _, s := range rep.Series {
					if s.Kind != timeline.KindStation {
						// Areas hold honest stations too: a tenth of the
						// stations surging does not exceed a state's capacity.
						if s.Flag {
							t.Errorf("seed %d: %s %s flagged: %+v", seed, s.Kind, s.Scope, s.Intervals)
						}
						continue
					}
					a := added[s.Scope]
					if a == 0 {
						others++
						if s.Flag {
							falseAlarms++
							if tc.falseRate == 0 {
								t.Errorf("seed %d: station %s, with no late voters added, flagged (max ratio %.3f)", seed, s.Scope, float64(s.MaxRatio))
							}
						}
						continue
					}
					falsified++
					if s.Flag {
						flagged++
						for _, iv := range s.Intervals {
							if !iv.Feasible && (iv.From != "17:30" || iv.To != "18:00") {
								t.Errorf("seed %d: station %s flagged at %s-%s, not in the late half hour", seed, s.Scope, iv.From, iv.To)
							}
						}
					}
					if a > machines[s.Scope]*30*60/actas.DefaultSecondsPerVoter {
						surge++
						if !s.Flag {
							t.Errorf("seed %d: station %s had %d voters added in the late half hour, over its capacity, and is not flagged", seed, s.Scope, a)
						}
					}
				}
			}
			t.Logf("%d sampled stations without late voters added, %d flagged; %d with, %d of them above capacity at 20 s, %d flagged",
				others, falseAlarms, falsified, surge, flagged)
			if rate := float64(falseAlarms) / float64(others); rate > tc.falseRate {
				t.Errorf("%d of %d stations without late voters flagged (%.4f), want at most %.4f", falseAlarms, others, rate, tc.falseRate)
			}
			if tc.detection > 0 && float64(flagged) < tc.detection*float64(falsified) {
				t.Errorf("%d of %d late-falsified stations flagged, want at least %.0f%%", flagged, falsified, 100*tc.detection)
			}
		})
	}
}

// A station's sheet closes its series at the close when its snapshots
// stop earlier: the final count is the same as the 19:00 snapshot's.
func TestSheetFinal(t *testing.T) {
	ds, _ := MustSimulate(t, simulate.Config{Stations: 3000, Seed: 4, StationSample: 40})
	panel := MustPanel(t, ds, actas.Official)
	var early []actas.Snapshot
	at19 := map[string]int64{}
	for _, sn := range ds.Snapshots {
		switch {
		case !sn.Station:
			early = append(early, sn)
		case sn.Time >= 18*60:
			if sn.Time == 19*60 {
				at19[sn.Scope] = sn.Voters
			}
		default:
			early = append(early, sn)
		}
	}
	rep := MustAnalyze(t, ds.Election, ds.Stations, early, timeline.Options{Final: timeline.SheetFinal(panel)})
	checked := 0
	for _, s := range rep.Series {
		if s.Kind != timeline.KindStation {
			continue
		}
		last := s.Intervals[len(s.Intervals)-1]
		if !last.Final || last.From != "17:30" || last.To != "18:00" || !last.Queue || last.Minutes != 90 {
			t.Errorf("station %s: last interval %+v, want a final count 17:30-18:00 credited with the hour of queue", s.Scope, last)
		}
		var before int64
		for _, iv := range s.Intervals {
			before += iv.Votes
		}
		if before != at19[s.Scope] {
			t.Errorf("station %s: the sheet ends the series at %d voters, the 19:00 snapshot said %d", s.Scope, before, at19[s.Scope])
		}
		checked++
	}
	if checked != 40 {
		t.Errorf("checked %d stations, want 40", checked)
	}
	if national := series(t, rep, timeline.KindNational, actas.National); national.Intervals[len(national.Intervals)-1].Final {
		t.Errorf("the nation got a final count from a panel")
	}
}
