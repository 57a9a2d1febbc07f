package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/actasproject/actas/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestThreeInstances runs three `actas serve` processes against one
// PostgreSQL database and submits through all of them at once: every
// acknowledged submission is in the log once, a key sent to two instances
// at the same moment stores one entry, each instance shows what the others
// stored within a second or so, and `actas log verify` finds the log
// consistent and complete.
func TestThreeInstances(t *testing.T) {
	url := pgtest.MustDatabase(t)
	bin := MustBuildActas(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "log.key")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("actas %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	sim := filepath.Join(dir, "sim")
	run("simulate", "--out", sim, "--stations", "400", "--seed", "9")
	run("init", "--db", url, "--key", key, "--election", filepath.Join(sim, "election.json"), "--stations", filepath.Join(sim, "stations.csv"))
	run("import", "--db", url, "--key", key, "--source", "official", filepath.Join(sim, "official.csv"))
	var election struct{ ID string }
	if err := json.Unmarshal(must(os.ReadFile(filepath.Join(sim, "election.json"))), &election); err != nil {
		t.Fatal(err)
	}
	var id string // "account 1: admin Ana <ana@example.org>"
	if _, err := fmt.Sscanf(run("accounts", "add", "--db", url, "--role", "admin", "Ana", "ana@example.org"), "account %s", &id); err != nil {
		t.Fatal(err)
	}
	id = strings.TrimSuffix(id, ":")
	token, _, _ := strings.Cut(run("accounts", "token", "--db", url, id, "load"), "\n") // then notes on stderr

	var servers []*childServer
	for range 3 {
		s := MustChildServer(t, bin, url)
		s.extra = []string{"--key", key}
		s.start(t)
		servers = append(servers, s)
	}
	stations := csvColumn(t, filepath.Join(sim, "stations.csv"), "station")
	type ack struct {
		index  int64
		status int
	}
	submit := func(s *childServer, station, k string, n int) (ack, error) {
		body := fmt.Sprintf(`{"station":%q,"contest":"president","votes":{"a":%d,"b":10,"c":1,"d":1},"blank":0,"null":0,"ballots":%d,"idempotency_key":%q}`,
			station, 100+n, 112+n, k)
		req, _ := http.NewRequest(http.MethodPost, s.url()+"api/v1/elections/"+election.ID+"/submissions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return ack{}, err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
			return ack{}, fmt.Errorf("status %d: %s", resp.StatusCode, b)
		}
		var a struct{ Index int64 }
		if err := json.NewDecoder(bytes.NewReader(b)).Decode(&a); err != nil {
			return ack{}, err
		}
		return ack{a.Index, resp.StatusCode}, nil
	}

	// 3 instances × 3 clients × 20 submissions, all at once, plus ten keys
	// each sent to two instances at the same moment.
	const clients, per = 3, 20
	var mu sync.Mutex
	acks := map[string]ack{} // by idempotency key
	var wg sync.WaitGroup
	for si, s := range servers {
		for c := range clients {
			wg.Go(func() {
				for n := range per {
					k := fmt.Sprintf("s%d-c%d-%d", si, c, n)
					a, err := submit(s, stations[(si*clients*per+c*per+n)%len(stations)], k, n)
					if err != nil {
						t.Errorf("instance %d: %v", si, err)
						return
					}
					mu.Lock()
					acks[k] = a
					mu.Unlock()
				}
			})
		}
	}
	twice := map[string][2]ack{}
	for n := range 10 {
		k := fmt.Sprintf("twice-%d", n)
		var pair [2]ack
		for j := range 2 {
			wg.Go(func() {
				a, err := submit(servers[j], stations[n], k, 1000+n)
				if err != nil {
					t.Errorf("key %s on instance %d: %v", k, j, err)
					return
				}
				mu.Lock()
				pair[j] = a
				twice[k] = pair
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	seen := map[int64]string{}
	for k, a := range acks {
		if other, dup := seen[a.index]; dup {
			t.Errorf("keys %s and %s both answered with entry %d", k, other, a.index)
		}
		seen[a.index] = k
	}
	for k, p := range twice {
		if p[0].index != p[1].index {
			t.Errorf("key %s sent to two instances answered entries %d and %d", k, p[0].index, p[1].index)
		}
		if _, dup := seen[p[0].index]; dup {
			t.Errorf("key %s answered with another key's entry %d", k, p[0].index)
		}
		seen[p[0].index] = k
	}

	// Each instance shows a sheet stored through another within seconds.
	probe, err := submit(servers[0], stations[0], "probe", 7)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range servers[1:] {
		deadline := time.Now().Add(5 * time.Second)
		for {
			resp, err := http.Get(s.url() + "api/v1/elections/" + election.ID + "/stations/" + stations[0])
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if strings.Contains(string(b), fmt.Sprintf(`"seq":%d`, probe.index)) {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("instance at %s does not show entry %d stored through another instance after 5 s", s.addr, probe.index)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// The log: one entry per acknowledged submission, no fork, verified by
	// an independent recount.
	for _, s := range servers {
		s.kill(t)
	}
	vkey := strings.TrimSpace(run("log", "key", "--key", key))
	out, err := exec.Command(bin, "log", "verify", "--db", url, "--key", vkey, "--state", filepath.Join(dir, "verify-state.json")).CombinedOutput()
	if err != nil {
		t.Fatalf("actas log verify: %v\n%s", err, out)
	}
	want := 1 + len(stations) + len(seen) + 1 // election, official sheets, acknowledged entries, the probe
	if !strings.Contains(string(out), fmt.Sprintf("%d entries read", want)) {
		t.Errorf("actas log verify does not read %d entries:\n%s", want, out)
	}
	t.Logf("%s", out)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
