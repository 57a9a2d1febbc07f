package sheetio

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

func TestRussia(t *testing.T) {
	read := map[string]*actas.Dataset{}
	for _, tc := range []struct {
		name, path, id, date, contest, choices string
		stations                               int
		registered, valid, invalid             int64
		leader                                 string
		leaderVotes                            int64
	}{
		{
			name: "State Duma 2011", path: convTestdata("ru-2011-duma", "2011.csv.zip"),
			id: "ru-2011-duma", date: "2011-12-04", contest: "duma", choices: "sr,ldpr,pr,kprf,yabloko,er,pd",
			stations: 95225, registered: 109229337, valid: 64615252, invalid: 1033438,
			leader: "er", leaderVotes: 32371737,
		},
		{
			name: "President 2012", path: convTestdata("ru-2012-president", "2012.csv.zip"),
			id: "ru-2012-president", date: "2012-03-04", contest: "president", choices: "zhirinovsky,zyuganov,mironov,prokhorov,putin",
			stations: 95415, registered: 109860331, valid: 70864974, invalid: 836691,
			leader: "putin", leaderVotes: 45602075,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds := MustReadFormat(t, "ru-cik", tc.path)
			read[tc.id] = ds
			e := ds.Election
			if e.ID != tc.id || e.Date != tc.date || e.Timezone != "Europe/Moscow" || e.Open != "08:00" || e.Close != "20:00" || strings.Join(e.Levels, ",") != "region,tik" {
				t.Errorf("election %+v", e)
			}
			c, err := e.Contest(tc.contest)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(c.ChoiceIDs(), ","); got != tc.choices {
				t.Errorf("choices %s, want %s", got, tc.choices)
			}
			tl := mustTally(t, ds, tc.contest)
			for _, x := range []struct {
				what      string
				got, want int64
			}{
				{"stations", int64(tl.stations), int64(tc.stations)},
				{"sheets", int64(tl.sheets), int64(tc.stations)},
				{"registered", tl.registered, tc.registered},
				{"valid", tl.valid, tc.valid},
				{"invalid", tl.null, tc.invalid},
				{"ballots are valid plus invalid", tl.ballots, tc.valid + tc.invalid},
				{"leader", tl.votes[tc.leader], tc.leaderVotes},
				// Votes + invalid = ballots in the boxes on every protocol.
				{"sheets flagged sum-mismatch", int64(tl.flags["sum-mismatch"]), 0},
			} {
				if x.got != x.want {
					t.Errorf("%s: got %d, want %d", x.what, x.got, x.want)
				}
			}
			// Ballots issued and ballots found differ on many real protocols
			// (voters who took their ballot away): flagged, not rejected.
			if tl.flags["voters-differ-from-ballots"] == 0 {
				t.Error("no sheet flagged voters-differ-from-ballots")
			}
			for _, sub := range ds.Sheets {
				if sub.Source != actas.Official || len(sub.Evidence) != 1 || !strings.HasPrefix(sub.Evidence[0].URL, "http://www.vybory.izbirkom.ru/") {
					t.Fatalf("sheet %s: source %s, evidence %+v", sub.Sheet.Station, sub.Source, sub.Evidence)
				}
			}
		})
	}

	t.Run("first station of 2012 as published", func(t *testing.T) {
		ds := read["ru-2012-president"]
		if ds == nil {
			t.Skip("the 2012 file did not convert")
		}
		st, s := ds.Stations[0], ds.Sheets[0].Sheet
		// Row: 2383 registered, [5..7] 0+1513+77 issued, [9]+[10] 77+1513 in
		// boxes, 19 invalid; votes 24,382,28,71,1066.
		if st.Code != "01-1" || st.Area != "Республика Адыгея (Адыгея)/1 Адыгейская" || st.Registered != 2383 {
			t.Errorf("station %+v", st)
		}
		want := actas.Sheet{Station: "01-1", Contest: "president", Votes: []int64{24, 382, 28, 71, 1066}, Null: 19, Ballots: 1590, Voters: 1590}
		if !s.Equal(&want) {
			t.Errorf("sheet %+v, want %+v", s, want)
		}
		c, _ := ds.Election.Contest("president")
		if c.Choices[4].Name != "Путин Владимир Владимирович" {
			t.Errorf("name %q", c.Choices[4].Name)
		}
	})
	t.Run("party names lose the ballot number only", func(t *testing.T) {
		ds := read["ru-2011-duma"]
		if ds == nil {
			t.Skip("the 2011 file did not convert")
		}
		c, _ := ds.Election.Contest("duma")
		if got := c.Choices[5].Name; got != `Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"` {
			t.Errorf("name %q", got)
		}
	})
	t.Run("plain csv reads like the zip", func(t *testing.T) {
		path := MustUnzipRussia(t, convTestdata("ru-2012-president", "2012.csv.zip"))
		ds := MustReadFormat(t, "ru-cik", path)
		zipped := read["ru-2012-president"]
		if zipped == nil || len(ds.Sheets) != len(zipped.Sheets) {
			t.Fatalf("%d sheets, the zip gave %d", len(ds.Sheets), len(zipped.Sheets))
		}
		for i, sub := range ds.Sheets {
			if !sub.Sheet.Equal(&zipped.Sheets[i].Sheet) || ds.Stations[i] != zipped.Stations[i] {
				t.Fatalf("station %d differs: %+v and %+v", i, ds.Stations[i], zipped.Stations[i])
			}
		}
	})
}

