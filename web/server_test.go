package web

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// MustServe runs the fixture's server on a loopback port until the test
// ends, and returns its URL.
func MustServe(tb testing.TB, f *fixture) string {
	tb.Helper()
	u, err := f.Server.Listen("127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- f.Server.Serve() }()
	tb.Cleanup(func() {
		if err := f.Server.Close(); err != nil {
			tb.Errorf("close: %v", err)
		}
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("serve: %v", err)
			}
		case <-time.After(15 * time.Second):
			tb.Errorf("Serve did not return after Close")
		}
	})
	return u
}

func TestListenServeClose(t *testing.T) {
	f := MustHandmade(t)
	u, err := f.Server.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "http://127.0.0.1:") || !strings.HasSuffix(u, "/") {
		t.Errorf("URL %q", u)
	}
	if _, err := f.Server.Listen("127.0.0.1:0"); err == nil {
		t.Errorf("a second Listen succeeded")
	}
	done := make(chan error, 1)
	go func() { done <- f.Server.Serve() }()

	resp, err := http.Get(u) // follows the redirect to the only election
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<h1>Demo 2024</h1>") || resp.Request.URL.Path != "/e/demo-2024" {
		t.Fatalf("GET %s: %d at %s", u, resp.StatusCode, resp.Request.URL)
	}

	if err := f.Server.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after Close returned %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return after Close")
	}
	if _, err := http.Get(u); err == nil {
		t.Errorf("server still answers after Close")
	}
	if err := f.Server.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestListenURLOfAWildcardAddress(t *testing.T) {
	f := MustHandmade(t)
	u, err := f.Server.Listen(":0")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "http://localhost:") {
		t.Errorf("URL for :0 is %q, want localhost", u)
	}
}
