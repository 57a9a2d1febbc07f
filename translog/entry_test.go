package translog_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/translog"
)

var update = flag.Bool("update", false, "rewrite testdata/entries/*.entry from the encoders")

// entryCase is one entry, as the store's record and as encoded.
type entryCase struct {
	name     string
	file     string // its golden file in testdata/entries
	election *actas.Election
	stations []actas.Station
	sub      *actas.Submission
	contest  *actas.Contest
	total    *actas.OfficialTotal
	snapshot *actas.Snapshot
	record   *actas.Record
}

func (c entryCase) encode(tb testing.TB) []byte {
	tb.Helper()
	switch {
	case c.election != nil:
		return MustEncodeElection(tb, c.election, c.stations)
	case c.sub != nil:
		return MustEncodeSubmission(tb, c.sub, c.contest)
	case c.total != nil:
		return translog.EncodeTotal("ve-2024", c.total)
	case c.record != nil:
		return translog.EncodeRecord(nil, "ve-2024", c.record)
	default:
		return translog.EncodeSnapshot("ve-2024", c.snapshot)
	}
}

// entryCases covers every kind and what is hard to encode: evidence,
// unknown voters, flags, quotes, backslashes, other scripts, invalid
// UTF-8, area paths with an escaped '/'.
func entryCases() []entryCase {
	sub := func(f func(s *actas.Submission)) *actas.Submission {
		s := veSheet(7)
		f(s)
		return s
	}
	many := veElection()
	many.ID = "mx-2018"
	many.Date, many.Timezone, many.Open, many.Close = "", "", "", ""
	many.SecondsPerVoter = 40
	many.Levels = []string{"estado", "distrito", "seccion"}
	many.Contests = append(many.Contests, actas.Contest{ID: "senado", Name: `Senado "de mayoría" <relativa> & más`, Choices: []actas.Choice{{ID: "pan", Name: "PAN"}, {ID: "morena", Name: "MORENA"}}})
	oneChoice := &actas.Contest{ID: "referendum", Choices: []actas.Choice{{ID: "yes"}}}
	return []entryCase{
		{name: "election with its stations", file: "election", election: veElection(), stations: veStations()},
		{name: "election with seconds per voter, no hours and two contests", file: "election-two-contests", election: many, stations: nil},
		{name: "witness sheet with a link to its photo", file: "sheet-witness", sub: veSheet(1), contest: veContest()},
		{name: "official sheet with voters stated and every flag", file: "sheet-flags", contest: veContest(), sub: sub(func(s *actas.Submission) {
			s.Source = actas.Official
			s.Sheet.Voters = 700
			s.Flags = actas.FlagSumMismatch | actas.FlagOverRegistered | actas.FlagVotersMismatch | actas.FlagOverCapacity
			s.Evidence = nil
		})},
		{name: "sheet with one flag and no evidence", file: "sheet-one-flag", contest: veContest(), sub: sub(func(s *actas.Submission) {
			s.Source = actas.Machine
			s.Flags = actas.FlagVotersMismatch
			s.Sheet.Voters = 360
			s.Evidence = nil
		})},
		{name: "sheet with a photo, a QR payload and a link", file: "sheet-evidence", contest: veContest(), sub: sub(func(s *actas.Submission) {
			s.Source = actas.QR
			s.Evidence = []actas.Evidence{
				{Kind: "photo", SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
				{Kind: "qr", Text: "10113042.1!232,120,5,0,0,3,1,1,0,2\n\"firma\": \\x00 ñ"},
				{Kind: "link", URL: "https://static.resultadosconvzla.com/408106_387187_0096Acta0096.jpg?a=1&b=\"2\""},
			}
		})},
		{name: "station code with quotes and backslashes", file: "sheet-quotes", contest: veContest(), sub: sub(func(s *actas.Submission) {
			s.Sheet.Station = `Mesa "7" \ anexo\n`
			s.Submitter = `o'brien "the witness"`
		})},
		{name: "names in other scripts", file: "sheet-unicode", contest: veContest(), sub: sub(func(s *actas.Submission) {
			s.Sheet.Station = "УИК №1234"
			s.Submitter = "наблюдатель-17 👁"
			s.Origin = "урна №3 ☑ — 選挙"
			s.Source = actas.Audit
		})},
		{name: "origin with invalid UTF-8 and control characters", file: "sheet-bytes", contest: veContest(), sub: sub(func(s *actas.Submission) {
			s.Origin = "import \xff\xfe.csv\x00\t\r"
		})},
		{name: "received with nanoseconds", file: "sheet-nanoseconds", contest: veContest(), sub: sub(func(s *actas.Submission) {
			s.Received = time.Date(2024, 7, 28, 23, 59, 59, 123456789, time.UTC)
		})},
		{name: "received in another zone is logged in UTC", file: "sheet-utc", contest: veContest(), sub: sub(func(s *actas.Submission) {
			s.Received = time.Date(2024, 7, 28, 19, 0, 0, 0, time.FixedZone("VET", -4*3600))
		})},
		{name: "counts at the maximum", file: "sheet-max", contest: veContest(), sub: sub(func(s *actas.Submission) {
			for i := range s.Sheet.Votes {
				s.Sheet.Votes[i] = actas.MaxCount
			}
			s.Sheet.Blank, s.Sheet.Null, s.Sheet.Ballots, s.Sheet.Voters = actas.MaxCount, actas.MaxCount, actas.MaxCount, actas.MaxCount
			s.Seq = 1<<62 + 1
		})},
		{name: "a contest of one choice", file: "sheet-one-choice", contest: oneChoice, sub: sub(func(s *actas.Submission) {
			s.Sheet.Contest = "referendum"
			s.Sheet.Votes = []int64{0}
			s.Sheet.Ballots = 0
			s.Submitter, s.Origin = "", ""
		})},
		{name: "national official total", file: "total-national", total: &actas.OfficialTotal{Contest: "president", Bulletin: "bulletin-2", Choice: "nm", Votes: 6408844}},
		{name: "official total of an area with an escaped '/'", file: "total-area", total: &actas.OfficialTotal{Contest: "president", Bulletin: `Boletín "2" \ CNE`, Area: actas.JoinPath("EDO. ANZOATEGUI", "MP. L/DIEGO BAUTISTA"), Choice: "eg", Votes: 0}},
		{name: "official total with its bulletin's time and claimed coverage", file: "total-bulletin", total: &actas.OfficialTotal{Contest: "president", Bulletin: "cne-2", Choice: "eg", Votes: 5326104,
			Announced: time.Date(2024, 8, 2, 21, 30, 0, 0, time.UTC), CoveragePPM: 968700}},
		{name: "official total of registered voters", file: "total-registered", total: &actas.OfficialTotal{Contest: "president", Bulletin: "", Choice: "registered", Votes: 21321805}},
		{name: "turnout of a station", file: "snapshot-station", snapshot: &actas.Snapshot{Scope: `10113042.1 "bis"`, Station: true, Time: 9*60 + 30, Voters: 120, Source: actas.Witness}},
		{name: "turnout of an area with an escaped '/'", file: "snapshot-area", snapshot: &actas.Snapshot{Scope: areaMorro, Time: 18 * 60, Voters: 481, Source: actas.Official}},
		{name: "national turnout at midnight", file: "snapshot-national", snapshot: &actas.Snapshot{Scope: "", Time: 24 * 60, Voters: 12386669, Source: actas.Official}},
		{name: "turnout at the opening", file: "snapshot-zero", snapshot: &actas.Snapshot{Scope: areaRecreo, Time: 0, Voters: 0, Source: actas.Machine}},
		{name: "a coordinator's decision on a station", file: "record-decision", record: &actas.Record{Kind: "decision", Subject: `10113042.1 "bis"`, Account: "17",
			Time: time.Date(2024, 7, 29, 3, 4, 5, 120000000, time.UTC), Body: []byte(`{"contest":"president","verdict":"accepted","seq":12,"reason":"la foto se lee: 232 \"EG\" \u003c 240"}`)}},
		{name: "an audit's setup, at a whole second", file: "record-audit", record: &actas.Record{Kind: "audit", Subject: "a1", Account: "import",
			Time: time.Date(2024, 8, 10, 12, 0, 0, 0, time.UTC), Body: []byte(`{"contest":"president","risk_limit":"0.05","seed":"01382438112797316654"}`)}},
	}
}

func TestEntryRoundTrip(t *testing.T) {
	for _, tt := range entryCases() {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.encode(t)
			golden := filepath.Join("testdata", "entries", tt.file+".entry")
			if *update {
				if err := os.WriteFile(golden, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// The encoding is v1 for good: a logged entry must re-derive to
			// the same bytes for ever, or every proof of it breaks.
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if !bytes.Equal(b, want) {
				t.Fatalf("the encoding changed:\n%s\nwas (%s):\n%s", b, golden, want)
			}

			e, err := translog.ParseEntry(b)
			if err != nil {
				t.Fatalf("ParseEntry: %v\n%s", err, b)
			}
			again, err := e.Encode()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("Encode after ParseEntry = %q, %v; want %q", again, err, b)
			}
			if e.Election != "ve-2024" && (tt.election == nil || e.Election != tt.election.ID) {
				t.Errorf("Election = %q", e.Election)
			}
			switch {
			case tt.election != nil:
				if e.Kind != translog.KindElection || e.Definition == nil {
					t.Fatalf("parsed %+v, want an election", e)
				}
				if !reflect.DeepEqual(e.Definition.Election, tt.election) {
					t.Errorf("election %+v, want %+v", e.Definition.Election, tt.election)
				}
				if e.Definition.Stations != int64(len(tt.stations)) || e.Definition.Digest != translog.StationsDigest(tt.stations) {
					t.Errorf("stations %d %x, want %d %x", e.Definition.Stations, e.Definition.Digest, len(tt.stations), translog.StationsDigest(tt.stations))
				}
			case tt.sub != nil:
				if e.Kind != translog.KindSubmission || e.Submission == nil {
					t.Fatalf("parsed %+v, want a submission", e)
				}
				got, want := *e.Submission, *tt.sub
				if !got.Received.Equal(want.Received) || got.Received.Location() != time.UTC {
					t.Errorf("received %v, want %v in UTC", got.Received, want.Received)
				}
				got.Received, want.Received = time.Time{}, time.Time{}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("submission\n%+v\nwant\n%+v", got, want)
				}
				if !reflect.DeepEqual(e.Choices, tt.contest.ChoiceIDs()) {
					t.Errorf("choices %q, want %q", e.Choices, tt.contest.ChoiceIDs())
				}
			case tt.total != nil:
				if e.Kind != translog.KindTotal || !reflect.DeepEqual(e.Total, tt.total) {
					t.Errorf("parsed %+v %+v, want total %+v", e, e.Total, tt.total)
				}
			case tt.record != nil:
				if e.Kind != translog.KindRecord || e.Record == nil || !e.Record.Time.Equal(tt.record.Time) {
					t.Fatalf("parsed %+v, want record %+v", e, tt.record)
				}
				got, want := *e.Record, *tt.record
				got.Time, want.Time = time.Time{}, time.Time{}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("record\n%+v\nwant\n%+v", got, want)
				}
			default:
				if e.Kind != translog.KindSnapshot || !reflect.DeepEqual(e.Snapshot, tt.snapshot) {
					t.Errorf("parsed %+v %+v, want snapshot %+v", e, e.Snapshot, tt.snapshot)
				}
			}
		})
	}
}

