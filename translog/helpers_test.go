package translog_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // election entries name IANA zones; do not depend on the host's zoneinfo

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// memStore keeps a log's stored hashes in memory, at their stored-hash
// indexes, as a store's hash pages would.
type memStore struct {
	size   int64           // entries appended
	hashes []translog.Hash // hashes[i] is the hash at stored-hash index i
}

// ReadHashes serves stored hashes; an index not stored is an error, as
// LogStore.LogHashes says.
func (s *memStore) ReadHashes(indexes []int64) ([]translog.Hash, error) {
	out := make([]translog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(s.hashes)) {
			return nil, actas.Errorf(actas.EINVALID, "stored hash %d is not stored (%d are)", x, len(s.hashes))
		}
		out[i] = s.hashes[x]
	}
	return out, nil
}

// MustAppend appends entries in one batch, as a store does in one
// transaction: one Appender over the hashes stored before the batch, the
// batch's hashes written when it ends. The Appender therefore cannot read a
// hash of its own batch from the store. It returns each entry's hashes, as
// the Appender returned them, and the root after each entry.
func MustAppend(tb testing.TB, s *memStore, entries [][]byte) (hashes [][]translog.Hash, roots []translog.Hash) {
	tb.Helper()
	a := translog.NewAppender(s.size, s)
	var pending []translog.Hash
	for i, e := range entries {
		n := s.size + int64(i)
		hs, err := a.Append(e)
		if err != nil {
			tb.Fatalf("append entry %d: %v", n, err)
		}
		if want := tlog.StoredHashIndex(0, n); int64(len(s.hashes)+len(pending)) != want {
			tb.Fatalf("entry %d: its hashes would go at %d, want StoredHashIndex %d", n, len(s.hashes)+len(pending), want)
		}
		pending = append(pending, hs...)
		hashes = append(hashes, slices.Clone(hs)) // valid only until the next Append
		root, err := a.Root()
		if err != nil {
			tb.Fatalf("root after entry %d: %v", n, err)
		}
		roots = append(roots, root)
	}
	if a.Size() != s.size+int64(len(entries)) {
		tb.Fatalf("Appender.Size() = %d after %d entries from %d", a.Size(), len(entries), s.size)
	}
	s.hashes = append(s.hashes, pending...)
	s.size += int64(len(entries))
	if got, want := int64(len(s.hashes)), translog.StoredHashCount(s.size); got != want {
		tb.Fatalf("%d hashes stored for %d entries, StoredHashCount says %d", got, s.size, want)
	}
	return hashes, roots
}

// testEntries returns n distinct entries.
func testEntries(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "test entry %d\n", i)
	}
	return out
}

// MustLog builds a log of n test entries in one batch.
func MustLog(tb testing.TB, n int) (s *memStore, entries [][]byte, hashes [][]translog.Hash, roots []translog.Hash) {
	tb.Helper()
	s = &memStore{}
	entries = testEntries(n)
	hashes, roots = MustAppend(tb, s, entries)
	return s, entries, hashes, roots
}

// testKey is a log's key pair.
type testKey struct {
	name     string
	skey     string
	vkey     string
	signer   note.Signer
	verifier note.Verifier
}

// MustKey generates a signing key named name.
func MustKey(tb testing.TB, name string) testKey {
	tb.Helper()
	skey, vkey, err := translog.GenerateKey(name)
	if err != nil {
		tb.Fatalf("GenerateKey(%q): %v", name, err)
	}
	signer, err := translog.NewSigner(skey)
	if err != nil {
		tb.Fatalf("NewSigner: %v", err)
	}
	verifier, err := translog.NewVerifier(vkey)
	if err != nil {
		tb.Fatalf("NewVerifier: %v", err)
	}
	return testKey{name: name, skey: skey, vkey: vkey, signer: signer, verifier: verifier}
}

// MustSign signs a checkpoint.
func MustSign(tb testing.TB, k testKey, c translog.Checkpoint) []byte {
	tb.Helper()
	msg, err := translog.Sign(c, k.signer)
	if err != nil {
		tb.Fatalf("Sign(%+v): %v", c, err)
	}
	return msg
}

// wantInvalid fails unless err is EINVALID with a message containing every
// one of want.
func wantInvalid(tb testing.TB, err error, want ...string) {
	tb.Helper()
	if problem := notInvalid(err, want...); problem != "" {
		tb.Fatal(problem)
	}
}

// notInvalid says what is wrong unless err is EINVALID with a message
// containing every one of want.
func notInvalid(err error, want ...string) string {
	if err == nil {
		return fmt.Sprintf("accepted; want an EINVALID error saying %q", want)
	}
	if code := actas.ErrorCode(err); code != actas.EINVALID {
		return fmt.Sprintf("error code %q (%v), want %q", code, err, actas.EINVALID)
	}
	msg := actas.ErrorMessage(err)
	for _, w := range want {
		if !strings.Contains(msg, w) {
			return fmt.Sprintf("error %q does not say %q", msg, w)
		}
	}
	return ""
}

