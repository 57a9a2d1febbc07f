package web

// Helpers for `actas export --static` (cmd/actas/export_static.go), which
// renders the public portal to files with Handler: the addresses of pages
// are built here, by the functions the templates use, so that the static
// copy's files are exactly where the portal's links point.

// AreaURL is the address of the page of the area at path ("" for the
// national overview); it carries a ?path= query for names a path cannot
// hold (see areaURL).
func AreaURL(election, path string) string { return areaURL(election, path) }

// APIAreaURL is the address of the JSON mirror of an area page.
func APIAreaURL(election, path string) string { return apiAreaURL(election, path) }

// StationURL is the address of a station's page.
func StationURL(election, code string) string { return stationURL(election, code) }

// EntryURL is the address of the page of the log entry at index.
func EntryURL(election string, index int64) string { return entryURL(election, index) }

// LogURL is the address of an election's log page.
func LogURL(election string) string { return logURL(election) }

// APILogURL is the prefix of an election's log endpoints (checkpoint,
// entries, tiles, receipts).
func APILogURL(election string) string { return apiLogURL(election) }
