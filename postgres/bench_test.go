package postgres_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/internal/pgtest"
	"github.com/actasproject/actas/postgres"
)

// benchStations is the size of the import benchmark: 5,000 stations (one
// sheet each) unless ACTAS_BENCH_STATIONS says otherwise, e.g.
//
//	ACTAS_BENCH_STATIONS=1050000 go test ./postgres -run '^$' -bench Import -benchtime 1x
func benchStations() int {
	if n, err := strconv.Atoi(os.Getenv("ACTAS_BENCH_STATIONS")); err == nil && n > 0 {
		return n
	}
	return 5000
}

// scaleElection returns an election of the target's shape: five levels, one
// contest of twelve choices, n stations, five per center and ten areas per
// parent above, and one witness sheet per station.
func scaleElection(n int) (*actas.Election, []actas.Station, []*actas.Submission) {
	e := &actas.Election{
		ID: "scale", Name: "Scale test", Date: "2024-06-01", Open: "07:00", Close: "18:00",
		Levels: []string{"region", "state", "municipality", "parish", "center"},
	}
	c := actas.Contest{ID: "general", Name: "General"}
	for i := range 12 {
		c.Choices = append(c.Choices, actas.Choice{ID: fmt.Sprintf("p%02d", i+1), Name: fmt.Sprintf("Party %d", i+1)})
	}
	e.Contests = []actas.Contest{c}
	stations := make([]actas.Station, n)
	subs := make([]*actas.Submission, n)
	received := time.Date(2024, 6, 1, 20, 0, 0, 0, time.UTC)
	for i := range n {
		center := i / 5
		code := fmt.Sprintf("S%07d", i+1)
		stations[i] = actas.Station{
			Code: code,
			Area: actas.JoinPath("R"+strconv.Itoa(center/10000), "S"+strconv.Itoa(center/1000), "M"+strconv.Itoa(center/100),
				"P"+strconv.Itoa(center/10), "C"+strconv.Itoa(center)),
			Registered: 1000 + int64(i%300),
		}
		votes := make([]int64, 12)
		var valid int64
		for j := range votes {
			votes[j] = int64((i*7+j*13)%90 + j)
			valid += votes[j]
		}
		sheet := actas.Sheet{Station: code, Contest: "general", Votes: votes, Blank: int64(i % 5), Null: int64(i % 7), Voters: actas.Unknown}
		sheet.Ballots = valid + sheet.Blank + sheet.Null
		subs[i] = &actas.Submission{
			Election: "scale", Source: actas.Witness, Sheet: sheet,
			Flags:     actas.Check(&sheet, &stations[i], 0),
			Submitter: "import", Origin: "import bench.csv", Received: received,
		}
	}
	return e, stations, subs
}

// BenchmarkImport imports an election of benchStations stations and a sheet
// per station (CreateElection, then Submit: checks, outcomes, log entries
// and hashes, in two transactions) and, in the same run, copies the same
// rows into plain tables (PlainCopy, the storage limit). It reports the
// import's time as a multiple of the plain copy's (x-plain; the target is
// at most 2) and the import's sheets per second.
func BenchmarkImport(b *testing.B) {
	n := benchStations()
	e, stations, subs := scaleElection(n)
	var imported, plain time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		url := pgtest.MustDatabase(b)
		db, err := postgres.Open(b.Context(), url)
		if err != nil {
			b.Fatal(err)
		}
		fresh := make([]*actas.Submission, len(subs))
		for j, s := range subs {
			c := *s
			fresh[j] = &c
		}
		b.StartTimer()
		start := time.Now()
		if err := db.CreateElection(b.Context(), e, stations); err != nil {
			b.Fatal(err)
		}
		if _, err := db.Submit(b.Context(), e.ID, fresh, nil); err != nil {
			b.Fatal(err)
		}
		imported += time.Since(start)
		b.StopTimer()
		db.Close()
		plainURL := pgtest.MustDatabase(b)
		start = time.Now()
		if err := postgres.PlainCopy(b.Context(), plainURL, stations, subs); err != nil {
			b.Fatal(err)
		}
		plain += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(imported)/float64(plain), "x-plain")
	b.ReportMetric(float64(n)*float64(b.N)/imported.Seconds(), "sheets/s")
	b.ReportMetric(float64(n)*float64(b.N)/plain.Seconds(), "plain-sheets/s")
}

// BenchmarkSubmitOne measures a live submission: one sheet, one
// transaction (the log's lock, outcome, entry, hashes).
func BenchmarkSubmitOne(b *testing.B) {
	e, stations, subs := scaleElection(1000)
	db := MustOpen(b, pgtest.MustDatabase(b))
	if err := db.CreateElection(b.Context(), e, stations); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := *subs[i%len(subs)]
		s.Sheet.Blank += int64(i / len(subs)) // another sheet each round
		s.Sheet.Ballots += int64(i / len(subs))
		if _, err := db.Submit(b.Context(), e.ID, []*actas.Submission{&s}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
