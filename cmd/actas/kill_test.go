package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sqlite"
)

// MustBuildActas builds the actas binary into a temporary directory, for
// tests that must run it as a separate process (to kill it). It skips the
// test when the go command is not available.
func MustBuildActas(tb testing.TB) string {
	tb.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		tb.Skipf("the go command is not available to build actas: %v", err)
	}
	bin := filepath.Join(tb.TempDir(), "actas")
	out, err := exec.Command(goCmd, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// MustFreeAddr returns a loopback address whose port was free a moment
// ago, so that a server restarted on it keeps its clients' URL.
func MustFreeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// childServer is `actas serve` running as a child process on a fixed
// address, so that the test can SIGKILL it and start it again on the same
// database.
type childServer struct {
	bin, db, addr string
	extra         []string    // more flags for actas serve
	out           *syncBuffer // what every run printed, for failure messages
	cmd           *exec.Cmd
	exited        chan struct{}
	starts        int
}

// MustChildServer returns a server that is not yet started; it is killed
// when the test ends if it still runs.
func MustChildServer(tb testing.TB, bin, db string) *childServer {
	tb.Helper()
	s := &childServer{bin: bin, db: db, addr: MustFreeAddr(tb), out: &syncBuffer{}}
	tb.Cleanup(func() {
		if s.cmd != nil {
			s.kill(tb)
		}
	})
	return s
}

func (s *childServer) url() string { return "http://" + s.addr + "/" }

// start runs the server and waits until it answers.
func (s *childServer) start(tb testing.TB) {
	tb.Helper()
	s.starts++
	fmt.Fprintf(s.out, "--- start %d\n", s.starts)
	// Checkpoints every 200ms: most submissions are answered with a
	// receipt, and a kill often lands between storing and answering.
	// One token sends every submission: no per-account limit here.
	cmd := exec.Command(s.bin, append([]string{"serve", "--db", s.db, "--addr", s.addr, "--checkpoint-every", "200ms", "--write-rate", "-1"}, s.extra...)...)
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start actas serve: %v", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	s.cmd, s.exited = cmd, exited
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			s.cmd = nil
			tb.Fatalf("actas serve (start %d) exited before answering:\n%s", s.starts, s.out)
		default:
		}
		resp, err := client.Get(s.url() + "api/v1/elections")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	tb.Fatalf("actas serve (start %d) did not answer within a minute:\n%s", s.starts, s.out)
}

// kill sends SIGKILL and waits until the process is gone.
func (s *childServer) kill(tb testing.TB) {
	tb.Helper()
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		tb.Errorf("kill actas serve: %v", err)
	}
	<-s.exited
	fmt.Fprintf(s.out, "--- killed\n")
	s.cmd = nil
}

// killRequest is one witness submission a client sends until it is
// acknowledged: its own idempotency key and numbers no other request
// states, so that a second stored copy would show.
type killRequest struct {
	key   string
	sheet actas.Sheet
	body  []byte

	acked    bool
	status   int   // of the acknowledgement
	index    int64 // the entry index acknowledged
	attempts int
	lastErr  string // why the last attempt failed
}

func newKillRequest(key string, c *actas.Contest, station string, n int) *killRequest {
	sh := actas.Sheet{Station: station, Contest: c.ID, Votes: make([]int64, len(c.Choices)),
		Blank: int64(n % 5), Null: int64(n % 3), Voters: actas.Unknown}
	votes := make(map[string]int64, len(c.Choices))
	for i, ch := range c.Choices {
		// The first count is the request's number: no two requests state
		// the same sheet.
		v := int64(n + 1)
		if i > 0 {
			v = int64((n*7 + i*13) % 97)
		}
		sh.Votes[i] = v
		votes[ch.ID] = v
		sh.Ballots += v
	}
	sh.Ballots += sh.Blank + sh.Null
	// Marshalling strings and numbers cannot fail.
	body, _ := json.Marshal(map[string]any{"station": station, "contest": c.ID, "votes": votes,
		"blank": sh.Blank, "null": sh.Null, "ballots": sh.Ballots, "idempotency_key": key})
	return &killRequest{key: key, sheet: sh, body: body}
}

func (r *killRequest) String() string {
	return fmt.Sprintf("request %s (station %s, votes %v, ballots %d)", r.key, r.sheet.Station, r.sheet.Votes, r.sheet.Ballots)
}

// killClient is one witness's phone: it sends its requests one after the
// other, retrying each with the same idempotency key until the server
// acknowledges it.
type killClient struct {
	url, token string
	http       *http.Client
	requests   []*killRequest
	errs       []string // answers no retry can fix
	retries    int      // attempts that failed because the server was down
}

