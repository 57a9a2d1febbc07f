package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/sheetio"
	"github.com/actasproject/actas/sqlite"
)

// veCenterQR is center 201301006 (Yaracuy) of the published 2024 file: its
// two tables, whose QR codes public tally tools decoded.
const veCenterQR = "201301006"

// veTable1QR is the QR payload of table 1 of the center, as decoded by
// github.com/Strvm/vnzla-libre; it states the file's numbers for table 1.
const veTable1QR = "201301006.01.1.0001!140,7,10,8,1,7,1,0,2,3,0,1,8,1,0,1,0,3,1,1,0,1,0,0,0,0,0,0,1,2,0,0,0,5,7,155,1,1!0!0"

// MustVECenter writes the published file's header and the rows of one
// center, and imports it as the ve-2024 election into a new store.
func MustVECenter(tb testing.TB, center string) (dir, db string) {
	tb.Helper()
	f, err := os.Open(testdata("ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan(); n++ {
		if n == 0 || strings.Contains(sc.Text(), ","+center+",") {
			b.WriteString(sc.Text() + "\n")
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	dir = tb.TempDir()
	path := MustWrite(tb, dir, "center.csv", b.String())
	db = filepath.Join(dir, "ve.db")
	MustRun(tb, "import", "--db", db, "--format", "ve-2024-actas", path)
	return dir, db
}

// vePayload builds the QR payload a 2024 voting machine prints for a table:
// each candidate's votes on the first card that backs them (cards 1 nm, 14
// lm, 20 jabe, 21 jobr, 25 ae, 31 cf, 32 dc, 34 eg, 37 em, 38 bera).
func vePayload(table int, votes map[string]int64, null int64) string {
	first := map[string]int{"nm": 0, "lm": 13, "jabe": 19, "jobr": 20, "ae": 24, "cf": 30, "dc": 31, "eg": 33, "em": 36, "bera": 37}
	cards := make([]string, 38)
	for i := range cards {
		cards[i] = "0"
	}
	for id, v := range votes {
		cards[first[id]] = strconv.FormatInt(v, 10)
	}
	return veCenterQR + ".0" + strconv.Itoa(table) + ".1.0001!" + strings.Join(cards, ",") + "!" + strconv.FormatInt(null, 10) + "!0"
}

// mustSubmission returns the one submission of src for a station.
func mustSubmission(tb testing.TB, db, station string, src actas.Source) *actas.Submission {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		tb.Fatal(err)
	}
	defer st.Close()
	subs, err := st.StationSubmissions(context.Background(), "ve-2024", station)
	if err != nil {
		tb.Fatal(err)
	}
	var found *actas.Submission
	for _, s := range subs {
		if s.Source == src {
			if found != nil {
				tb.Fatalf("station %s has several %s submissions", station, src)
			}
			found = s
		}
	}
	if found == nil {
		tb.Fatalf("station %s has no %s submission stored", station, src)
	}
	return found
}

func TestImportFlagsQRMismatch(t *testing.T) {
	if _, err := os.Stat(testdata("ve-2024-actas", "RESULTADOS_2024_CSV_V1.csv")); err != nil {
		t.Skip("the published Venezuelan file is not in testdata")
	}
	dir, db := MustVECenter(t, veCenterQR)
	const header = "station,eg,nm,lm,jabe,jobr,ae,cf,dc,em,bera,blank,null,ballots,qr\n"
	// The published file is the witnesses' sheets. The machines' printouts
	// state the same numbers for both tables, with the QR code decoded from
	// each; table 2's QR code gives 8 of González's votes to Maduro.
	table2QR := vePayload(2, map[string]int64{"eg": 170, "nm": 189, "lm": 4, "jabe": 1, "ae": 2, "dc": 1, "bera": 1}, 0)
	machine := MustWrite(t, dir, "machine.csv", header+
		"201301006.1,167,188,6,1,1,3,0,0,1,1,0,0,368,\""+veTable1QR+"\"\n"+
		"201301006.2,178,181,4,1,0,2,0,1,0,1,0,0,368,\""+table2QR+"\"\n")
	out := MustRun(t, "import", "--db", db, "--source", "machine", machine)
	if !strings.Contains(out, "1 flagged as suspicious") {
		t.Errorf("import report %q does not count one flagged sheet", out)
	}
	// An official publication of table 1 whose QR text is not a tally
	// sheet's.
	official := MustWrite(t, dir, "official.csv", header+"201301006.1,167,188,6,1,1,3,0,0,1,1,0,0,368,not a tally sheet\n")
	MustRun(t, "import", "--db", db, "--source", "official", official)

	for _, tc := range []struct {
		name    string
		station string
		src     actas.Source
		payload string
		want    actas.Flags
	}{
		{"a machine sheet whose QR code states its numbers is not flagged", "201301006.1", actas.Machine, veTable1QR, 0},
		{"a machine sheet whose QR code states other numbers is stored and flagged", "201301006.2", actas.Machine, table2QR, actas.FlagQRMismatch},
		{"a sheet whose QR text cannot be read is stored and flagged", "201301006.1", actas.Official, "not a tally sheet", actas.FlagQRMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := mustSubmission(t, db, tc.station, tc.src)
			if s.Flags != tc.want {
				t.Errorf("flags %q, want %q", s.Flags, tc.want)
			}
			if len(s.Evidence) != 1 || s.Evidence[0] != (actas.Evidence{Kind: "qr", Text: tc.payload}) {
				t.Errorf("evidence %+v, want the QR payload", s.Evidence)
			}
		})
	}

	t.Run("table 2's QR code is read, and differs in the votes moved", func(t *testing.T) {
		s := mustSubmission(t, db, "201301006.2", actas.Machine)
		c := &actas.Contest{ID: "president"}
		for _, id := range []string{"eg", "nm", "lm", "jabe", "jobr", "ae", "cf", "dc", "em", "bera"} {
			c.Choices = append(c.Choices, actas.Choice{ID: id})
		}
		got := sheetio.QRProblems(s, c, nil)
		if len(got) != 1 || !strings.HasSuffix(got[0], "differs from the sheet in votes:eg, votes:nm") {
			t.Fatalf("problems %q", got)
		}
	})

	t.Run("the published witness sheets, without QR evidence, are not flagged", func(t *testing.T) {
		for _, station := range []string{"201301006.1", "201301006.2"} {
			if s := mustSubmission(t, db, station, actas.Witness); s.Flags != 0 {
				t.Errorf("station %s: flags %q", station, s.Flags)
			}
		}
	})
}
