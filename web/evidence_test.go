package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/actasproject/actas"
	"github.com/actasproject/actas/storetest"
)

func TestEvidence(t *testing.T) {
	f := MustHandmade(t)
	photo := hmPhotoName()
	target := evidenceURL(hmID, photo)
	pdfData := []byte("%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
	pdf, err := f.Store.PutEvidence(context.Background(), hmID, pdfData)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a stored photo is served as stored, immutable and sandboxed", func(t *testing.T) {
		r := f.get(t, target).mustOK(t, target)
		if r.Body != string(hmPhoto()) {
			t.Fatalf("GET %s: %d bytes that differ from the %d stored", target, len(r.Body), len(hmPhoto()))
		}
		for name, want := range map[string]string{
			"Content-Type":            "image/png",
			"Content-Length":          strconv.Itoa(len(hmPhoto())),
			"Cache-Control":           "public, max-age=31536000, immutable",
			"X-Content-Type-Options":  "nosniff",
			"Content-Security-Policy": "sandbox",
			"ETag":                    `"` + photo + `"`,
			"Content-Disposition":     `inline; filename="` + photo + `.png"`,
		} {
			if got := r.Header.Get(name); got != want {
				t.Errorf("%s: %q, want %q", name, got, want)
			}
		}
	})

	t.Run("a PDF is served as a PDF", func(t *testing.T) {
		u := evidenceURL(hmID, pdf)
		r := f.get(t, u).mustOK(t, u)
		if r.Header.Get("Content-Type") != "application/pdf" || r.Body != string(pdfData) || !strings.HasSuffix(r.Header.Get("Content-Disposition"), `.pdf"`) {
			t.Errorf("GET %s: %s, %s, %d bytes; want the stored PDF", u, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"), len(r.Body))
		}
	})

	t.Run("a browser holding the file is told it has not changed", func(t *testing.T) {
		r := f.get(t, target, "If-None-Match", `"`+photo+`"`)
		if r.Status != http.StatusNotModified || r.Body != "" {
			t.Errorf("GET with If-None-Match: status %d, %d bytes; want 304 and none", r.Status, len(r.Body))
		}
	})

	t.Run("HEAD and ranges work", func(t *testing.T) {
		r := f.do(t, http.MethodHead, target)
		if r.Status != http.StatusOK || r.Body != "" || r.Header.Get("Content-Length") != strconv.Itoa(len(hmPhoto())) {
			t.Errorf("HEAD: status %d, %d bytes, length %q", r.Status, len(r.Body), r.Header.Get("Content-Length"))
		}
		r = f.get(t, target, "Range", "bytes=0-7")
		if r.Status != http.StatusPartialContent || r.Body != "\x89PNG\r\n\x1a\n" {
			t.Errorf("Range: status %d, body %q; want 206 and the PNG signature", r.Status, r.Body)
		}
	})

	other := storetest.Photo(202)
	if err := f.Store.CreateElection(context.Background(), &actas.Election{ID: "other-2025", Name: "Other", Levels: []string{"state"},
		Contests: []actas.Contest{{ID: "c", Name: "C", Choices: []actas.Choice{{ID: "x", Name: "X"}}}}},
		[]actas.Station{{Code: "1", Area: "A"}}); err != nil {
		t.Fatal(err)
	}
	otherName, err := f.Store.PutEvidence(context.Background(), "other-2025", other)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, target string }{
		{"a file never stored", evidenceURL(hmID, strings.Repeat("0", 64))},
		{"a file of another election", evidenceURL(hmID, otherName)},
		{"an unknown election", evidenceURL("nowhere", photo)},
		{"an uppercase name", evidenceURL(hmID, strings.ToUpper(photo))},
		{"a short name", evidenceURL(hmID, photo[:20])},
		{"a name with a suffix", target + ".png"},
		{"a path below a file", target + "/x"},
		{"no name", "/evidence/" + hmID + "/"},
	} {
		t.Run(tc.name+" is not found", func(t *testing.T) {
			r := f.get(t, tc.target)
			if r.Status != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", tc.target, r.Status)
			}
			if cc := r.Header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
				t.Errorf("GET %s: a missing file is cached as immutable (%q)", tc.target, cc)
			}
		})
	}
	if u := evidenceURL("other-2025", otherName); f.get(t, u).Status != http.StatusOK {
		t.Errorf("GET %s: the other election's file is not served there", u)
	}

	t.Run("only GET and HEAD", func(t *testing.T) {
		if r := f.do(t, http.MethodPost, target); r.Status != http.StatusMethodNotAllowed {
			t.Errorf("POST: status %d, want 405", r.Status)
		}
	})

	t.Run("the API gives each photo the URL it is served at", func(t *testing.T) {
		var body apiStationBody
		f.mustJSON(t, "/api/v1/elections/"+hmID+"/stations/"+hmConflict, &body)
		ev := body.Contests[0].Submissions[0].Evidence
		want := []actas.Evidence{
			{Kind: "photo", SHA256: photo, URL: target},
			{Kind: "link", URL: "https://example.org/actas/0101.jpg"},
			{Kind: "link", URL: "javascript:alert(1)"},
			{Kind: "qr", Text: "0101|700|300|20"},
		}
		if len(ev) != len(want) {
			t.Fatalf("evidence %+v, want %+v", ev, want)
		}
		for i := range want {
			if ev[i] != want[i] {
				t.Errorf("evidence %d: %+v, want %+v", i+1, ev[i], want[i])
			}
		}
	})
}
