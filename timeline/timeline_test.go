package timeline_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/timeline"
)

// Venezuela, Constituent Assembly election of 30 July 2017. Internal
// figures of the electoral council (CNE) reported by Reuters (2 August
// 2017): 3,720,465 people had voted by 17:30. The CNE announced 8,089,320
// voters in all (41.53%); voting had been extended from 18:00 to 19:00.
// The CNE set up 24,138 tables ("more than 24,000"), each with one voting
// machine. Smartmatic, which ran the machines, said on 2 August 2017 that
// turnout had been inflated by at least one million. The published
// capacity argument: 4,368,855 votes in the last 90 minutes against
// 24,000 × 5,400 s ÷ 40 s = 3,240,000, a ratio of about 1.35.
var ve2017 = struct {
	election *actas.Election
	snaps    []actas.Snapshot
}{
	election: &actas.Election{ID: "ve-2017-anc", Name: "Asamblea Nacional Constituyente 2017", Date: "2017-07-30",
		Timezone: "America/Caracas", Open: "06:00", Close: "18:00", Levels: []string{"state"},
		Contests: []actas.Contest{{ID: "anc", Name: "ANC", Choices: []actas.Choice{{ID: "turnout", Name: "Participación"}}}}},
	snaps: []actas.Snapshot{
		{Scope: "", Time: 17*60 + 30, Voters: 3_720_465, Source: actas.Official},
		{Scope: "", Time: 19 * 60, Voters: 8_089_320, Source: actas.Official},
	},
}

func TestVenezuela2017(t *testing.T) {
	published := timeline.Options{SecondsPerVoter: 40, QueueMinutes: -1, Close: "19:00", Machines: map[string]int64{"national": 24_000}}
	rep := MustAnalyze(t, ve2017.election, nil, ve2017.snaps, published)
	if len(rep.Intervals) != 2 {
		t.Fatalf("intervals = %+v, want 06:00-17:30 and 17:30-19:00", rep.Intervals)
	}
	day, last := rep.Intervals[0], rep.Intervals[1]
	if day.From != "06:00" || day.To != "17:30" || day.Votes != 3_720_465 || day.Capacity != 24_840_000 || !day.Feasible {
		t.Errorf("06:00-17:30 = %+v, want 3,720,465 votes of a 24,840,000 capacity, feasible", day)
	}
	if last.From != "17:30" || last.To != "19:00" || last.Votes != 4_368_855 || last.Capacity != 3_240_000 || last.Minutes != 90 {
		t.Errorf("17:30-19:00 = %+v, want 4,368,855 votes of a 3,240,000 capacity over 90 minutes", last)
	}
	if r := float64(last.Ratio); math.Abs(r-1.3484) > 0.0001 || last.Feasible {
		t.Errorf("17:30-19:00 ratio = %.5f feasible %v, want about 1.348 (published: about 1.35) and infeasible", r, last.Feasible)
	}
	// What would have made it feasible, everything else as published.
	if last.MachinesNeeded != 32_362 || math.Abs(last.SecondsPerVoterNeeded-29.66) > 0.01 {
		t.Errorf("needed %d machines or %.2f s per voter, want 32,362 or 29.66", last.MachinesNeeded, last.SecondsPerVoterNeeded)
	}
	if !series(t, rep, timeline.KindNational, actas.National).Flag || rep.Summary.Flagged != 1 {
		t.Errorf("the national series is not flagged: %+v", rep.Summary)
	}

	// The verdict rests on its assumptions: each row changes one.
	cases := []struct {
		name     string
		opt      timeline.Options
		ratio    float64
		feasible bool
	}{
		{"the published calculation", published, 1.3484, false},
		{"all 24,138 tables the CNE set up", timeline.Options{SecondsPerVoter: 40, QueueMinutes: -1, Close: "19:00", Machines: map[string]int64{"national": 24_138}}, 1.3407, false},
		{"voters in line at 19:00 voting for another hour", timeline.Options{SecondsPerVoter: 40, Close: "19:00", Machines: map[string]int64{"national": 24_000}}, 0.8090, true},
		{"a voter every 30 s", timeline.Options{SecondsPerVoter: 30, QueueMinutes: -1, Close: "19:00", Machines: map[string]int64{"national": 24_000}}, 1.0113, false},
		{"a voter every 20 s, the project's minimum", timeline.Options{QueueMinutes: -1, Close: "19:00", Machines: map[string]int64{"national": 24_000}}, 0.6742, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := MustAnalyze(t, ve2017.election, nil, ve2017.snaps, tc.opt)
			last := rep.Intervals[len(rep.Intervals)-1]
			if math.Abs(float64(last.Ratio)-tc.ratio) > 0.0001 || last.Feasible != tc.feasible {
				t.Errorf("17:30-19:00: ratio %.4f feasible %v, want %.4f %v", float64(last.Ratio), last.Feasible, tc.ratio, tc.feasible)
			}
		})
	}
}