// send retries the request until it is acknowledged, the deadline passes
// or ctx ends (the test failed elsewhere).
func (c *killClient) send(ctx context.Context, r *killRequest, deadline time.Time) {
	for time.Now().Before(deadline) && ctx.Err() == nil {
		r.attempts++
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(r.body))
		if err != nil {
			c.errs = append(c.errs, fmt.Sprintf("%s: %v", r, err))
			return
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := c.http.Do(req)
		if err != nil { // the server is down or was killed mid-answer
			r.lastErr = err.Error()
			c.retries++
			time.Sleep(50 * time.Millisecond)
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case err != nil || resp.StatusCode >= 500:
			// A body cut by the kill, or a server error: a witness retries.
			r.lastErr = fmt.Sprintf("%d %s (%v)", resp.StatusCode, body, err)
			c.retries++
			time.Sleep(50 * time.Millisecond)
			continue
		case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusAccepted:
			var ans struct {
				Index   *int64 `json:"index"`
				Outcome string `json:"outcome"`
			}
			if err := json.Unmarshal(body, &ans); err != nil || ans.Index == nil {
				c.errs = append(c.errs, fmt.Sprintf("%s: answered %d without an entry index (%v): %s", r, resp.StatusCode, err, body))
				return
			}
			if r.attempts == 1 && ans.Outcome == "already present" {
				c.errs = append(c.errs, fmt.Sprintf("%s: a first attempt was answered %q", r, ans.Outcome))
			}
			r.acked, r.status, r.index = true, resp.StatusCode, *ans.Index
			return
		default:
			c.errs = append(c.errs, fmt.Sprintf("%s: answered %d on attempt %d: %s", r, resp.StatusCode, r.attempts, body))
			return
		}
	}
	c.errs = append(c.errs, fmt.Sprintf("%s: not acknowledged after %d attempts, the last failed with %s", r, r.attempts, r.lastErr))
}

var accountIDRe = regexp.MustCompile(`^account (\d+):`)

