package sheetio

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

// buManual2016 is the example of TSE's "QR Code no boletim de urna" manual,
// version 1.4 (2016), as quoted in github.com/doccaz/urnas-br README.md
// ("codificação do QR Code no boletim de urna"). Its HASH verifies.
const buManual2016 = "QRBU:1:1 ORIG:VOTA PROC:2000 DTPL:20161002 PLEI:2100 TURN:1 FASE:S UNFE:AC MUNI:1392 ZONA:9 SECA:31 IDUE:1760649 IDCA:529951844372447180336660 VERS:5.22.0.1 VRQR:4.0 LOCA:4 APTO:40 COMP:10 FALT:30 HBMA:4 DTAB:20161002 HRAB:173449 DTFC:20161002 HRFC:180133 IDEL:2101 CARG:13 TIPO:1 VERC:201606281643 PART:91 91001:1 91004:1 LEGP:0 TOTP:2 PART:92 92003:1 92004:1 92005:1 LEGP:0 TOTP:3 PART:93 93004:1 93005:1 LEGP:0 TOTP:2 PART:94 94001:2 LEGP:0 TOTP:2 NOMI:9 LEGC:0 BRAN:1 NULO:0 TOTC:10 CARG:11 TIPO:0 VERC:201606281643 91:2 92:2 93:3 97:1 NOMI:8 BRAN:2 NULO:0 TOTC:10 HASH:69720370FEF82D1235846B6500408F48068DF564553DEEAD273CA20BCE959A3791281379FF96B28755B15DFB7254EE6937C70BE69CB941D69AF73C57622DAA27 ASSI:D4A834C84DBE93DAF86CCF7B1D9743796FB478ED954C44896F551E53D3F1A9F7CCB2769564CDA02585070F313C003F8C046AD49C2250375B6818A76BD5842E0D"

// bu2018 is the BU of section 483, zone 1, abroad (ZZ), first round of
// 2018, president only, in the VRQR 1.5 layout; quoted as a test vector in
// public code. Its HASH verifies.
const bu2018 = "QRBU:1:1 VRQR:1.5 VRCH:20180830 ORIG:VOTA ORLC:LEG PROC:223 DTPL:20181007 PLEI:228 TURN:1 FASE:O UNFE:ZZ MUNI:30848 ZONA:1 SECA:483 AGRE:486.941.488.1123 IDUE:1586544 IDCA:253036502661719936089670 VERS:6.32.0.4 LOCA:1015 APTO:626 COMP:195 FALT:431 DTAB:20181007 HRAB:080000 DTFC:20181007 HRFC:170030 IDEL:295 CARG:1 TIPO:0 VERC:201809171907 12:16 13:7 15:1 17:103 18:5 19:7 27:2 30:17 45:13 50:1 51:3 APTA:626 NOMI:175 BRAN:5 NULO:15 TOTC:195 HASH:714CAF293004CB24BF312B43D3B832DDC91BB3A4501C9A652C87D7DB141DE8C915A954CEB1841582E21B5FADCFA2DB39AB6E757220ECC30C89F5B5F6B73FE7C0 ASSI:F2E52864C5853EEF7C9400013D663406C57E8BD0850256A8514D37ED989C2551816CB4D106B15EAAA3E8ED30EA48F3C81ED2D9EE79C12ACE577EC121F81BAE08"

var buFakeHash = strings.Repeat("AB", 64)

// MustSplitBU splits a single-code BU payload into n codes at token
// boundaries, as a machine that ran out of room would print it: each part
// has the header and a HASH (not a real one), the last keeps ASSI.
func MustSplitBU(tb testing.TB, payload string, n int) []string {
	tb.Helper()
	toks := strings.Fields(payload)
	head := 1
	for head < len(toks) && (strings.HasPrefix(toks[head], "VRQR:") || strings.HasPrefix(toks[head], "VRCH:")) {
		head++
	}
	body := toks[head : len(toks)-2] // without HASH and ASSI
	if !strings.HasPrefix(toks[len(toks)-2], "HASH:") || len(body) < n {
		tb.Fatalf("cannot split %q in %d", payload, n)
	}
	var parts []string
	for i := range n {
		chunk := body[i*len(body)/n : (i+1)*len(body)/n]
		h := append([]string{"QRBU:" + strconv.Itoa(i+1) + ":" + strconv.Itoa(n)}, toks[1:head]...)
		p := strings.Join(append(h, chunk...), " ") + " HASH:" + buFakeHash
		if i == n-1 {
			p += " " + toks[len(toks)-1]
		}
		parts = append(parts, p)
	}
	return parts
}

