package sheetio

import (
	"crypto/sha512"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"

	"github.com/actasproject/actas"
)

// The QR code of a Brazilian boletim de urna (BU), the result sheet each
// electronic voting machine prints at the close, is specified by the TSE in
// "QR Code no boletim de urna: manual para criação de aplicativos de
// leitura" (2018, 2020; earlier "qr-code-no-boletim-de-urna-1-4.pdf",
// tse.jus.br/hotsites/catalogo-publicacoes). Its text is space-separated
// KEY:VALUE pairs:
//
//	QRBU:1:1 VRQR:1.5 VRCH:20180830 ORIG:VOTA … UNFE:ZZ MUNI:30848 ZONA:1
//	SECA:483 … APTO:626 COMP:195 FALT:431 … IDEL:295 CARG:1 TIPO:0
//	VERC:201809171907 12:16 13:7 … APTA:626 NOMI:175 BRAN:5 NULO:15
//	TOTC:195 HASH:714C… ASSI:F2E5…
//
// QRBU:i:n numbers the part when the BU does not fit one code; each part
// starts with its own QRBU (and, since VRQR 1.5, VRQR and VRCH) header and
// ends with HASH; the last also carries ASSI, the signature. After the
// section's header (UNFE state, MUNI municipality, ZONA zone, SECA section,
// APTO registered, COMP voters, FALT absent, …) come the offices: IDEL
// names an election, CARG an office with its TIPO (0 majoritarian, 1
// proportional) and the votes per candidate number ("13:7"); a proportional
// office groups them by party (PART:45 … LEGP:<party-list votes>
// TOTP:<party total>). Each office closes with APTA (registered for it),
// NOMI (votes for candidates), LEGC (party-list votes), BRAN (blank), NULO
// (null) and TOTC (all its votes).
//
// HASH is the SHA-512, in hexadecimal, of the part's text after its header
// (QRBU, VRQR, VRCH) and before " HASH:": checked against the manual's 2016
// example (doccaz/urnas-br README, "codificação do QR Code") and a 2018 BU.
// How the hash of a later part chains the earlier ones is not in the
// sources we could read, so VerifyHash checks single-code BUs only. ASSI is
// an Ed25519 signature under a TSE key published per VRCH; checking it
// needs those keys and is out of scope.

// maxBUParts bounds how many QR codes one BU may be split over.
const maxBUParts = 64

// BUSheet is a Brazilian boletim de urna read from its QR code(s).
type BUSheet struct {
	Parts        int    // how many QR codes it was printed on
	Version      string // VRQR: the QR format's version
	KeyVersion   string // VRCH: the signing key's version; "" before VRQR 1.5
	State        string // UNFE: state (UF), "ZZ" abroad
	Municipality int64  // MUNI: TSE municipality code
	Zone         int64  // ZONA
	Section      int64  // SECA
	Registered   int64  // APTO: voters registered at the section
	Voters       int64  // COMP: voters who turned up
	Absent       int64  // FALT; actas.Unknown when not stated
	// Fields holds every other field of the section's header as printed
	// (ORIG, PROC, DTPL, PLEI, TURN, FASE, AGRE, IDUE, IDCA, VERS, …).
	Fields    map[string]string
	Offices   []BUOffice
	Hashes    []string // HASH of each part, in part order
	Signature string   // ASSI of the last part; "" when absent

	bodies []string // each part's hashed text
}

// BUOffice is the result of one office (cargo) in a BU. Counts the payload
// does not state are actas.Unknown.
type BUOffice struct {
	Election   string // IDEL in force, "" when none
	Office     int64  // CARG: 1 president, 3 governor, 5 senator, 6 federal deputy, 7 state deputy, 11 mayor, 13 councillor, …
	Type       int64  // TIPO: 0 majoritarian, 1 proportional; actas.Unknown when not stated
	Candidates []BUVotes
	Parties    []BUParty // proportional offices: per party
	Registered int64     // APTA
	Nominal    int64     // NOMI: votes for candidates
	PartyList  int64     // LEGC: votes for a party only (voto de legenda)
	Blank      int64     // BRAN
	Null       int64     // NULO
	Total      int64     // TOTC: all votes for the office
	Fields     map[string]string
}

// BUVotes is a candidate's votes: Number as printed ("13", "45045"), and the
// party (PART) it was listed under in a proportional office, else "".
type BUVotes struct {
	Number string
	Party  string
	Votes  int64
}