// A submission acknowledged to a witness survives kill -9 of the server at
// any moment (issue 4, Reliability): clients submit concurrently while the
// real server is killed and restarted on the same database; afterwards
// every acknowledged submission is in the log at the index it was
// acknowledged with, no retry stored a second copy, and the log verifies.
func TestKillServerKeepsAcknowledgedSubmissions(t *testing.T) {
	const seed = 22
	clients, cycles, stations := 4, 5, 300
	if testing.Short() {
		clients, cycles, stations = 3, 2, 100
	}
	bin := MustBuildActas(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "kill.db")
	MustRun(t, "simulate", "--out", dir, "--stations", strconv.Itoa(stations), "--seed", "5")
	MustRun(t, "init", "--db", db, "--election", filepath.Join(dir, "election.json"), "--stations", filepath.Join(dir, "stations.csv"))

	// The election, its stations and the witness who may submit for all.
	var e *actas.Election
	var codes []string
	func() {
		st, err := sqlite.Open(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		es, err := st.Elections(t.Context())
		if err != nil || len(es) != 1 {
			t.Fatalf("elections: %v %v", es, err)
		}
		e = es[0]
		list, err := st.Stations(t.Context(), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list {
			codes = append(codes, s.Code)
		}
	}()
	contest := &e.Contests[0]
	out := MustRun(t, "accounts", "add", "--db", db, "--role", "witness", "--scope", strings.Join(codes, ";"), "Wendy Witness", "wendy@example.org")
	m := accountIDRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("accounts add printed %q", out)
	}
	account, _ := strconv.ParseInt(m[1], 10, 64)
	token := MustSecret(t, "accounts", "token", "--db", db, m[1], "kill test")

	srv := MustChildServer(t, bin, db)
	srv.start(t)
	submitURL := srv.url() + "api/v1/elections/" + e.ID + "/submissions"

	// Clients send requests until told to stop, then finish the one they
	// hold; each stays on its own stations.
	stop := make(chan struct{})
	deadline := time.Now().Add(3 * time.Minute)
	var wg sync.WaitGroup
	cs := make([]*killClient, clients)
	for i := range cs {
		c := &killClient{url: submitURL, token: token, http: &http.Client{Timeout: 30 * time.Second}}
		cs[i] = c
		wg.Go(func() {
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				n := k*clients + i
				station := codes[n%len(codes)]
				r := newKillRequest(fmt.Sprintf("kill-%d-c%d-%d", seed, i, k), contest, station, n)
				c.requests = append(c.requests, r)
				c.send(t.Context(), r, deadline)
				if !r.acked {
					return
				}
			}
		})
	}

	// Kill at random moments: some land while a submission is written,
	// most while answers wait for a checkpoint.
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d: %d clients, %d kill/restart cycles", seed, clients, cycles)
	for cycle := range cycles {
		time.Sleep(time.Duration(100+rng.IntN(1400)) * time.Millisecond)
		srv.kill(t)
		if cycle%2 == 1 {
			// Clients find nothing listening for a while.
			time.Sleep(time.Duration(rng.IntN(500)) * time.Millisecond)
		}
		srv.start(t)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	wg.Wait()
	srv.kill(t) // the last moment is a kill too

	var all []*killRequest
	retries := 0
	for i, c := range cs {
		for _, msg := range c.errs {
			t.Errorf("client %d: %s", i, msg)
		}
		all = append(all, c.requests...)
		retries += c.retries
	}
	acked, afterRetry, foundAfterKill := 0, 0, 0
	statuses := make(map[int]int)
	for _, r := range all {
		if r.acked {
			acked++
			statuses[r.status]++
			if r.attempts > 1 {
				afterRetry++
				if r.status == http.StatusOK {
					foundAfterKill++ // stored before a kill lost its answer
				}
			}
		}
	}
	t.Logf("%d requests, %d acknowledged (by status %v), %d after a retry of which %d had been stored before the kill; %d failed attempts while the server was down",
		len(all), acked, statuses, afterRetry, foundAfterKill, retries)
	if acked < clients*cycles {
		t.Errorf("only %d submissions acknowledged across %d restarts: the test exercised too little", acked, cycles)
	}
	if t.Failed() {
		t.Fatalf("server output:\n%s", srv.out)
	}

	// Every acknowledged submission is in the log at its index, with the
	// numbers sent, and its key answers with that index.
	entries := MustEntries(t, db)
	st := MustOpenDB(t, db)
	lost := 0
	for _, r := range all {
		if !r.acked {
			continue
		}
		seq, _, err := st.RememberedRequest(t.Context(), account, r.key)
		if err != nil || seq != r.index {
			t.Errorf("%s, acknowledged %d with entry %d: the store remembers its key as entry %d (%v)", r, r.status, r.index, seq, err)
		}
		if r.index < 0 || r.index >= int64(len(entries)) {
			t.Errorf("LOST: %s, acknowledged %d with entry %d: the log holds only %d entries", r, r.status, r.index, len(entries))
			lost++
			continue
		}
		got := entries[r.index].Submission
		switch {
		case got == nil:
			t.Errorf("LOST: %s, acknowledged %d with entry %d: that entry is a %v, not a submission", r, r.status, r.index, entries[r.index].Kind)
			lost++
		case !got.Sheet.Equal(&r.sheet) || got.Source != actas.Witness || got.Submitter != strconv.FormatInt(account, 10):
			t.Errorf("LOST: %s, acknowledged %d with entry %d: that entry holds station %s, votes %v, ballots %d, source %s, submitter %s",
				r, r.status, r.index, got.Sheet.Station, got.Sheet.Votes, got.Sheet.Ballots, got.Source, got.Submitter)
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged submissions lost or changed by kill -9", lost, acked)
	}

	// No retry stored a second copy: every request's numbers are stored
	// once, and the log holds nothing else from this witness.
	stored := make(map[string]int) // by idempotency key
	byStation := make(map[string][]*killRequest)
	for _, r := range all {
		byStation[r.sheet.Station] = append(byStation[r.sheet.Station], r)
	}
	ours := 0
	for i, entry := range entries {
		sub := entry.Submission
		if sub == nil || sub.Submitter != strconv.FormatInt(account, 10) {
			continue
		}
		ours++
		matched := false
		for _, r := range byStation[sub.Sheet.Station] {
			if sub.Sheet.Equal(&r.sheet) {
				stored[r.key]++
				matched = true
			}
		}
		if !matched {
			t.Errorf("entry %d holds a submission no client sent: %+v", i, sub.Sheet)
		}
	}
	for _, r := range all {
		if stored[r.key] > 1 {
			t.Errorf("%s was stored %d times (%d attempts)", r, stored[r.key], r.attempts)
		}
	}
	if ours != acked {
		t.Errorf("the log holds %d submissions of the witness, %d were acknowledged", ours, acked)
	}

	// The log verifies: every entry, every checkpoint signed across the
	// kills.
	cmd := exec.Command(bin, "log", "verify", "--db", db)
	vout, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(vout), "verified") {
		t.Errorf("actas log verify --db after %d kills: %v\n%s", cycles+1, err, vout)
	}
	if t.Failed() {
		t.Logf("server output:\n%s", srv.out)
	}
}