func contestOf(id string, numbers ...string) *actas.Contest {
	c := &actas.Contest{ID: id}
	for _, n := range numbers {
		c.Choices = append(c.Choices, actas.Choice{ID: n})
	}
	return c
}

func TestParseQRBUKnownAnswers(t *testing.T) {
	t.Run("TSE manual 2016", func(t *testing.T) {
		b, err := ParseQRBU(buManual2016)
		if err != nil {
			t.Fatal(err)
		}
		if b.Station() != "1392-9-31" || b.State != "AC" || b.Registered != 40 || b.Voters != 10 || b.Absent != 30 ||
			b.Version != "4.0" || b.KeyVersion != "" || b.Parts != 1 || b.Fields["TURN"] != "1" || b.Fields["IDUE"] != "1760649" {
			t.Errorf("header %+v", b)
		}
		if err := b.VerifyHash(); err != nil {
			t.Errorf("hash: %v", err)
		}
		if len(b.Offices) != 2 {
			t.Fatalf("%d offices", len(b.Offices))
		}
		council := b.Offices[0]
		if council.Office != 13 || council.Type != 1 || council.Election != "2101" || len(council.Parties) != 4 || len(council.Candidates) != 8 ||
			council.Nominal != 9 || council.PartyList != 0 || council.Blank != 1 || council.Null != 0 || council.Total != 10 || council.Registered != actas.Unknown {
			t.Errorf("councillors %+v", council)
		}
		if p := council.Parties[1]; p.Party != "92" || p.PartyList != 0 || p.Total != 3 {
			t.Errorf("party 92 %+v", p)
		}
		if v := council.Candidates[7]; v.Number != "94001" || v.Party != "94" || v.Votes != 2 {
			t.Errorf("candidate 94001 %+v", v)
		}

		mayor, err := b.Sheet(11, contestOf("mayor", "91", "92", "93", "97", "99"))
		if err != nil {
			t.Fatal(err)
		}
		want := actas.Sheet{Station: "1392-9-31", Contest: "mayor", Votes: []int64{2, 2, 3, 1, 0}, Blank: 2, Ballots: 10, Voters: 10}
		if !mayor.Equal(&want) {
			t.Errorf("mayor %+v, want %+v", mayor, want)
		}
		if f := actas.Check(mayor, &actas.Station{Code: "1392-9-31", Registered: b.Registered}, 0); f != 0 {
			t.Errorf("mayor flagged %v", f)
		}
		cs, err := b.Sheet(13, contestOf("council", "91001", "91004", "92003", "92004", "92005", "93004", "93005", "94001", "91", "92", "93", "94"))
		if err != nil {
			t.Fatal(err)
		}
		if cs.Valid() != 9 || cs.Blank != 1 || cs.Ballots != 10 || cs.Votes[7] != 2 {
			t.Errorf("council %+v", cs)
		}
	})
	t.Run("2018 abroad, VRQR 1.5", func(t *testing.T) {
		b, err := ParseQRBU(bu2018)
		if err != nil {
			t.Fatal(err)
		}
		if b.Station() != "30848-1-483" || b.State != "ZZ" || b.Registered != 626 || b.Voters != 195 || b.Absent != 431 ||
			b.Version != "1.5" || b.KeyVersion != "20180830" || b.Fields["AGRE"] != "486.941.488.1123" || !strings.HasPrefix(b.Signature, "F2E5") {
			t.Errorf("header %+v", b)
		}
		if err := b.VerifyHash(); err != nil {
			t.Errorf("hash: %v", err)
		}
		s, err := b.Sheet(1, contestOf("president", "12", "13", "15", "17", "18", "19", "27", "30", "45", "50", "51"))
		if err != nil {
			t.Fatal(err)
		}
		want := actas.Sheet{Station: "30848-1-483", Contest: "president", Votes: []int64{16, 7, 1, 103, 5, 7, 2, 17, 13, 1, 3}, Blank: 5, Null: 15, Ballots: 195, Voters: 195}
		if !s.Equal(&want) {
			t.Errorf("sheet %+v, want %+v", s, want)
		}
		if o, _ := b.Office(1); o.Registered != 626 || o.Nominal != 175 || s.Valid() != o.Nominal {
			t.Errorf("office %+v", o)
		}
	})
}

