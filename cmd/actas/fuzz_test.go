package main

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

// FuzzReadBundle: whatever a server sends as a bundle of entries, the
// verifier reads back exactly the entries it holds, or refuses it as
// invalid; it never reads past what it was asked for.
func FuzzReadBundle(f *testing.F) {
	bundle := func(entries ...string) []byte {
		var b []byte
		for _, e := range entries {
			b = binary.BigEndian.AppendUint16(b, uint16(len(e)))
			b = append(b, e...)
		}
		return b
	}
	f.Add(bundle("actas-log-entry v1\nkind total\n", "x"), int64(3), int64(10))
	f.Add(bundle("", "", ""), int64(0), int64(2))
	f.Add([]byte{0}, int64(0), int64(1))
	f.Add([]byte{0, 5, 'a'}, int64(7), int64(9))
	f.Add([]byte{}, int64(0), int64(1))
	f.Fuzz(func(t *testing.T, b []byte, from, to int64) {
		var got [][]byte
		n, err := readBundle(b, from, to, func(i int64, entry []byte, err error) error {
			if i != from+int64(len(got)) || i >= to || err != nil {
				t.Fatalf("entry %d delivered after %d entries from %d (to %d), err %v", i, len(got), from, to, err)
			}
			got = append(got, bytes.Clone(entry))
			return nil
		})
		if n != int64(len(got)) {
			t.Fatalf("readBundle says %d entries, delivered %d", n, len(got))
		}
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("readBundle: %v is not EINVALID", err)
			}
			return
		}
		var again []byte
		for _, e := range got {
			again = binary.BigEndian.AppendUint16(again, uint16(len(e)))
			again = append(again, e...)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("the entries read do not make up the bundle")
		}
	})
}

// FuzzParseResultsCSV: results in CSV form from a server either parse
// into areas with every figure, or are refused as invalid.
func FuzzParseResultsCSV(f *testing.F) {
	head := "area,name,level,stations,stations_counted,registered,registered_counted,ballots,blank,null,voters,valid,a,b,turnout,flagged,agreed,single,conflict\n"
	f.Add(head + "national,Demo,national,5,3,4000,2000,1500,10,20,1400,1470,700,770,0.75,1,1,1,1\n")
	f.Add(head + `"Zulia/MP. L\/DIEGO",MP. L/DIEGO,municipality,1,1,1,1,1,0,0,1,1,1,0,1.000000,0,0,1,0` + "\n")
	f.Add(head + "x,y,z,1,2\n")
	f.Add("area,name\nnational,x\n")
	f.Add(head + "n,n,n,a,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, text string) {
		areas, err := parseResultsCSV([]byte(text))
		if err != nil {
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("parseResultsCSV: %v is not EINVALID", err)
			}
			return
		}
		for _, a := range areas {
			if a == nil || a.Votes == nil || a.VotersStations != -1 {
				t.Fatalf("parseResultsCSV gave %+v", a)
			}
		}
		if len(areas) > strings.Count(text, "\n")+1 {
			t.Fatalf("%d areas from %d lines", len(areas), strings.Count(text, "\n"))
		}
	})
}
