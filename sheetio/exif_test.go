package sheetio

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"math"
	"testing"

	"github.com/actasproject/actas"
)

// ifdEntry is one entry of a hand-built IFD. A value longer than 4 bytes is
// placed after the IFDs and its offset written instead; ptr names another
// IFD (by its position in the list) whose offset becomes the value.
type ifdEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte
	ptr      int // index of the IFD pointed at, when ≥ 0 and value is nil
}

// buildTIFF lays out IFDs one after the other (each followed by a zero
// next-IFD offset), then the long values.
func buildTIFF(order binary.AppendByteOrder, ifds [][]ifdEntry) []byte {
	head := []byte("II*\x00\x08\x00\x00\x00")
	if order == binary.AppendByteOrder(binary.BigEndian) {
		head = []byte("MM\x00*\x00\x00\x00\x08")
	}
	offs := make([]uint32, len(ifds))
	off := uint32(8)
	for i, ifd := range ifds {
		offs[i] = off
		off += 2 + 12*uint32(len(ifd)) + 4
	}
	b := append([]byte(nil), head...)
	var extra []byte
	for _, ifd := range ifds {
		b = order.AppendUint16(b, uint16(len(ifd)))
		for _, e := range ifd {
			b = order.AppendUint16(b, e.tag)
			b = order.AppendUint16(b, e.typ)
			b = order.AppendUint32(b, e.count)
			switch {
			case e.value == nil:
				b = order.AppendUint32(b, offs[e.ptr])
			case len(e.value) <= 4:
				v := make([]byte, 4)
				copy(v, e.value)
				b = append(b, v...)
			default:
				b = order.AppendUint32(b, off+uint32(len(extra)))
				extra = append(extra, e.value...)
			}
		}
		b = order.AppendUint32(b, 0)
	}
	return append(b, extra...)
}

func rationals(order binary.AppendByteOrder, v ...uint32) []byte {
	var b []byte
	for _, x := range v {
		b = order.AppendUint32(b, x)
	}
	return b
}

// withAPP1 puts an Exif APP1 segment holding tiffData right after the SOI
// of a real JPEG.
func withAPP1(tb testing.TB, tiffData []byte) []byte {
	tb.Helper()
	var img bytes.Buffer
	if err := jpeg.Encode(&img, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		tb.Fatal(err)
	}
	body := append([]byte("Exif\x00\x00"), tiffData...)
	seg := []byte{0xFF, 0xE1, byte((len(body) + 2) >> 8), byte(len(body) + 2)}
	out := append([]byte{0xFF, 0xD8}, seg...)
	out = append(out, body...)
	return append(out, img.Bytes()[2:]...)
}

// camera is the EXIF of a phone's photo at Maracaibo (10°39'15.6"N
// 71°36'44.4"W) at 18:40:12 local time.
func camera(order binary.AppendByteOrder) [][]ifdEntry {
	return [][]ifdEntry{
		{{tag: tagExifIFD, typ: 4, count: 1, ptr: 1}, {tag: tagGPSIFD, typ: 4, count: 1, ptr: 2}},
		{{tag: tagDateTimeOriginal, typ: 2, count: 20, value: []byte("2024:07:28 18:40:12\x00")},
			{tag: tagOffsetTimeOriginal, typ: 2, count: 7, value: []byte("-04:00\x00")}},
		{{tag: tagGPSLatitudeRef, typ: 2, count: 2, value: []byte("N\x00")},
			{tag: tagGPSLatitude, typ: 5, count: 3, value: rationals(order, 10, 1, 39, 1, 156, 10)},
			{tag: tagGPSLongitudeRef, typ: 2, count: 2, value: []byte("W\x00")},
			{tag: tagGPSLongitude, typ: 5, count: 3, value: rationals(order, 71, 1, 36, 1, 444, 10)}},
	}
}

