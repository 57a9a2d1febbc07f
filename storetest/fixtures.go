package storetest

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/actasproject/actas"
)

// Election returns a small election with id: three levels (state,
// municipality, parish) and two contests, president (choices a, b, c) and
// referendum (yes, no).
func Election(id string) *actas.Election {
	return &actas.Election{
		ID:       id,
		Name:     "Storetest election " + id,
		Date:     "2024-07-28",
		Timezone: "America/Caracas",
		Open:     "06:00",
		Close:    "18:00",
		Levels:   []string{"state", "municipality", "parish"},
		Contests: []actas.Contest{
			{ID: "president", Name: "President", Choices: []actas.Choice{
				{ID: "a", Name: "Candidate A"}, {ID: "b", Name: "Candidate B"}, {ID: "c", Name: "Candidate C"},
			}},
			{ID: "referendum", Name: "Referendum", Choices: []actas.Choice{
				{ID: "yes", Name: "Yes"}, {ID: "no", Name: "No"},
			}},
		},
		SecondsPerVoter: 30,
	}
}

// Areas of the fixture's stations, as paths (actas.JoinPath of the names,
// top first). One name holds a slash, as real names do ("MP. L/DIEGO
// BAUTISTA"), so its path escapes it.
const (
	Chiquinquira = "Zulia/Maracaibo/Chiquinquirá"
	Bolivar      = "Zulia/Maracaibo/Bolívar"
	Ambrosio     = "Zulia/Cabimas/Ambrosio"
	Urdaneta     = `Táchira/MP. L\/DIEGO BAUTISTA/Urdaneta`
	Concordia    = "Táchira/San Cristóbal/La Concordia"
	Petare       = "Miranda/Sucre/Petare"
)

// Stations returns the fixture's 42 stations, in creation order: six named
// ones (001–006; 004 has no registered list) and 36 in Petare (P01–P36).
func Stations() []actas.Station {
	sts := []actas.Station{
		{Code: "001", Area: Chiquinquira, Registered: 500, Machines: 2},
		{Code: "002", Area: Chiquinquira, Registered: 480},
		{Code: "003", Area: Bolivar, Registered: 300, Machines: 1},
		{Code: "004", Area: Ambrosio, Registered: 0},
		{Code: "005", Area: Urdaneta, Registered: 200},
		{Code: "006", Area: Concordia, Registered: 350, Machines: 1},
	}
	for i := 1; i <= 36; i++ {
		sts = append(sts, actas.Station{Code: fmt.Sprintf("P%02d", i), Area: Petare, Registered: int64(400 + i)})
	}
	return sts
}

// received is when the fixture's sheets arrive: local time with
// nanoseconds, so a store must convert it to UTC and keep its precision.
var received = time.Date(2024, 7, 28, 19, 4, 5, 123456789, time.FixedZone("VET", -4*60*60))

// Sheet returns a consistent sheet for station and contest; seed varies the
// numbers (sheets with different seeds differ).
func Sheet(station, contest string, seed int64) actas.Sheet {
	var votes []int64
	if contest == "referendum" {
		votes = []int64{100 + seed, 50}
	} else {
		votes = []int64{120 + seed, 80, 7}
	}
	var valid int64
	for _, v := range votes {
		valid += v
	}
	return actas.Sheet{Station: station, Contest: contest, Votes: votes, Blank: 3, Null: 2, Ballots: valid + 5, Voters: valid + 5}
}

// Sub returns a submission of sheet by source, as an import would make it.
func Sub(source actas.Source, sheet actas.Sheet) *actas.Submission {
	return &actas.Submission{
		Source:    source,
		Sheet:     sheet,
		Submitter: "import",
		Origin:    "storetest fixture",
		Received:  received,
	}
}

// File returns one submission per station and contest from source, as
// importing a whole file would; seed varies the numbers.
func File(source actas.Source, seed int64) []*actas.Submission {
	var subs []*actas.Submission
	for _, contest := range []string{"president", "referendum"} {
		for _, st := range Stations() {
			subs = append(subs, Sub(source, Sheet(st.Code, contest, seed)))
		}
	}
	return subs
}

// Photo returns a small PNG image; seed varies its pixels (photos with
// different seeds differ).
func Photo(seed int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	for i := range img.Pix {
		img.Pix[i] = byte(seed*31 + i*7)
	}
	img.Set(0, 0, color.NRGBA{R: byte(seed), G: byte(seed >> 8), B: byte(seed >> 16), A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(fmt.Sprintf("storetest: encode a PNG: %v", err)) // cannot fail writing to memory
	}
	return buf.Bytes()
}

// MustPutPhoto stores Photo(seed) as evidence of the election and returns
// its name.
func MustPutPhoto(tb testing.TB, s actas.Store, election string, seed int) string {
	tb.Helper()
	name, err := s.PutEvidence(tb.Context(), election, Photo(seed))
	if err != nil {
		tb.Fatalf("PutEvidence(photo %d): %v", seed, err)
	}
	return name
}
