// Package sheetio reads and writes the files users bring (DESIGN.md, "Files
// users bring") and converts published layouts of real elections into them.
//
// Readers stream: they hold one record at a time. Malformed input is an
// *actas.Error with code EINVALID wrapping a *ParseError that names the
// file, line, column and field.
package sheetio

import (
	"fmt"

	"github.com/actasproject/actas"
)

// ParseError locates malformed input.
type ParseError struct {
	File   string // file name as given by the caller
	Line   int    // 1-based line (the header is line 1); 0 when not about a line
	Column int    // 1-based: a CSV field's position in its row (as spreadsheets count), a character in a JSON line; 0 when not about one
	Field  string // column or JSON field name, when known
	Reason string
}

func (e *ParseError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += fmt.Sprintf(":%d", e.Line)
		if e.Column > 0 {
			loc += fmt.Sprintf(":%d", e.Column)
		}
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Field, e.Reason)
	}
	return fmt.Sprintf("%s: %s", loc, e.Reason)
}

// parseError returns an EINVALID *actas.Error wrapping a *ParseError.
func parseError(file string, line, column int, field, format string, args ...any) error {
	pe := &ParseError{File: file, Line: line, Column: column, Field: field, Reason: fmt.Sprintf(format, args...)}
	return &actas.Error{Code: actas.EINVALID, Message: pe.Error(), Err: pe}
}