// TestEntryLogIndexNotEncoded: the index a total or snapshot is stored at is
// where its entry sits, not part of it.
func TestEntryLogIndexNotEncoded(t *testing.T) {
	tot := actas.OfficialTotal{Contest: "president", Bulletin: "b", Choice: "eg", Votes: 1}
	indexed := tot
	indexed.Index = 41
	if !bytes.Equal(translog.EncodeTotal("ve-2024", &tot), translog.EncodeTotal("ve-2024", &indexed)) {
		t.Error("a total's entry depends on its Index")
	}
	snap := actas.Snapshot{Scope: "a", Time: 60, Voters: 1, Source: actas.Witness}
	isnap := snap
	isnap.Index = 41
	if !bytes.Equal(translog.EncodeSnapshot("ve-2024", &snap), translog.EncodeSnapshot("ve-2024", &isnap)) {
		t.Error("a snapshot's entry depends on its Index")
	}
}

func TestEncodeSubmissionRefusesVotesOfAnotherContest(t *testing.T) {
	s := veSheet(1)
	s.Sheet.Votes = s.Sheet.Votes[:9]
	_, err := translog.EncodeSubmission(nil, s, veContest())
	wantInvalid(t, err, "station 10113042.1: 9 votes for 10 choices")
}

func TestEncodeSubmissionAppends(t *testing.T) {
	dst := []byte("previous")
	b, err := translog.EncodeSubmission(dst, veSheet(1), veContest())
	if err != nil {
		t.Fatal(err)
	}
	if want := append([]byte("previous"), MustEncodeSubmission(t, veSheet(1), veContest())...); !bytes.Equal(b, want) {
		t.Errorf("EncodeSubmission(dst) = %q, want dst then the entry", b)
	}
}