func TestVerifyHashRefusesChanges(t *testing.T) {
	for _, tc := range []struct{ name, from, to string }{
		{"a candidate's votes", " 17:103 ", " 17:104 "},
		{"the section", " SECA:483 ", " SECA:484 "},
		{"the hash", "HASH:714C", "HASH:714D"},
		{"a field the parser keeps as text", " LOCA:1015 ", " LOCA:1016 "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ParseQRBU(strings.Replace(bu2018, tc.from, tc.to, 1))
			if err != nil {
				t.Fatal(err)
			}
			if err := b.VerifyHash(); actas.ErrorCode(err) != actas.EINVALID {
				t.Errorf("changed BU verifies: %v", err)
			}
		})
	}
	t.Run("the header is not hashed", func(t *testing.T) {
		b, err := ParseQRBU(strings.Replace(buManual2016, "QRBU:1:1 ", "QRBU:1:1  ", 1))
		if err != nil || b.VerifyHash() != nil {
			t.Errorf("%v", err)
		}
	})
}

func TestParseQRBUParts(t *testing.T) {
	whole, err := ParseQRBU(bu2018)
	if err != nil {
		t.Fatal(err)
	}
	president := contestOf("president", "12", "13", "15", "17", "18", "19", "27", "30", "45", "50", "51")
	wantSheet, _ := whole.Sheet(1, president)
	for _, n := range []int{2, 3} {
		parts := MustSplitBU(t, bu2018, n)
		reversed := slices.Clone(parts)
		slices.Reverse(reversed)
		for _, order := range [][]string{parts, reversed} {
			t.Run("split in "+strconv.Itoa(n)+" given "+strings.Fields(order[0])[0], func(t *testing.T) {
				b, err := ParseQRBU(order...)
				if err != nil {
					t.Fatal(err)
				}
				s, err := b.Sheet(1, president)
				if err != nil {
					t.Fatal(err)
				}
				if !s.Equal(wantSheet) || b.Parts != n || len(b.Hashes) != n || b.Signature != whole.Signature || b.Station() != whole.Station() {
					t.Errorf("joined %+v, sheet %+v", b, s)
				}
				if err := b.VerifyHash(); actas.ErrorCode(err) != actas.EINVALID {
					t.Errorf("split hash check: %v, want refused as unsupported", err)
				}
			})
		}
	}

	parts := MustSplitBU(t, bu2018, 3)
	for _, tc := range []struct {
		name  string
		parts []string
	}{
		{"no part", nil},
		{"a part missing", []string{parts[0], parts[2]}},
		{"a part twice", []string{parts[0], parts[1], parts[1], parts[2]}},
		{"only the first of two", MustSplitBU(t, bu2018, 2)[:1]},
		{"parts of different splits", []string{parts[0], parts[1], MustSplitBU(t, bu2018, 2)[1]}},
		{"versions differ", []string{parts[0], strings.Replace(parts[1], "VRCH:20180830", "VRCH:20220829", 1), parts[2]}},
		{"signature on a part that is not the last", []string{parts[0] + " ASSI:AB", parts[1], parts[2]}},
		{"too many parts", slices.Repeat([]string{bu2018}, maxBUParts+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseQRBU(tc.parts...); actas.ErrorCode(err) != actas.EINVALID {
				t.Errorf("error %v, want invalid", err)
			}
		})
	}
}

func TestParseQRBUMalformed(t *testing.T) {
	swap := func(from, to string) string {
		if !strings.Contains(bu2018, from) {
			t.Fatalf("%q not in the payload", from)
		}
		return strings.Replace(bu2018, from, to, 1)
	}
	for _, tc := range []struct {
		name, payload, field string
	}{
		{"empty", "", "QRBU"},
		{"not a BU", "hello world", ""},
		{"no part numbering", swap("QRBU:1:1", "QRBU:1"), "QRBU"},
		{"part 0", swap("QRBU:1:1", "QRBU:0:1"), "QRBU"},
		{"part beyond the parts", swap("QRBU:1:1", "QRBU:3:2"), "QRBU"},
		{"no hash", bu2018[:strings.Index(bu2018, " HASH:")], "HASH"},
		{"short hash", swap("HASH:714C", "HASH:14C"), "HASH"},
		{"hash not hexadecimal", swap("HASH:714C", "HASH:X14C"), "HASH"},
		{"signature not hexadecimal", swap("ASSI:F2E5", "ASSI:G2E5"), "ASSI"},
		{"something after the signature", bu2018 + " TOTC:1", "HASH"},
		{"no municipality", swap(" MUNI:30848", ""), "MUNI"},
		{"no zone", swap(" ZONA:1 ", " "), "ZONA"},
		{"no section", swap(" SECA:483", ""), "SECA"},
		{"no registered", swap(" APTO:626", ""), "APTO"},
		{"no voters", swap(" COMP:195", ""), "COMP"},
		{"no office", swap(" CARG:1 ", " "), ""},
		{"registered not a number", swap("APTO:626", "APTO:6x6"), "APTO"},
		{"negative votes", swap("17:103", "17:-103"), "17"},
		{"votes beyond the bound", swap("17:103", "17:1000000000000"), "17"},
		{"a candidate twice", swap("17:103", "17:103 17:1"), "17"},
		{"a header field twice", swap("APTO:626", "APTO:626 APTO:627"), "APTO"},
		{"an office total twice", swap("TOTC:195", "TOTC:195 TOTC:195"), "TOTC"},
		{"votes before any office", swap("IDEL:295", "13:1 IDEL:295"), "13"},
		{"token without a colon", swap("ORIG:VOTA", "ORIG"), ""},
		{"empty value", swap("ORIG:VOTA", "ORIG:"), ""},
		{"lowercase key", swap("ORIG:VOTA", "orig:VOTA"), ""},
		{"two codes pasted together", swap(" IDEL:295", " QRBU:1:1 IDEL:295"), "QRBU"},
		{"party list votes outside a party", swap("NOMI:175", "LEGP:1 NOMI:175"), "LEGP"},
		{"party number not a number", strings.Replace(buManual2016, "PART:92", "PART:X", 1), "PART"},
		{"a party twice", strings.Replace(buManual2016, "PART:92", "PART:91", 1), "PART"},
		{"longer than a QR code holds", bu2018 + strings.Repeat(" ", MaxQRPayload), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseQRBU(tc.payload)
			if actas.ErrorCode(err) != actas.EINVALID {
				t.Fatalf("error %v, want invalid", err)
			}
			var pe *ParseError
			if tc.field != "" && (!errors.As(err, &pe) || pe.Field != tc.field) {
				t.Errorf("error %v does not name field %s", err, tc.field)
			}
		})
	}
}

