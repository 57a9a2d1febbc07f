package sheetio

import (
	"strconv"
	"strings"

	"github.com/actasproject/actas"
)

// The QR code printed by the voting machine on each Venezuelan tally sheet
// (acta de escrutinio) of the presidential election of 28 July 2024 holds
// four fields separated by "!":
//
//	201301006.01.1.0001!140,7,10,…,155,1,1!0!0
//	<acta>!<votes per party card, ballot order>!<null>!<empty>
//
// The format is not published by the CNE; public tally tools document it:
//   - github.com/xaiki/resultadosvzla-tools (barimg.sh, cv.py): splits on
//     "!", sums the 38 card counts per candidate in ballot order (cards 1–13
//     Maduro, 14–19 Martínez, 20 Bertucci, 21–24 Brito, 25–30 Ecarri, 31
//     Fermín, 32–33 Ceballos, 34–36 González, 37 Márquez, 38 Rausseo; cv.py
//     names each card's party) and reads fields 3 and 4 as "Nulos" and
//     "Vacios"; the first 9 characters of the acta are the center.
//   - github.com/Strvm/vnzla-libre (README.md, combined.py): the example
//     payload above, whose acta "201301006.01.1.0001" is table 1 ("0" +
//     table number) of center 201301006.
//
// The example is the QR code of table 1 of center 201301006 (Yaracuy), whose
// row in the opposition's published file (testdata/ve-2024-actas) states
// exactly the per-candidate sums of the mapping above: a known answer.
//
// The acta's groups after the table (".1.0001" above) are not documented;
// they are kept in QRSheet.Acta. The fourth field ("vacíos") is not
// documented either: Venezuela has no blank vote (a voter who selects
// nothing casts a null vote), so it is kept as QRSheet.Empty and not added
// to any count of the sheet.

// VECards is the number of party cards on the 2024 presidential ballot.
const VECards = 38

// veCard is one party card of the 2024 ballot: its party and the candidate
// (choice id of the ve-2024-actas converter) it backs.
type veCard struct{ party, choice string }

// ve2024Cards lists the 2024 ballot's cards in ballot order, as
// resultadosvzla-tools' cv.py names them.
var ve2024Cards = [VECards]veCard{
	{"PSUV", "nm"}, {"PCV", "nm"}, {"TUPAMARO", "nm"}, {"PPT", "nm"}, {"MSV", "nm"}, {"PODEMOS", "nm"},
	{"MEP", "nm"}, {"APC", "nm"}, {"ORA", "nm"}, {"UPV", "nm"}, {"EV", "nm"}, {"PVV", "nm"}, {"PFV", "nm"},
	{"AD", "lm"}, {"COPEI", "lm"}, {"MR", "lm"}, {"BR", "lm"}, {"DDP", "lm"}, {"UNE", "lm"},
	{"EL CAMBIO", "jabe"},
	{"PV", "jobr"}, {"VU", "jobr"}, {"UVV", "jobr"}, {"MPJ", "jobr"},
	{"AP", "ae"}, {"MOVEV", "ae"}, {"CMC", "ae"}, {"FV", "ae"}, {"ALIANZA DEL LAPIZ", "ae"}, {"MIN UNIDAD", "ae"},
	{"SPV", "cf"},
	{"VPA", "dc"}, {"AREPA", "dc"},
	{"UNTC", "eg"}, {"MPV", "eg"}, {"MUD", "eg"},
	{"CENTRADOS", "em"},
	{"CONDE", "bera"},
}

// CardMapping turns the party-card counts of a Venezuelan QR code into a
// sheet's votes per choice: several cards back one candidate (Maduro was on
// 13 cards in 2024, González on 3).
type CardMapping struct {
	Contest string   // the contest the sheet is for
	Choices []string // choice ids in the contest's order: the order of Sheet.Votes
	Cards   []int    // Cards[k] is the index in Choices of the candidate card k backs
}

