package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/actasproject/actas"
)

var snapshotsURL = "/api/v1/elections/" + hmID + "/snapshots"

var snapshotKeys atomic.Int64

// snapshotBody is a turnout report with a fresh idempotency key.
func snapshotBody(station, at string, voters int64) string {
	b, _ := json.Marshal(map[string]any{"station": station, "time": at, "voters": voters,
		"idempotency_key": fmt.Sprintf("snap-%d", snapshotKeys.Add(1))})
	return string(b)
}

func (af *authFixture) postSnapshot(tb testing.TB, who, body string) response {
	tb.Helper()
	h := []string{"Content-Type", "application/json"}
	if who != "" {
		h = append(h, "Authorization", "Bearer "+af.tokens[who])
	}
	return af.send(tb, http.MethodPost, snapshotsURL, body, h...)
}

func MustTurnout(tb testing.TB, af *authFixture, area string) *turnoutResponse {
	tb.Helper()
	r := af.send(tb, http.MethodGet, "/api/v1/elections/"+hmID+"/turnout?area="+url.QueryEscape(area), "")
	if r.Status != http.StatusOK {
		tb.Fatalf("turnout of %q: status %d: %s", area, r.Status, r.Body)
	}
	var t turnoutResponse
	if err := json.Unmarshal([]byte(r.Body), &t); err != nil {
		tb.Fatalf("turnout of %q: %v", area, err)
	}
	return &t
}