func TestModelIntervals(t *testing.T) {
	m := timeline.Model{Open: 6 * 60, Close: 18 * 60, SecondsPerVoter: 20, QueueMinutes: 60}
	type want struct {
		from, to           string
		votes, capacity    int64
		minutes            int
		feasible, decrease bool
		queue              bool
	}
	cases := []struct {
		name     string
		model    timeline.Model
		machines int64
		points   []timeline.Point
		want     []want
	}{
		{"a station's first hour counts from the opening", m, 2, []timeline.Point{{7 * 60, 300}},
			[]want{{"06:00", "07:00", 300, 360, 60, true, false, false}}},
		{"more voters than two machines take in an hour", m, 2, []timeline.Point{{7 * 60, 361}},
			[]want{{"06:00", "07:00", 361, 360, 60, false, false, false}}},
		{"a final count at the close includes the queue", m, 1, []timeline.Point{{17 * 60, 100}, {18 * 60, 400}},
			[]want{{"06:00", "17:00", 100, 1980, 660, true, false, false}, {"17:00", "18:00", 300, 360, 120, true, false, true}}},
		{"a count at the close followed by one after it gets no queue", m, 1, []timeline.Point{{17 * 60, 100}, {18 * 60, 400}, {19 * 60, 420}},
			[]want{{"06:00", "17:00", 100, 1980, 660, true, false, false}, {"17:00", "18:00", 300, 180, 60, false, false, false}, {"18:00", "19:00", 20, 180, 60, true, false, true}}},
		{"votes after the queue has ended", m, 1, []timeline.Point{{19 * 60, 100}, {20 * 60, 101}},
			[]want{{"06:00", "19:00", 100, 2340, 780, true, false, true}, {"19:00", "20:00", 1, 0, 0, false, false, false}}},
		{"a count that falls", m, 1, []timeline.Point{{8 * 60, 50}, {9 * 60, 40}},
			[]want{{"06:00", "08:00", 50, 360, 120, true, false, false}, {"08:00", "09:00", -10, 180, 60, true, true, false}}},
		{"no opening known: the series starts at its first count", timeline.Model{Open: timeline.NoTime, Close: timeline.NoTime, SecondsPerVoter: 40}, 3, []timeline.Point{{10 * 60, 500}, {10*60 + 30, 600}},
			[]want{{"10:00", "10:30", 100, 135, 30, true, false, false}}},
		{"a count before the opening starts the series", m, 1, []timeline.Point{{5*60 + 30, 0}, {7 * 60, 200}},
			[]want{{"05:30", "07:00", 200, 180, 60, false, false, false}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.model.Intervals(tc.points, tc.machines)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d intervals %+v, want %d", len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.From != w.from || g.To != w.to || g.Votes != w.votes || g.Capacity != w.capacity || g.Minutes != w.minutes ||
					g.Feasible != w.feasible || g.Decrease != w.decrease || g.Queue != w.queue {
					t.Errorf("interval %d = %+v, want %+v", i, g, w)
				}
				if g.Capacity > 0 && float64(g.Ratio) != float64(g.Votes)/float64(g.Capacity) {
					t.Errorf("interval %d: ratio %v ≠ votes ÷ capacity", i, g.Ratio)
				}
				if g.Capacity == 0 && g.Votes > 0 && !math.IsInf(float64(g.Ratio), 1) {
					t.Errorf("interval %d: votes with no voting time: ratio %v, want +Inf", i, g.Ratio)
				}
				if g.FromMinute() != clock(t, g.From) || g.ToMinute() != clock(t, g.To) {
					t.Errorf("interval %d: minutes %d-%d disagree with %s-%s", i, g.FromMinute(), g.ToMinute(), g.From, g.To)
				}
			}
		})
	}
}