// BUParty is one party of a proportional office: PartyList (LEGP) votes for
// the party only, Total (TOTP) for the party and its candidates.
type BUParty struct {
	Party     string
	PartyList int64
	Total     int64
}

// Station returns the section's station code, "<municipality>-<zone>-<section>"
// in decimal without leading zeros: TSE municipality codes are national,
// and a zone's sections are numbered within it.
func (b *BUSheet) Station() string {
	return strconv.FormatInt(b.Municipality, 10) + "-" + strconv.FormatInt(b.Zone, 10) + "-" + strconv.FormatInt(b.Section, 10)
}

// Office returns the result of office cargo (CARG). Errors: ENOTFOUND when
// the BU has none, EINVALID when it has it twice.
func (b *BUSheet) Office(cargo int64) (*BUOffice, error) {
	var found *BUOffice
	for i := range b.Offices {
		if b.Offices[i].Office != cargo {
			continue
		}
		if found != nil {
			return nil, actas.Errorf(actas.EINVALID, "boletim de urna %s: office %d appears twice", b.Station(), cargo)
		}
		found = &b.Offices[i]
	}
	if found == nil {
		return nil, actas.Errorf(actas.ENOTFOUND, "boletim de urna %s: no office %d", b.Station(), cargo)
	}
	return found, nil
}