// MustUnzipRussia extracts the one file of a CIK archive into a temporary
// directory and returns its path.
func MustUnzipRussia(tb testing.TB, zipPath string) string {
	tb.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer zr.Close()
	rc, err := zr.File[0].Open()
	if err != nil {
		tb.Fatal(err)
	}
	defer rc.Close()
	out := filepath.Join(tb.TempDir(), filepath.Base(zr.File[0].Name))
	f, err := os.Create(out)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(f, rc); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// ruHeader2012 is the header of the 2012 file; ruRow2012 its first row.
const ruHeader2012 = `region,tik,uik,"Число избирателей, включенных в список избирателей",Число избирательных бюллетеней полученных,"Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно",Число бюллетеней выданных в помещении для голосования,Число бюллетеней выданных вне помещения для голосования,Число погашенных бюллетеней,Число избирательных бюллетеней в переносных ящиках для голосования,Число бюллетеней в стационарных ящиках для голосования,Число недействительных избирательных бюллетеней,Число действительных избирательных бюллетеней,[13],[14],[15],[16],[17],[18],[19],[20],Жириновский Владимир Вольфович,Зюганов Геннадий Андреевич,Миронов Сергей Михайлович,Прохоров Михаил Дмитриевич,Путин Владимир Владимирович,url` + "\n"

const ruRow2012 = "Республика Адыгея (Адыгея),1 Адыгейская,1,2383,2147,0,1513,77,557,77,1513,19,1571,24,13,8,11,1,0,0,0,24,382,28,71,1066,http://example.org/1\n"

func TestRussiaMalformed(t *testing.T) {
	row := func(old, new string) string { return strings.Replace(ruRow2012, old, new, 1) }
	for _, tc := range []struct {
		name   string
		in     string
		line   int
		field  string
		reason string
	}{
		{"empty file", "", 1, "", "empty"},
		{"truncated row", ruHeader2012 + ruRow2012 + "Республика Адыгея (Адыгея),1 Адыгейская,2,2594,2344,0,15", 3, "", "number of fields"},
		{"non-numeric count", ruHeader2012 + row(",1066,", ",1O66,"), 2, "Путин Владимир Владимирович", "not a whole number"},
		{"non-numeric protocol line", ruHeader2012 + row(",557,", ",n/a,"), 2, "Число погашенных бюллетеней", "not a whole number"},
		{"non-numeric uik", ruHeader2012 + row(",1,2383,", ",1a,2383,"), 2, "uik", "not a whole number"},
		{"missing url column", strings.Replace(ruHeader2012, ",url", "", 1) + row(",http://example.org/1", ""), 1, "url", "last column"},
		{"missing tik column", strings.Replace(ruHeader2012, "region,tik,", "region,", 1), 1, "tik", ""},
		{"protocol line moved", strings.Replace(ruHeader2012, "Число недействительных", "Число", 1) + ruRow2012, 1, "", "[11] invalid ballots"},
		{"unknown candidates", strings.Replace(ruHeader2012, "Путин Владимир Владимирович", "Медведев Дмитрий Анатольевич", 1) + ruRow2012, 1, "", "neither"},
		{"uik twice in a region", ruHeader2012 + ruRow2012 + ruRow2012, 3, "uik", "appears twice"},
		{"empty region", ruHeader2012 + row("Республика Адыгея (Адыгея)", ""), 2, "region", "empty"},
		{"header only", ruHeader2012, 2, "", "no stations"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := ruParse(strings.NewReader(tc.in), "2012.csv")
			convWantRefused(t, ds, err, tc.line, tc.field, tc.reason)
		})
	}
}