func TestModelIntervalsRefuses(t *testing.T) {
	good := timeline.Model{Open: 6 * 60, Close: 18 * 60, SecondsPerVoter: 20}
	cases := []struct {
		name     string
		model    timeline.Model
		machines int64
		points   []timeline.Point
	}{
		{"no machines", good, 0, []timeline.Point{{7 * 60, 1}}},
		{"counts out of order", good, 1, []timeline.Point{{8 * 60, 1}, {7 * 60, 2}}},
		{"two counts at one time", good, 1, []timeline.Point{{8 * 60, 1}, {8 * 60, 2}}},
		{"negative voters", good, 1, []timeline.Point{{8 * 60, -1}}},
		{"a time after midnight", good, 1, []timeline.Point{{24*60 + 1, 1}}},
		{"close before open", timeline.Model{Open: 18 * 60, Close: 6 * 60, SecondsPerVoter: 20}, 1, nil},
		{"no seconds per voter", timeline.Model{Open: 6 * 60, Close: 18 * 60}, 1, nil},
		{"negative queue", timeline.Model{Open: 6 * 60, Close: 18 * 60, SecondsPerVoter: 20, QueueMinutes: -5}, 1, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.model.Intervals(tc.points, tc.machines)
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
		})
	}
}

// A small election: two states, three stations; one states no machines.
var small = struct {
	election *actas.Election
	stations []actas.Station
}{
	election: &actas.Election{ID: "small", Name: "Small", Open: "06:00", Close: "18:00", Levels: []string{"state", "town"},
		Contests: []actas.Contest{{ID: "p", Name: "P", Choices: []actas.Choice{{ID: "a", Name: "A"}}}}},
	stations: []actas.Station{
		{Code: "s1", Area: "North/Port", Registered: 500, Machines: 2},
		{Code: "s2", Area: "North/Hill", Registered: 400},
		{Code: "s3", Area: `South/A\/B`, Registered: 300, Machines: 1},
	},
}