// NewCardMapping maps the cards of a ballot, in ballot order, to the choices
// of contest c: cards[k] is the choice id card k backs. Every choice id must
// be one of c's. Errors are EINVALID.
func NewCardMapping(c *actas.Contest, cards []string) (CardMapping, error) {
	if len(cards) == 0 {
		return CardMapping{}, actas.Errorf(actas.EINVALID, "card mapping for contest %s: no cards", c.ID)
	}
	m := CardMapping{Contest: c.ID, Choices: make([]string, len(c.Choices)), Cards: make([]int, len(cards))}
	index := make(map[string]int, len(c.Choices))
	for i, ch := range c.Choices {
		m.Choices[i] = ch.ID
		index[ch.ID] = i
	}
	for k, id := range cards {
		i, ok := index[id]
		if !ok {
			return CardMapping{}, actas.Errorf(actas.EINVALID, "card mapping for contest %s: card %d backs %q, which is not a choice of the contest", c.ID, k+1, id)
		}
		m.Cards[k] = i
	}
	return m, nil
}

// VE2024Mapping returns the mapping of the 38 cards of the 2024 presidential
// ballot to the contest "president" as the ve-2024-actas converter builds it
// (choices eg, nm, lm, jabe, jobr, ae, cf, dc, em, bera), so that sheets
// decoded from QR codes compare with the sheets of that file.
func VE2024Mapping() CardMapping {
	choices := make([]actas.Choice, len(veCandidates))
	for i, c := range veCandidates {
		choices[i] = actas.Choice{ID: c.id, Name: c.name}
	}
	m, err := NewCardMapping(&actas.Contest{ID: "president", Choices: choices}, VE2024CardChoices())
	if err != nil {
		panic("sheetio: the 2024 card table names an unknown candidate: " + err.Error())
	}
	return m
}

// VE2024CardChoices returns, for each of the 38 cards of the 2024 ballot in
// ballot order, the choice id (as the ve-2024-actas converter names the
// candidates) of the candidate it backs; VE2024CardParties names the cards.
func VE2024CardChoices() []string {
	out := make([]string, VECards)
	for k, c := range ve2024Cards {
		out[k] = c.choice
	}
	return out
}

// VE2024CardParties returns the party of each of the 38 cards of the 2024
// ballot, in ballot order.
func VE2024CardParties() []string {
	out := make([]string, VECards)
	for k, c := range ve2024Cards {
		out[k] = c.party
	}
	return out
}

// QRSheet is a Venezuelan tally sheet read from its QR code.
type QRSheet struct {
	Acta   string  // the first field as printed, e.g. "201301006.01.1.0001"
	Center string  // center code without leading zeros, as the ve-2024-actas file writes it
	Table  int64   // table (mesa) number, from 1
	Cards  []int64 // votes per party card, in ballot order
	Null   int64   // the third field: null votes
	Empty  int64   // the fourth field ("vacíos"): undocumented, counted nowhere
	Sheet  actas.Sheet
}

