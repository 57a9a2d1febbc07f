package forensics_test

import (
	"encoding/binary"
	"encoding/json"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/forensics"
)

// FuzzRun feeds the analyses panels of arbitrary sheets, as a hostile or
// garbled import could produce: every analysis must either refuse the
// panel with an error users can read or return finite numbers that add
// up.
func FuzzRun(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x01\xf4\x00\xc8\x00\x64\x00\x05\x00\x05\x01\x36\x01\x36"))
	f.Add([]byte("\x00\x64\x00\x64\x00\x00\x00\x00\x00\x00\x00\x64\x00\x64" + "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x0b\x00\x0b\x00\x00\x00\x00\x00\x16\x00\x16"))
	seed := make([]byte, 0, 14*300)
	for i := range 300 {
		reg := 300 + 7*i
		a, b := 100+3*i%250, 50+11*i%120
		for _, v := range []int{reg, a, b, i % 7, i % 5, a + b + i%7 + i%5, a + b + i%7 + i%5 - i%3} {
			seed = binary.BigEndian.AppendUint16(seed, uint16(v))
		}
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		var rows []row
		for len(data) >= 14 && len(rows) < 2000 {
			n := func(i int) int64 { return int64(binary.BigEndian.Uint16(data[2*i:])) }
			voters := n(6)
			if voters == 0xffff {
				voters = actas.Unknown
			}
			rows = append(rows, row{code: "s" + itoa(len(rows)), registered: n(0), machines: n(0) % 3,
				sheet: sheet(n(1), n(2), n(3), n(4), n(5), voters)})
			data = data[14:]
		}
		p := MustHandPanel(t, actas.Official, rows...)
		r, err := forensics.Run(p, forensics.Options{Replicates: 100, Bootstrap: 100})
		if err != nil {
			if code := actas.ErrorCode(err); code != actas.EINVALID && code != actas.ENOTFOUND {
				t.Fatalf("error %v with code %s", err, code)
			}
			return
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("report does not encode (a NaN or an infinity): %v", err)
		}
		if fp := r.Fingerprint; fp != nil {
			var sum int64
			for _, row := range fp.StationGrid {
				for _, c := range row {
					sum += c
				}
			}
			if sum != fp.Stations || fp.Stations+fp.Excluded+fp.Over100 != int64(p.Counted()) {
				t.Errorf("fingerprint: %d on the grid, %d on the map, %d excluded, %d over 100%%, %d counted",
					sum, fp.Stations, fp.Excluded, fp.Over100, p.Counted())
			}
		}
		if ip := r.IntegerPercent; ip != nil {
			e := ip.Excluded
			if ip.Stations+e.NoSheet+e.NoBallots+e.Under100+e.HighTurnout+e.HighShare != int64(len(p.Stations)) ||
				ip.Either.Observed > ip.Stations || ip.Either.Observed < max(ip.Turnout.Observed, ip.Share.Observed) {
				t.Errorf("integer percentages do not add up: %+v", ip)
			}
		}
		if im := r.Impossible; im == nil || im.Checked != int64(p.Counted()) || im.Impossible > im.Flagged {
			t.Errorf("impossible sheets: %+v", im)
		}
	})
}
