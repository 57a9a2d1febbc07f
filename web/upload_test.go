package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/storetest"
)

// MustJPEG is a small real JPEG (a gradient, so each seed gives other
// bytes) with, when exif, an EXIF block stating the time 2024-07-28
// 18:40:12 and the position 10°39'N 71°36'W, as a phone's camera writes it.
func MustJPEG(tb testing.TB, seed int, exif bool) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for y := range 24 {
		for x := range 32 {
			img.Set(x, y, color.RGBA{uint8(x * 8), uint8(y * 10), uint8(seed * 37), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		tb.Fatal(err)
	}
	if !exif {
		return b.Bytes()
	}
	le := binary.LittleEndian
	// TIFF header, IFD0 at 8 (2 pointers), the Exif IFD at 38 (1 entry),
	// the GPS IFD at 56 (4 entries), then the long values at 110.
	t := []byte("II*\x00\x08\x00\x00\x00")
	entry := func(tag, typ uint16, count, value uint32) {
		t = le.AppendUint16(t, tag)
		t = le.AppendUint16(t, typ)
		t = le.AppendUint32(t, count)
		t = le.AppendUint32(t, value)
	}
	t = le.AppendUint16(t, 2)
	entry(0x8769, 4, 1, 38)
	entry(0x8825, 4, 1, 56)
	t = le.AppendUint32(t, 0)
	t = le.AppendUint16(t, 1)
	entry(0x9003, 2, 20, 110)
	t = le.AppendUint32(t, 0)
	t = le.AppendUint16(t, 4)
	entry(0x0001, 2, 2, uint32('N'))
	entry(0x0002, 5, 3, 130)
	entry(0x0003, 2, 2, uint32('W'))
	entry(0x0004, 5, 3, 154)
	t = le.AppendUint32(t, 0)
	t = append(t, "2024:07:28 18:40:12\x00"...)
	for _, v := range []uint32{10, 1, 39, 1, 0, 1, 71, 1, 36, 1, 0, 1} {
		t = le.AppendUint32(t, v)
	}
	body := append([]byte("Exif\x00\x00"), t...)
	out := []byte{0xFF, 0xD8, 0xFF, 0xE1, byte((len(body) + 2) >> 8), byte(len(body) + 2)}
	out = append(out, body...)
	return append(out, b.Bytes()[2:]...)
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

var evidenceUploadURL = "/api/v1/elections/" + hmID + "/evidence"

// upload posts a photo with the named account's token ("" for none).
func (af *authFixture) upload(tb testing.TB, who, contentType string, data []byte) response {
	tb.Helper()
	h := []string{"Content-Type", contentType}
	if who != "" {
		h = append(h, "Authorization", "Bearer "+af.tokens[who])
	}
	return af.send(tb, http.MethodPost, evidenceUploadURL, string(data), h...)
}

func mustUploaded(tb testing.TB, r response) *uploadResponse {
	tb.Helper()
	var u uploadResponse
	if err := json.Unmarshal([]byte(r.Body), &u); err != nil {
		tb.Fatalf("answer %q: %v", r.Body, err)
	}
	return &u
}

func TestPhotoUpload(t *testing.T) {
	af := MustAuth(t, 5*time.Second)
	const w = "witness of 0401"
	photo := MustJPEG(t, 1, true)
	other := storetest.MustCreateAccount(t, af.Store, &actas.Account{Election: "other-2024", Name: "witness of 0401 in another election",
		Contact: "other.witness@example.org", Role: actas.RoleWitness, Scope: []string{"0401"}})
	tok, err := af.Store.IssueToken(t.Context(), other.ID, "phone")
	if err != nil {
		t.Fatal(err)
	}
	af.accounts[other.Name], af.tokens[other.Name] = other, tok

	t.Run("a witness's photo is stored by content, with what its EXIF says", func(t *testing.T) {
		r := af.upload(t, w, "image/jpeg", photo)
		if r.Status != http.StatusCreated {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		u := mustUploaded(t, r)
		mt, data, err := af.Store.Evidence(t.Context(), hmID, u.SHA256)
		if err != nil || mt != "image/jpeg" || !bytes.Equal(data, photo) || u.Size != len(photo) || u.Type != "image/jpeg" {
			t.Fatalf("answer %+v; stored %s, %d bytes, %v", u, mt, len(data), err)
		}
		if u.EXIF == nil || u.EXIF.Time != "2024-07-28T18:40:12" || u.EXIF.Lat == nil || *u.EXIF.Lat != 10.65 || *u.EXIF.Lon != -71.6 {
			t.Fatalf("exif %+v", u.EXIF)
		}
		if loc := r.Header.Get("Location"); loc != evidenceURL(hmID, u.SHA256) {
			t.Errorf("Location %q", loc)
		}
	})

	t.Run("the same photo again is the same file, stored once", func(t *testing.T) {
		first := mustUploaded(t, af.upload(t, w, "image/jpeg", photo))
		r := af.upload(t, "coordinator of Mérida", "image/jpeg", photo)
		if r.Status != http.StatusOK {
			t.Fatalf("repeat: status %d: %s", r.Status, r.Body)
		}
		if again := mustUploaded(t, r); again.SHA256 != first.SHA256 {
			t.Fatalf("repeat named %s, first %s", again.SHA256, first.SHA256)
		}
	})

	t.Run("a photo without EXIF has none in the answer", func(t *testing.T) {
		r := af.upload(t, "admin", "image/jpeg", MustJPEG(t, 2, false))
		if u := mustUploaded(t, r); r.Status != http.StatusCreated || u.EXIF != nil || !strings.Contains(r.Body, `"sha256"`) || strings.Contains(r.Body, "exif") {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
	})

	refusals := []struct {
		name, who, contentType string
		data                   []byte
		status                 int
	}{
		{"anyone signed out", "", "image/jpeg", photo, http.StatusUnauthorized},
		{"a witness of another election", other.Name, "image/jpeg", photo, http.StatusForbidden},
		{"the admin of another election", "admin of another election", "image/jpeg", photo, http.StatusForbidden},
		{"a keyer, who submits no sheets", "keyer", "image/jpeg", photo, http.StatusForbidden},
		{"a disabled witness", "disabled witness of 0401", "image/jpeg", photo, http.StatusUnauthorized},
		{"a photo larger than 12 MiB", w, "image/jpeg", append(bytes.Clone(photo), make([]byte, maxUploadBody)...), http.StatusRequestEntityTooLarge},
		{"an HTML page", w, "text/html", []byte("<script>alert(1)</script>"), http.StatusUnsupportedMediaType},
		{"an HTML page sent as a JPEG", w, "image/jpeg", []byte("<script>alert(1)</script>"), http.StatusUnsupportedMediaType},
		{"a PNG sent as a JPEG", w, "image/jpeg", storetest.Photo(3), http.StatusUnsupportedMediaType},
		{"no content type", w, "", photo, http.StatusUnsupportedMediaType},
		{"an empty body", w, "image/jpeg", nil, http.StatusBadRequest},
	}
	for _, c := range refusals {
		t.Run("refused: "+c.name, func(t *testing.T) {
			var data []byte
			if c.data != nil {
				data = append(bytes.Clone(c.data), c.name...) // bytes no earlier case stored
			}
			r := af.upload(t, c.who, c.contentType, data)
			if r.Status != c.status {
				t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Body)
			}
			var e errorBody
			if err := json.Unmarshal([]byte(r.Body), &e); err != nil || e.Error.Message == "" {
				t.Fatalf("not a JSON error: %s", r.Body)
			}
			if len(data) > 0 {
				if _, _, err := af.Store.Evidence(t.Context(), hmID, sha256Hex(data)); actas.ErrorCode(err) != actas.ENOTFOUND {
					t.Fatalf("a refused upload was stored: %v", err)
				}
			}
		})
	}

	t.Run("a submission keeps each photo's EXIF with it", func(t *testing.T) {
		u := mustUploaded(t, af.upload(t, w, "image/jpeg", photo))
		plain := mustUploaded(t, af.upload(t, w, "image/jpeg", MustJPEG(t, 3, false)))
		body := af.sheet("0401", func(m map[string]any) { m["photos"] = []string{u.SHA256, plain.SHA256} })
		r := af.submit(t, w, body)
		if r.Status != http.StatusCreated {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
		subs, err := af.Store.StationSubmissions(t.Context(), hmID, "0401")
		if err != nil {
			t.Fatal(err)
		}
		got := subs[len(subs)-1].Evidence
		want := []actas.Evidence{{Kind: "photo", SHA256: u.SHA256, Text: "exif time=2024-07-28T18:40:12 lat=10.650000 lon=-71.600000"},
			{Kind: "photo", SHA256: plain.SHA256}}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("evidence %+v, want %+v", got, want)
		}
		// The retry of the same request (as a phone sends it) is the same.
		if r := af.submit(t, w, body); r.Status != http.StatusOK {
			t.Fatalf("retry: status %d: %s", r.Status, r.Body)
		}
	})
}
