package sheetio

import (
	"slices"
	"strings"
	"sync"

	"github.com/actasproject/actas"
)

// QRKind is the Evidence.Kind of a QR payload a submission carries.
const QRKind = "qr"

// QRFlags returns actas.FlagQRMismatch when a QR payload among sub's
// evidence (Kind "qr") disagrees with sub's sheet of contest c, and 0
// otherwise: a submission without QR evidence is not flagged. QRProblems
// says why.
func QRFlags(sub *actas.Submission, c *actas.Contest, m *CardMapping) actas.Flags {
	if !hasQR(sub) {
		return 0
	}
	if len(QRProblems(sub, c, m)) > 0 {
		return actas.FlagQRMismatch
	}
	return 0
}

// QRProblems compares each QR payload of sub's evidence with sub's sheet of
// contest c and returns one sentence per payload that disagrees or cannot
// be read; nil when all agree or there is none. A payload disagrees when
// SheetDiff finds a difference: another station, or other numbers.
//
// Supported payloads:
//   - A Venezuelan tally sheet (ParseQRVE) is read with mapping m. When m is
//     nil, VE2024Mapping is used if c's choice ids are the ve-2024-actas
//     converter's, in its order; otherwise the payload cannot be read. A
//     mapping for another contest, or other choices, cannot read it either.
//   - A Brazilian boletim de urna (ParseQRBU): every payload starting with
//     "QRBU:" is taken as one part of the same boletim, so one split over
//     several QR codes is joined. A contest does not say which office
//     (CARG) it is, so the boletim agrees when one of its offices, read as
//     contest c (BUSheet.Sheet: choice ids are candidate or party numbers),
//     states the sheet's numbers; otherwise the office closest to the sheet
//     is reported. The hash is not required to match: a garbled payload
//     that still parses is judged by its numbers.
//
// A payload that cannot be read is a problem rather than an error: the
// submission is evidence and is stored, flagged.
func QRProblems(sub *actas.Submission, c *actas.Contest, m *CardMapping) []string {
	var problems []string
	var bu []string
	for _, ev := range sub.Evidence {
		if ev.Kind != QRKind {
			continue
		}
		if strings.HasPrefix(strings.TrimLeft(ev.Text, qrSpace), "QRBU:") {
			bu = append(bu, ev.Text)
			continue
		}
		if p := checkVE(ev.Text, &sub.Sheet, c, m); p != "" {
			problems = append(problems, p)
		}
	}
	if len(bu) > 0 {
		if p := checkBU(bu, &sub.Sheet, c); p != "" {
			problems = append(problems, p)
		}
	}
	return problems
}

// ve2024Mapping is VE2024Mapping built once; callers copy the struct and
// only read its slices.
var ve2024Mapping = sync.OnceValue(VE2024Mapping)

func hasQR(sub *actas.Submission) bool {
	for _, ev := range sub.Evidence {
		if ev.Kind == QRKind {
			return true
		}
	}
	return false
}

// checkVE returns why a Venezuelan payload disagrees with s, or "".
func checkVE(payload string, s *actas.Sheet, c *actas.Contest, m *CardMapping) string {
	if m == nil {
		ve := ve2024Mapping()
		if !slices.Equal(ve.Choices, c.ChoiceIDs()) {
			return "the QR code cannot be read: no card mapping was given for contest " + c.ID + ", and its choices are not those of the 2024 Venezuelan ballot"
		}
		ve.Contest = c.ID
		m = &ve
	} else if m.Contest != c.ID || !slices.Equal(m.Choices, c.ChoiceIDs()) {
		return "the QR code cannot be read: the card mapping is for contest " + m.Contest + " with choices " + strings.Join(m.Choices, ", ") + ", not for contest " + c.ID
	}
	q, err := ParseQRVE(payload, *m)
	if err != nil {
		return "the QR code cannot be read: " + err.Error()
	}
	if diff := SheetDiff(&q.Sheet, s, c); diff != nil {
		return "the QR code of acta " + qrShow(q.Acta) + " differs from the sheet in " + strings.Join(diff, ", ")
	}
	return ""
}

// checkBU returns why a boletim de urna disagrees with s, or "".
func checkBU(parts []string, s *actas.Sheet, c *actas.Contest) string {
	b, err := ParseQRBU(parts...)
	if err != nil {
		return "the boletim de urna's QR code cannot be read: " + err.Error()
	}
	var closest []string
	var why string
	for _, o := range b.Offices {
		qs, err := b.Sheet(o.Office, c)
		if err != nil {
			if why == "" {
				why = err.Error()
			}
			continue
		}
		diff := SheetDiff(qs, s, c)
		if diff == nil {
			return ""
		}
		if closest == nil || len(diff) < len(closest) {
			closest = diff
		}
	}
	if closest == nil {
		return "the boletim de urna's QR code has no office that reads as contest " + c.ID + ": " + why
	}
	return "the boletim de urna " + b.Station() + " differs from the sheet in " + strings.Join(closest, ", ")
}