func TestParseEntryRefusals(t *testing.T) {
	log := veLog(t)
	election, sheet, total, snapshot := string(log[0]), string(log[1]), string(log[3]), string(log[4])
	record := string(translog.EncodeRecord(nil, "ve-2024", &actas.Record{Kind: "decision", Subject: "21702002.1", Account: "17",
		Time: time.Date(2024, 7, 29, 3, 4, 5, 0, time.UTC), Body: []byte(`{"verdict":"verified"}`)}))
	// change replaces old, which must occur once, with new.
	change := func(entry, old, new string) string {
		if strings.Count(entry, old) != 1 {
			t.Fatalf("%q occurs %d times in\n%s", old, strings.Count(entry, old), entry)
		}
		return strings.Replace(entry, old, new, 1)
	}
	tests := []struct {
		name  string
		entry string
		want  []string // what the error says: its line, and why
	}{
		{"empty", "", []string{"line 1:", "not an actas log entry"}},
		{"another format version", change(sheet, "v1\n", "v2\n"), []string{"line 1:", "not an actas log entry"}},
		{"CRLF line endings", strings.ReplaceAll(sheet, "\n", "\r\n"), []string{"line 1:"}},
		{"unknown kind", change(sheet, "kind submission", "kind decision"), []string{"line 2:", `unknown kind "decision"`}},
		{"kind missing", change(sheet, "kind submission\n", ""), []string{"line 2:", "want kind"}},
		{"kind with a carriage return", change(sheet, "kind submission\n", "kind submission\r\n"), []string{"line 2:", "unknown kind"}},
		{"election id in capitals", change(sheet, "election ve-2024", "election VE-2024"), []string{"line 3:", "not an id"}},
		{"seq zero, the election's entry", change(sheet, "seq 1\n", "seq 0\n"), []string{"line 4:", "seq 0 is not positive"}},
		{"seq negative", change(sheet, "seq 1\n", "seq -1\n"), []string{"line 4:", "not positive"}},
		{"seq with a leading zero", change(sheet, "seq 1\n", "seq 01\n"), []string{"line 4 is not in canonical form"}},
		{"seq with a plus sign", change(sheet, "seq 1\n", "seq +1\n"), []string{"line 4 is not in canonical form"}},
		{"seq in words", change(sheet, "seq 1\n", "seq one\n"), []string{"line 4:", `seq "one" is not a number`}},
		{"seq beyond int64", change(sheet, "seq 1\n", "seq 9223372036854775808\n"), []string{"line 4:", "not a number"}},
		{"contest not an id", change(sheet, "contest president", "contest Presidente"), []string{"line 5:", `contest "Presidente" is not an id`}},
		{"contest of two words", change(sheet, "contest president", "contest pres ident"), []string{"line 5:", "not one word"}},
		{"station unquoted", change(sheet, `station "10113042.1"`, `station 10113042.1`), []string{"line 6:", "station is not a quoted string"}},
		{"station in backquotes", change(sheet, `station "10113042.1"`, "station `10113042.1`"), []string{"line 6:", "not a quoted string"}},
		{"station with an escape where none is needed", change(sheet, `station "10113042.1"`, `station "\u0031\u0030113042.1"`), []string{"line 6 is not in canonical form"}},
		{"station with text after its quotes", change(sheet, `station "10113042.1"`, `station "10113042.1" x`), []string{"line 6:", "not a quoted string"}},
		{"unknown source", change(sheet, "source witness", "source rumor"), []string{"line 7:", `unknown source "rumor"`}},
		{"reconciled is not a source", change(sheet, "source witness", "source reconciled"), []string{"line 7:", "unknown source"}},
		{"a choice twice", change(sheet, "choices eg nm lm", "choices eg eg lm"), []string{"line 8:", "a choice appears twice"}},
		{"a reserved choice name", change(sheet, "choices eg nm lm", "choices eg blank lm"), []string{"line 8:", `choice "blank" is not a choice id`}},
		{"a choice in capitals", change(sheet, "choices eg nm lm", "choices EG nm lm"), []string{"line 8:", `choice "EG"`}},
		{"no choices", change(sheet, "choices eg nm lm jabe jobr ae cf dc em bera\n", "choices \n"), []string{"line 8:", "no choices"}},
		{"choices separated by two spaces", change(sheet, "choices eg nm lm", "choices eg  nm lm"), []string{"line 8 is not in canonical form"}},
		{"one vote count missing", change(sheet, "votes 232 120 5 0 0 3 1 1 0 2\n", "votes 232 120 5 0 0 3 1 1 0\n"), []string{"line 9:", "9 votes for 10 choices"}},
		{"a negative vote count", change(sheet, "votes 232 120 5 ", "votes 232 -120 5 "), []string{"line 9:", `votes "-120" is not a count`}},
		{"a vote count in exponent form", change(sheet, "votes 232 120 5 ", "votes 232 1.2e2 5 "), []string{"line 9:", "not a count"}},
		{"a vote count above the maximum", change(sheet, "votes 232 120 5 ", "votes 232 1000000000000 5 "), []string{"line 9:", "not a count"}},
		{"a vote count with a leading zero", change(sheet, "votes 232 120 5 ", "votes 232 0120 5 "), []string{"line 9 is not in canonical form"}},
		{"votes separated by a tab", change(sheet, "votes 232 120 5 ", "votes 232\t120 5 "), []string{"line 9 is not in canonical form"}},
		{"blank negative", change(sheet, "blank 0\n", "blank -1\n"), []string{"line 10:", "blank -1 is not between 0 and 999999999999"}},
		{"null missing", change(sheet, "null 0\n", ""), []string{"line 11:", "want null"}},
		{"ballots with a trailing space", change(sheet, "ballots 364\n", "ballots 364 \n"), []string{"line 12:", "not a number"}},
		{"ballots above the maximum", change(sheet, "ballots 364\n", "ballots 1000000000000\n"), []string{"line 12:", "ballots 1000000000000 is not between"}},
		{"voters unknown written otherwise", change(sheet, "voters -\n", "voters ?\n"), []string{"line 13:", "not a number"}},
		{"voters minus zero", change(sheet, "voters -\n", "voters -0\n"), []string{"line 13 is not in canonical form"}},
		{"voters empty", change(sheet, "voters -\n", "voters \n"), []string{"line 13:", "not a number"}},
		{"an unknown flag", change(sheet, "flags -\n", "flags rigged\n"), []string{"line 14:", `unknown flag "rigged"`}},
		{"flags out of order", change(sheet, "flags -\n", "flags ballots-exceed-registered,sum-mismatch\n"), []string{"line 14 is not in canonical form"}},
		{"a flag twice", change(sheet, "flags -\n", "flags sum-mismatch,sum-mismatch\n"), []string{"line 14 is not in canonical form"}},
		{"flags empty", change(sheet, "flags -\n", "flags \n"), []string{"line 14:", "not one word"}},
		{"flags separated by a space", change(sheet, "flags -\n", "flags sum-mismatch, exceeds-capacity\n"), []string{"line 14:", "not one word"}},
		{"submitter unquoted", change(sheet, `submitter "import"`, "submitter import"), []string{"line 15:", "submitter is not a quoted string"}},
		{"origin split over two lines", change(sheet, `origin "import RESULTADOS`, "origin \"import\nRESULTADOS"), []string{"line 16:", "origin is not a quoted string"}},
		{"received without a zone", change(sheet, "received 2024-08-01T14:03:27Z", "received 2024-08-01T14:03:27"), []string{"line 17:", "not an RFC 3339 time"}},
		{"received with a space", change(sheet, "received 2024-08-01T14:03:27Z", "received 2024-08-01 14:03:27Z"), []string{"line 17:", "not an RFC 3339 time"}},
		{"received in UTC written +00:00", change(sheet, "14:03:27Z", "14:03:27+00:00"), []string{"line 17 is not in canonical form"}},
		{"received in local time", change(sheet, "2024-08-01T14:03:27Z", "2024-08-01T10:03:27-04:00"), []string{"line 17 is not in canonical form"}},
		{"received with trailing zeros", change(sheet, "14:03:27Z", "14:03:27.500Z"), []string{"line 17 is not in canonical form"}},
		{"received missing", change(sheet, "received 2024-08-01T14:03:27Z\n", ""), []string{"line 17:", "want received"}},
		{"evidence of three strings", change(sheet, `evidence "link" "" `, `evidence "link" `), []string{"line 18:", "evidence is not four quoted strings"}},
		{"evidence of five strings", change(sheet, `Acta0096.jpg" ""`, `Acta0096.jpg" "" ""`), []string{"line 18:", "four quoted strings"}},
		{"evidence separated by two spaces", change(sheet, `evidence "link" ""`, `evidence "link"  ""`), []string{"line 18:", "four quoted strings"}},
		{"evidence in single quotes", change(sheet, `evidence "link"`, `evidence 'link'`), []string{"line 18:", "four quoted strings"}},
		{"evidence in backquotes", change(sheet, `evidence "link"`, "evidence `link`"), []string{"line 18 is not in canonical form"}},
		{"no final newline", strings.TrimSuffix(sheet, "\n"), []string{"line 18:", "must end with a newline"}},
		{"text after the entry", sheet + "note \"checked\"\n", []string{"line 19:", "unexpected text after the entry"}},
		{"an empty line after the entry", sheet + "\n", []string{"line 19:", "unexpected text"}},
		{"two entries in one", sheet + sheet, []string{"line 19:", "unexpected text"}},
		{"too large", sheet + strings.Repeat("x", translog.MaxEntrySize), []string{"more than 1048576"}},

		{"definition not JSON", change(election, `definition "{`, `definition "[`), []string{"line 4:", "definition:"}},
		{"definition unquoted", change(election, `definition "{`, `definition {`), []string{"line 4:", "definition is not a quoted string"}},
		{"definition with an unknown field", change(election, `{\"id\":\"ve-2024\",`, `{\"id\":\"ve-2024\",\"fraud\":true,`), []string{"line 4:", `unknown field "fraud"`}},
		{"definition of another election", change(election, `{\"id\":\"ve-2024\",`, `{\"id\":\"ve-2019\",`), []string{"line 4:", "definition is of election ve-2019, not ve-2024"}},
		{"definition of an invalid election", change(election, `\"levels\":[\"state\",\"municipality\",\"parish\",\"center\"]`, `\"levels\":[]`), []string{"line 4:", "levels is empty"}},
		{"definition with fields in another order", change(election, `{\"id\":\"ve-2024\",\"name\":\"Elección presidencial, 28 de julio de 2024\",`, `{\"name\":\"Elección presidencial, 28 de julio de 2024\",\"id\":\"ve-2024\",`), []string{"line 4 is not in canonical form"}},
		{"definition with a field name in capitals", change(election, `{\"id\":\"ve-2024\",`, `{\"ID\":\"ve-2024\",`), []string{"line 4 is not in canonical form"}},
		{"definition followed by more JSON", change(election, `}]}]}"`, `}]}]} {}"`), []string{"line 4 is not in canonical form"}},
		{"negative number of stations", change(election, "stations 3\n", "stations -3\n"), []string{"line 5:", "stations -3 is negative"}},
		{"stations digest too short", change(election, "stations-sha256 709439dca3", "stations-sha256 9dca3"), []string{"line 6:", "not a SHA-256 in hex"}},
		{"stations digest in capitals", change(election, "stations-sha256 709439dca3", "stations-sha256 709439DCA3"), []string{"line 6 is not in canonical form"}},

		{"bulletin unquoted", change(total, `bulletin "bulletin-2"`, "bulletin bulletin-2"), []string{"line 5:", "bulletin is not a quoted string"}},
		{"area with an empty name", change(total, `area "national"`, `area "EDO. ANZOATEGUI//PQ. EL MORRO"`), []string{"line 6:", "is not an area path"}},
		{"area with a dangling backslash", change(total, `area "national"`, `area "EDO. ANZOATEGUI\\"`), []string{"line 6:", "is not an area path"}},
		{"area with an unneeded escape", change(total, `area "national"`, `area "EDO. ANZOATEGUI\\x"`), []string{"line 6:", "is not an area path"}},
		{"national area written empty", change(total, `area "national"`, `area ""`), []string{"line 6:", "is not an area path"}},
		{"area with surrounding spaces", change(total, `area "national"`, `area " national"`), []string{"line 6:", "is not an area path"}},
		{"choice not an id", change(total, "choice nm\n", "choice Maduro\n"), []string{"line 7:", `choice "Maduro" is not an id`}},
		{"negative total", change(total, "votes 6408844\n", "votes -6408844\n"), []string{"line 8:", "votes -6408844 is negative"}},
		{"announced not a time", change(total, "votes 6408844\n", "votes 6408844\nannounced yesterday\n"), []string{"line 9:", "announced: not a time"}},
		{"announced in another zone", change(total, "votes 6408844\n", "votes 6408844\nannounced 2024-08-02T17:30:00-04:00\n"), []string{"line 9 is not in canonical form"}},
		{"announced with fractions of a second", change(total, "votes 6408844\n", "votes 6408844\nannounced 2024-08-02T21:30:00.5Z\n"), []string{"line 9 is not in canonical form"}},
		{"coverage of zero", change(total, "votes 6408844\n", "votes 6408844\ncoverage-ppm 0\n"), []string{"line 9:", "coverage-ppm 0 is not in 1 to 1000000"}},
		{"coverage above all", change(total, "votes 6408844\n", "votes 6408844\ncoverage-ppm 1000001\n"), []string{"line 9:", "is not in 1 to 1000000"}},
		{"coverage before announced", change(total, "votes 6408844\n", "votes 6408844\ncoverage-ppm 968700\nannounced 2024-08-02T21:30:00Z\n"), []string{"line 10"}},

		{"snapshot without a scope", change(snapshot, `area "EDO. ANZOATEGUI/MP. L\\/DIEGO BAUTISTA/PQ. EL MORRO/21702002"`, `scope "x"`), []string{"line 4:", "want area"}},
		{"snapshot at an impossible time", change(snapshot, "time 12:00\n", "time 25:00\n"), []string{"line 5:", "not a time of day"}},
		{"snapshot at a time without minutes", change(snapshot, "time 12:00\n", "time 12\n"), []string{"line 5:", "not HH:MM"}},
		{"snapshot with negative voters", change(snapshot, "voters 250\n", "voters -250\n"), []string{"line 6:", "voters -250 is negative"}},
		{"snapshot of an unknown source", change(snapshot, "source witness\n", "source press\n"), []string{"line 7:", "unknown source"}},

		{"record of a kind that is not an id", change(record, "record decision\n", "record Decision\n"), []string{"line 4:", `record kind "Decision" is not an id`}},
		{"record without an account", change(record, `account "17"`, `account ""`), []string{"line 6:", "account"}},
		{"record time in another zone", change(record, "time 2024-07-29T03:04:05Z", "time 2024-07-29T00:04:05-03:00"), []string{"line 7 is not in canonical form"}},
		{"record time that is not a time", change(record, "time 2024-07-29T03:04:05Z", "time yesterday"), []string{"line 7:", "not an RFC 3339 time"}},
		{"record body with spaces", change(record, `{\"verdict\":\"verified\"}`, `{\"verdict\": \"verified\"}`), []string{"line 8:", "not compact JSON"}},
		{"record body that is a list", change(record, `{\"verdict\":\"verified\"}`, `[1,2]`), []string{"line 8:", "not a JSON object"}},
		{"record body cut short", change(record, `{\"verdict\":\"verified\"}`, `{\"verdict\":`), []string{"line 8:", "not a JSON object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := translog.ParseEntry([]byte(tt.entry))
			if e != nil {
				t.Errorf("ParseEntry returned an entry with its error")
			}
			wantInvalid(t, err, tt.want...)
		})
	}
}