// Sheet returns the BU's sheet for office cargo as contest c states it:
// each candidate's votes go to the choice whose id is the candidate number,
// a party's list votes (LEGP) to the choice whose id is the party number;
// Blank, Null and Ballots are BRAN, NULO and TOTC; Voters is COMP; Station
// is b.Station(). Votes for a number that is not a choice of c are an error
// (dropping them would change the sheet), as is an office without BRAN,
// NULO or TOTC. Errors are EINVALID, or ENOTFOUND without the office.
func (b *BUSheet) Sheet(cargo int64, c *actas.Contest) (*actas.Sheet, error) {
	o, err := b.Office(cargo)
	if err != nil {
		return nil, err
	}
	for _, x := range []struct {
		key string
		v   int64
	}{{"BRAN", o.Blank}, {"NULO", o.Null}, {"TOTC", o.Total}} {
		if x.v == actas.Unknown {
			return nil, actas.Errorf(actas.EINVALID, "boletim de urna %s: office %d states no %s", b.Station(), cargo, x.key)
		}
	}
	index := make(map[string]int, len(c.Choices))
	for i, ch := range c.Choices {
		index[ch.ID] = i
	}
	s := &actas.Sheet{
		Station: b.Station(),
		Contest: c.ID,
		Votes:   make([]int64, len(c.Choices)),
		Blank:   o.Blank,
		Null:    o.Null,
		Ballots: o.Total,
		Voters:  b.Voters,
	}
	add := func(what, number string, v int64) error {
		i, ok := index[number]
		if !ok {
			if v == 0 {
				return nil
			}
			return actas.Errorf(actas.EINVALID, "boletim de urna %s, office %d: %s %s has %d votes but is not a choice of contest %s", b.Station(), cargo, what, number, v, c.ID)
		}
		if s.Votes[i] += v; s.Votes[i] > actas.MaxCount {
			return actas.Errorf(actas.EINVALID, "boletim de urna %s, office %d: votes for %s exceed %d", b.Station(), cargo, number, int64(actas.MaxCount))
		}
		return nil
	}
	for _, v := range o.Candidates {
		if err := add("candidate", v.Number, v.Votes); err != nil {
			return nil, err
		}
	}
	for _, p := range o.Parties {
		if p.PartyList == actas.Unknown {
			continue
		}
		if err := add("party", p.Party, p.PartyList); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// VerifyHash checks the HASH of a BU printed on one QR code: the SHA-512 of
// its text after the header. It returns nil when it matches, EINVALID when
// it does not or when the BU was split over several codes (whose hash chain
// we cannot check yet). A matching hash shows the text was not garbled; it
// does not show the TSE's machine wrote it (that is the signature's job).
func (b *BUSheet) VerifyHash() error {
	if b.Parts != 1 || len(b.bodies) != 1 || len(b.Hashes) != 1 {
		return actas.Errorf(actas.EINVALID, "boletim de urna %s: checking the hash of a BU split over %d QR codes is not supported", b.Station(), b.Parts)
	}
	sum := sha512.Sum512([]byte(b.bodies[0]))
	if !strings.EqualFold(hex.EncodeToString(sum[:]), b.Hashes[0]) {
		return actas.Errorf(actas.EINVALID, "boletim de urna %s: HASH does not match the QR code's text: the text was changed or misread", b.Station())
	}
	return nil
}

// buToken is one KEY:VALUE pair and where it is.
type buToken struct {
	key, val string
	part     int // index into the sorted parts
	pos      int // byte offset in its part
}

// buPart is one QR code of a BU.
type buPart struct {
	name            string // "QR code" or "QR code i of n", for errors
	i, n            int
	version, keyVer string
	body            string
	hash, sig       string
	tokens          []buToken
}

// ParseQRBU parses a boletim de urna from the payloads of its QR codes,
// given in any order: each must start with QRBU:i:n, all with the same n,
// every part from 1 to n exactly once, the same VRQR and VRCH. Each payload
// is at most MaxQRPayload bytes and ends with HASH (the last may add ASSI).
// Required: MUNI, ZONA, SECA, APTO, COMP, and at least one office. Errors
// are EINVALID and name the QR code, the byte position and the field.
func ParseQRBU(parts ...string) (*BUSheet, error) {
	if len(parts) == 0 {
		return nil, actas.Errorf(actas.EINVALID, "boletim de urna: no QR code")
	}
	if len(parts) > maxBUParts {
		return nil, actas.Errorf(actas.EINVALID, "boletim de urna: %d QR codes, more than %d", len(parts), maxBUParts)
	}
	ps := make([]*buPart, len(parts))
	for k, payload := range parts {
		name := "QR code"
		if len(parts) > 1 {
			name = "QR code " + strconv.Itoa(k+1) + " given"
		}
		p, err := parseBUPart(name, payload)
		if err != nil {
			return nil, err
		}
		ps[k] = p
	}
	n := ps[0].n
	seen := make([]bool, n+1)
	for _, p := range ps {
		if p.n != n {
			return nil, actas.Errorf(actas.EINVALID, "boletim de urna: one QR code says the BU has %d parts, another %d", n, p.n)
		}
		if seen[p.i] {
			return nil, actas.Errorf(actas.EINVALID, "boletim de urna: part %d of %d given twice", p.i, n)
		}
		seen[p.i] = true
		if p.version != ps[0].version || p.keyVer != ps[0].keyVer {
			return nil, actas.Errorf(actas.EINVALID, "boletim de urna: parts %d and %d have different versions (VRQR %s/%s, VRCH %s/%s)", ps[0].i, p.i, ps[0].version, p.version, ps[0].keyVer, p.keyVer)
		}
	}
	for i := 1; i <= n; i++ {
		if !seen[i] {
			return nil, actas.Errorf(actas.EINVALID, "boletim de urna: part %d of %d is missing", i, n)
		}
	}
	slices.SortFunc(ps, func(a, b *buPart) int { return a.i - b.i })
	b := &BUSheet{Parts: n, Version: ps[0].version, KeyVersion: ps[0].keyVer, Absent: actas.Unknown, Fields: map[string]string{}}
	for k, p := range ps {
		if p.sig != "" && k != n-1 {
			return nil, parseError(p.name, 1, 0, "ASSI", "only the last part carries the signature")
		}
		b.Hashes = append(b.Hashes, p.hash)
		b.bodies = append(b.bodies, p.body)
	}
	b.Signature = ps[n-1].sig
	if err := b.fill(ps); err != nil {
		return nil, err
	}
	return b, nil
}

// parseBUPart splits one payload into its header, tokens, HASH and ASSI.
func parseBUPart(name, payload string) (*buPart, error) {
	if len(payload) > MaxQRPayload {
		return nil, actas.Errorf(actas.EINVALID, "%s: %d bytes, more than a QR code holds (%d)", name, len(payload), MaxQRPayload)
	}
	p := &buPart{name: name}
	errf := func(pos int, field, format string, args ...any) error {
		return parseError(p.name, 1, pos+1, field, format, args...)
	}
	var toks []buToken
	for i := 0; i < len(payload); {
		c := payload[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			i++
			continue
		}
		j := i
		for j < len(payload) && payload[j] != ' ' && payload[j] != '\t' && payload[j] != '\r' && payload[j] != '\n' {
			j++
		}
		tok := payload[i:j]
		key, val, ok := strings.Cut(tok, ":")
		if !ok || val == "" {
			return nil, errf(i, "", "%q is not KEY:VALUE", qrShow(tok))
		}
		if len(key) == 0 || len(key) > 8 {
			return nil, errf(i, "", "%q: a key is 1 to 8 capital letters or digits", qrShow(key))
		}
		for k := 0; k < len(key); k++ {
			if c := key[k]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
				return nil, errf(i, "", "%q: a key is 1 to 8 capital letters or digits", qrShow(key))
			}
		}
		toks = append(toks, buToken{key: key, val: val, pos: i})
		i = j
	}
	if len(toks) == 0 || toks[0].key != "QRBU" {
		return nil, errf(0, "QRBU", "a boletim de urna's QR code starts with QRBU:<part>:<parts>")
	}
	is, ns, ok := strings.Cut(toks[0].val, ":")
	i, ok1 := qrCount(is)
	n, ok2 := qrCount(ns)
	if !ok || !ok1 || !ok2 || n < 1 || n > maxBUParts || i < 1 || i > n {
		return nil, errf(toks[0].pos, "QRBU", "%q is not <part>:<parts> with 1 ≤ part ≤ parts ≤ %d", qrShow(toks[0].val), maxBUParts)
	}
	p.i, p.n = int(i), int(n)
	if n > 1 {
		p.name = "QR code " + strconv.Itoa(p.i) + " of " + strconv.Itoa(p.n)
	}
	// The header that the hash leaves out: QRBU, then VRQR and VRCH when
	// they follow at once (VRQR 1.5 and later; older codes put VRQR in the
	// hashed text).
	h := 1
	if h < len(toks) && toks[h].key == "VRQR" {
		p.version = toks[h].val
		h++
		if h < len(toks) && toks[h].key == "VRCH" {
			p.keyVer = toks[h].val
			h++
		}
	}
	// HASH, then ASSI, close the part.
	end := len(toks)
	if end > h && toks[end-1].key == "ASSI" {
		p.sig = toks[end-1].val
		if !isHex(p.sig) {
			return nil, errf(toks[end-1].pos, "ASSI", "the signature is not hexadecimal")
		}
		end--
	}
	if end <= h || toks[end-1].key != "HASH" {
		return nil, errf(len(payload), "HASH", "the QR code does not end with HASH (and ASSI): cut short?")
	}
	p.hash = toks[end-1].val
	if len(p.hash) != 2*sha512.Size || !isHex(p.hash) {
		return nil, errf(toks[end-1].pos, "HASH", "want %d hexadecimal digits (SHA-512), have %q", 2*sha512.Size, qrShow(p.hash))
	}
	end--
	if end > h {
		p.body = payload[toks[h].pos : toks[end-1].pos+len(toks[end-1].key)+1+len(toks[end-1].val)]
	}
	p.tokens = toks[h:end]
	return p, nil
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'F') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// fill reads the tokens of the parts, in part order, into b.
func (b *BUSheet) fill(ps []*buPart) error {
	var (
		election string
		office   *BUOffice
		party    *BUParty
		cands    map[string]bool // candidate numbers of the current office
		parties  map[string]bool
		header   = map[string]bool{}
	)
	have := map[string]bool{}
	for _, p := range ps {
		errf := func(t buToken, format string, args ...any) error {
			return parseError(p.name, 1, t.pos+1, t.key, format, args...)
		}
		count := func(t buToken) (int64, error) {
			v, ok := qrCount(t.val)
			if !ok {
				return 0, errf(t, "%q is not a count (digits, at most %d)", qrShow(t.val), int64(actas.MaxCount))
			}
			return v, nil
		}
		for _, t := range p.tokens {
			switch {
			case t.key == "QRBU" || t.key == "HASH" || t.key == "ASSI":
				return errf(t, "inside the QR code's text: two codes pasted together?")
			case t.key == "IDEL":
				election, office, party = t.val, nil, nil
			case t.key == "CARG":
				v, err := count(t)
				if err != nil {
					return err
				}
				b.Offices = append(b.Offices, BUOffice{
					Election: election, Office: v, Type: actas.Unknown,
					Registered: actas.Unknown, Nominal: actas.Unknown, PartyList: actas.Unknown,
					Blank: actas.Unknown, Null: actas.Unknown, Total: actas.Unknown,
					Fields: map[string]string{},
				})
				office, party = &b.Offices[len(b.Offices)-1], nil
				cands, parties = map[string]bool{}, map[string]bool{}
			case office == nil:
				if qrDigits(t.key) {
					return errf(t, "votes for candidate %s before any office (CARG)", t.key)
				}
				if header[t.key] {
					return errf(t, "appears twice in the section's header")
				}
				header[t.key] = true
				if err := b.header(t, count, errf); err != nil {
					return err
				}
				have[t.key] = true
			case qrDigits(t.key):
				v, err := count(t)
				if err != nil {
					return err
				}
				if cands[t.key] {
					return errf(t, "candidate %s appears twice in office %d", t.key, office.Office)
				}
				cands[t.key] = true
				pv := BUVotes{Number: t.key, Votes: v}
				if party != nil {
					pv.Party = party.Party
				}
				office.Candidates = append(office.Candidates, pv)
			case t.key == "PART":
				if !qrDigits(t.val) {
					return errf(t, "%q is not a party number", qrShow(t.val))
				}
				if parties[t.val] {
					return errf(t, "party %s appears twice in office %d", t.val, office.Office)
				}
				parties[t.val] = true
				office.Parties = append(office.Parties, BUParty{Party: t.val, PartyList: actas.Unknown, Total: actas.Unknown})
				party = &office.Parties[len(office.Parties)-1]
			case t.key == "LEGP" || t.key == "TOTP":
				if party == nil {
					return errf(t, "outside a party (PART) of office %d", office.Office)
				}
				v, err := count(t)
				if err != nil {
					return err
				}
				dst := &party.PartyList
				if t.key == "TOTP" {
					dst = &party.Total
				}
				if *dst != actas.Unknown {
					return errf(t, "appears twice for party %s of office %d", party.Party, office.Office)
				}
				*dst = v
			default:
				var dst *int64
				switch t.key {
				case "TIPO":
					dst = &office.Type
				case "APTA":
					dst = &office.Registered
				case "NOMI":
					dst = &office.Nominal
				case "LEGC":
					dst = &office.PartyList
				case "BRAN":
					dst = &office.Blank
				case "NULO":
					dst = &office.Null
				case "TOTC":
					dst = &office.Total
				}
				if dst == nil {
					if _, dup := office.Fields[t.key]; dup {
						return errf(t, "appears twice in office %d", office.Office)
					}
					office.Fields[t.key] = t.val
					continue
				}
				if *dst != actas.Unknown {
					return errf(t, "appears twice in office %d", office.Office)
				}
				v, err := count(t)
				if err != nil {
					return err
				}
				*dst = v
				// The office's totals close its last party.
				party = nil
			}
		}
	}
	for _, k := range []string{"MUNI", "ZONA", "SECA", "APTO", "COMP"} {
		if !have[k] {
			return parseError(ps[0].name, 1, 0, k, "missing: the boletim de urna does not state it")
		}
	}
	if len(b.Offices) == 0 {
		return parseError(ps[0].name, 1, 0, "CARG", "no office: the boletim de urna states no votes")
	}
	return nil
}

// header stores one field of the section's header.
func (b *BUSheet) header(t buToken, count func(buToken) (int64, error), errf func(buToken, string, ...any) error) error {
	var dst *int64
	switch t.key {
	case "MUNI":
		dst = &b.Municipality
	case "ZONA":
		dst = &b.Zone
	case "SECA":
		dst = &b.Section
	case "APTO":
		dst = &b.Registered
	case "COMP":
		dst = &b.Voters
	case "FALT":
		dst = &b.Absent
	case "UNFE":
		b.State = t.val
		return nil
	case "VRCH":
		if b.KeyVersion != "" && b.KeyVersion != t.val {
			return errf(t, "%q differs from the header's %q", qrShow(t.val), b.KeyVersion)
		}
		b.KeyVersion = t.val
		return nil
	case "VRQR":
		// Before VRQR 1.5 the version sits inside the hashed text.
		if b.Version != "" && b.Version != t.val {
			return errf(t, "%q differs from the header's %q", qrShow(t.val), b.Version)
		}
		b.Version = t.val
		return nil
	default:
		b.Fields[t.key] = t.val
		return nil
	}
	v, err := count(t)
	if err != nil {
		return err
	}
	*dst = v
	return nil
}
