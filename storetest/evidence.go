package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

// evidenceSamples are small files of every type an evidence file may have.
func evidenceSamples(tb testing.TB) []struct {
	name, mediaType string
	data            []byte
} {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i)
	}
	var jpg, gf bytes.Buffer
	if err := jpeg.Encode(&jpg, img, nil); err != nil {
		tb.Fatal(err)
	}
	pal := image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Black, color.White})
	pal.Pix[1] = 1
	if err := gif.Encode(&gf, pal, nil); err != nil {
		tb.Fatal(err)
	}
	// A 1×1 lossless WebP (the one browsers' feature tests decode): the
	// standard library writes no WebP.
	webp, err := base64.StdEncoding.DecodeString("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	if err != nil {
		tb.Fatal(err)
	}
	pdf := []byte("%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n" +
		"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
	return []struct {
		name, mediaType string
		data            []byte
	}{
		{"a PNG photo", "image/png", Photo(1)},
		{"a JPEG photo", "image/jpeg", jpg.Bytes()},
		{"a GIF image", "image/gif", gf.Bytes()},
		{"a WebP photo", "image/webp", webp},
		{"a PDF scan", "application/pdf", pdf},
	}
}

// nameOf is the name a store must give data.
func nameOf(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// mustEvidence reads a file back and fails tb unless it is data, of
// mediaType.
func mustEvidence(tb testing.TB, s actas.Store, election, name, mediaType string, data []byte) {
	tb.Helper()
	gotType, got, err := s.Evidence(tb.Context(), election, name)
	if err != nil {
		tb.Fatalf("Evidence(%s, %s): %v", election, name, err)
	}
	if gotType != mediaType {
		tb.Fatalf("Evidence(%s, %s): media type %q, want %q", election, name, gotType, mediaType)
	}
	if !bytes.Equal(got, data) {
		tb.Fatalf("Evidence(%s, %s): %d bytes that differ from the %d stored", election, name, len(got), len(data))
	}
}

func testEvidence(t *testing.T, b Backend) {
	const e = "ve-2024"

	for _, tc := range evidenceSamples(t) {
		t.Run(tc.name+" reads back as stored, named by its SHA-256", func(t *testing.T) {
			s := MustOpenWithElection(t, b, e)
			name, err := s.PutEvidence(t.Context(), e, tc.data)
			if err != nil {
				t.Fatalf("PutEvidence: %v", err)
			}
			if want := nameOf(tc.data); name != want {
				t.Fatalf("PutEvidence named the file %q, want its SHA-256 in lowercase hex %q", name, want)
			}
			mustEvidence(t, s, e, name, tc.mediaType, tc.data)
		})
	}

	t.Run("the same bytes again are the same file, stored once", func(t *testing.T) {
		s, addr := MustOpen(t, b)
		MustCreateElection(t, s, Election(e), Stations())
		first := MustPutPhoto(t, s, e, 7)
		if again := MustPutPhoto(t, s, e, 7); again != first {
			t.Fatalf("the same bytes stored again are named %s, first %s", again, first)
		}
		// Another handle, as another process would.
		other := MustOpenAt(t, b, addr)
		if again := MustPutPhoto(t, other, e, 7); again != first {
			t.Fatalf("the same bytes stored through another handle are named %s, first %s", again, first)
		}
		mustEvidence(t, s, e, first, "image/png", Photo(7))
		if MustPutPhoto(t, s, e, 8) == first {
			t.Fatal("another photo has the same name")
		}
	})

	t.Run("each election keeps its own files", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustCreateElection(t, s, Election("other"), Stations())
		name := MustPutPhoto(t, s, e, 1)
		_, _, err := s.Evidence(t.Context(), "other", name)
		wantCode(t, "Evidence of a file stored in another election", err, actas.ENOTFOUND)
		sub := Sub(actas.Witness, Sheet("001", "president", 0))
		sub.Evidence = []actas.Evidence{{Kind: "photo", SHA256: name}}
		_, err = s.Submit(t.Context(), "other", []*actas.Submission{sub}, nil)
		wantCode(t, "Submit naming a photo of another election", err, actas.EINVALID)
		if again := MustPutPhoto(t, s, "other", 1); again != name {
			t.Fatalf("the same bytes in another election are named %s, want %s", again, name)
		}
		mustEvidence(t, s, "other", name, "image/png", Photo(1))
		mustEvidence(t, s, e, name, "image/png", Photo(1))
	})

	t.Run("a file of the largest size is stored", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		data := bytes.Repeat([]byte{0x5a}, actas.MaxEvidenceSize)
		copy(data, Photo(3)) // a PNG with trailing bytes is still detected as one
		name, err := s.PutEvidence(t.Context(), e, data)
		if err != nil {
			t.Fatalf("PutEvidence(%d bytes): %v", len(data), err)
		}
		mustEvidence(t, s, e, name, "image/png", data)
	})

	tooLarge := bytes.Repeat([]byte{0x5a}, actas.MaxEvidenceSize+1)
	copy(tooLarge, Photo(3))
	for _, tc := range []struct {
		name, mention string
		data          []byte
	}{
		{"an empty file", "empty", []byte{}},
		{"no bytes at all", "empty", nil},
		{"a file one byte over the limit", fmt.Sprint(actas.MaxEvidenceSize), tooLarge},
		{"plain text", "not one of", []byte("station 0101: a 200, b 100\n")},
		{"a web page", "not one of", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")},
		{"an SVG image, which can hold script", "not one of", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
		{"a ZIP archive", "not one of", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00")},
		{"a PNG's name on text", "not one of", []byte("this is photo.png, honestly")},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			s := MustOpenWithElection(t, b, e)
			_, err := s.PutEvidence(t.Context(), e, tc.data)
			wantCode(t, "PutEvidence", err, actas.EINVALID)
			wantMention(t, "PutEvidence", err, tc.mention)
			_, _, err = s.Evidence(t.Context(), e, nameOf(tc.data))
			wantCode(t, "Evidence of a refused file", err, actas.ENOTFOUND)
		})
	}

	for _, tc := range []struct{ name, file string }{
		{"an empty name", ""},
		{"uppercase hex", strings.ToUpper(nameOf(Photo(1)))},
		{"a name one digit short", nameOf(Photo(1))[:63]},
		{"a name one digit long", nameOf(Photo(1)) + "0"},
		{"a prefixed name", "sha256:" + nameOf(Photo(1))},
		{"a letter beyond f", "g" + nameOf(Photo(1))[1:]},
		{"a path", "../" + nameOf(Photo(1))[3:]},
	} {
		t.Run("a file named by "+tc.name+" is invalid", func(t *testing.T) {
			s := MustOpenWithElection(t, b, e)
			MustPutPhoto(t, s, e, 1)
			_, _, err := s.Evidence(t.Context(), e, tc.file)
			wantCode(t, "Evidence", err, actas.EINVALID)
		})
	}

	t.Run("an unknown election or file is not found", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		name := MustPutPhoto(t, s, e, 1)
		_, err := s.PutEvidence(t.Context(), "nowhere", Photo(1))
		wantCode(t, "PutEvidence to an unknown election", err, actas.ENOTFOUND)
		_, _, err = s.Evidence(t.Context(), "nowhere", name)
		wantCode(t, "Evidence of an unknown election", err, actas.ENOTFOUND)
		_, _, err = s.Evidence(t.Context(), e, nameOf(Photo(2)))
		wantCode(t, "Evidence of a file never stored", err, actas.ENOTFOUND)
	})

	t.Run("files are kept across reopening", func(t *testing.T) {
		s, addr := MustOpen(t, b)
		MustCreateElection(t, s, Election(e), Stations())
		name := MustPutPhoto(t, s, e, 5)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		mustEvidence(t, MustOpenAt(t, b, addr), e, name, "image/png", Photo(5))
	})

	withPhotos := func(sub *actas.Submission, names ...string) *actas.Submission {
		for _, n := range names {
			sub.Evidence = append(sub.Evidence, actas.Evidence{Kind: "photo", SHA256: n})
		}
		return sub
	}
	w := func(station string, seed int64) *actas.Submission {
		return Sub(actas.Witness, Sheet(station, "president", seed))
	}

	t.Run("a submission naming a photo not stored is refused and stores nothing", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		stored := MustPutPhoto(t, s, e, 1)
		missing := nameOf(Photo(2))
		batch := []*actas.Submission{
			withPhotos(w("001", 0), stored),
			w("002", 0),
			withPhotos(w("003", 0), stored, missing),
			withPhotos(w("004", 0), missing),
		}
		_, err := s.Submit(t.Context(), e, batch, nil)
		wantCode(t, "Submit", err, actas.EINVALID)
		wantMention(t, "Submit", err, "003")
		wantMention(t, "Submit", err, missing)
		var mp *actas.MissingPhotoError
		if !errors.As(err, &mp) || mp.Station != "003" || mp.SHA256 != missing || mp.Election != e {
			t.Fatalf("Submit error %v has cause %+v, want a *actas.MissingPhotoError of station 003 and photo %s", err, mp, missing)
		}
		if got := MustSubmissions(t, s, e); len(got) != 0 {
			t.Fatalf("%d submissions stored after a refused batch, want none", len(got))
		}
		if n, err := s.LogSize(t.Context(), e); err != nil || n != 1 {
			t.Fatalf("LogSize after a refused batch = %d, %v; want 1 (the election alone)", n, err)
		}
		// Once the photo is stored the same batch is accepted and reads back.
		if got := MustPutPhoto(t, s, e, 2); got != missing {
			t.Fatalf("photo 2 is named %s, want %s", got, missing)
		}
		wantOutcomes(t, "the batch with its photos stored", MustSubmit(t, s, e, batch...), actas.New, actas.New, actas.New, actas.New)
		wantSubmissions(t, e, MustSubmissions(t, s, e), batch)
		wantSeqs(t, MustSubmissions(t, s, e), 1)
	})

	t.Run("a photo whose name is not a SHA-256 is refused naming the station", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		for _, bad := range []string{"", "photo.jpg", strings.ToUpper(MustPutPhoto(t, s, e, 1))} {
			_, err := s.Submit(t.Context(), e, []*actas.Submission{w("001", 0), withPhotos(w("005", 0), bad)}, nil)
			wantCode(t, fmt.Sprintf("Submit with photo %q", bad), err, actas.EINVALID)
			wantMention(t, fmt.Sprintf("Submit with photo %q", bad), err, "005")
		}
		if got := MustSubmissions(t, s, e); len(got) != 0 {
			t.Fatalf("%d submissions stored after refused batches, want none", len(got))
		}
	})

	t.Run("a sheet already present is refused too when its photo is not stored", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		MustSubmit(t, s, e, w("001", 0))
		_, err := s.Submit(t.Context(), e, []*actas.Submission{withPhotos(w("001", 0), nameOf(Photo(9)))}, nil)
		wantCode(t, "Submit", err, actas.EINVALID)
		wantOutcomes(t, "with the photo stored", MustSubmit(t, s, e, withPhotos(w("001", 0), MustPutPhoto(t, s, e, 9))), actas.Present)
	})

	t.Run("other kinds of evidence need no stored file", func(t *testing.T) {
		s := MustOpenWithElection(t, b, e)
		sub := w("001", 0)
		sub.Evidence = []actas.Evidence{{Kind: "link", URL: "https://example.org/0101.jpg"}, {Kind: "qr", Text: "0101|1|2"}}
		wantOutcomes(t, "Submit", MustSubmit(t, s, e, sub), actas.New)
	})

	t.Run("a large batch checks every photo", func(t *testing.T) {
		// More photos than a backend may look up in one query: stored
		// once each, named by several submissions.
		s := MustOpenWithElection(t, b, e)
		const photos = 300
		names := make([]string, photos)
		for i := range names {
			names[i] = MustPutPhoto(t, s, e, 100+i)
		}
		var batch []*actas.Submission
		for i, st := range Stations() {
			for _, contest := range []string{"president", "referendum"} {
				sub := Sub(actas.Witness, Sheet(st.Code, contest, 0))
				for k := 0; k < 8; k++ {
					withPhotos(sub, names[(i*16+k*37+len(batch))%photos])
				}
				batch = append(batch, sub)
			}
		}
		for _, n := range names[:photos/2] {
			withPhotos(batch[0], n)
		}
		for _, n := range names[photos/2:] {
			withPhotos(batch[len(batch)-1], n)
		}
		// One photo missing, named last by a submission in the middle.
		missing := nameOf(Photo(99))
		mid := batch[len(batch)/2]
		withPhotos(mid, missing)
		_, err := s.Submit(t.Context(), e, batch, nil)
		var mp *actas.MissingPhotoError
		if !errors.As(err, &mp) || mp.Station != mid.Sheet.Station || mp.SHA256 != missing {
			t.Fatalf("Submit error %v (cause %+v), want a missing photo %s of station %s", err, mp, missing, mid.Sheet.Station)
		}
		MustPutPhoto(t, s, e, 99)
		out := MustSubmit(t, s, e, batch...)
		wantCounts(t, "the batch with every photo stored", out, len(batch), 0, 0)
		wantSubmissions(t, e, MustSubmissions(t, s, e), batch)
	})
}