func TestSnapshotReports(t *testing.T) {
	af := MustAuth(t, -1)
	// The handmade election sets no snapshot times; these tests give it
	// some, as its election.json would.
	mustElection(t, af.fixture).SnapshotTimes = []string{"10:00", "12:00", "18:00"}

	for _, tc := range []struct {
		name, who, body string
		status          int
		inBody          string
	}{
		{"the witness of the station reports", "witness of 0401", snapshotBody("0401", "10:00", 120), http.StatusCreated, `"index"`},
		{"the closing time is a snapshot time", "witness of 0401", snapshotBody("0401", "18:00", 700), http.StatusCreated, `"index"`},
		{"a coordinator of the station's area reports", "coordinator of Zulia", snapshotBody(hmAgreed, "10:00", 300), http.StatusCreated, `"index"`},
		{"a witness of another station may not", "witness of 0301", snapshotBody("0401", "12:00", 5), http.StatusForbidden, ""},
		{"an anonymous visitor may not", "", snapshotBody("0401", "12:00", 5), http.StatusUnauthorized, ""},
		{"a time not in the election's list is refused with the list", "witness of 0401", snapshotBody("0401", "11:00", 5), http.StatusBadRequest, "10:00, 12:00, 18:00"},
		{"a time that is not a clock time is refused", "witness of 0401", snapshotBody("0401", "25:00", 5), http.StatusBadRequest, "time"},
		{"more voters than registered is refused", "witness of 0401", snapshotBody("0401", "12:00", 1001), http.StatusBadRequest, "registered"},
		{"a negative count is refused", "witness of 0401", snapshotBody("0401", "12:00", -1), http.StatusBadRequest, "negative"},
		{"an unknown station is not found", "admin", snapshotBody("9999", "12:00", 1), http.StatusNotFound, ""},
		{"unknown fields are refused", "witness of 0401", `{"station":"0401","time":"12:00","voters":1,"idempotency_key":"k","x":1}`, http.StatusBadRequest, ""},
		{"a missing key is refused", "witness of 0401", `{"station":"0401","time":"12:00","voters":1}`, http.StatusBadRequest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := af.logSize(t)
			r := af.postSnapshot(t, tc.who, tc.body)
			if r.Status != tc.status || !strings.Contains(r.Body, tc.inBody) {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			grew := af.logSize(t) - before
			if (tc.status == http.StatusCreated) != (grew == 1) {
				t.Fatalf("status %d, log grew by %d", r.Status, grew)
			}
		})
	}

	t.Run("a retry with the same key answers the same entry and stores nothing", func(t *testing.T) {
		body := snapshotBody("0401", "12:00", 250)
		first := af.postSnapshot(t, "witness of 0401", body)
		before := af.logSize(t)
		again := af.postSnapshot(t, "witness of 0401", body)
		if first.Status != http.StatusCreated || again.Status != http.StatusOK || again.Body != first.Body || af.logSize(t) != before {
			t.Fatalf("first %d %s, retry %d %s, log %d → %d", first.Status, first.Body, again.Status, again.Body, before, af.logSize(t))
		}
	})

	t.Run("the same key with other content is a conflict", func(t *testing.T) {
		body := snapshotBody("0401", "12:00", 260)
		if r := af.postSnapshot(t, "witness of 0401", body); r.Status != http.StatusCreated {
			t.Fatalf("first: %d %s", r.Status, r.Body)
		}
		other := strings.Replace(body, "260", "261", 1)
		if r := af.postSnapshot(t, "witness of 0401", other); r.Status != http.StatusConflict {
			t.Fatalf("other content: %d %s", r.Status, r.Body)
		}
	})

	t.Run("stored as a witness station snapshot", func(t *testing.T) {
		all, err := af.Store.Snapshots(t.Context(), hmID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, sn := range all {
			if sn.Scope == "0401" && sn.Time == 10*60 {
				found = sn.Station && sn.Source == actas.Witness && sn.Voters == 120 && sn.Index > 0
			}
		}
		if !found {
			t.Fatalf("no witness snapshot of 0401 at 10:00 in %+v", all)
		}
	})

	t.Run("turnout sums the latest station reports per area", func(t *testing.T) {
		// 0401 at 12:00 was reported as 250 then corrected to 260.
		for _, tc := range []struct {
			area     string
			stations int
			want     []turnoutTime
		}{
			{"", 5, []turnoutTime{{"10:00", 420, 2}, {"12:00", 260, 1}, {"18:00", 700, 1}}},
			{"Distrito Capital", 1, []turnoutTime{{"10:00", 120, 1}, {"12:00", 260, 1}, {"18:00", 700, 1}}},
			{"Zulia", 3, []turnoutTime{{"10:00", 300, 1}, {"12:00", 0, 0}, {"18:00", 0, 0}}},
			{actas.JoinPath("Mérida", "Libertador"), 1, []turnoutTime{{"10:00", 0, 0}, {"12:00", 0, 0}, {"18:00", 0, 0}}},
		} {
			got := MustTurnout(t, af, tc.area)
			if got.Stations != tc.stations || fmt.Sprint(got.Times) != fmt.Sprint(tc.want) {
				t.Errorf("area %q: %d stations, %v; want %d, %v", tc.area, got.Stations, got.Times, tc.stations, tc.want)
			}
		}
		if r := af.send(t, http.MethodGet, "/api/v1/elections/"+hmID+"/turnout?area=Nowhere", ""); r.Status != http.StatusNotFound {
			t.Fatalf("unknown area: %d", r.Status)
		}
	})
}

func TestSnapshotTimesValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		times []string
		ok    bool
	}{
		{"none", nil, true},
		{"increasing, including the close", []string{"10:00", "12:00", "18:00"}, true},
		{"not a clock time", []string{"10h"}, false},
		{"not increasing", []string{"12:00", "10:00"}, false},
		{"twice", []string{"12:00", "12:00"}, false},
		{"before opening", []string{"05:00"}, false},
		{"after closing", []string{"19:00"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := handmade().Election
			e.SnapshotTimes = tc.times
			if err := e.Validate(); (err == nil) != tc.ok {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

func FuzzSnapshotRequest(f *testing.F) {
	af := MustAuth(f, -1)
	f.Add(snapshotBody("0401", "10:00", 1))
	f.Add(`{"station":"0401","time":"99:99","voters":1,"idempotency_key":"k"}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, body string) {
		r := af.postSnapshot(t, "witness of 0401", body)
		if r.Status >= 500 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
	})
}