func TestAnalyzeMachines(t *testing.T) {
	snaps := []actas.Snapshot{
		{Scope: `South/A\/B`, Time: 7 * 60, Voters: 10, Source: actas.Official},
		{Scope: "s2", Station: true, Time: 7 * 60, Voters: 150, Source: actas.Official},
		{Scope: "North", Time: 7 * 60, Voters: 300, Source: actas.Official},
		{Scope: "national", Time: 7 * 60, Voters: 320, Source: actas.Witness},
		{Scope: "", Time: 7 * 60, Voters: 310, Source: actas.Official},
		{Scope: "s1", Station: true, Time: 7 * 60, Voters: 150, Source: actas.Official},
		{Scope: "North", Time: 8 * 60, Voters: 500, Source: actas.Official},
	}
	rep := MustAnalyze(t, small.election, small.stations, snaps, timeline.Options{})
	var order []string
	for _, s := range rep.Series {
		order = append(order, s.Kind+":"+s.Scope+":"+string(s.Source))
	}
	wantOrder := "national:national:official national:national:witness area:North:official area:South/A\\/B:official station:s1:official station:s2:official"
	if strings.Join(order, " ") != wantOrder {
		t.Errorf("series order\n got %s\nwant %s", strings.Join(order, " "), wantOrder)
	}
	if rep.Source != actas.Official || rep.Intervals[0].Votes != 310 {
		t.Errorf("report intervals are of %s (%+v), want the official national series", rep.Source, rep.Intervals)
	}
	cases := []struct {
		name, kind, scope    string
		stations, assumed    int
		machines, capacity07 int64
		level                string
		flag                 bool
	}{
		{"the nation: 2 + 1 assumed + 1 machines", timeline.KindNational, "national", 3, 1, 4, 720, "national", false},
		{"a state holding a station with unknown machines", timeline.KindArea, "North", 2, 1, 3, 540, "state", false},
		{"a town whose name has a slash", timeline.KindArea, `South/A\/B`, 1, 0, 1, 180, "town", false},
		{"a station with two machines", timeline.KindStation, "s1", 1, 0, 2, 360, "station", false},
		{"a station counted with the default machine", timeline.KindStation, "s2", 1, 1, 1, 180, "station", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := series(t, rep, tc.kind, tc.scope)
			if s.Stations != tc.stations || s.MachinesAssumed != tc.assumed || s.Machines != tc.machines || s.Level != tc.level {
				t.Errorf("%s: stations %d assumed %d machines %d level %q, want %d %d %d %q", tc.scope, s.Stations, s.MachinesAssumed, s.Machines, s.Level, tc.stations, tc.assumed, tc.machines, tc.level)
			}
			if s.Intervals[0].Capacity != tc.capacity07 {
				t.Errorf("%s: 06:00-07:00 capacity %d, want %d", tc.scope, s.Intervals[0].Capacity, tc.capacity07)
			}
		})
	}
	// North: 200 votes 07:00-08:00 against 3 machines × 180 = 540.
	if n := series(t, rep, timeline.KindArea, "North"); len(n.Intervals) != 2 || n.Intervals[1].Votes != 200 || n.Flag {
		t.Errorf("North = %+v", n)
	}
	if !strings.Contains(strings.Join(rep.Caveats, " "), "1 station(s) state no number of machines") {
		t.Errorf("caveats do not mention the station with unknown machines: %q", rep.Caveats)
	}

	t.Run("given machines replace the stations' sum", func(t *testing.T) {
		rep := MustAnalyze(t, small.election, small.stations, snaps, timeline.Options{Machines: map[string]int64{"North": 10}, DefaultMachines: 3})
		n := series(t, rep, timeline.KindArea, "North")
		if !n.MachinesGiven || n.Machines != 10 || n.MachinesAssumed != 0 || n.Intervals[0].Capacity != 1800 {
			t.Errorf("North = %+v, want 10 given machines", n)
		}
		if nat := series(t, rep, timeline.KindNational, "national"); nat.Machines != 6 {
			t.Errorf("national machines = %d, want 2 + 3 (default) + 1", nat.Machines)
		}
		if rep.Assumptions.GivenMachines["North"] != 10 || rep.Assumptions.DefaultMachines != 3 {
			t.Errorf("assumptions = %+v", rep.Assumptions)
		}
	})
	t.Run("the same count stated twice is one count", func(t *testing.T) {
		twice := append(append([]actas.Snapshot(nil), snaps...), snaps...)
		again := MustAnalyze(t, small.election, small.stations, twice, timeline.Options{})
		if a, b := len(series(t, again, timeline.KindArea, "North").Intervals), len(series(t, rep, timeline.KindArea, "North").Intervals); a != b {
			t.Errorf("North has %d intervals with its snapshots twice, %d once", a, b)
		}
	})
	t.Run("one source only", func(t *testing.T) {
		rep := MustAnalyze(t, small.election, small.stations, snaps, timeline.Options{Source: actas.Witness})
		if len(rep.Series) != 1 || rep.Source != actas.Witness || rep.Intervals[0].Votes != 320 {
			t.Errorf("series = %d, source %s, intervals %+v", len(rep.Series), rep.Source, rep.Intervals)
		}
	})
	t.Run("a station over capacity is flagged", func(t *testing.T) {
		over := append([]actas.Snapshot(nil), snaps...)
		over = append(over, actas.Snapshot{Scope: "s2", Station: true, Time: 7*60 + 30, Voters: 300, Source: actas.Official})
		rep := MustAnalyze(t, small.election, small.stations, over, timeline.Options{})
		s := series(t, rep, timeline.KindStation, "s2")
		if !s.Flag || s.Infeasible != 1 || math.Abs(float64(s.MaxRatio)-150.0/90) > 1e-12 {
			t.Errorf("s2 = %+v, want flagged at 150 votes of a 90 capacity", s)
		}
		if f := rep.Flagged(); len(f) != 1 || f[0] != s || rep.Summary.StationsFlagged != 1 {
			t.Errorf("flagged = %v, summary %+v", f, rep.Summary)
		}
	})
}