func TestRussiaStationCodes(t *testing.T) {
	// The same UIK number in two regions gives two stations; regions are
	// numbered in order of first appearance.
	in := ruHeader2012 + ruRow2012 +
		strings.Replace(ruRow2012, "Республика Адыгея (Адыгея),1 Адыгейская", "Город Москва,Район Арбат", 1) +
		strings.Replace(ruRow2012, ",1,2383,", ",2,2383,", 1)
	ds, err := ruParse(strings.NewReader(in), "2012.csv")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range ds.Stations {
		got = append(got, st.Code+" "+st.Area)
	}
	want := []string{"01-1 Республика Адыгея (Адыгея)/1 Адыгейская", "02-1 Город Москва/Район Арбат", "01-2 Республика Адыгея (Адыгея)/1 Адыгейская"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("stations %q, want %q", got, want)
	}
}

func TestRussiaArchive(t *testing.T) {
	mustZip := func(t *testing.T, files map[string]string) string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "x.zip")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		for name, body := range files {
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(w, body)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		return path
	}
	t.Run("two csv files", func(t *testing.T) {
		_, err := ruRead(mustZip(t, map[string]string{"a.csv": ruHeader2012 + ruRow2012, "b.csv": ruHeader2012 + ruRow2012}))
		convWantParseError(t, err, 0, "", "exactly one .csv")
	})
	t.Run("one csv beside other files", func(t *testing.T) {
		ds, err := ruRead(mustZip(t, map[string]string{"readme.txt": "x", "2012.csv": ruHeader2012 + ruRow2012}))
		if err != nil || len(ds.Stations) != 1 {
			t.Fatalf("%v", err)
		}
	})
	t.Run("errors name the file inside the archive", func(t *testing.T) {
		_, err := ruRead(mustZip(t, map[string]string{"2012.csv": ruHeader2012 + strings.Replace(ruRow2012, ",1066,", ",x,", 1)}))
		convWantParseError(t, err, 2, "", "")
		if !strings.Contains(err.Error(), "x.zip/2012.csv:2:") {
			t.Errorf("error %q does not locate the row", err)
		}
	})
	t.Run("not a zip", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.zip")
		os.WriteFile(path, []byte("region,tik\n"), 0o644)
		_, err := ruRead(path)
		convWantParseError(t, err, 0, "", "zip")
	})
}

// BenchmarkRussia measures the brief's budget: one CIK file of ~95,000
// stations should convert in well under a second or two.
func BenchmarkRussia(b *testing.B) {
	zipped := convTestdata("ru-2011-duma", "2011.csv.zip")
	plain := MustUnzipRussia(b, zipped)
	for _, path := range []string{zipped, plain} {
		b.Run(filepath.Ext(path), func(b *testing.B) {
			fi, err := os.Stat(plain)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(fi.Size()) // uncompressed bytes either way
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ruRead(path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzRussia(f *testing.F) {
	f.Add([]byte(ruHeader2012 + ruRow2012))
	f.Add([]byte(ruHeader2012 + ruRow2012 + strings.Replace(ruRow2012, ",1,2383,", ",2,2383,", 1)))
	f.Add([]byte(ruHeader2012))
	f.Add([]byte("region,tik,uik\n"))
	for _, path := range []string{convTestdata("ru-2011-duma", "2011.csv.zip"), convTestdata("ru-2012-president", "2012.csv.zip")} {
		if zr, err := zip.OpenReader(path); err == nil {
			if rc, err := zr.File[0].Open(); err == nil {
				f.Add(convHead(rc, 10))
				rc.Close()
			}
			zr.Close()
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ds, err := ruParse(strings.NewReader(string(in)), "fuzz.csv")
		convFuzzCheck(t, ds, err)
	})
}