func TestParseEXIF(t *testing.T) {
	var le, be binary.AppendByteOrder = binary.LittleEndian, binary.BigEndian
	noGPS := camera(le)[:2]
	noGPS[0] = noGPS[0][:1]
	onlyDateTime := [][]ifdEntry{{{tag: tagDateTime, typ: 2, count: 20, value: []byte("2024:07:28 19:01:00\x00")}}}
	zeroClock := [][]ifdEntry{{{tag: tagDateTime, typ: 2, count: 20, value: []byte("0000:00:00 00:00:00\x00")}}}
	loop := [][]ifdEntry{
		{{tag: tagExifIFD, typ: 4, count: 1, ptr: 1}},
		{{tag: tagDateTimeOriginal, typ: 2, count: 20, value: []byte("2024:07:28 18:40:12\x00")}, {tag: tagExifIFD, typ: 4, count: 1, ptr: 0}, {tag: tagGPSIFD, typ: 4, count: 1, ptr: 1}},
	}
	southEast := camera(be)
	southEast[2][0].value, southEast[2][2].value = []byte("S\x00"), []byte("E\x00")
	badLat := camera(le)
	badLat[2][1].value = rationals(le, 95, 1, 0, 1, 0, 1)
	zeroDen := camera(le)
	zeroDen[2][3].value = rationals(le, 71, 0, 0, 1, 0, 1)

	full := withAPP1(t, buildTIFF(le, camera(le)))
	cases := []struct {
		name     string
		data     []byte
		code     string // the error's code, "" for none
		time     string
		lat, lon float64
		gps      bool
	}{
		{name: "a phone photo in Maracaibo, little-endian", data: full, time: "2024-07-28T18:40:12-04:00", lat: 10.6543, lon: -71.6123, gps: true},
		{name: "the same, big-endian", data: withAPP1(t, buildTIFF(be, camera(be))), time: "2024-07-28T18:40:12-04:00", lat: 10.6543, lon: -71.6123, gps: true},
		{name: "south and east are positive the other way", data: withAPP1(t, buildTIFF(be, southEast)), time: "2024-07-28T18:40:12-04:00", lat: -10.6543, lon: 71.6123, gps: true},
		{name: "time without a position", data: withAPP1(t, buildTIFF(le, noGPS)), time: "2024-07-28T18:40:12-04:00"},
		{name: "only the file's DateTime", data: withAPP1(t, buildTIFF(le, onlyDateTime)), time: "2024-07-28T19:01:00"},
		{name: "a latitude beyond the pole is dropped", data: withAPP1(t, buildTIFF(le, badLat)), time: "2024-07-28T18:40:12-04:00"},
		{name: "a zero denominator is dropped", data: withAPP1(t, buildTIFF(le, zeroDen)), time: "2024-07-28T18:40:12-04:00"},
		{name: "IFDs pointing at each other end", data: withAPP1(t, buildTIFF(be, loop)), time: "2024-07-28T18:40:12"},
		{name: "a camera without a clock states nothing", data: withAPP1(t, buildTIFF(le, zeroClock)), code: actas.ENOTFOUND},
		{name: "a JPEG cut after its first marker", data: withAPP1(t, nil)[:2], code: actas.EINVALID},
		{name: "a plain JPEG", data: plainJPEG(t), code: actas.ENOTFOUND},
		{name: "a PNG", data: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), code: actas.EINVALID},
		{name: "EXIF cut short in its IFD", data: full[:40], code: actas.EINVALID},
		{name: "a TIFF header of neither order", data: withAPP1(t, []byte("XX*\x00\x08\x00\x00\x00")), code: actas.EINVALID},
		{name: "IFD0 beyond the block", data: withAPP1(t, []byte("II*\x00\xff\xff\x00\x00")), code: actas.EINVALID},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x, err := ParseEXIF(c.data)
			if c.code != "" {
				if actas.ErrorCode(err) != c.code {
					t.Fatalf("got %+v, %v; want a %s error", x, err, c.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if x.Time != c.time {
				t.Errorf("time %q, want %q", x.Time, c.time)
			}
			if (x.Lat != nil) != c.gps || (x.Lon != nil) != c.gps {
				t.Fatalf("position %v %v, want one: %v", x.Lat, x.Lon, c.gps)
			}
			if c.gps && (math.Abs(*x.Lat-c.lat) > 1e-4 || math.Abs(*x.Lon-c.lon) > 1e-4) {
				t.Errorf("position %f, %f, want %f, %f", *x.Lat, *x.Lon, c.lat, c.lon)
			}
		})
	}
	t.Run("the text kept with the photo", func(t *testing.T) {
		x, err := ParseEXIF(full)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := x.Text(), "exif time=2024-07-28T18:40:12-04:00 lat=10.654333 lon=-71.612333"; got != want {
			t.Errorf("text %q, want %q", got, want)
		}
	})
}

func plainJPEG(tb testing.TB) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// FuzzEXIF: no input makes ParseEXIF panic, hang or answer without either
// an error or something found.
func FuzzEXIF(f *testing.F) {
	var le, be binary.AppendByteOrder = binary.LittleEndian, binary.BigEndian
	full := withAPP1(f, buildTIFF(le, camera(le)))
	f.Add(full)
	f.Add(withAPP1(f, buildTIFF(be, camera(be))))
	f.Add(full[:len(full)/2])
	f.Add(full[:30])
	f.Add(plainJPEG(f))
	f.Add(withAPP1(f, buildTIFF(be, [][]ifdEntry{{{tag: tagExifIFD, typ: 4, count: 1, ptr: 0}, {tag: tagGPSIFD, typ: 4, count: 1, ptr: 0}}})))
	f.Add(withAPP1(f, []byte("II*\x00\x08\x00\x00\x00\xff\xff")))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x02})
	f.Fuzz(func(t *testing.T, data []byte) {
		x, err := ParseEXIF(data)
		if err == nil && x.Time == "" && (x.Lat == nil || x.Lon == nil) {
			t.Fatalf("no error and nothing found: %+v", x)
		}
		if err != nil && x != nil {
			t.Fatalf("an error with a result: %v", err)
		}
		if code := actas.ErrorCode(err); err != nil && code != actas.EINVALID && code != actas.ENOTFOUND {
			t.Fatalf("error of code %s: %v", code, err)
		}
		if err == nil && x.Lat != nil && (math.Abs(*x.Lat) > 90 || math.Abs(*x.Lon) > 180) {
			t.Fatalf("position out of range: %f %f", *x.Lat, *x.Lon)
		}
	})
}
