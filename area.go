package actas

import (
	"strings"
)

// National is how outputs and files name the whole election; internally the
// national area has the empty path.
const National = "national"

// Area is a node of the geography. Its identity is its path: the names of
// it and its ancestors, top first, joined by '/'. A '/' or '\' inside a name
// is escaped with '\' so that every path splits back into the same names
// (real names contain slashes, e.g. Venezuela's "MP. L/DIEGO BAUTISTA").
type Area struct {
	Path  string `json:"area"`
	Name  string `json:"name"`
	Level int    `json:"-"` // index into Election.Levels; -1 for the national area
}

// JoinPath builds an area path from names, top first.
func JoinPath(names ...string) string {
	var b strings.Builder
	size := len(names)
	for _, n := range names {
		size += len(n)
	}
	b.Grow(size)
	for i, n := range names {
		if i > 0 {
			b.WriteByte('/')
		}
		for j := 0; j < len(n); j++ {
			if n[j] == '/' || n[j] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(n[j])
		}
	}
	return b.String()
}

// SplitPath returns the names of an area path, top first. The national path
// ("" or National) has no names. Errors are EINVALID: an empty name or a
// dangling escape.
func SplitPath(path string) ([]string, error) {
	if path == "" || path == National {
		return nil, nil
	}
	var names []string
	var cur strings.Builder
	for i := 0; i < len(path); i++ {
		switch c := path[i]; c {
		case '\\':
			if i+1 == len(path) || (path[i+1] != '/' && path[i+1] != '\\') {
				return nil, Errorf(EINVALID, "area path %q: '\\' must be followed by '/' or '\\'", path)
			}
			i++
			cur.WriteByte(path[i])
		case '/':
			if cur.Len() == 0 {
				return nil, Errorf(EINVALID, "area path %q has an empty name", path)
			}
			names = append(names, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() == 0 {
		return nil, Errorf(EINVALID, "area path %q has an empty name", path)
	}
	return append(names, cur.String()), nil
}

// CheckStationArea checks that a station's area path names one area per
// level and that no top-level area is called National (which would be
// unreachable: "national" names the whole election). Errors are EINVALID.
func CheckStationArea(path string, levels int) error {
	names, err := SplitPath(path)
	if err != nil {
		return err
	}
	if len(names) != levels {
		return Errorf(EINVALID, "area path %q has %d names; the election has %d levels", path, len(names), levels)
	}
	if names[0] == National {
		return Errorf(EINVALID, "area path %q: a top-level area may not be called %q, which names the whole election", path, National)
	}
	return nil
}

// CanonicalPath returns the internal form of a user-given area path: "" for
// the national area, otherwise the path itself after checking it splits.
func CanonicalPath(path string) (string, error) {
	path = strings.TrimSpace(path)
	if path == "" || path == National {
		return "", nil
	}
	names, err := SplitPath(path)
	if err != nil {
		return "", err
	}
	return JoinPath(names...), nil
}

// DisplayPath returns National for the national area and the path otherwise.
func DisplayPath(path string) string {
	if path == "" {
		return National
	}
	return path
}

// ParentPath returns the path of the parent area ("" for a top-level area).
func ParentPath(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] != '/' {
			continue
		}
		// A '/' preceded by an odd number of '\' is escaped, not a separator.
		n := 0
		for j := i - 1; j >= 0 && path[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return path[:i]
		}
	}
	return ""
}