func TestEncodeWithoutRecord(t *testing.T) {
	for _, k := range []translog.Kind{translog.KindElection, translog.KindSubmission, translog.KindTotal, translog.KindSnapshot, translog.KindRecord, "decision"} {
		if b, err := (&translog.Entry{Kind: k, Election: "ve-2024"}).Encode(); err == nil {
			t.Errorf("an entry of kind %q without its record encodes as %q", k, b)
		}
	}
}

// A refusal quotes at most 60 bytes of the line, cut between characters.
func TestParseEntryQuotesLongLinesWhole(t *testing.T) {
	entry := strings.Replace(string(veLog(t)[1]), "kind submission", "kind "+strings.Repeat("ñ", 40), 1)
	entry = strings.Replace(entry, "kind ", "type ", 1)
	_, err := translog.ParseEntry([]byte(entry))
	wantInvalid(t, err, "line 2:", "want kind", "…")
	if msg := actas.ErrorMessage(err); !utf8.ValidString(msg) {
		t.Errorf("error %q is not valid UTF-8", msg)
	}
}

func TestStationsDigest(t *testing.T) {
	base := veStations()
	d := translog.StationsDigest(base)
	if d != translog.StationsDigest(veStations()) {
		t.Fatal("StationsDigest is not deterministic")
	}
	tests := []struct {
		name   string
		change func([]actas.Station) []actas.Station
	}{
		{"a station's code", func(s []actas.Station) []actas.Station { s[0].Code = "10113042.9"; return s }},
		{"a station's area", func(s []actas.Station) []actas.Station { s[2].Area = areaRecreo; return s }},
		{"a station's registered voters", func(s []actas.Station) []actas.Station { s[1].Registered++; return s }},
		{"a station's machines", func(s []actas.Station) []actas.Station { s[2].Machines = 0; return s }},
		{"the order of stations", func(s []actas.Station) []actas.Station { s[0], s[1] = s[1], s[0]; return s }},
		{"a station added", func(s []actas.Station) []actas.Station { return append(s, actas.Station{Code: "x", Area: areaRecreo}) }},
		{"a station removed", func(s []actas.Station) []actas.Station { return s[:2] }},
		{"text moved from the code to the area", func(s []actas.Station) []actas.Station {
			s[0].Code, s[0].Area = s[0].Code+`" "`+"DTTO. CAPITAL", s[0].Area[len("DTTO. CAPITAL"):]
			return s
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if translog.StationsDigest(tt.change(veStations())) == d {
				t.Error("the digest did not change")
			}
		})
	}
	if translog.StationsDigest(nil) != translog.StationsDigest([]actas.Station{}) {
		t.Error("no stations: nil and empty differ")
	}
}