func TestAnalyzeRefuses(t *testing.T) {
	ok := actas.Snapshot{Scope: "s1", Station: true, Time: 7 * 60, Voters: 1, Source: actas.Official}
	cases := []struct {
		name  string
		snaps []actas.Snapshot
		opt   timeline.Options
		code  string
	}{
		{"a station the election does not have", []actas.Snapshot{{Scope: "s9", Station: true, Time: 420, Voters: 1}}, timeline.Options{}, actas.ENOTFOUND},
		{"an area no station lies in", []actas.Snapshot{{Scope: "West", Time: 420, Voters: 1}}, timeline.Options{}, actas.ENOTFOUND},
		{"a malformed area path", []actas.Snapshot{{Scope: "North//Port", Time: 420, Voters: 1}}, timeline.Options{}, actas.EINVALID},
		{"two different counts of a station at one time", []actas.Snapshot{ok, {Scope: "s1", Station: true, Time: 7 * 60, Voters: 2, Source: actas.Official}}, timeline.Options{}, actas.EINVALID},
		{"negative voters", []actas.Snapshot{{Scope: "s1", Station: true, Time: 420, Voters: -3}}, timeline.Options{}, actas.EINVALID},
		{"a time past midnight", []actas.Snapshot{{Scope: "s1", Station: true, Time: 1500, Voters: 3}}, timeline.Options{}, actas.EINVALID},
		{"negative seconds per voter", []actas.Snapshot{ok}, timeline.Options{SecondsPerVoter: -1}, actas.EINVALID},
		{"a queue fraction above one", []actas.Snapshot{ok}, timeline.Options{QueueFraction: 1.5}, actas.EINVALID},
		{"a queue in minutes and as a fraction", []actas.Snapshot{ok}, timeline.Options{QueueFraction: 0.1, QueueMinutes: 30}, actas.EINVALID},
		{"no machines for an area", []actas.Snapshot{ok}, timeline.Options{Machines: map[string]int64{"North": 0}}, actas.EINVALID},
		{"machines for a malformed path", []actas.Snapshot{ok}, timeline.Options{Machines: map[string]int64{"North/": 4}}, actas.EINVALID},
		{"an opening that is not HH:MM", []actas.Snapshot{ok}, timeline.Options{Open: "6am"}, actas.EINVALID},
		{"a close before the opening", []actas.Snapshot{ok}, timeline.Options{Close: "05:00"}, actas.EINVALID},
		{"negative default machines", []actas.Snapshot{ok}, timeline.Options{DefaultMachines: -1}, actas.EINVALID},
		{"a negative final count", []actas.Snapshot{ok}, timeline.Options{Final: func(string, bool) (int64, bool) { return -1, true }}, actas.EINVALID},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := timeline.Analyze(small.election, small.stations, tc.snaps, tc.opt)
			if got := actas.ErrorCode(err); got != tc.code {
				t.Fatalf("err = %v (%s), want %s", err, got, tc.code)
			}
		})
	}
	t.Run("national snapshots with no stations and no machines given", func(t *testing.T) {
		_, err := timeline.Analyze(ve2017.election, nil, ve2017.snaps, timeline.Options{})
		if actas.ErrorCode(err) != actas.EINVALID || !strings.Contains(err.Error(), `Machines["national"]`) {
			t.Fatalf("err = %v, want EINVALID naming the option", err)
		}
	})
}

