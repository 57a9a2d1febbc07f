package sheetio

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/actasproject/actas"
)

// EXIF is what a photo's camera says of where and when it was taken. It is
// kept as evidence, never trusted: anyone can write any EXIF into a JPEG.
type EXIF struct {
	// Time is DateTimeOriginal (or, failing that, DateTime) as the camera
	// wrote it, in the camera's local time, as "2006-01-02T15:04:05", with
	// the offset ("-04:00") when the camera recorded OffsetTimeOriginal;
	// "" when absent or malformed.
	Time string `json:"time,omitempty"`
	// Lat and Lon are the GPS position in decimal degrees (south and west
	// negative); nil when absent or malformed.
	Lat *float64 `json:"lat,omitempty"`
	Lon *float64 `json:"lon,omitempty"`
}

// Text is the EXIF in one line, as it is kept with a photo's evidence:
// "exif time=2024-07-28T18:40:12 lat=10.654321 lon=-71.612345", naming only
// what was found.
func (x *EXIF) Text() string {
	var b strings.Builder
	b.WriteString("exif")
	if x.Time != "" {
		b.WriteString(" time=" + x.Time)
	}
	if x.Lat != nil && x.Lon != nil {
		b.WriteString(" lat=" + strconv.FormatFloat(*x.Lat, 'f', 6, 64))
		b.WriteString(" lon=" + strconv.FormatFloat(*x.Lon, 'f', 6, 64))
	}
	return b.String()
}

// EXIF tags read (CIPA DC-008, "Exif 2.32"; TIFF 6.0 for the IFD layout).
const (
	tagDateTime           = 0x0132
	tagExifIFD            = 0x8769
	tagGPSIFD             = 0x8825
	tagDateTimeOriginal   = 0x9003
	tagOffsetTimeOriginal = 0x9011
	tagGPSLatitudeRef     = 0x0001
	tagGPSLatitude        = 0x0002
	tagGPSLongitudeRef    = 0x0003
	tagGPSLongitude       = 0x0004
)

// TIFF field types and their sizes in bytes.
const (
	typeASCII    = 2
	typeRational = 5
)

var typeSize = [...]uint32{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

// maxIFDEntries bounds the entries read from all IFDs together, so that a
// crafted file costs at most this much work whatever its counts claim.
const maxIFDEntries = 1024

// ParseEXIF reads the time and GPS position from a JPEG's EXIF (its APP1
// "Exif" segment, IFD0, the Exif IFD and the GPS IFD). It reads only the
// segments before the image data, follows each IFD once (a file whose IFDs
// point at each other ends, it does not loop), and never reads outside
// data. Errors: ENOTFOUND when data is a JPEG without EXIF or whose EXIF
// states neither time nor position; EINVALID when data is not a JPEG or its
// EXIF is malformed.
func ParseEXIF(data []byte) (*EXIF, error) {
	seg, err := exifSegment(data)
	if err != nil {
		return nil, err
	}
	t, err := newTIFF(seg)
	if err != nil {
		return nil, err
	}
	x := &EXIF{}
	ifd0, err := t.ifd(t.first)
	if err != nil {
		return nil, fmt.Errorf("exif IFD0: %w", err)
	}
	var dateTime string
	for _, f := range ifd0 {
		switch f.tag {
		case tagDateTime:
			dateTime = t.ascii(f)
		case tagExifIFD, tagGPSIFD:
			off, ok := t.long(f)
			if !ok {
				continue
			}
			sub, err := t.ifd(off)
			if err != nil {
				return nil, fmt.Errorf("exif IFD %#04x: %w", f.tag, err)
			}
			if f.tag == tagExifIFD {
				t.readExif(sub, x)
			} else {
				t.readGPS(sub, x)
			}
		}
	}
	if x.Time == "" {
		x.Time = exifTime(dateTime, "")
	}
	if x.Time == "" && x.Lat == nil {
		return nil, actas.Errorf(actas.ENOTFOUND, "the photo's EXIF states neither time nor position")
	}
	return x, nil
}

// exifSegment returns the TIFF data of the JPEG's first APP1 Exif segment.
func exifSegment(data []byte) ([]byte, error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, actas.Errorf(actas.EINVALID, "not a JPEG: it does not start with FF D8")
	}
	for p := 2; ; {
		// Markers may be preceded by fill bytes 0xFF (ITU T.81 B.1.1.2).
		for p < len(data) && data[p] == 0xFF && p+1 < len(data) && data[p+1] == 0xFF {
			p++
		}
		if p+4 > len(data) {
			return nil, actas.Errorf(actas.ENOTFOUND, "the JPEG has no EXIF")
		}
		if data[p] != 0xFF {
			return nil, actas.Errorf(actas.EINVALID, "JPEG: no marker at byte %d", p)
		}
		marker := data[p+1]
		switch {
		case marker == 0xDA || marker == 0xD9: // start of scan, end of image: no metadata after
			return nil, actas.Errorf(actas.ENOTFOUND, "the JPEG has no EXIF")
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7): // no length
			p += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return nil, actas.Errorf(actas.EINVALID, "JPEG: segment %#02x at byte %d runs past the end", marker, p)
		}
		body := data[p+4 : p+2+n]
		if marker == 0xE1 && len(body) >= 6 && string(body[:6]) == "Exif\x00\x00" {
			return body[6:], nil
		}
		p += 2 + n
	}
}