func TestBUSheetErrors(t *testing.T) {
	b, err := ParseQRBU(bu2018)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		cargo int64
		c     *actas.Contest
		code  string
	}{
		{"office not in the BU", 3, contestOf("governor", "13"), actas.ENOTFOUND},
		{"votes for a number the contest lacks", 1, contestOf("president", "13", "17"), actas.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := b.Sheet(tc.cargo, tc.c); actas.ErrorCode(err) != tc.code {
				t.Errorf("error %v, want %s", err, tc.code)
			}
		})
	}
	t.Run("office without blank votes", func(t *testing.T) {
		b, err := ParseQRBU(strings.Replace(bu2018, " BRAN:5", "", 1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Sheet(1, contestOf("president", "12", "13", "15", "17", "18", "19", "27", "30", "45", "50", "51")); actas.ErrorCode(err) != actas.EINVALID {
			t.Errorf("error %v, want invalid", err)
		}
	})
}

func FuzzParseQRBU(f *testing.F) {
	f.Add(buManual2016, "")
	f.Add(bu2018, "")
	two := MustSplitBU(f, bu2018, 2)
	f.Add(two[1], two[0])
	f.Add("QRBU:1:1 MUNI:1 ZONA:1 SECA:1 APTO:1 COMP:1 CARG:1 1:1 HASH:"+buFakeHash, "")
	f.Add("QRBU:1:2 HASH:"+buFakeHash, "QRBU:2:2 HASH:"+buFakeHash)
	f.Fuzz(func(t *testing.T, a, b string) {
		parts := []string{a}
		if b != "" {
			parts = append(parts, b)
		}
		bu, err := ParseQRBU(parts...)
		if err != nil {
			if code := actas.ErrorCode(err); code != actas.EINVALID {
				t.Fatalf("error %v is %s, not invalid", err, code)
			}
			return
		}
		if bu.Parts != len(parts) || len(bu.Hashes) != bu.Parts || len(bu.Offices) == 0 {
			t.Fatalf("parsed %+v", bu)
		}
		_ = bu.VerifyHash()
		// Every office reads as a sheet of a contest of its own numbers.
		for _, o := range bu.Offices {
			if o.Blank == actas.Unknown || o.Null == actas.Unknown || o.Total == actas.Unknown {
				continue
			}
			c := &actas.Contest{ID: "c"}
			for _, v := range o.Candidates {
				c.Choices = append(c.Choices, actas.Choice{ID: v.Number})
			}
			for _, p := range o.Parties {
				c.Choices = append(c.Choices, actas.Choice{ID: p.Party})
			}
			s, err := bu.Sheet(o.Office, c)
			if err != nil {
				if actas.ErrorCode(err) != actas.EINVALID {
					t.Fatalf("sheet: %v", err)
				}
				continue
			}
			if err := actas.CheckForm(s, c); err != nil {
				t.Fatalf("sheet of office %d is malformed: %v", o.Office, err)
			}
		}
	})
}
