package audit

import "github.com/actasproject/actas"

// Seed lengths: at least MinSeedDigits decimal digits (twenty rolls of a
// ten-sided die give about 66 bits, as Arlo and the consistent sampler's
// author recommend); at most MaxSeedDigits, to keep logs and pages sane.
const (
	MinSeedDigits = 20
	MaxSeedDigits = 200
)

// ParseSeed checks a public random seed: MinSeedDigits to MaxSeedDigits
// decimal digits and nothing else (no spaces, signs or separators: the seed
// is hashed as typed, so two spellings of one number would draw two
// different samples). It returns the seed unchanged. Errors: EINVALID.
func ParseSeed(s string) (string, error) {
	if len(s) < MinSeedDigits {
		return "", actas.Errorf(actas.EINVALID, "seed has %d characters: it must be at least %d decimal digits, e.g. from dice rolled in public", len(s), MinSeedDigits)
	}
	if len(s) > MaxSeedDigits {
		return "", actas.Errorf(actas.EINVALID, "seed has %d characters: at most %d decimal digits", len(s), MaxSeedDigits)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", actas.Errorf(actas.EINVALID, "seed: character %d (%q) is not a decimal digit; the seed is digits only", i+1, s[i:i+1])
		}
	}
	return s, nil
}