// tiff is an EXIF block: a TIFF header and IFDs, with offsets from its start.
type tiff struct {
	b       []byte
	order   binary.ByteOrder
	first   uint32
	seen    map[uint32]bool // IFD offsets read, so that none is read twice
	entries int             // read so far, bounded by maxIFDEntries
}

type field struct {
	tag, typ uint16
	count    uint32
	value    []byte // the field's bytes, inside the block
}

func newTIFF(b []byte) (*tiff, error) {
	if len(b) < 8 {
		return nil, actas.Errorf(actas.EINVALID, "exif: the TIFF header is cut short")
	}
	t := &tiff{b: b, seen: map[uint32]bool{}}
	switch string(b[:4]) {
	case "II*\x00":
		t.order = binary.LittleEndian
	case "MM\x00*":
		t.order = binary.BigEndian
	default:
		return nil, actas.Errorf(actas.EINVALID, "exif: no TIFF header (II*/MM*)")
	}
	t.first = t.order.Uint32(b[4:])
	return t, nil
}

// ifd reads the IFD at off. An IFD read before yields nothing (pointer
// loops end here); fields whose values lie outside the block are skipped.
func (t *tiff) ifd(off uint32) ([]field, error) {
	if t.seen[off] {
		return nil, nil
	}
	t.seen[off] = true
	if uint64(off)+2 > uint64(len(t.b)) {
		return nil, actas.Errorf(actas.EINVALID, "exif: IFD at %d lies outside the block of %d bytes", off, len(t.b))
	}
	n := int(t.order.Uint16(t.b[off:]))
	if uint64(off)+2+uint64(n)*12 > uint64(len(t.b)) {
		return nil, actas.Errorf(actas.EINVALID, "exif: IFD at %d with %d entries runs past the block", off, n)
	}
	if t.entries+n > maxIFDEntries {
		return nil, actas.Errorf(actas.EINVALID, "exif: more than %d IFD entries", maxIFDEntries)
	}
	t.entries += n
	fields := make([]field, 0, n)
	for i := range n {
		e := t.b[int(off)+2+12*i:][:12]
		f := field{tag: t.order.Uint16(e), typ: t.order.Uint16(e[2:]), count: t.order.Uint32(e[4:])}
		if int(f.typ) >= len(typeSize) || typeSize[f.typ] == 0 {
			continue
		}
		size := uint64(typeSize[f.typ]) * uint64(f.count)
		if size <= 4 {
			f.value = e[8 : 8+size]
		} else {
			vo := uint64(t.order.Uint32(e[8:]))
			if vo+size > uint64(len(t.b)) {
				continue
			}
			f.value = t.b[vo : vo+size]
		}
		fields = append(fields, f)
	}
	return fields, nil
}