func TestAnalyzeQueue(t *testing.T) {
	// One station with one machine at 20 s: 180 voters an hour. 17:00 → a
	// final count stamped 18:00 of 300 more voters.
	snaps := []actas.Snapshot{
		{Scope: "s3", Station: true, Time: 17 * 60, Voters: 100, Source: actas.Official},
		{Scope: "s3", Station: true, Time: 18 * 60, Voters: 400, Source: actas.Official},
	}
	cases := []struct {
		name     string
		opt      timeline.Options
		minutes  int
		feasible bool
	}{
		{"the default hour of queue", timeline.Options{}, 120, true},
		{"no queue", timeline.Options{QueueMinutes: -1}, 60, false},
		{"a half-hour queue", timeline.Options{QueueMinutes: 30}, 90, false},
		{"a queue of a tenth of the day (72 minutes)", timeline.Options{QueueFraction: 0.1}, 132, true},
		{"voting extended to 19:00 with no queue", timeline.Options{Close: "19:00", QueueMinutes: -1}, 60, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := MustAnalyze(t, small.election, small.stations, snaps, tc.opt)
			last := series(t, rep, timeline.KindStation, "s3").Intervals[1]
			if last.Minutes != tc.minutes || last.Feasible != tc.feasible {
				t.Errorf("17:00-18:00 = %+v, want %d minutes, feasible %v", last, tc.minutes, tc.feasible)
			}
		})
	}
}

func TestReportJSON(t *testing.T) {
	snaps := []actas.Snapshot{
		{Scope: "s3", Station: true, Time: 18 * 60, Voters: 100, Source: actas.Official},
		{Scope: "s3", Station: true, Time: 20 * 60, Voters: 400, Source: actas.Official},
	}
	rep := MustAnalyze(t, small.election, small.stations, snaps, timeline.Options{QueueMinutes: -1})
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"election", "scope", "intervals", "assumptions", "summary", "series", "caveats"} {
		if _, ok := doc[key]; !ok {
			t.Errorf("the report's JSON lacks %q: %s", key, b)
		}
	}
	if iv, ok := doc["intervals"].([]any); !ok || len(iv) != 0 {
		t.Errorf("intervals without national snapshots = %v, want []", doc["intervals"])
	}
	s := doc["series"].([]any)[0].(map[string]any)
	ivs := s["intervals"].([]any)
	last := ivs[len(ivs)-1].(map[string]any)
	for _, key := range []string{"from", "to", "votes", "capacity", "ratio", "feasible"} {
		if _, ok := last[key]; !ok {
			t.Errorf("an interval's JSON lacks %q: %v", key, last)
		}
	}
	// 18:00 to 20:00 holds no voting time without a queue.
	if last["ratio"] != nil || last["feasible"] != false || s["max_ratio"] != nil {
		t.Errorf("votes after the close: ratio %v feasible %v max %v, want null, false, null", last["ratio"], last["feasible"], s["max_ratio"])
	}
	var back timeline.Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if r := back.Series[0].Intervals[1].Ratio; !math.IsInf(float64(r), 1) {
		t.Errorf("a null ratio reads back as %v, want +Inf", r)
	}
}
