package sheetio

import (
	"strconv"
	"strings"

	"github.com/actasproject/actas"
)

// MaxQRPayload bounds the text of one QR code: 4,296 characters is the most
// a QR code can hold (version 40, alphanumeric mode, ISO/IEC 18004 table 7),
// so anything longer did not come from one.
const MaxQRPayload = 4296

// QR payload kinds, as ParseQR reports them.
const (
	QRKindVE = "ve-2024" // a Venezuelan tally sheet (acta de escrutinio), ParseQRVE
	QRKindBU = "br-bu"   // a Brazilian boletim de urna, ParseQRBU
)

// QRResult is one decoded QR payload: exactly one of VE and BU is set, as
// Kind says.
type QRResult struct {
	Kind string
	VE   *QRSheet
	BU   *BUSheet
}

// ParseQR recognises the payload of one QR code and parses it: a payload
// starting "QRBU:" is a boletim de urna (ParseQRBU), any other one is tried
// as a Venezuelan tally sheet (ParseQRVE, with mapping m). A boletim split
// over several QR codes must be joined with ParseQRBU. Errors are EINVALID.
func ParseQR(payload string, m *CardMapping) (*QRResult, error) {
	if strings.HasPrefix(strings.TrimLeft(payload, qrSpace), "QRBU:") {
		bu, err := ParseQRBU(payload)
		if err != nil {
			return nil, err
		}
		return &QRResult{Kind: QRKindBU, BU: bu}, nil
	}
	if m == nil {
		return nil, actas.Errorf(actas.EINVALID, "QR code: not a boletim de urna (no QRBU: prefix), and no card mapping was given to read it as a Venezuelan tally sheet")
	}
	ve, err := ParseQRVE(payload, *m)
	if err != nil {
		return nil, err
	}
	return &QRResult{Kind: QRKindVE, VE: ve}, nil
}

// SheetDiff names the fields in which a sheet decoded from a QR code and the
// sheet typed for the same station disagree, in a fixed order: "station",
// "contest", "votes" (a different number of choices), "votes:<choice id>"
// for each choice of c whose count differs, "blank", "null", "ballots",
// "voters". Voters are compared only when both sheets state them. The
// result is nil when the sheets agree. c names the choices; when it is nil
// or has fewer choices, a choice is named by its 0-based position.
func SheetDiff(qr, typed *actas.Sheet, c *actas.Contest) []string {
	var diff []string
	if qr.Station != typed.Station {
		diff = append(diff, "station")
	}
	if qr.Contest != typed.Contest {
		diff = append(diff, "contest")
	}
	if len(qr.Votes) != len(typed.Votes) {
		diff = append(diff, "votes")
	} else {
		for i := range qr.Votes {
			if qr.Votes[i] == typed.Votes[i] {
				continue
			}
			if c != nil && i < len(c.Choices) {
				diff = append(diff, "votes:"+c.Choices[i].ID)
			} else {
				diff = append(diff, "votes:"+strconv.Itoa(i))
			}
		}
	}
	if qr.Blank != typed.Blank {
		diff = append(diff, "blank")
	}
	if qr.Null != typed.Null {
		diff = append(diff, "null")
	}
	if qr.Ballots != typed.Ballots {
		diff = append(diff, "ballots")
	}
	if qr.Voters != actas.Unknown && typed.Voters != actas.Unknown && qr.Voters != typed.Voters {
		diff = append(diff, "voters")
	}
	return diff
}

// qrSpace is what a decoder may leave around a payload (a trailing newline).
const qrSpace = " \t\r\n"

// qrCount parses a count written in decimal digits only (no sign, no
// spaces), at most actas.MaxCount.
func qrCount(s string) (int64, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' || s[len(s)-1] < '0' || s[len(s)-1] > '9' {
		return 0, false // convParseUint would allow spaces around it
	}
	n, ok := convParseUint(s)
	return n, ok && n <= actas.MaxCount
}

// qrDigits reports whether s is a non-empty run of decimal digits.
func qrDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// qrShow quotes a piece of a payload for an error message, shortened.
func qrShow(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