// long returns a pointer field's value (LONG, or IFD type 13 written as LONG).
func (t *tiff) long(f field) (uint32, bool) {
	if (f.typ != 4 && f.typ != 13) || f.count != 1 || len(f.value) != 4 {
		return 0, false
	}
	return t.order.Uint32(f.value), true
}

// ascii returns an ASCII field up to its first NUL.
func (t *tiff) ascii(f field) string {
	if f.typ != typeASCII {
		return ""
	}
	s := string(f.value)
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return s
}

// rationals returns a RATIONAL field's values; ok is false for another
// type, another count or a zero denominator.
func (t *tiff) rationals(f field, want uint32) ([]float64, bool) {
	if f.typ != typeRational || f.count != want {
		return nil, false
	}
	out := make([]float64, want)
	for i := range out {
		num, den := t.order.Uint32(f.value[8*i:]), t.order.Uint32(f.value[8*i+4:])
		if den == 0 {
			return nil, false
		}
		out[i] = float64(num) / float64(den)
	}
	return out, true
}

func (t *tiff) readExif(fields []field, x *EXIF) {
	var dt, off string
	for _, f := range fields {
		switch f.tag {
		case tagDateTimeOriginal:
			dt = t.ascii(f)
		case tagOffsetTimeOriginal:
			off = t.ascii(f)
		}
	}
	x.Time = exifTime(dt, off)
}

func (t *tiff) readGPS(fields []field, x *EXIF) {
	var latRef, lonRef string
	var lat, lon []float64
	for _, f := range fields {
		switch f.tag {
		case tagGPSLatitudeRef:
			latRef = t.ascii(f)
		case tagGPSLongitudeRef:
			lonRef = t.ascii(f)
		case tagGPSLatitude:
			lat, _ = t.rationals(f, 3)
		case tagGPSLongitude:
			lon, _ = t.rationals(f, 3)
		}
	}
	la, ok1 := degrees(lat, latRef, "N", "S", 90)
	lo, ok2 := degrees(lon, lonRef, "E", "W", 180)
	if ok1 && ok2 {
		x.Lat, x.Lon = &la, &lo
	}
}

// degrees turns degrees, minutes and seconds and a hemisphere into signed
// decimal degrees, refusing what is out of range.
func degrees(dms []float64, ref, pos, neg string, limit float64) (float64, bool) {
	if len(dms) != 3 || (ref != pos && ref != neg) || dms[1] >= 60 || dms[2] >= 60 {
		return 0, false
	}
	d := dms[0] + dms[1]/60 + dms[2]/3600
	if d > limit || math.IsNaN(d) {
		return 0, false
	}
	if ref == neg {
		d = -d
	}
	return d, true
}

// exifTime turns EXIF's "2006:01:02 15:04:05" (and an offset "-04:00") into
// "2006-01-02T15:04:05-04:00"; "" when it is not of that form.
func exifTime(dt, off string) string {
	if len(dt) != 19 || dt[4] != ':' || dt[7] != ':' || dt[10] != ' ' || dt[13] != ':' || dt[16] != ':' {
		return ""
	}
	// Cameras without a clock write "0000:00:00 00:00:00": not a time.
	if _, err := time.Parse("2006:01:02 15:04:05", dt); err != nil {
		return ""
	}
	s := dt[:4] + "-" + dt[5:7] + "-" + dt[8:10] + "T" + dt[11:]
	if len(off) == 6 && (off[0] == '+' || off[0] == '-') && off[3] == ':' {
		s += off
	}
	return s
}
