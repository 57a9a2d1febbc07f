package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sqlite"
	"github.com/actasproject/actas/storetest"
)

const (
	crashStations = 2000
	crashBatch    = 50
	crashChildEnv = "ACTAS_SQLITE_CRASH_CHILD"
)

// crashBatches returns the batches the child imports: every station's sheet
// from each source in turn, crashBatch sheets at a time.
func crashBatches() (*actas.Election, []actas.Station, [][]*actas.Submission) {
	e, stations, subs := storetest.ScaleElection(crashStations)
	var batches [][]*actas.Submission
	for _, src := range actas.Sources {
		for start := 0; start < len(subs); start += crashBatch {
			var batch []*actas.Submission
			for _, s := range subs[start : start+crashBatch] {
				c := *s
				c.Source = src
				batch = append(batch, &c)
			}
			batches = append(batches, batch)
		}
	}
	return e, stations, batches
}

// TestCrashChild is the process TestKilledDuringImport kills: it imports
// batches into the store named by its environment and prints the number of
// sheets acknowledged after each Submit returns.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashChildEnv)
	if path == "" {
		t.Skip("run by TestKilledDuringImport")
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	e, _, batches := crashBatches()
	acked := 0
	for _, batch := range batches {
		if _, err := db.Submit(context.Background(), e.ID, batch, nil); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		acked += len(batch)
		fmt.Println("acked", acked)
	}
	fmt.Println("done")
	os.Exit(0)
}

// An import killed with SIGKILL at any moment leaves every acknowledged
// batch stored and no part of any other.
func TestKilledDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills processes")
	}
	for _, after := range []int{3, 17} {
		t.Run(fmt.Sprintf("killed after %d acknowledged batches", after), func(t *testing.T) {
			dir := t.TempDir()
			e, stations, _ := crashBatches()
			db := newScaleStore(t, dir, e, stations)
			db.Close()
			path := db.Path()

			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill() })
			acked, batches := 0, 0
			lines := bufio.NewScanner(out)
			for lines.Scan() {
				f := strings.Fields(lines.Text())
				if len(f) == 2 && f[0] == "acked" {
					acked, _ = strconv.Atoi(f[1])
					if batches++; batches == after {
						// Let the next batch get under way, then kill.
						time.Sleep(time.Duration(after) * time.Millisecond)
						break
					}
				} else if len(f) > 0 && f[0] != "acked" {
					t.Fatalf("child: %s", lines.Text())
				}
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			// Acknowledgements printed before the kill landed count too.
			for lines.Scan() {
				if f := strings.Fields(lines.Text()); len(f) == 2 && f[0] == "acked" {
					acked, _ = strconv.Atoi(f[1])
				}
			}
			cmd.Wait()
			if acked == 0 {
				t.Fatal("the child acknowledged nothing")
			}

			db, err = sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatalf("Open after the kill: %v", err)
			}
			defer db.Close()
			var n int
			var last int64
			if err := db.Submissions(context.Background(), e.ID, 0, func(s *actas.Submission) error {
				n++
				if s.Seq != last+1 {
					return fmt.Errorf("sequence jumps from %d to %d", last, s.Seq)
				}
				last = s.Seq
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d sheets acknowledged, %d stored, of %d", acked, n, len(actas.Sources)*crashStations)
			if n < acked {
				t.Fatalf("%d sheets stored after the kill, but %d were acknowledged", n, acked)
			}
			if n%crashBatch != 0 {
				t.Fatalf("%d sheets stored after the kill: part of a batch of %d", n, crashBatch)
			}
			// Each stored sheet has its entry and hashes, and nothing more:
			// they were written in the sheet's transaction.
			if l := storetest.MustLog(t, db, e.ID); l.Size != int64(1+n) {
				t.Fatalf("the log has %d entries after the kill, want %d: the election and %d sheets", l.Size, 1+n, n)
			}
		})
	}
}
