package web

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/actasproject/actas"
)

// snapshotRequest is the JSON body of POST
// /api/v1/elections/{election}/snapshots: how many people had voted at a
// station at one of the election's snapshot times.
type snapshotRequest struct {
	Station        string `json:"station"`
	Time           string `json:"time"` // HH:MM, local
	Voters         *int64 `json:"voters"`
	IdempotencyKey string `json:"idempotency_key"`
}

// snapshotResponse answers a stored turnout report with its log entry.
type snapshotResponse struct {
	Index int64 `json:"index"`
}

// apiSnapshot stores a witness's turnout report for a station. The
// idempotency key makes retries safe as for submissions: the same key and
// content answer 200 with the first entry, other content is a conflict.
func (s *Server) apiSnapshot(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, s.snapshot(w, r))
}

func (s *Server) snapshot(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.authenticate(r)
	if err != nil {
		return err
	}
	if err := s.allowWrite(a); err != nil {
		return err
	}
	e, err := s.election(r.Context(), r.PathValue("election"))
	if err != nil {
		return err
	}
	if a.Election != e.ID {
		return authorize(a, actSubmit, e.ID, target{})
	}
	var req snapshotRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	snap, st, err := s.snapshotOf(r.Context(), e, &req)
	if err != nil {
		return err
	}
	if err := authorize(a, actSubmit, e.ID, target{Station: st.Code, Area: st.Area}); err != nil {
		return err
	}
	ctx := r.Context()
	seq, fresh, err := s.once(ctx, a.ID, req.IdempotencyKey, snapshotDigest(e.ID, snap), func() (int64, bool, error) {
		snaps := []actas.Snapshot{snap}
		rep, err := s.store.AddSnapshots(ctx, e.ID, snaps)
		if err != nil {
			return 0, false, err
		}
		if rep.Present == 0 {
			return snaps[0].Index, false, nil
		}
		// The same count was stored before (by this request whose key was
		// lost, or by another witness of the station): answer its entry.
		seq, err := s.presentSnapshot(ctx, e.ID, snap)
		return seq, true, err
	})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !fresh {
		status = http.StatusOK
	}
	s.writeJSON(w, r, status, &snapshotResponse{Index: seq})
	return nil
}

// snapshotOf checks a request against the election and returns the
// witness snapshot it states. Errors: EINVALID naming the field;
// ENOTFOUND for an unknown station.
func (s *Server) snapshotOf(ctx context.Context, e *election, req *snapshotRequest) (actas.Snapshot, *actas.Station, error) {
	var zero actas.Snapshot
	if err := actas.CheckIdempotencyKey(req.IdempotencyKey); err != nil {
		return zero, nil, err
	}
	m, err := actas.ParseClock(req.Time)
	if err != nil {
		return zero, nil, actas.Errorf(actas.EINVALID, "time: %v", err)
	}
	if len(e.SnapshotTimes) > 0 && !slices.Contains(e.SnapshotTimes, req.Time) {
		return zero, nil, actas.Errorf(actas.EINVALID, "time %s is not one of the election's snapshot times (%s)", req.Time, strings.Join(e.SnapshotTimes, ", "))
	}
	if req.Voters == nil {
		return zero, nil, actas.Errorf(actas.EINVALID, "voters is missing (write 0 for none)")
	}
	if *req.Voters < 0 {
		return zero, nil, actas.Errorf(actas.EINVALID, "voters (%d) is negative", *req.Voters)
	}
	sr, err := s.results.Station(e.ID, e.Contests[0].ID, req.Station)
	if err != nil {
		return zero, nil, err
	}
	st := sr.Station
	if st.Registered > 0 && *req.Voters > st.Registered {
		return zero, nil, actas.Errorf(actas.EINVALID, "voters (%d) is more than the %d registered at station %s", *req.Voters, st.Registered, st.Code)
	}
	return actas.Snapshot{Scope: st.Code, Station: true, Time: m, Voters: *req.Voters, Source: actas.Witness}, &st, nil
}

