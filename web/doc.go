// Package web serves the public results portal and its JSON API.
//
// Everything it serves is read-only and comes from two root interfaces:
// actas.Store (elections, stations, submissions, official totals) and
// actas.ResultService (tabulated results, kept in memory by the caller).
// Pages are server-rendered html/template, work without JavaScript, and load
// nothing from another origin.
//
// # URLs
//
// The scheme is stable: links to it are shared and printed.
//
//	/                                   elections (redirects to the only one)
//	/search?q=&election=                search form of pages outside an election
//	/e/{election}                       national overview
//	/e/{election}/a/{name}/{name}/…     area page; one path segment per area name, top first
//	/e/{election}/a?path={area path}    the same page, for names a URL segment cannot carry
//	/e/{election}/s/{station}           station page
//	/e/{election}/search?q=             search by station code or area name
//	/e/{election}/consistency           "Is the official result consistent?": the verdict of every
//	                                    analysis (package consistency) with its chart, method and data;
//	                                    ?download=TABLE gives one of its tables as CSV
//	/e/{election}/log                   the transparency log: latest checkpoint, verifier key, how to verify
//	/e/{election}/log/{index}           one log entry with its inclusion proof
//	/evidence/{election}/{sha256}       a stored evidence file (a photo of a sheet) named by its SHA-256,
//	                                    served as stored, sandboxed, cached as immutable
//	/static/…                           CSS and icon
//
// Each area name is its own path-escaped segment, so a name containing '/'
// (Venezuela's "MP. L/DIEGO BAUTISTA") is one segment ("MP.%20L%2FDIEGO%20BAUTISTA").
// The names "." and "..", which browsers would resolve as dot segments, are
// linked with the ?path= form; its value is an area path as the command line
// takes it (names joined by '/', with '/' and '\' inside a name escaped by '\').
//
// Query parameters, all optional and validated:
//
//	contest=ID       the contest (default: the election's first)
//	source=SOURCE    witness, qr, machine, audit, official or reconciled (default)
//	page=N           page of a long station list
//	q=TEXT           search text (at most 100 bytes)
//	download=TABLE   the named table of the page as CSV (each table links to it)
//	lang=en|es       language of the page; remembered in a cookie
//
// The JSON API mirrors the pages under /api/v1/:
//
//	/api/v1/elections                                  every election
//	/api/v1/elections/{election}                       one election with its contests, levels and sources
//	/api/v1/elections/{election}/results               an actas.ResultsDocument: ?area=PATH gives the area
//	                                                   and its children, ?level=LEVEL every area of a level
//	                                                   (within ?area=; ?limit=N&page=P pages through it);
//	                                                   ?contest=, ?source=; ?format=csv for its CSV form
//	/api/v1/elections/{election}/areas/{name}/…        what the area page shows
//	/api/v1/elections/{election}/stations/{station}    a station with every submission; each photo of its
//	                                                   evidence has the url it is served at
//	/api/v1/elections/{election}/search?q=             search hits
//	/api/v1/elections/{election}/stations.csv          every station (stations.csv), whose digest the
//	                                                   log's first entry holds
//	/api/v1/elections/{election}/consistency           the consistency report: each analysis under its
//	                                                   name as `actas bound|compare|… --format json` gives
//	                                                   it, with its status, headline and caveat, and as_of
//	                                                   (the results it was computed from); ?analysis=NAME
//	                                                   keeps one; 503 with Retry-After while the first
//	                                                   report is computed
//
// The transparency log (log.go; docs/log.md) is public and read-only too:
//
//	/log/key                                           the verifier key, when the server was given it
//	/log/{election}/checkpoint                         the latest signed checkpoint (text)
//	/log/{election}/checkpoints                        every checkpoint, oldest first (JSON)
//	/log/{election}/entries?start=&end=                entries as a bundle (2-byte length, entry), at
//	                                                   most 2,048 per request
//	/log/{election}/proof/inclusion?index=&size=       inclusion proof (JSON, base64 hashes)
//	/log/{election}/proof/consistency?from=&size=      consistency proof
//	/log/{election}/tile/8/{L}/{N}[.p/{W}]             hash tiles, golang.org/x/mod/sumdb/tlog layout
//	/log/{election}/receipt/{index}                    a receipt against the latest checkpoint
//
// Errors are {"error":{"code":…,"message":…}} with the HTTP status of the
// actas error code (see errorStatus); internal causes are logged, not shown.
// Pages outside this scheme get a 404 page; methods other than GET and HEAD
// get 405, except on the routes that change state.
//
// # Accounts and submissions
//
// People sign in (auth.go) and witnesses submit sheets (submit.go) on the
// only routes that change state, all POST behind
// http.CrossOriginProtection (a request with an Authorization header is
// judged by its bearer token alone and skips it):
//
//	GET  /signin                                       the sign-in form (?election=&code= fill it in;
//	                                                   ?next= a path of this site to return to)
//	POST /signin                                       redeems a one-time code: a session cookie (HttpOnly,
//	                                                   SameSite=Lax; Secure and __Host- over TLS) and 303 to
//	                                                   next, or the election; one refusal for every bad
//	                                                   code; 429 past the per-address rate limit
//	POST /signout                                      revokes the session, 303 to /
//	POST /api/v1/elections/{election}/submissions      a sheet as JSON (submissionRequest, at most 64 KiB,
//	                                                   Content-Type application/json, unknown fields
//	                                                   refused) by a session or a bearer token; authorize
//	                                                   decides by role and scope; 201 with the log entry's
//	                                                   receipt, 200 for a retry of the same idempotency
//	                                                   key (nothing stored twice), 202 when no signed
//	                                                   checkpoint includes it within Config.ReceiptWait
//	                                                   (the body gives receipt_url), 409 for the same key
//	                                                   with other content
//	POST /api/v1/elections/{election}/evidence         a photo of a sheet (upload.go): the raw bytes, at most
//	                                                   12 MiB, with their type as Content-Type (one of
//	                                                   actas.EvidenceTypes, and what the bytes are); 201
//	                                                   {sha256, size, type, exif} when new, 200 when the
//	                                                   same bytes were stored before; 413, 415
//
// Witnesses use the form (form.go), which works offline:
//
//	GET  /e/{election}/submit                          the phone form of a signed-in account that may submit
//	                                                   (303 to /signin?next= otherwise); its script
//	                                                   (static/submit.js) checks the sheet with the server's
//	                                                   flag rules, queues sheets and photos in IndexedDB
//	                                                   with their idempotency keys and sends them when there
//	                                                   is a connection
//	GET  /e/{election}/sw.js                           its service worker (static/sw.js), whose scope is
//	                                                   the form: the form opens without a connection
//
// # Consistency reports
//
// The analyses behind /e/{election}/consistency take seconds on a large
// election, so no request runs them: a background worker per election
// computes one contest's report at a time and keeps the last one, which is
// served with the results it was computed from ("as of" a log entry). A
// change of the results, official totals or snapshots queues one more
// computation, however many requests see it. A request finding no report
// waits for the first up to Config.ConsistencyWait, then gets a page that
// says it is being computed and reloads itself (the API: 503 and
// Retry-After).
//
// # Caching
//
// Responses under /e/{election} and /api/v1/elections/{election} are kept
// in memory and served again until the results or the official totals
// change (see Config.MaxStale), so a popular page is rendered once per
// change rather than once per reader. The log's pages and endpoints are not
// cached; the upper levels of each log's tree are kept in memory (logtree.go)
// so that a proof reads one page of the store.
package web
