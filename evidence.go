package actas

import (
	"bytes"
	"strings"
)

// MaxEvidenceSize bounds an evidence file: a phone's photo of a tally sheet
// is a few MiB, a scanned PDF of one a little more.
const MaxEvidenceSize = 16 << 20

// EvidenceTypes are the media types an evidence file may have: images
// browsers show, and PDF (authorities publish scans). Anything else,
// notably HTML and SVG, which could run script on the portal's origin, is
// refused.
var EvidenceTypes = []string{"image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"}

// evidenceSignatures are the opening bytes of each type, as the WHATWG MIME
// Sniffing Standard (section 6.1, "matching an image type pattern") and
// the PDF specification (ISO 32000, "%PDF-") give them.
var evidenceSignatures = []struct {
	prefix, mask []byte // the file's first bytes, where mask is 0xFF
	media        string
}{
	{[]byte("\xFF\xD8\xFF"), nil, "image/jpeg"},
	{[]byte("\x89PNG\r\n\x1A\n"), nil, "image/png"},
	{[]byte("GIF87a"), nil, "image/gif"},
	{[]byte("GIF89a"), nil, "image/gif"},
	{[]byte("RIFF\x00\x00\x00\x00WEBPVP"), []byte("\xFF\xFF\xFF\xFF\x00\x00\x00\x00\xFF\xFF\xFF\xFF\xFF\xFF"), "image/webp"},
	{[]byte("%PDF-"), nil, "application/pdf"},
}

// EvidenceType returns the media type of an evidence file, recognised from
// its first bytes: a client's claim about its type is never trusted.
// Errors are EINVALID: an empty file, one larger than MaxEvidenceSize, or
// one of no type of EvidenceTypes.
func EvidenceType(data []byte) (string, error) {
	if len(data) == 0 {
		return "", Errorf(EINVALID, "the evidence file is empty")
	}
	if len(data) > MaxEvidenceSize {
		return "", Errorf(EINVALID, "the evidence file has %d bytes, more than the limit of %d (%d MiB)", len(data), MaxEvidenceSize, MaxEvidenceSize>>20)
	}
	for _, sig := range evidenceSignatures {
		if len(data) < len(sig.prefix) {
			continue
		}
		if sig.mask == nil {
			if bytes.HasPrefix(data, sig.prefix) {
				return sig.media, nil
			}
			continue
		}
		match := true
		for i, m := range sig.mask {
			if data[i]&m != sig.prefix[i]&m {
				match = false
				break
			}
		}
		if match {
			return sig.media, nil
		}
	}
	return "", Errorf(EINVALID, "the evidence file is not one of %s (judged by its first bytes)", strings.Join(EvidenceTypes, ", "))
}

// ValidSHA256 reports whether s can name an evidence file: 64 lowercase
// hexadecimal digits.
func ValidSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
