package sheetio

import (
	"slices"
	"strings"
	"testing"
)

func TestReadElectionSnapshotTimes(t *testing.T) {
	const head = `{"id":"e","name":"E","open":"06:00","close":"18:00","levels":["state"],` +
		`"contests":[{"id":"p","name":"P","choices":[{"id":"a","name":"A"}]}]`
	for _, tc := range []struct {
		name, json string
		want       []string
		ok         bool
	}{
		{"absent", head + `}`, nil, true},
		{"times including the close", head + `,"snapshot_times":["10:00","12:00","18:00"]}`, []string{"10:00", "12:00", "18:00"}, true},
		{"a time after closing", head + `,"snapshot_times":["19:00"]}`, nil, false},
		{"not strings", head + `,"snapshot_times":[10]}`, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ReadElection(strings.NewReader(tc.json), "election.json")
			if (err == nil) != tc.ok {
				t.Fatalf("err %v", err)
			}
			if err == nil && !slices.Equal(e.SnapshotTimes, tc.want) {
				t.Fatalf("snapshot times %q, want %q", e.SnapshotTimes, tc.want)
			}
		})
	}
}