// entrySeeds are the golden entries (real ones) and the refusals' near misses.
func entrySeeds(tb testing.TB) [][]byte {
	var seeds [][]byte
	files, _ := filepath.Glob(filepath.Join("testdata", "entries", "*.entry"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	for _, c := range entryCases() {
		seeds = append(seeds, c.encode(tb))
	}
	log := veLog(tb)
	seeds = append(seeds, log...)
	seeds = append(seeds,
		bytes.Replace(log[1], []byte("seq 1\n"), []byte("seq 01\n"), 1),
		bytes.Replace(log[1], []byte("voters -\n"), []byte("voters 364\n"), 1),
		bytes.Replace(log[1], []byte("flags -\n"), []byte("flags sum-mismatch\n"), 1),
		bytes.Replace(log[0], []byte("stations 3\n"), []byte("stations -3\n"), 1),
		[]byte("actas-log-entry v1\n"),
		[]byte("actas-log-entry v1\nkind total\n"),
	)
	return seeds
}

// FuzzParseEntry: no panic; what parses encodes back to the same bytes;
// what does not is EINVALID.
func FuzzParseEntry(f *testing.F) {
	for _, s := range entrySeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := translog.ParseEntry(b)
		if err != nil {
			if code := actas.ErrorCode(err); code != actas.EINVALID {
				t.Fatalf("ParseEntry(%q): code %q (%v), want EINVALID", b, code, err)
			}
			if e != nil {
				t.Fatalf("ParseEntry(%q) returned an entry with its error", b)
			}
			return
		}
		again, err := e.Encode()
		if err != nil {
			t.Fatalf("ParseEntry(%q) = %+v, which does not encode: %v", b, e, err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("ParseEntry(%q) encodes back as %q", b, again)
		}
		if e.Kind == translog.KindSubmission {
			// The store's encoder gives the same bytes from the parsed record.
			c := &actas.Contest{ID: e.Submission.Sheet.Contest}
			for _, id := range e.Choices {
				c.Choices = append(c.Choices, actas.Choice{ID: id})
			}
			if err := actas.CheckForm(&e.Submission.Sheet, c); err != nil {
				t.Fatalf("ParseEntry(%q) accepted a sheet failing CheckForm: %v", b, err)
			}
		}
	})
}