// errStore is a store whose reads fail.
type errStore struct{ err error }

func (s errStore) ReadHashes([]int64) ([]translog.Hash, error) { return nil, s.err }

var errDisk = errors.New("disk I/O error")

// The fixtures below are real: the Venezuelan presidential election of 28
// July 2024 and tally sheets of testdata/ve-2024-actas (opposition
// witnesses' transcriptions), as the ve-2024-actas converter reads them.

func veElection() *actas.Election {
	return &actas.Election{
		ID:       "ve-2024",
		Name:     "Elección presidencial, 28 de julio de 2024",
		Date:     "2024-07-28",
		Timezone: "America/Caracas",
		Open:     "06:00",
		Close:    "18:00",
		Levels:   []string{"state", "municipality", "parish", "center"},
		Contests: []actas.Contest{{ID: "president", Name: "Presidente de la República", Choices: []actas.Choice{
			{ID: "eg", Name: "Edmundo González"}, {ID: "nm", Name: "Nicolás Maduro"},
			{ID: "lm", Name: "Luis Martínez"}, {ID: "jabe", Name: "Javier Bertucci"},
			{ID: "jobr", Name: "José Brito"}, {ID: "ae", Name: "Antonio Ecarri"},
			{ID: "cf", Name: "Claudio Fermín"}, {ID: "dc", Name: "Daniel Ceballos"},
			{ID: "em", Name: "Enrique Márquez"}, {ID: "bera", Name: "Benjamín Rausseo"},
		}}},
	}
}

// areaMorro's municipality has a '/' in its name, escaped in the path.
var (
	areaRecreo = actas.JoinPath("DTTO. CAPITAL", "MP. BLVNO LIBERTADOR", "PQ. EL RECREO", "10113042")
	areaMorro  = actas.JoinPath("EDO. ANZOATEGUI", "MP. L/DIEGO BAUTISTA", "PQ. EL MORRO", "21702002")
)

func veStations() []actas.Station {
	return []actas.Station{
		{Code: "10113042.1", Area: areaRecreo, Registered: 666},
		{Code: "10113042.2", Area: areaRecreo, Registered: 673},
		{Code: "21702002.1", Area: areaMorro, Registered: 982, Machines: 1},
	}
}

// veSheet is the first row of RESULTADOS_2024_CSV_V1.csv, as stored.
func veSheet(seq int64) *actas.Submission {
	return &actas.Submission{
		Seq:      seq,
		Election: "ve-2024",
		Source:   actas.Witness,
		Sheet: actas.Sheet{
			Station: "10113042.1", Contest: "president",
			Votes:   []int64{232, 120, 5, 0, 0, 3, 1, 1, 0, 2},
			Ballots: 364, Voters: actas.Unknown,
		},
		Submitter: "import",
		Origin:    "import RESULTADOS_2024_CSV_V1.csv sha256:5d1b0e8c",
		Received:  time.Date(2024, 8, 1, 14, 3, 27, 0, time.UTC),
		Evidence:  []actas.Evidence{{Kind: "link", URL: "https://static.resultadosconvzla.com/408106_387187_0096Acta0096.jpg"}},
	}
}

func veContest() *actas.Contest { return &veElection().Contests[0] }

// MustEncodeSubmission encodes a submission of contest c.
func MustEncodeSubmission(tb testing.TB, s *actas.Submission, c *actas.Contest) []byte {
	tb.Helper()
	b, err := translog.EncodeSubmission(nil, s, c)
	if err != nil {
		tb.Fatalf("EncodeSubmission: %v", err)
	}
	return b
}

// MustEncodeElection encodes an election's first entry.
func MustEncodeElection(tb testing.TB, e *actas.Election, stations []actas.Station) []byte {
	tb.Helper()
	b, err := translog.EncodeElection(e, stations)
	if err != nil {
		tb.Fatalf("EncodeElection: %v", err)
	}
	return b
}

// veLog returns the entries of a small real log: the election, two sheets,
// an official total and a turnout snapshot.
func veLog(tb testing.TB) [][]byte {
	tb.Helper()
	s1 := veSheet(1)
	s2 := veSheet(2)
	s2.Sheet.Station = "21702002.1"
	s2.Sheet.Votes = []int64{406, 71, 0, 0, 0, 2, 0, 0, 0, 2}
	s2.Sheet.Ballots = 481
	s2.Evidence[0].URL = "https://static.resultadosconvzla.com/788458_319688_0121Acta0057.jpg"
	return [][]byte{
		MustEncodeElection(tb, veElection(), veStations()),
		MustEncodeSubmission(tb, s1, veContest()),
		MustEncodeSubmission(tb, s2, veContest()),
		translog.EncodeTotal("ve-2024", &actas.OfficialTotal{Index: 3, Contest: "president", Bulletin: "bulletin-2", Choice: "nm", Votes: 6408844}),
		translog.EncodeSnapshot("ve-2024", &actas.Snapshot{Index: 4, Scope: areaMorro, Time: 12 * 60, Voters: 250, Source: actas.Witness}),
	}
}
