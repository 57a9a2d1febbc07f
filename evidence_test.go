package actas_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/actasproject/actas"
)

func TestEvidenceType(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string // "" for refused
	}{
		{"jpeg", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), "image/jpeg"},
		{"png", []byte("\x89PNG\r\n\x1A\n\x00\x00\x00\rIHDR"), "image/png"},
		{"gif 87a", []byte("GIF87a\x01\x00"), "image/gif"},
		{"gif 89a", []byte("GIF89a\x01\x00"), "image/gif"},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), "image/webp"},
		{"pdf", []byte("%PDF-1.7\n"), "application/pdf"},
		{"empty", nil, ""},
		{"html", []byte("<!DOCTYPE html><script>alert(1)</script>"), ""},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>`), ""},
		{"riff that is not webp", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), ""},
		{"truncated png signature", []byte("\x89PNG\r\n"), ""},
		{"text", []byte("station,registered\n"), ""},
		{"too large", append([]byte("%PDF-"), make([]byte, actas.MaxEvidenceSize)...), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := actas.EvidenceType(tt.data)
			if tt.want == "" {
				if err == nil || actas.ErrorCode(err) != actas.EINVALID {
					t.Fatalf("EvidenceType = %q, %v; want EINVALID", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("EvidenceType = %q, %v; want %q", got, err, tt.want)
			}
			// The standard library's sniffer, which follows the same
			// standard, agrees on every type accepted.
			if std := http.DetectContentType(tt.data); std != tt.want {
				t.Errorf("http.DetectContentType says %q", std)
			}
		})
	}
}

func TestValidSHA256(t *testing.T) {
	good := strings.Repeat("ab", 32)
	for s, want := range map[string]bool{
		good:                                  true,
		strings.ToUpper(good):                 false,
		good[:63]:                             false,
		good + "a":                            false,
		strings.Repeat("g", 64):               false,
		"":                                    false,
		string(bytes.Repeat([]byte{'0'}, 64)): true,
	} {
		if got := actas.ValidSHA256(s); got != want {
			t.Errorf("ValidSHA256(%q) = %v, want %v", s, got, want)
		}
	}
}