// snapshotDigest hashes what a snapshot request states, so that a retry
// with the same key can be told from other content under it.
func snapshotDigest(election string, sn actas.Snapshot) [32]byte {
	h := sha256.New()
	var buf [binary.MaxVarintLen64]byte
	str := func(v string) {
		h.Write(buf[:binary.PutUvarint(buf[:], uint64(len(v)))])
		h.Write([]byte(v))
	}
	h.Write([]byte("actas-snapshot-request-v1\x00"))
	str(election)
	str(sn.Scope)
	str(string(sn.Source))
	h.Write(buf[:binary.PutUvarint(buf[:], uint64(sn.Time))])
	h.Write(buf[:binary.PutUvarint(buf[:], uint64(sn.Voters))])
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// presentSnapshot finds the stored snapshot that made sn Present.
func (s *Server) presentSnapshot(ctx context.Context, election string, sn actas.Snapshot) (int64, error) {
	all, err := s.store.Snapshots(ctx, election)
	if err != nil {
		return 0, err
	}
	for _, old := range all {
		if old.Station && old.Scope == sn.Scope && old.Time == sn.Time && old.Source == sn.Source && old.Voters == sn.Voters {
			return old.Index, nil
		}
	}
	return 0, actas.Errorf(actas.EINTERNAL, "station %s: the store found the snapshot present but holds no such snapshot", sn.Scope)
}

// turnoutResponse sums witness station snapshots over an area.
type turnoutResponse struct {
	Election string        `json:"election"`
	Area     string        `json:"area"`     // "" for the whole election
	Stations int           `json:"stations"` // stations in the area
	Times    []turnoutTime `json:"times"`
}

// turnoutTime is the sum, at one time, of the latest witness count of each
// station of the area that reported at that time.
type turnoutTime struct {
	Time     string `json:"time"`     // HH:MM, local
	Voters   int64  `json:"voters"`   // sum over reporting stations
	Stations int    `json:"stations"` // stations that reported
}

// apiTurnout answers GET /api/v1/elections/{election}/turnout?area=PATH:
// per snapshot time (the election's, and any other reported), the sum of
// the latest witness snapshots of the area's stations and how many
// stations reported. An area holding no station is ENOTFOUND.
func (s *Server) apiTurnout(w http.ResponseWriter, r *http.Request) {
	resp, err := s.turnout(r.Context(), r.PathValue("election"), r.URL.Query().Get("area"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, resp)
}

func (s *Server) turnout(ctx context.Context, id, area string) (*turnoutResponse, error) {
	e, err := s.election(ctx, id)
	if err != nil {
		return nil, err
	}
	stations, err := s.store.Stations(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	in := map[string]bool{}
	for _, st := range stations {
		if area == "" || withinAreas(st.Area, []string{area}) {
			in[st.Code] = true
		}
	}
	if len(in) == 0 {
		return nil, actas.Errorf(actas.ENOTFOUND, "election %s has no area %q", e.ID, clip(area))
	}
	snaps, err := s.store.Snapshots(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	byTime := map[int]*turnoutTime{}
	for _, t := range e.SnapshotTimes {
		if m, err := actas.ParseClock(t); err == nil {
			byTime[m] = &turnoutTime{Time: t}
		}
	}
	// Snapshots holds each scope's current value per time and source, so
	// each station counts once per time.
	for _, sn := range snaps {
		if !sn.Station || sn.Source != actas.Witness || !in[sn.Scope] {
			continue
		}
		t := byTime[sn.Time]
		if t == nil {
			t = &turnoutTime{Time: actas.FormatClock(sn.Time)}
			byTime[sn.Time] = t
		}
		t.Voters += sn.Voters
		t.Stations++
	}
	resp := &turnoutResponse{Election: e.ID, Area: area, Stations: len(in), Times: []turnoutTime{}}
	for _, m := range slices.Sorted(maps.Keys(byTime)) {
		resp.Times = append(resp.Times, *byTime[m])
	}
	return resp, nil
}