// ParseQRVE parses the QR payload of a Venezuelan tally sheet and turns
// its card counts into a sheet with mapping m: Station is "<center>.<table>"
// as the ve-2024-actas converter codes tables (the center without leading
// zeros), Votes per m.Choices, Blank 0, Null from the payload, Ballots =
// valid + null (the sheet states no ballot count) and Voters Unknown.
//
// The payload must be at most MaxQRPayload bytes: four "!"-separated
// fields; the acta is 2 to 4 "."-separated groups of digits, the center
// (not all zeros) and the table (from 1) first; exactly len(m.Cards)
// comma-separated counts; counts are decimal digits up to actas.MaxCount.
// Spaces and newlines around the payload are ignored, none inside.
// Errors are EINVALID and name the field and its byte position.
func ParseQRVE(payload string, m CardMapping) (*QRSheet, error) {
	if len(payload) > MaxQRPayload {
		return nil, actas.Errorf(actas.EINVALID, "QR code: %d bytes, more than a QR code holds (%d)", len(payload), MaxQRPayload)
	}
	if len(m.Cards) == 0 {
		return nil, actas.Errorf(actas.EINVALID, "QR code: the card mapping has no cards")
	}
	for k, i := range m.Cards {
		if i < 0 || i >= len(m.Choices) {
			return nil, actas.Errorf(actas.EINVALID, "QR code: the card mapping sends card %d to choice %d of %d", k+1, i, len(m.Choices))
		}
	}
	start := len(payload) - len(strings.TrimLeft(payload, qrSpace))
	body := strings.Trim(payload, qrSpace)
	errf := func(pos int, field, format string, args ...any) error {
		return parseError("QR code", 1, start+pos+1, field, format, args...)
	}

	// Split into the four fields, remembering where each starts.
	var fields [4]string
	var at [4]int
	n, from := 0, 0
	for i := 0; i <= len(body); i++ {
		if i < len(body) && body[i] != '!' {
			continue
		}
		if n == len(fields) {
			return nil, errf(i, "", "more than 4 fields separated by \"!\"; a tally sheet's QR code has acta!votes!null!empty")
		}
		fields[n], at[n] = body[from:i], from
		n++
		from = i + 1
	}
	if n < len(fields) {
		return nil, errf(len(body), "", "%d fields separated by \"!\", want 4: acta!votes!null!empty", n)
	}

	q := &QRSheet{Acta: fields[0]}
	// Acta: center.table[.…]
	groups := strings.Split(fields[0], ".")
	if len(groups) < 2 || len(groups) > 4 {
		return nil, errf(at[0], "acta", "%q is not <center>.<table>[.…]: want 2 to 4 groups of digits separated by \".\"", qrShow(fields[0]))
	}
	pos := at[0]
	for i, g := range groups {
		if !qrDigits(g) || len(g) > 12 {
			return nil, errf(pos, "acta", "group %d, %q, is not 1 to 12 digits", i+1, qrShow(g))
		}
		pos += len(g) + 1
	}
	q.Center = strings.TrimLeft(groups[0], "0")
	if q.Center == "" {
		return nil, errf(at[0], "acta", "center code %q is all zeros", groups[0])
	}
	q.Table, _ = qrCount(groups[1])
	if q.Table == 0 {
		return nil, errf(at[0]+len(groups[0])+1, "acta", "table number 0; tables are numbered from 1")
	}

	// Votes per card.
	q.Cards = make([]int64, 0, len(m.Cards))
	pos = at[1]
	for v := range strings.SplitSeq(fields[1], ",") {
		if len(q.Cards) == len(m.Cards) {
			return nil, errf(at[1], "votes", "more than the %d card counts the mapping expects", len(m.Cards))
		}
		c, ok := qrCount(v)
		if !ok {
			return nil, errf(pos, "votes", "card %d: %q is not a count (digits, at most %d)", len(q.Cards)+1, qrShow(v), int64(actas.MaxCount))
		}
		q.Cards = append(q.Cards, c)
		pos += len(v) + 1
	}
	if len(q.Cards) != len(m.Cards) {
		return nil, errf(at[1], "votes", "%d card counts, want %d", len(q.Cards), len(m.Cards))
	}
	var ok bool
	if q.Null, ok = qrCount(fields[2]); !ok {
		return nil, errf(at[2], "null", "%q is not a count", qrShow(fields[2]))
	}
	if q.Empty, ok = qrCount(fields[3]); !ok {
		return nil, errf(at[3], "empty", "%q is not a count", qrShow(fields[3]))
	}

	votes := make([]int64, len(m.Choices))
	var valid int64
	for k, c := range q.Cards {
		votes[m.Cards[k]] += c
		valid += c
	}
	// 38 counts of at most MaxCount cannot overflow int64, but their sum can
	// exceed what a sheet may state.
	if valid+q.Null > actas.MaxCount {
		return nil, errf(at[1], "votes", "valid and null votes add up to %d, more than %d", valid+q.Null, int64(actas.MaxCount))
	}
	q.Sheet = actas.Sheet{
		Station: q.Center + "." + strconv.FormatInt(q.Table, 10),
		Contest: m.Contest,
		Votes:   votes,
		Null:    q.Null,
		Ballots: valid + q.Null,
		Voters:  actas.Unknown,
	}
	return q, nil
}
